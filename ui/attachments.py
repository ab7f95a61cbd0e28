"""Attachments in the window: files waiting to be attached to a form, and the panel of a
saved record (thumbnails, what metadata was removed, decrypted view or export on request).

Decrypted bytes never touch the disk unless the user explicitly exports a copy after a
warning; "View" shows an image from memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QIcon, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import _, format_number, ngettext
from fieldapp.messages import user_message

from . import file_dialogs
from .icons import icon
from .keys import keys_text
from .models.vault_access import SaveResult, VaultAccess
from .sizes import size_text
from .window_size import fit

try:
    from fieldapp import attachments as core_attachments
except ImportError:  # pragma: no cover - written in parallel
    core_attachments = None  # type: ignore[assignment]

ID_ROLE = Qt.ItemDataRole.UserRole + 1


def _local_paths(event: QDragEnterEvent | QDropEvent) -> list[str]:
    mime = event.mimeData()
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class PendingFiles(QWidget):
    """Files chosen in a form, attached after the record is saved (dialog or drop)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * 6 + 12)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        buttons = QHBoxLayout()
        self.add_button = QPushButton(self)
        self.remove_button = QPushButton(self)
        self.keep_original = QCheckBox(self)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout.addWidget(self.hint)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        layout.addWidget(self.keep_original)
        self.add_button.clicked.connect(self.choose_files)
        self.remove_button.clicked.connect(self.remove_selected)
        self.keep_original.toggled.connect(lambda _on: self.changed.emit())
        self.setFocusProxy(self.add_button)
        self.retranslate()

    def retranslate(self) -> None:
        self.hint.setText(_("Drop files here or add them. Photos, recordings, videos and "
                            "PDF files lose their hidden details (GPS position, device, "
                            "author) when stored."))
        self.add_button.setText(_("&Add files…"))
        self.remove_button.setText(_("Remo&ve from the list"))
        self.keep_original.setText(_("Also keep the untouched original, encrypted "
                                     "(for chain of custody)"))
        self.list.setAccessibleName(_("Files to attach"))

    def files(self) -> list[tuple[str, bool]]:
        keep = self.keep_original.isChecked()
        return [(self.list.item(r).data(ID_ROLE), keep) for r in range(self.list.count())]

    def set_files(self, files: list[Any]) -> None:
        self.list.clear()
        keep = False
        for entry in files:
            path, keep_one = (entry[0], bool(entry[1])) if isinstance(entry, list | tuple) \
                else (str(entry), False)
            keep = keep or keep_one
            self._add(path)
        self.keep_original.setChecked(keep)

    def add_paths(self, paths: list[str]) -> None:
        known = {p for p, _keep in self.files()}
        for path in paths:
            if path and path not in known and Path(path).is_file():
                self._add(path)
                known.add(path)
        self.changed.emit()

    def _add(self, path: str) -> None:
        item = QListWidgetItem(Path(path).name, self.list)
        item.setData(ID_ROLE, path)
        item.setToolTip(path)

    def choose_files(self) -> None:
        paths = file_dialogs.open_files(self, _("Add files"))
        self.add_paths(paths)

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if _local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = _local_paths(event)
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()


