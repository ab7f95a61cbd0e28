"""The main window after unlock: a sidebar of pages, a toolbar, and a status bar.

Pages: Incidents, Testimonies, People (lists with search, filters and the chosen record),
Dashboard (counts and charts; a bar click filters the list), Map (offline),
Outbox (sync panel), Audit log; Settings opens the shell's dialog. Everything is reachable
with the keyboard: Ctrl+N new incident, Ctrl+Shift+N new testimony, Ctrl+F search,
Ctrl+E edit, Ctrl+H history, Ctrl+1…9 pages, Ctrl+P PDF report, F5 sync now, Ctrl+L lock,
Ctrl+Shift+L panic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from fieldapp import APP_NAME, i18n
from fieldapp.errors import FieldappError
from fieldapp.i18n import _, format_timestamp
from fieldapp.messages import user_message

from .dashboard import DashboardPage
from .forms.editor import RecordEditor
from .forms.incident import IncidentEditor
from .forms.person import PersonEditor
from .forms.testimony import TestimonyEditor
from .history import HistoryDialog
from .icons import icon
from .keys import keys_text
from .map.page import MapPage
from .models.vault_access import VaultAccess
from .pages import PageSpec, pages_for
from .views.audit_view import AuditLogPage
from .views.outbox_view import LAST_SYNC_KEY, SyncPanel
from .views.record_list import RecordListPage
from .window_size import WindowSizes

try:
    from .panic import PANIC_SHORTCUT
except ImportError:  # pragma: no cover - the shell's module
    PANIC_SHORTCUT = QKeySequence("Ctrl+Shift+L")

SHORTCUT_PAGES = 9  # Ctrl+1 … Ctrl+9, the first pages of the sidebar
SIDEBAR_STYLE = ("QListWidget#sidebar { border: none; background: #f1f5f9; outline: 0; }"
                 "QListWidget#sidebar::item { padding: 6px 8px; border-radius: 4px; "
                 "color: #1e293b; }"
                 "QListWidget#sidebar::item:selected { background: #dbe7f5; color: #0f172a; "
                 "border-left: 3px solid #1d4ed8; }")
EDITORS: dict[str, type[RecordEditor]] = {"incident": IncidentEditor,
                                          "testimony": TestimonyEditor,
                                          "person": PersonEditor}


class MainWindow(QMainWindow):
    """The window a monitor works in once the profile is unlocked."""

    editor_opened = Signal(object)   # the RecordEditor just shown (tests, screenshots)

    def __init__(self, vault: Any, profile: Any = None, ops: Any = None,
                 controller: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.vault = vault
        self.profile = profile
        self.controller = controller
        self.ops = ops if ops is not None else controller.ops
        self.access = VaultAccess(vault, self.ops, self)
        self.editors: list[RecordEditor] = []
        self.history: HistoryDialog | None = None

        self.sidebar = QListWidget(self)
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setStyleSheet(SIDEBAR_STYLE)
        self.sidebar.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.stack = QStackedWidget(self)
        self.incidents = RecordListPage(self.access, "incident", self.stack)
        self.testimonies = RecordListPage(self.access, "testimony", self.stack)
        self.people = RecordListPage(self.access, "person", self.stack)
        self.outbox = SyncPanel(self.access, self.stack)
        self.audit = AuditLogPage(self.access, self.stack)
        self.dashboard = DashboardPage(self.access, self.stack)
        self.map = MapPage(self.access, self.stack)
        self.pages: dict[str, QWidget] = {
            "incidents": self.incidents, "testimonies": self.testimonies,
            "people": self.people, "dashboard": self.dashboard, "map": self.map,
            "outbox": self.outbox, "audit": self.audit}
        self.page_specs: list[PageSpec] = []
        self._build_sidebar()
        for page in (self.incidents, self.testimonies, self.people):
            page.edit_requested.connect(self.edit_record)
            page.history_requested.connect(self.show_history)
            page.testimony_requested.connect(lambda rid: self.new_record("testimony", rid))
            page.new_requested.connect(self.new_record)
        self.dashboard.filter_requested.connect(self.show_incidents)
        self.dashboard.report_requested.connect(self.write_report)
        self.map.view.edit_requested.connect(self.edit_record)
        self.map.view.history_requested.connect(self.show_history)
        self.map.view.testimony_requested.connect(
            lambda rid: self.new_record("testimony", rid))
        central = QWidget(self)
        row = QHBoxLayout(central)
        row.addWidget(self.sidebar)
        row.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.sidebar.currentRowChanged.connect(self._page_chosen)

        self.toolbar = QToolBar(self)
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toolbar.setIconSize(QSize(20, 20))
        self.toolbar.setMovable(False)
        self.addToolBar(self.toolbar)
        self.new_incident_action = self._action(QKeySequence("Ctrl+N"),
                                                lambda: self.new_record("incident"),
                                                "new_incident")
        self.new_testimony_action = self._action(QKeySequence("Ctrl+Shift+N"),
                                                 lambda: self.new_record("testimony"),
                                                 "new_testimony")
        self.sync_action = self._action(QKeySequence("F5"), self.sync_now, "sync")
        self.report_action = self._action(QKeySequence("Ctrl+P"),
                                          lambda: self.write_report(None), "report")
        self.lock_action = self._action(QKeySequence("Ctrl+L"), self.lock, "lock")
        # The shell adds the application-wide panic shortcut (PANIC_SHORTCUT) to this
        # window; a second action with the same keys would make both ambiguous.
        self.panic_action = self._action(QKeySequence(), self.panic, "panic")
        self.toolbar.addSeparator()
        for action in (self.lock_action, self.panic_action):
            self.toolbar.removeAction(action)
            self.toolbar.addAction(action)
        QShortcut(QKeySequence.StandardKey.Find, self, activated=self.focus_search)
        QShortcut(QKeySequence("Ctrl+E"), self, activated=self._edit_current)
        QShortcut(QKeySequence("Ctrl+H"), self, activated=self._history_current)
        for number in range(1, SHORTCUT_PAGES + 1):
            QShortcut(QKeySequence(f"Ctrl+{number}"), self,
                      activated=lambda n=number: self._choose_row(n - 1))

        self._actions_for_role()
        self.sync_status = QLabel(self)
        self.statusBar().addPermanentWidget(self.sync_status)
        self.outbox.sync_finished.connect(self._synced)

        if controller is not None and hasattr(controller, "language_changed"):
            controller.language_changed.connect(self._language_changed)
        else:
            i18n.on_language_change(self._language_changed)
        self._listening_i18n = controller is None or not hasattr(controller,
                                                                 "language_changed")
        self.window_sizes: WindowSizes = getattr(controller, "window_sizes", None) \
            or WindowSizes()
        self.window_sizes.restore(self, "main", QSize(1200, 800), maximize_when_small=True)
        self.retranslate()
        self.sidebar.setCurrentRow(0)
        self.incidents.ensure_loaded()

    def _action(self, shortcut: QKeySequence | QKeySequence.StandardKey,
                slot: Any, icon_name: str) -> QAction:
        action = QAction(icon(icon_name), "", self)
        action.setShortcut(shortcut)
        action.triggered.connect(slot)
        self.toolbar.addAction(action)
        return action

    # --- pages ------------------------------------------------------------------------
    def current_page(self) -> QWidget:
        return self.stack.currentWidget()

    def _page_factories(self) -> dict[str, Callable[[], QWidget]]:
        """How to make each page that is not made for everyone (the desks' pages)."""
        from .project.conflicts import ConflictsPage
        from .project.panel import ProjectPage
        from .translate.pages import AssignmentsPage, MyAssignmentsPage

        def after_syncs(page: QWidget) -> QWidget:
            self.outbox.sync_finished.connect(lambda _ok: page.refresh())  # type: ignore
            return page

        def conflicts_page() -> QWidget:
            page = ConflictsPage(self.access, self.stack)
            # what a sync brings may make or end conflicts (reads the vault only)
            self.outbox.sync_finished.connect(lambda _ok: page.refresh())
            return page

        return {"project": lambda: ProjectPage(self.access, self.stack),
                "conflicts": conflicts_page,
                "review": self._make_review_queue, "notes": self._make_notes,
                "my_assignments": lambda: after_syncs(MyAssignmentsPage(self.access,
                                                                        self.stack)),
                "assignments": lambda: after_syncs(AssignmentsPage(self.access, self.stack))}

    def _make_review_queue(self) -> QWidget:
        from .desk.review_queue import ReviewQueuePage

        page = ReviewQueuePage(self.access, self.stack)
        page.panel.reviewed.connect(lambda _ids: self._refresh_lists())
        return page

    def _make_notes(self) -> QWidget:
        from .desk.notes_page import NotesPage

        page = NotesPage(self.access, self.stack)
        page.edit_requested.connect(self.edit_record)
        page.history_requested.connect(self.show_history)
        page.unread_changed.connect(lambda _n: self._label_pages())
        return page

    def _actions_for_role(self) -> None:
        """A translator writes no records and no reports: those actions are not there."""
        writes = self.access.role != "translator"
        for action in (self.new_incident_action, self.new_testimony_action,
                       self.report_action):
            action.setVisible(writes)
            action.setEnabled(writes)

    def _build_sidebar(self) -> None:
        """One sidebar row per page this device's role sees (again after joining)."""
        self.page_specs = pages_for(self.access.role)
        factories = self._page_factories()
        for spec in self.page_specs:
            if spec.key not in self.pages and spec.key in factories:
                self.pages[spec.key] = factories[spec.key]()
        self.sidebar.blockSignals(True)
        self.sidebar.clear()
        for spec in self.page_specs:
            item = QListWidgetItem(self.sidebar)
            item.setData(Qt.ItemDataRole.UserRole, spec.key)
            if spec.icon:
                item.setIcon(icon(spec.icon))
            page = self.pages.get(spec.key)
            if page is not None and self.stack.indexOf(page) < 0:
                self.stack.addWidget(page)
        self.sidebar.blockSignals(False)

    def role_changed(self) -> None:
        """The device joined a project or changed role: pages follow, names too."""
        current = self.current_key()
        self._build_sidebar()
        self._actions_for_role()
        self.retranslate()
        self._highlight_current_page()
        if current not in {s.key for s in self.page_specs}:
            self._choose_row(0)

    def current_key(self) -> str:
        page = self.current_page()
        return next((k for k, p in self.pages.items() if p is page), "incidents")

    def _choose_row(self, row: int) -> None:
        if 0 <= row < self.sidebar.count():
            self.sidebar.setCurrentRow(row)

    def show_page(self, key: str) -> None:
        keys = [spec.key for spec in self.page_specs]
        self.sidebar.setCurrentRow(keys.index(key))

    def _page_chosen(self, row: int) -> None:
        if row < 0 or row >= len(self.page_specs):
            return
        key = self.page_specs[row].key
        if key == "settings":
            # Settings is a dialog, not a page: the highlight goes back to the page shown,
            # once the click that chose Settings has finished selecting it.
            QTimer.singleShot(0, self._highlight_current_page)
            if self.controller is not None:
                self.controller.open_settings()
            return
        page = self.pages[key]
        self.stack.setCurrentWidget(page)
        if isinstance(page, RecordListPage):
            page.ensure_loaded()
        elif hasattr(page, "refresh"):
            page.refresh()

    def show_incidents(self, filters: dict[str, str]) -> None:
        """The incident list under ``filters`` (a click on a dashboard bar)."""
        self.show_page("incidents")
        self.incidents.set_filters(filters)

    def write_report(self, filters: dict[str, str] | None) -> None:
        """The PDF report dialog, on ``filters`` (None: the incident list's)."""
        from .report_dialog import ReportDialog

        if filters is None:
            filters = {k: v for k, v in self.incidents.filters().items() if v}
        self.report_dialog = ReportDialog(self.access, filters, self)
        self.report_dialog.show()

    def _highlight_current_page(self) -> None:
        keys = [spec.key for spec in self.page_specs]
        current = self.current_key()
        row = keys.index(current) if current in keys else 0
        self.sidebar.blockSignals(True)
        self.sidebar.setCurrentRow(row, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.sidebar.blockSignals(False)

    def focus_search(self) -> None:
        page = self.current_page()
        if not isinstance(page, RecordListPage):
            if "incidents" not in {spec.key for spec in self.page_specs}:
                return
            self.show_page("incidents")
            page = self.incidents
        page.search.setFocus()
        page.search.selectAll()

    def _current_list(self) -> RecordListPage | None:
        page = self.current_page()
        return page if isinstance(page, RecordListPage) else None

    def _edit_current(self) -> None:
        page = self._current_list()
        if page is not None and page.view.record is not None:
            self.edit_record(page.view.record.id)

    def _history_current(self) -> None:
        page = self._current_list()
        if page is not None and page.view.record is not None:
            self.show_history(page.view.record.id)

    # --- editors ----------------------------------------------------------------------
    def new_record(self, kind: str = "incident", incident_id: str | None = None
                   ) -> RecordEditor:
        """Open an empty editor; drafts left unsaved (e.g. by a crash) are offered back."""
        offered = self._drafts_offered(kind, None)
        if kind in ("testimony", "person"):
            editor: RecordEditor = EDITORS[kind](self.access, None, offered, self,
                                                 incident_id=incident_id)
        else:
            editor = IncidentEditor(self.access, None, offered, self)
        return self._show_editor(editor)

    def _drafts_offered(self, kind: str, record_id: str | None) -> list[Any]:
        """Unsaved drafts of this kind (and record), except those an open form is writing."""
        in_use = {editor.draft_id for editor in self.editors}
        return [d for d in self.access.drafts_for(kind, record_id) if d.id not in in_use]

    def edit_record(self, record_id: str) -> RecordEditor | None:
        try:
            record = self.access.reader.get(record_id)
        except FieldappError as exc:
            self.statusBar().showMessage(user_message(exc), 10_000)
            return None
        editor_class = EDITORS.get(record.kind)
        if editor_class is None:
            self.statusBar().showMessage(_("This kind of record cannot be edited here yet."),
                                         10_000)
            return None
        offered = self._drafts_offered(record.kind, record.id)
        editor = editor_class(self.access, record, offered, self)
        return self._show_editor(editor)

    def _show_editor(self, editor: RecordEditor) -> RecordEditor:
        editor.setWindowModality(Qt.WindowModality.NonModal)
        self.window_sizes.restore(editor, f"{editor.KIND}_editor", editor.PREFERRED_SIZE)
        editor.saved.connect(self._saved)
        editor.draft_taken.connect(lambda draft_id, e=editor: self._draft_taken(e, draft_id))
        editor.finished.connect(lambda _r, e=editor: self._editor_closed(e))
        self.editors.append(editor)
        editor.show()
        editor.raise_()
        editor.activateWindow()
        self.editor_opened.emit(editor)
        return editor

    def _draft_taken(self, taker: RecordEditor, draft_id: str) -> None:
        """A form restored or discarded a draft: no other open form offers it any more."""
        for editor in self.editors:
            if editor is not taker:
                editor.offer.withdraw(draft_id)

    def _editor_closed(self, editor: RecordEditor) -> None:
        self.window_sizes.remember(editor, f"{editor.KIND}_editor")
        if editor in self.editors:
            self.editors.remove(editor)
        editor.deleteLater()

    def _saved(self, record_id: str) -> None:
        self.statusBar().showMessage(_("Saved on this computer, encrypted. It will be sent "
                                       "at the next sync."), 8000)

    def show_history(self, record_id: str) -> HistoryDialog | None:
        try:
            self.history = HistoryDialog(self.access.reader, record_id, self)
        except FieldappError as exc:
            self.statusBar().showMessage(user_message(exc), 10_000)
            return None
        self.history.show()
        return self.history

    # --- toolbar ----------------------------------------------------------------------
    def sync_now(self) -> Any:
        self.show_page("outbox")
        return self.outbox.sync_now()

    def lock(self) -> None:
        if self.controller is not None:
            self.controller.lock()

    def panic(self) -> None:
        if self.controller is not None:
            self.controller.panic()

    def _synced(self, _ok: bool = True) -> None:
        """After a sync the lists show what it brought, without a click or a keystroke;
        the page on screen reads again too (the others do when they are chosen)."""
        self._update_status()
        if self.access.closed:
            return
        current = self.current_page()
        self._refresh_lists()
        for page in self.pages.values():
            if page is current and not isinstance(page, RecordListPage | SyncPanel):
                page.refresh()  # type: ignore[attr-defined]
            elif hasattr(page, "count_unread"):
                page.count_unread()

    def _refresh_lists(self) -> None:
        for page in self.pages.values():
            if isinstance(page, RecordListPage):
                page.refresh()

    def _update_status(self) -> None:
        when = None if self.access.closed else self.access.reader_vault.setting(LAST_SYNC_KEY)
        self.sync_status.setText(
            _("Last sync: {when}").format(when=format_timestamp(when)) if when
            else _("Last sync: never"))

    # --- language ---------------------------------------------------------------------
    def _language_changed(self, _lang: str = "") -> None:
        try:
            self.retranslate()
        except RuntimeError:  # the window was deleted
            i18n.remove_language_listener(self._language_changed)

    def retranslate(self) -> None:
        self.setWindowTitle(_("{app} — {pseudonym}").format(app=APP_NAME,
                                                             pseudonym=self.access.pseudonym))
        self._label_pages()
        self.sidebar.setAccessibleName(_("Sections"))
        self.toolbar.setWindowTitle(_("Main actions"))
        texts = ((self.new_incident_action, _("&New incident"), _("New incident ({keys})")),
                 (self.new_testimony_action, _("New &testimony"),
                  _("New testimony ({keys})")),
                 (self.sync_action, _("S&ync now"), _("Send and receive now ({keys})")),
                 (self.report_action, _("Report (P&DF)…"),
                  _("Write the listed incidents as a PDF report, redacted by default "
                    "({keys})")),
                 (self.lock_action, _("&Lock"), _("Lock now ({keys})")),
                 (self.panic_action, _("&Panic"),
                  _("Lock at once and offer to destroy the data ({keys})")))
        for action, text, tip in texts:
            shortcut = PANIC_SHORTCUT if action is self.panic_action else action.shortcut()
            action.setText(text)
            action.setToolTip(tip.format(keys=keys_text(shortcut)))
        for page in self.pages.values():
            page.retranslate()  # type: ignore[attr-defined]
        self._update_status()

    def _label_pages(self) -> None:
        """The sidebar's names, with the count of unread notes beside theirs."""
        for row, spec in enumerate(self.page_specs):
            item = self.sidebar.item(row)
            text = _(spec.label)
            unread = getattr(self.pages.get(spec.key), "unread", 0)
            if unread:
                text = _("{page} ({n})").format(page=text, n=unread)
            item.setText(text)
            if row < SHORTCUT_PAGES:
                item.setToolTip(_("{page} ({keys})").format(
                    page=_(spec.label), keys=keys_text(QKeySequence(f"Ctrl+{row + 1}"))))
        self._fit_sidebar()

    def _fit_sidebar(self) -> None:
        """As wide as its longest name (no "Témoignag"), whatever the language."""
        metrics = self.sidebar.fontMetrics()
        widest = max((metrics.horizontalAdvance(self.sidebar.item(r).text())
                      for r in range(self.sidebar.count())), default=0)
        bold = widest + metrics.averageCharWidth() * 2  # the chosen page is drawn bolder
        self.sidebar.setFixedWidth(bold + self.sidebar.iconSize().width() + 48)

    # --- closing ----------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        if self.outbox.syncing:
            self.outbox.cancel()  # stops at the next safe point; nothing sent is lost
        for editor in list(self.editors):
            editor.flush()
        for page in self.pages.values():
            if hasattr(page, "flush"):
                page.flush()  # the translator's open editors keep their drafts
        if self._listening_i18n:
            i18n.remove_language_listener(self._language_changed)
        self.window_sizes.remember(self, "main")
        self.access.close()
        super().closeEvent(event)
