"""The dashboard page: incidents counted by month (or year), region, type of event and
alleged perpetrator, and victims as a range, under the list's filters.

Counts come from `fieldapp.report.stats` (the PDF report prints the same numbers), read
on the db lane so a large vault never freezes the window. Charts are QtCharts bar
series; a click on a bar asks the main window to show the incident list filtered the
same way plus that bar (a month, a region, a type, a perpetrator).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, QPointF, Qt, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model
from fieldapp.i18n import _, format_date, format_number, ngettext
from fieldapp.records import RecordStore
from fieldapp.report import selection
from fieldapp.report.stats import Statistics, compute, period_range

from .forms.labels import COUNT_LABELS, value_text
from .models.vault_access import VaultAccess
from .views.incident_filters import IncidentFilters

CHARTS = ("periods", "regions", "types", "perpetrators", "victims")
COLOURS = ("#3b6ea5", "#c9792b")
ROW_PX = 30


def read_statistics(conn: Any, pseudonym: str, filters: dict[str, Any]) -> Statistics:
    """The dashboard's numbers (runs on the db lane)."""
    store = RecordStore(conn, pseudonym)
    return compute(body for _summary, body in selection.incidents(store, filters))


class BarChart(QChartView):
    """One bar chart; `bar_clicked(index)` names the category clicked.

    The series and axes are made once and refilled: `QBarSeries.clear` deletes the old
    bar sets, and no Python object keeps a pointer to one."""

    bar_clicked = Signal(int)

    def __init__(self, horizontal: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.horizontal = horizontal
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        chart = QChart()
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(2, 2, 2, 2))
        chart.setBackgroundRoundness(0)
        self.series = QHorizontalBarSeries() if horizontal else QBarSeries()
        self.series.setLabelsPosition(QBarSeries.LabelsPosition.LabelsOutsideEnd)
        chart.addSeries(self.series)
        self.labels_axis = QBarCategoryAxis()
        self.values_axis = QValueAxis()
        self.values_axis.setLabelFormat("%d")
        if horizontal:
            chart.addAxis(self.labels_axis, Qt.AlignmentFlag.AlignLeft)
            chart.addAxis(self.values_axis, Qt.AlignmentFlag.AlignBottom)
        else:
            chart.addAxis(self.labels_axis, Qt.AlignmentFlag.AlignBottom)
            chart.addAxis(self.values_axis, Qt.AlignmentFlag.AlignLeft)
        self.series.attachAxis(self.labels_axis)
        self.series.attachAxis(self.values_axis)
        self.setChart(chart)
        # The chart's own minimum (its longest labels) must not widen the window.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setMinimumWidth(200)
        self.categories: list[str] = []

    def show_values(self, categories: list[str],
                    sets: list[tuple[str, list[int]]]) -> None:
        """Bars in the order given: top to bottom, or left to right."""
        if self.horizontal:  # Qt draws the first category at the bottom
            categories = categories[::-1]
            sets = [(name, values[::-1]) for name, values in sets]
        self.categories = categories
        self.series.clear()
        self.labels_axis.clear()
        self.labels_axis.append(categories or [""])
        for index, (name, values) in enumerate(sets):
            bar_set = QBarSet(name)
            bar_set.setColor(QColor(COLOURS[index % len(COLOURS)]))
            bar_set.append([float(v) for v in values])
            bar_set.clicked.connect(self._clicked)
            self.series.append(bar_set)
        self.series.setLabelsVisible(len(categories) <= 16)
        top = max((v for _n, vs in sets for v in vs), default=0)
        self.values_axis.setRange(0, max(1, top) * 1.15)
        self.values_axis.setTickCount(5 if top >= 4 else 2)
        self.values_axis.applyNiceNumbers()
        if not self.horizontal:
            self.labels_axis.setLabelsAngle(-60 if len(categories) > 12 else 0)
        self.chart().legend().setVisible(len(sets) > 1)
        rows = len(categories) * (len(sets) if self.horizontal else 1)
        self.setMinimumHeight(max(170, 50 + rows * ROW_PX) if self.horizontal else 230)

    def _clicked(self, index: int) -> None:
        count = len(self.categories)
        self.bar_clicked.emit(count - 1 - index if self.horizontal else index)

    def bar_position(self, index: int, set_index: int = 0) -> QPointF:
        """The middle of bar ``index`` (in the order given) in this view's coordinates
        (tests click there)."""
        if self.horizontal:
            index = len(self.categories) - 1 - index
        value = self.series.barSets()[set_index].at(index)
        point = (QPointF(value / 2, index) if self.horizontal
                 else QPointF(index, value / 2))
        scene = self.chart().mapToPosition(point, self.series)
        return QPointF(self.mapFromScene(scene))