class ImageViewer(QDialog):
    """A decrypted image shown from memory (nothing written to disk), fitted to the
    window at first; zoom in and out with the buttons, Ctrl+wheel or Ctrl++ / Ctrl+-,
    and fit again with Ctrl+0."""

    STEP = 1.25

    def __init__(self, data: bytes, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(name)
        self.original = QPixmap()
        self.original.loadFromData(data)
        self.zoom = 1.0
        self.fitted = True
        layout = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.zoom_out_button = QPushButton(icon("zoom_out"), "", self)
        self.zoom_in_button = QPushButton(icon("zoom_in"), "", self)
        self.fit_button = QPushButton(icon("fit"), "", self)
        self.zoom_label = QLabel(self)
        for widget in (self.zoom_out_button, self.zoom_in_button, self.fit_button,
                       self.zoom_label):
            bar.addWidget(widget)
        bar.addStretch(1)
        layout.addLayout(bar)
        self.scroll = QScrollArea(self)
        self.scroll.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.image = QLabel(self.scroll)
        self.image.setAccessibleName(name)
        self.scroll.setWidget(self.image)
        layout.addWidget(self.scroll, 1)
        self.zoom_in_button.clicked.connect(lambda: self.set_zoom(self.zoom * self.STEP))
        self.zoom_out_button.clicked.connect(lambda: self.set_zoom(self.zoom / self.STEP))
        self.fit_button.clicked.connect(self.fit_to_window)
        QShortcut(QKeySequence.StandardKey.ZoomIn, self,
                  activated=lambda: self.set_zoom(self.zoom * self.STEP))
        QShortcut(QKeySequence("Ctrl+="), self,
                  activated=lambda: self.set_zoom(self.zoom * self.STEP))
        QShortcut(QKeySequence.StandardKey.ZoomOut, self,
                  activated=lambda: self.set_zoom(self.zoom / self.STEP))
        QShortcut(QKeySequence("Ctrl+0"), self, activated=self.fit_to_window)
        fit(self, QSize(900, 700))
        self.retranslate()

    def retranslate(self) -> None:
        self.zoom_in_button.setToolTip(_("Zoom in ({keys})").format(
            keys=keys_text(QKeySequence.StandardKey.ZoomIn)))
        self.zoom_out_button.setToolTip(_("Zoom out ({keys})").format(
            keys=keys_text(QKeySequence.StandardKey.ZoomOut)))
        self.fit_button.setText(_("&Fit to the window"))
        self.zoom_in_button.setAccessibleName(_("Zoom in"))
        self.zoom_out_button.setAccessibleName(_("Zoom out"))
        self._show_zoom()

    def fit_to_window(self) -> None:
        """The whole image in the window (never enlarged past its own size)."""
        self.fitted = True
        room = self.scroll.viewport().size()
        if self.original.isNull() or room.width() < 10 or room.height() < 10:
            return
        self._apply(min(1.0, room.width() / self.original.width(),
                        room.height() / self.original.height()))

    def set_zoom(self, zoom: float) -> None:
        self.fitted = False
        self._apply(max(0.05, min(zoom, 8.0)))

    def _apply(self, zoom: float) -> None:
        self.zoom = zoom
        if not self.original.isNull():
            size = self.original.size() * zoom
            self.image.setPixmap(self.original.scaled(
                size, Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation))
            self.image.resize(self.image.pixmap().size())
        self._show_zoom()

    def _show_zoom(self) -> None:
        self.zoom_label.setText(_("{percent}%").format(
            percent=format_number(round(self.zoom * 100))))

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.fitted:
            self.fit_to_window()

    def resizeEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        super().resizeEvent(event)
        if self.fitted:
            self.fit_to_window()

    def wheelEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            step = self.STEP if event.angleDelta().y() > 0 else 1 / self.STEP
            self.set_zoom(self.zoom * step)
            event.accept()
            return
        super().wheelEvent(event)


class AttachmentsPanel(QWidget):
    """The attachments of one saved record."""

    changed = Signal()  # after the list was (re)loaded

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.record_id: str | None = None
        self.setAcceptDrops(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(self)
        self.list = QListWidget(self)
        self.list.setViewMode(QListWidget.ViewMode.IconMode)
        self.list.setIconSize(QSize(96, 96))
        self.list.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.list.setMinimumHeight(140)
        self.details = QLabel(self)
        self.details.setWordWrap(True)
        self.details.setProperty("user_data", True)  # file names, hashes
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.keep_original = QCheckBox(self)
        row = QHBoxLayout()
        self.add_button = QPushButton(icon("attach"), "", self)
        self.view_button = QPushButton(icon("view"), "", self)
        self.export_button = QPushButton(icon("export"), "", self)
        for button in (self.add_button, self.view_button, self.export_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addWidget(self.title)
        layout.addWidget(self.list)
        layout.addWidget(self.details)
        layout.addLayout(row)
        layout.addWidget(self.keep_original)
        layout.addWidget(self.message)
        self.title.setBuddy(self.list)
        self.add_button.clicked.connect(self.choose_files)
        self.view_button.clicked.connect(self.view_selected)
        self.export_button.clicked.connect(self.export_selected)
        self.list.currentItemChanged.connect(lambda *_a: self._show_details())
        self.list.itemActivated.connect(lambda _item: self.view_selected())
        access.attachments_changed.connect(self._changed_elsewhere)
        self.viewer: ImageViewer | None = None
        self._kind_icons = {kind: icon(kind) for kind in ("image", "audio", "video",
                                                          "document", "file")}
        self.retranslate()
        self._update_buttons()

    def retranslate(self) -> None:
        self.title.setText(_("&Attachments"))
        self.add_button.setText(_("Add &files…"))
        self.view_button.setText(_("&View"))
        self.view_button.setToolTip(_("Decrypted in memory only; nothing is written to "
                                      "disk."))
        self.export_button.setText(_("E&xport a copy…"))
        self.export_button.setToolTip(_("Writes a decrypted copy to a file: only after a "
                                        "warning."))
        self.keep_original.setText(_("Also keep the untouched original, encrypted"))
        self.list.setAccessibleName(_("Attachments"))
        if not self.access.has_attachments:
            self.message.setText(_("Attachments are not available in this version."))
        self._show_details()

    # --- loading ----------------------------------------------------------------------
    def set_record(self, record_id: str | None) -> None:
        self.record_id = record_id
        self.reload()

    def _changed_elsewhere(self, record_id: str) -> None:
        if record_id == self.record_id:
            self.reload()

    def items(self) -> list[Any]:
        if self.record_id is None or core_attachments is None or self.access.closed:
            return []
        return core_attachments.list_for(self.access.reader_vault, self.record_id)

    def reload(self) -> None:
        self.list.clear()
        self._attachments: dict[str, Any] = {}
        for att in self.items():
            self._attachments[att.id] = att
            item = QListWidgetItem(att.name, self.list)
            item.setData(ID_ROLE, att.id)
            item.setToolTip(att.name)
            shown = False
            if att.has_thumbnail:
                data = core_attachments.thumbnail(self.access.reader_vault, att.id)
                pixmap = QPixmap()
                if data and pixmap.loadFromData(data):
                    item.setIcon(QIcon(pixmap))
                    shown = True
            if not shown:  # a recording, a document: the icon of its kind
                item.setIcon(self._kind_icons.get(att.kind) or self._kind_icons["file"])
        # No empty box when there is nothing: "No attachment." and the Add button say it.
        self.list.setVisible(self.list.count() > 0)
        if self.list.count():
            self.list.setCurrentRow(0)
        self._show_details()
        self._update_buttons()
        self.changed.emit()

    def selected(self) -> Any:
        item = self.list.currentItem()
        if item is None:
            return None
        return getattr(self, "_attachments", {}).get(item.data(ID_ROLE))

    def _update_buttons(self) -> None:
        usable = self.record_id is not None and core_attachments is not None
        self.add_button.setEnabled(usable)
        has = self.selected() is not None
        self.view_button.setEnabled(has and self.selected().kind == "image")
        self.export_button.setEnabled(has)

    def _show_details(self) -> None:
        att = self.selected()
        self._update_buttons()
        if att is None:
            self.details.setText(_("No attachment.") if self.record_id else "")
            return
        lines = [_("{name} — {size}").format(name=att.name, size=size_text(att.size)),
                 att.stripped_text,
                 _("SHA-256 of the original: {digest}").format(digest=att.sha256_original)]
        if att.has_original and att.sha256_original != att.sha256_stored:
            lines.append(_("The untouched original is kept, encrypted."))
        self.details.setText("\n".join(lines))

    # --- adding -----------------------------------------------------------------------
    def choose_files(self) -> None:
        paths = file_dialogs.open_files(self, _("Add files"))
        if paths:
            self.add_paths(paths)

    def add_paths(self, paths: list[str]) -> Any:
        """Attach files to the record on the db lane; returns the job."""
        if self.record_id is None or not paths:
            return None
        keep = self.keep_original.isChecked()
        self.message.setText(ngettext("Adding {n} file…", "Adding {n} files…",
                                     len(paths)).format(n=len(paths)))
        return self.access.attach_files(self.record_id, [(p, keep) for p in paths],
                                        on_done=self._added, on_error=self._failed)

    def _added(self, result: SaveResult) -> None:
        lines = [user_message(exc) for _path, exc in result.refused]
        self.message.setText("\n".join(lines))

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(user_message(exc))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt override
        if self.record_id and _local_paths(event):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt override
        paths = _local_paths(event)
        if paths:
            self.add_paths(paths)
            event.acceptProposedAction()

    # --- decrypted access, only on request --------------------------------------------
    def view_selected(self) -> Any:
        """Decrypt the selected image in memory and show it; returns the job."""
        att = self.selected()
        if att is None or att.kind != "image" or core_attachments is None:
            return None
        vault = self.access.writer_vault

        def shown(data: bytes) -> None:
            self.viewer = ImageViewer(data, att.name, self)
            self.viewer.show()
        return self.access.ops.run(core_attachments.read_bytes, vault, att.id,
                                   on_done=shown, on_error=self._failed, lane="db")

    def confirm_export(self) -> bool:
        answer = QMessageBox.warning(
            self, _("Export a decrypted copy"),
            _("The copy will NOT be encrypted. Anyone who finds this computer or the disk "
              "you save it on can read it. Save it only on a device you control, and "
              "delete it when done. Continue?"),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No)
        return answer == QMessageBox.StandardButton.Yes

    def export_selected(self, out_path: str | None = None, confirmed: bool = False) -> Any:
        """Warn, ask where, then write a decrypted copy on the db lane; returns the job."""
        att = self.selected()
        if att is None or core_attachments is None:
            return None
        if not confirmed and not self.confirm_export():
            return None
        if out_path is None:
            out_path = file_dialogs.save_file(self, _("Export a decrypted copy"), att.name)
            if not out_path:
                return None

        def exported(path: Path) -> None:
            self.message.setText(_("Decrypted copy written to {path}. Delete it when "
                                   "done.").format(path=str(path)))
        return self.access.ops.run(core_attachments.export_copy, self.access.writer_vault,
                                   att.id, out_path, on_done=exported,
                                   on_error=self._failed, lane="db")
