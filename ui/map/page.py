"""The map page: the list's filters, the map, a legend of types, and the record clicked.

Points are read and clustered on the db lane (`fieldapp.map_data.incident_points`), the
finer zoom levels are prepared on the cpu lane after the first paint, so the window never
waits. A click on a point shows its incident beside the map (Edit, History, Add a
testimony as in the lists); a click on a cluster whose incidents share one place lists
them in a menu.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from fieldapp import map_data, model
from fieldapp.i18n import N_, _, format_number, ngettext
from fieldapp.messages import user_message

from ..models.vault_access import VaultAccess
from ..views.incident_filters import IncidentFilters
from ..views.record_view import RecordView
from .canvas import PALETTE, MapCanvas
from .clusters import ClusterIndex, project

TYPES = list(model.EVENT_TYPES)
MENU_AT_MOST = 25


def read_points(conn: Any, pseudonym: str, filters: dict[str, Any]
                ) -> tuple[list[map_data.Point], int, ClusterIndex]:
    """Points, the count left unplaced, and their clusters (runs on the db lane)."""
    points, unplaced = map_data.incident_points(conn, pseudonym, filters)
    xs, ys, kinds = [], [], []
    for point in points:
        x, y = project(point.longitude, point.latitude)
        xs.append(x)
        ys.append(y)
        kinds.append(TYPES.index(point.event_type) if point.event_type in TYPES
                     else len(TYPES) - 1)
    return points, unplaced, ClusterIndex(xs, ys, kinds)


class MapPage(QWidget):
    """Incidents of the selection on an offline map of Mali."""

    loaded = Signal()            # points on the map (tests, screenshots)
    record_shown = Signal(str)   # an incident opened from the map

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.points: list[map_data.Point] = []
        self.unplaced = 0
        self._job: Any = None
        self._again = False
        layout = QVBoxLayout(self)
        self.filters = IncidentFilters(self)
        layout.addWidget(self.filters)
        # The count and the zoom buttons on a row of their own, under the filters: beside
        # them the page would be wider than a 1024 px screen leaves it (896 px).
        buttons = QHBoxLayout()
        self.count = QLabel(self)
        buttons.addWidget(self.count, 1)
        self.zoom_in, self.zoom_out, self.fit_button = (QPushButton(self) for _ in range(3))
        for button in (self.zoom_in, self.zoom_out, self.fit_button):
            buttons.addWidget(button)
        layout.addLayout(buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.canvas = MapCanvas(self.splitter)
        side = QWidget(self.splitter)
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.legend_title = QLabel(side)
        side_layout.addWidget(self.legend_title)
        legend = QGridLayout()
        self.swatches: dict[str, QLabel] = {}
        self.legend_labels: dict[str, QLabel] = {}
        for index, key in enumerate(TYPES):
            swatch = QLabel(side)
            swatch.setFixedSize(12, 12)
            swatch.setStyleSheet(f"background: {PALETTE[index % len(PALETTE)]}; "
                                 "border-radius: 6px;")
            text = QLabel(side)
            text.setWordWrap(True)
            self.swatches[key], self.legend_labels[key] = swatch, text
            legend.addWidget(swatch, index // 2, (index % 2) * 2)
            legend.addWidget(text, index // 2, (index % 2) * 2 + 1)
        legend.setColumnStretch(1, 1)
        legend.setColumnStretch(3, 1)
        side_layout.addLayout(legend)
        self.view = RecordView(access, side, empty_text=N_("Click a point on the map to "
                                                           "see its incident here."))
        side_layout.addWidget(self.view, 1)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)
        self.source = QLabel(self)
        self.source.setWordWrap(True)
        layout.addWidget(self.source)

        self.filters.changed.connect(self.refresh)
        self.zoom_in.clicked.connect(lambda: self.canvas.zoom(2.0))
        self.zoom_out.clicked.connect(lambda: self.canvas.zoom(0.5))
        self.fit_button.clicked.connect(self.canvas.fit)
        self.canvas.record_clicked.connect(self.open_point)
        self.canvas.cluster_clicked.connect(self._choose)
        access.record_saved.connect(lambda _id, kind: self.refresh() if kind == "incident"
                                    and self.isVisible() else None)
        self.retranslate()

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the points under the filters (db lane; one job at a time)."""
        if self.access.closed:
            return
        if self._job is not None:
            self._again = True
            return
        filters = {k: v for k, v in self.filters.values().items() if v}
        self.count.setText(_("Loading…"))
        self._job = self.access.ops.run(read_points, self.access.writer_vault.conn,
                                        self.access.pseudonym, filters,
                                        on_done=self._read, on_error=self._failed,
                                        lane="db")

    def _finished(self) -> bool:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()
            return False
        return True

    def _failed(self, exc: BaseException) -> None:
        if self._finished():
            self.count.setText(user_message(exc))

    def _read(self, result: tuple[list[map_data.Point], int, ClusterIndex]) -> None:
        if not self._finished():
            return
        self.points, self.unplaced, index = result
        self.canvas.set_points(index)
        self.access.ops.run(index.build_all, lane="cpu", on_error=lambda _exc: None)
        self._update_count()
        self.loaded.emit()

    def _update_count(self) -> None:
        text = ngettext("{n} incident on the map", "{n} incidents on the map",
                        len(self.points)).format(n=format_number(len(self.points)))
        if self.unplaced:
            text += "\n" + ngettext("{n} without a known place", "{n} without a known place",
                                    self.unplaced).format(n=format_number(self.unplaced))
        self.count.setText(text)

    # --- opening records --------------------------------------------------------------
    def open_point(self, index: int) -> None:
        if 0 <= index < len(self.points):
            record_id = self.points[index].id
            self.view.show_record(record_id)
            self.record_shown.emit(record_id)

    def _choose(self, indexes: list[int]) -> None:
        menu = QMenu(self)
        for index in indexes[:MENU_AT_MOST]:
            action = menu.addAction(self.points[index].title)
            action.triggered.connect(lambda _c=False, i=index: self.open_point(i))
        if len(indexes) > MENU_AT_MOST:
            more = menu.addAction(_("… and {n} more: narrow the filters").format(
                n=format_number(len(indexes) - MENU_AT_MOST)))
            more.setEnabled(False)
        menu.popup(self.canvas.mapToGlobal(QPoint(self.canvas.width() // 2,
                                                  self.canvas.height() // 2)))
        self._menu = menu

    # --- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        self.filters.retranslate()
        self.zoom_in.setText("+")
        self.zoom_out.setText("−")
        self.zoom_in.setToolTip(_("Zoom in (+ or the mouse wheel)"))
        self.zoom_out.setToolTip(_("Zoom out (−)"))
        self.zoom_in.setAccessibleName(_("Zoom in"))
        self.zoom_out.setAccessibleName(_("Zoom out"))
        self.fit_button.setText(_("All of &Mali"))
        self.fit_button.setToolTip(_("Show the whole country (Home)"))
        self.canvas.setAccessibleName(_("Map of incidents"))
        self.canvas.setToolTip(_("Drag to move, wheel to zoom; click a point to open its "
                                 "incident, a group to zoom in"))
        self.legend_title.setText(_("Types of event"))
        for key, label in self.legend_labels.items():
            label.setText(_(model.EVENT_TYPES[key]))
        self.source.setText(_("Offline map: borders from Natural Earth (public domain), "
                              "regions before 2023. No map tiles are downloaded."))
        self.view.retranslate()
        if self.points or self.unplaced:
            self._update_count()