class DashboardPage(QWidget):
    """Counts and charts of the incidents the filters let through."""

    filter_requested = Signal(dict)   # the incident list's filters to show
    report_requested = Signal(dict)   # a PDF report of these filters
    refreshed = Signal()              # new numbers are on screen (tests, screenshots)

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.stats: Statistics | None = None
        self._job: Any = None
        self._again = False
        layout = QVBoxLayout(self)
        self.filters = IncidentFilters(self)
        layout.addWidget(self.filters)
        # The total and the report button under the filters, not beside them: the page
        # then fits the width a 1024 px screen leaves it.
        side = QHBoxLayout()
        self.total = QLabel(self)
        self.report_button = QPushButton(self)
        side.addWidget(self.total, 1)
        side.addWidget(self.report_button)
        layout.addLayout(side)
        self.hint = QLabel(self)
        self.hint.setWordWrap(True)
        layout.addWidget(self.hint)

        self.scroll = QScrollArea(self)
        self.scroll.setWidgetResizable(True)
        body = QWidget(self.scroll)
        grid = QGridLayout(body)
        self.titles: dict[str, QLabel] = {}
        self.charts: dict[str, BarChart] = {}
        self.notes: dict[str, QLabel] = {}
        for index, key in enumerate(CHARTS):
            box = QVBoxLayout()
            self.titles[key] = QLabel(body)
            font = self.titles[key].font()
            font.setBold(True)
            self.titles[key].setFont(font)
            self.charts[key] = BarChart(key != "periods", body)
            self.charts[key].bar_clicked.connect(lambda i, k=key: self.bar_clicked(k, i))
            self.notes[key] = QLabel(body)
            self.notes[key].setWordWrap(True)
            box.addWidget(self.titles[key])
            box.addWidget(self.charts[key], 1)
            box.addWidget(self.notes[key])
            # One column: long labels ("Abduction or forced disappearance") keep their
            # room at 1024 pixels, and the page scrolls.
            grid.addLayout(box, index, 0)
        self.scroll.setWidget(body)
        layout.addWidget(self.scroll, 1)

        self.filters.changed.connect(self.refresh)
        self.report_button.clicked.connect(
            lambda: self.report_requested.emit(self.current_filters()))
        access.record_saved.connect(lambda _id, kind: self.refresh() if kind == "incident"
                                    and self.isVisible() else None)
        self.retranslate()

    def current_filters(self) -> dict[str, str]:
        return {k: v for k, v in self.filters.values().items() if v}

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Count again under the filters (on the db lane; one job at a time)."""
        if self.access.closed:
            return
        if self._job is not None:
            self._again = True
            return
        filters = self.current_filters()
        conn, pseudonym = self.access.writer_vault.conn, self.access.pseudonym
        self.total.setText(_("Counting…"))
        self._job = self.access.ops.run(read_statistics, conn, pseudonym, filters,
                                        on_done=self._counted, on_error=self._failed,
                                        lane="db")

    def _finished(self) -> bool:
        self._job = None
        if self._again:
            self._again = False
            self.refresh()
            return False
        return True

    def _failed(self, exc: BaseException) -> None:
        from fieldapp.messages import user_message

        if self._finished():
            self.total.setText(user_message(exc))

    def _counted(self, stats: Statistics) -> None:
        if not self._finished():
            return
        self.stats = stats
        self._show()
        self.refreshed.emit()

    # --- showing ----------------------------------------------------------------------
    def _show(self) -> None:
        stats = self.stats
        if stats is None:
            return
        self.total.setText(ngettext("{n} incident", "{n} incidents", stats.total).format(
            n=format_number(stats.total)))
        self.hint.setText(_("Click a bar to see those incidents in the list.")
                          if stats.total else _("No incident matches these filters."))
        if stats.period == "month":
            periods = [format_date(f"{k}-01", "month") for k, _n in stats.by_period]
        else:
            periods = [k for k, _n in stats.by_period]
        none = _("(no region given)")
        count = _("Incidents")
        self.charts["periods"].show_values(periods, [(count, [n for _k, n in
                                                               stats.by_period])])
        self.charts["regions"].show_values([k or none for k, _n in stats.by_region],
                                           [(count, [n for _k, n in stats.by_region])])
        self.charts["types"].show_values(
            [value_text("event_type", k) for k, _n in stats.by_event_type],
            [(count, [n for _k, n in stats.by_event_type])])
        self.charts["perpetrators"].show_values(
            [value_text("perpetrators", k) for k, _n in stats.by_perpetrator],
            [(count, [n for _k, n in stats.by_perpetrator])])
        kinds = list(model.VICTIM_COUNTS)
        self.charts["victims"].show_values(
            [_(COUNT_LABELS[k]) for k in kinds],
            [(_("At least"), [stats.victims[k][0] for k in kinds]),
             (_("At most"), [stats.victims[k][1] for k in kinds])])
        self.titles["periods"].setText(_("Incidents by month") if stats.period == "month"
                                       else _("Incidents by year"))
        self.notes["periods"].setText(
            ngettext("{n} incident dated only by its year is not shown by month.",
                     "{n} incidents dated only by their year are not shown by month.",
                     stats.year_only).format(n=format_number(stats.year_only))
            if stats.year_only else "")
        self.notes["victims"].setText(_("Victims: {counts}").format(counts=" · ".join(
            _("{what}: {low}–{high}").format(what=_(COUNT_LABELS[k]),
                                             low=format_number(stats.victims[k][0]),
                                             high=format_number(stats.victims[k][1]))
            for k in kinds)))

    def bar_clicked(self, chart: str, index: int) -> None:
        """Ask for the incident list under these filters and the bar clicked."""
        stats = self.stats
        if stats is None:
            return
        wanted: dict[str, str] = dict(self.current_filters())
        try:
            if chart == "periods":
                wanted["date_from"], wanted["date_to"] = period_range(
                    stats.by_period[index][0])
            elif chart == "regions":
                if not stats.by_region[index][0]:
                    return
                wanted["region"] = stats.by_region[index][0]
            elif chart == "types":
                wanted["event_type"] = stats.by_event_type[index][0]
            elif chart == "perpetrators":
                wanted["perpetrator"] = stats.by_perpetrator[index][0]
            else:
                return
        except IndexError:
            return
        self.filter_requested.emit(wanted)

    def retranslate(self) -> None:
        self.filters.retranslate()
        self.report_button.setText(_("Report (P&DF)…"))
        self.report_button.setToolTip(_("Write these incidents as a PDF report, redacted "
                                        "by default"))
        titles = {"periods": _("Incidents by month"), "regions": _("Incidents by region"),
                  "types": _("Incidents by type of event"),
                  "perpetrators": _("Incidents by alleged perpetrator"),
                  "victims": _("Victims (at least – at most)")}
        for key, text in titles.items():
            self.titles[key].setText(text)
            self.charts[key].setAccessibleName(text)
        self.notes["perpetrators"].setText(
            _("An incident naming several perpetrators counts under each."))
        if self.stats is None:
            self.total.setText("")
            self.hint.setText("")
        self._show()
