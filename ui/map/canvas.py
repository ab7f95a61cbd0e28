"""The map itself: a QWidget painted with QPainter (no tiles, no network, no scene graph).

Mali's regions and outline (fieldapp.map_data) are QPainterPaths in projected degrees,
drawn through one transform; incidents come from a `ClusterIndex` and only the cells in
view are drawn. Drag to pan, wheel (or +/−) to zoom around the pointer, Home to see all
of Mali. A click on a single point emits `record_clicked`; a click on a cluster zooms in,
or, when its incidents all share one place, emits `cluster_clicked` with their indexes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPainterPath,
    QPaintEvent,
    QPen,
    QWheelEvent,
)
from PySide6.QtWidgets import QSizePolicy, QWidget

from fieldapp import map_data

from .clusters import CELL_PX, ClusterIndex, main_type, project, unproject

# One colour per type of event (model.EVENT_TYPES order), told apart on a pale map.
PALETTE = ("#d62728", "#8c1d1d", "#9467bd", "#e377c2", "#000000", "#bcbd22", "#ff7f0e",
           "#8c564b", "#2ca02c", "#17becf", "#1f77b4", "#7f7f7f", "#393b79", "#637939",
           "#843c39", "#aaaaaa")
LAND = QColor("#f4efe1")
WATER = QColor("#dde8ef")
MIN_SCALE, MAX_SCALE = 10.0, 200_000.0  # pixels per projected degree


def _path(lines: Sequence[Sequence[Sequence[float]]], closed: bool) -> QPainterPath:
    path = QPainterPath()
    path.setFillRule(Qt.FillRule.OddEvenFill)
    for line in lines:
        for index, (lon, lat) in enumerate(line):
            x, y = project(lon, lat)
            if index == 0:
                path.moveTo(x, y)
            else:
                path.lineTo(x, y)
        if closed:
            path.closeSubpath()
    return path


class MapCanvas(QWidget):
    """Pan-and-zoom map of Mali with clustered incident points."""

    record_clicked = Signal(int)          # index of the point clicked
    cluster_clicked = Signal(list)        # indexes of the points of a one-place cluster
    view_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(240, 180)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(False)
        data = map_data.outline()
        self.land = _path([ring for region in data["regions"] for ring in region["rings"]],
                          closed=True)
        self.outline = _path(data["outline"], closed=False)
        self.boundaries = _path(data["boundaries"], closed=False)
        self.region_labels = [(region["name"], project(*region["label"]))
                              for region in data["regions"] if region["iso"] != "ML-BKO"]
        self.bounds = self.land.boundingRect()
        self.index: ClusterIndex | None = None
        self.type_colours: list[QColor] = [QColor(c) for c in PALETTE]
        self.scale = 1.0
        self.centre = self.bounds.center()
        self._drawn: list[tuple[float, float, float, int, tuple[int, int], list]] = []
        self._press: QPointF | None = None
        self._moved = False
        self._fitted = False
        self.last_level = 0

    # --- data -------------------------------------------------------------------------
    def set_points(self, index: ClusterIndex | None) -> None:
        self.index = index
        self.update()

    # --- view -------------------------------------------------------------------------
    def fit(self) -> None:
        """All of Mali in view."""
        margin = 16
        w, h = max(1, self.width() - 2 * margin), max(1, self.height() - 2 * margin)
        self.scale = min(w / self.bounds.width(), h / self.bounds.height())
        self.centre = self.bounds.center()
        self._fitted = True
        self.update()
        self.view_changed.emit()

    def to_screen(self, x: float, y: float) -> QPointF:
        return QPointF((x - self.centre.x()) * self.scale + self.width() / 2,
                       (y - self.centre.y()) * self.scale + self.height() / 2)

    def to_map(self, point: QPointF) -> tuple[float, float]:
        return ((point.x() - self.width() / 2) / self.scale + self.centre.x(),
                (point.y() - self.height() / 2) / self.scale + self.centre.y())

    def screen_point(self, longitude: float, latitude: float) -> QPointF:
        """Where a place shows on screen now (tests click there)."""
        return self.to_screen(*project(longitude, latitude))

    def lon_lat_at(self, point: QPointF) -> tuple[float, float]:
        return unproject(*self.to_map(point))

    def pan(self, dx: float, dy: float) -> None:
        self.centre = QPointF(self.centre.x() - dx / self.scale,
                              self.centre.y() - dy / self.scale)
        self.update()
        self.view_changed.emit()

    def zoom(self, factor: float, around: QPointF | None = None) -> None:
        around = around if around is not None else QPointF(self.width() / 2,
                                                           self.height() / 2)
        before = self.to_map(around)
        self.scale = max(MIN_SCALE, min(MAX_SCALE, self.scale * factor))
        after = self.to_map(around)
        self.centre = QPointF(self.centre.x() + before[0] - after[0],
                              self.centre.y() + before[1] - after[1])
        self.update()
        self.view_changed.emit()

    # --- painting ---------------------------------------------------------------------
    def resizeEvent(self, event: object) -> None:  # noqa: N802 - Qt override
        if not self._fitted:
            self.fit()
        super().resizeEvent(event)  # type: ignore[arg-type]

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
        painter = QPainter(self)
        painter.fillRect(self.rect(), WATER)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.save()
        painter.translate(self.width() / 2, self.height() / 2)
        painter.scale(self.scale, self.scale)
        painter.translate(-self.centre.x(), -self.centre.y())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(LAND)
        painter.drawPath(self.land)
        pen = QPen(QColor("#8a8170"), 1.0)
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(self.boundaries)
        pen = QPen(QColor("#4a4336"), 1.6)
        pen.setCosmetic(True)
        painter.setPen(pen)
        painter.drawPath(self.outline)
        painter.restore()
        self._paint_region_names(painter)
        self._paint_points(painter)
        painter.end()

    def _paint_region_names(self, painter: QPainter) -> None:
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.9))
        font.setItalic(True)
        painter.setFont(font)
        painter.setPen(QColor("#6d6556"))
        for name, (x, y) in self.region_labels:
            spot = self.to_screen(x, y)
            painter.drawText(QRectF(spot.x() - 60, spot.y() - 10, 120, 20),
                             Qt.AlignmentFlag.AlignCenter, name)

    def _paint_points(self, painter: QPainter) -> None:
        self._drawn = []
        index = self.index
        if index is None or not len(index):
            return
        level = index.level_for(self.scale)
        self.last_level = level
        left, top = self.to_map(QPointF(-CELL_PX, -CELL_PX))
        right, bottom = self.to_map(QPointF(self.width() + CELL_PX,
                                            self.height() + CELL_PX))
        font = QFont(self.font())
        font.setBold(True)
        font.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        painter.setFont(font)
        outline = QPen(QColor("white"), 1.5)
        for key, cell in index.visible(level, left, top, right, bottom):
            count = cell[0]
            spot = self.to_screen(cell[1] / count, cell[2] / count)
            colour = self.type_colours[main_type(cell) % len(self.type_colours)]
            painter.setPen(outline)
            painter.setBrush(QBrush(colour))
            if count == 1:
                radius = 6.0
                painter.drawEllipse(spot, radius, radius)
            else:
                radius = 9.0 + 4.0 * math.log10(count)
                painter.drawEllipse(spot, radius, radius)
                painter.setPen(QColor("white"))
                painter.drawText(QRectF(spot.x() - radius, spot.y() - radius, 2 * radius,
                                        2 * radius), Qt.AlignmentFlag.AlignCenter,
                                 str(count) if count < 10_000 else f"{count // 1000}k")
            self._drawn.append((spot.x(), spot.y(), radius, level, key, cell))

    # --- input ------------------------------------------------------------------------
    def item_at(self, point: QPointF) -> tuple[int, tuple[int, int], list] | None:
        """(level, cell key, cell) drawn under ``point``, the topmost first."""
        for x, y, radius, level, key, cell in reversed(self._drawn):
            if (point.x() - x) ** 2 + (point.y() - y) ** 2 <= (radius + 3) ** 2:
                return level, key, cell
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
            self._moved = False
            self.setFocus()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        if self._press is not None:
            delta = event.position() - self._press
            if self._moved or abs(delta.x()) + abs(delta.y()) > 4:
                self._moved = True
                self._press = event.position()
                self.pan(delta.x(), delta.y())
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt override
        clicked = self._press is not None and not self._moved
        self._press = None
        if clicked and event.button() == Qt.MouseButton.LeftButton:
            self.click(event.position())
        super().mouseReleaseEvent(event)

    def click(self, point: QPointF) -> None:
        found = self.item_at(point)
        if found is None or self.index is None:
            return
        level, key, cell = found
        if cell[0] == 1:
            self.record_clicked.emit(cell[4])
            return
        members = self.index.members(level, key)
        xs = {round(self.index.xs[i], 6) for i in members}
        ys = {round(self.index.ys[i], 6) for i in members}
        if len(xs) == 1 and len(ys) == 1:
            self.cluster_clicked.emit(members)
        else:
            self.zoom(4.0, point)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt override
        steps = event.angleDelta().y() / 120
        if steps:
            self.zoom(1.25 ** steps, event.position())
        event.accept()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt override
        key = event.key()
        moves = {Qt.Key.Key_Left: (60, 0), Qt.Key.Key_Right: (-60, 0),
                 Qt.Key.Key_Up: (0, 60), Qt.Key.Key_Down: (0, -60)}
        if key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom(1.5)
        elif key == Qt.Key.Key_Minus:
            self.zoom(1 / 1.5)
        elif key == Qt.Key.Key_Home:
            self.fit()
        elif key in moves:
            self.pan(*moves[key])
        else:
            super().keyPressEvent(event)
