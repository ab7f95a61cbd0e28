"""A report document (fieldapp.report) drawn as a PDF with Qt: QTextDocument lays out
the HTML, QPdfWriter writes A4 pages, charts are painted into images.

This module is the only Qt in a report. The command line (``fieldapp report``) imports it
late, like the desktop entry point, and runs it on the offscreen platform when there is
no display; the desktop app calls it on its cpu lane. Fonts come from the system
(fontconfig): the PDF embeds the subsets it uses, so pdftotext reads it back.
"""

from __future__ import annotations

import math
import os
import sys

from PySide6.QtCore import QBuffer, QIODevice, QMarginsF, QPointF, QRectF, QSizeF, Qt, QUrl
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QGuiApplication,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from fieldapp import APP_NAME
from fieldapp.errors import ReportFailed
from fieldapp.report import html
from fieldapp.report.document import Chart, ReportDocument

DPI = 300
CSS_DPI = 96
MARGIN_MM = 18.0
CHART_WIDTH = 1900  # pixels: about 16 cm on the page
ROW_HEIGHT = 70  # pixels per bar row of a horizontal chart
SERIES_COLOURS = ("#3b6ea5", "#c9792b")
FONT_FAMILY = "DejaVu Sans"


def ensure_app() -> QGuiApplication:
    """The running Qt application, or an offscreen one (the command line)."""
    app = QGuiApplication.instance()
    if app is None:
        if not os.environ.get("QT_QPA_PLATFORM"):
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
        app = QGuiApplication([sys.argv[0] if sys.argv else APP_NAME])
    return app  # type: ignore[return-value]


def _font(pixels: float, bold: bool = False) -> QFont:
    font = QFont(FONT_FAMILY)
    font.setPixelSize(max(1, int(pixels)))
    font.setBold(bold)
    return font


def chart_image(chart: Chart, width: int = CHART_WIDTH) -> QImage:
    """A bar chart: horizontal bars with labels on the left, or vertical bars (periods)."""
    rows = len(chart.labels) * len(chart.series)
    title_h = 70
    height = title_h + (60 + rows * ROW_HEIGHT if chart.horizontal else 700) + (
        50 if len(chart.series) > 1 else 0)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setFont(_font(40, bold=True))
    painter.setPen(QColor("#111111"))
    painter.drawText(QRectF(0, 0, width, title_h), Qt.AlignmentFlag.AlignLeft |
                     Qt.AlignmentFlag.AlignVCenter, chart.title)
    painter.translate(0, title_h)
    height -= title_h
    text_font = _font(30)
    painter.setFont(text_font)
    metrics = QFontMetricsF(text_font)
    values = [v for _name, series in chart.series for v in series]
    top = max(values, default=0) or 1
    legend_h = 50 if len(chart.series) > 1 else 0
    if legend_h:
        x = 10.0
        for index, (name, _series) in enumerate(chart.series):
            painter.fillRect(QRectF(x, 12, 28, 28), QColor(SERIES_COLOURS[index % 2]))
            painter.setPen(QColor("#222222"))
            painter.drawText(QPointF(x + 38, 36), name)
            x += 60 + metrics.horizontalAdvance(name)
    if chart.horizontal:
        _horizontal(painter, chart, metrics, top, width, height, legend_h)
    else:
        _vertical(painter, chart, metrics, top, width, height)
    painter.end()
    return image


def _horizontal(painter: QPainter, chart: Chart, metrics: QFontMetricsF, top: int,
                width: int, height: int, legend_h: int) -> None:
    label_w = min(width * 0.38, max(metrics.horizontalAdvance(t) for t in chart.labels) + 20)
    rows = len(chart.labels)
    band = (height - legend_h - 10) / max(rows, 1)
    bar_h = band * 0.7 / len(chart.series)
    plot_w = width - label_w - 160
    for row, text in enumerate(chart.labels):
        y = legend_h + row * band
        painter.setPen(QColor("#222222"))
        shown = metrics.elidedText(text, Qt.TextElideMode.ElideRight, label_w - 20)
        painter.drawText(QRectF(0, y, label_w - 16, band),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, shown)
        for index, (_name, series) in enumerate(chart.series):
            value = series[row]
            bar_y = y + band * 0.15 + index * bar_h
            length = plot_w * value / top
            painter.fillRect(QRectF(label_w, bar_y, max(length, 2), bar_h * 0.92),
                             QColor(SERIES_COLOURS[index % 2]))
            painter.drawText(QPointF(label_w + length + 10,
                                     bar_y + bar_h / 2 + metrics.ascent() / 3), str(value))


def _vertical(painter: QPainter, chart: Chart, metrics: QFontMetricsF, top: int,
              width: int, height: int) -> None:
    series = chart.series[0][1]
    count = len(series)
    label_h = 90
    plot_h = height - label_h - 50
    band = width / max(count, 1)
    step = max(1, math.ceil(count / max(1, int(width / (metrics.horizontalAdvance(
        max(chart.labels, key=len)) + 24)))))
    painter.setPen(QColor("#999999"))
    painter.drawLine(QPointF(0, 40 + plot_h), QPointF(width, 40 + plot_h))
    for index, value in enumerate(series):
        x = index * band
        bar = plot_h * value / top
        painter.fillRect(QRectF(x + band * 0.12, 40 + plot_h - bar, band * 0.76, bar),
                         QColor(SERIES_COLOURS[0]))
        painter.setPen(QColor("#222222"))
        if value and band > metrics.horizontalAdvance(str(value)):
            painter.drawText(QRectF(x, 40 + plot_h - bar - 40, band, 38),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom,
                             str(value))
        if index % step == 0:
            painter.drawText(QRectF(x - band * step / 2 + band / 2, 50 + plot_h,
                                    band * step, label_h),
                             Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                             chart.labels[index])


def render_pdf(doc: ReportDocument) -> bytes:
    """The PDF bytes of ``doc`` (A4, numbered pages, "confidential" on every page)."""
    ensure_app()
    buffer = QBuffer()
    if not buffer.open(QIODevice.OpenModeFlag.WriteOnly):
        raise ReportFailed(reason="buffer")
    writer = QPdfWriter(buffer)
    writer.setResolution(DPI)
    writer.setTitle(doc.title)
    writer.setCreator(APP_NAME)
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(MARGIN_MM, MARGIN_MM, MARGIN_MM, MARGIN_MM + 6),
                                     QPageLayout.Unit.Millimeter))
    page = writer.pageLayout().paintRectPixels(DPI)
    text = QTextDocument()
    text.documentLayout().setPaintDevice(writer)
    text.setDefaultFont(QFont(FONT_FAMILY, 10))
    text.setPageSize(QSizeF(page.width(), page.height()))
    for chart in doc.charts:
        text.addResource(QTextDocument.ResourceType.ImageResource,
                         QUrl(f"chart:{chart.key}"), chart_image(chart))
    # Image widths in rich text are CSS pixels (96 per inch), scaled to the writer's DPI.
    text.setHtml(html.render(doc, lambda c: f"chart:{c.key}",
                             chart_width=int(page.width() * CSS_DPI / DPI * 0.95)))
    pages = max(1, text.pageCount())
    painter = QPainter()
    if not painter.begin(writer):
        raise ReportFailed(reason="pdf")
    try:
        footer_font = QFont(FONT_FAMILY, 8)
        for number in range(pages):
            if number:
                writer.newPage()
            painter.save()
            area = QRectF(0, number * page.height(), page.width(), page.height())
            painter.translate(0, -area.top())
            painter.setClipRect(area)
            text.drawContents(painter, area)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QColor("#555555"))
            footer = QRectF(0, page.height() + 10, page.width(), 60)
            painter.drawText(footer, Qt.AlignmentFlag.AlignLeft,
                             f"{doc.words['confidential']} — {doc.title}")
            painter.drawText(footer, Qt.AlignmentFlag.AlignRight,
                             doc.words["page"].format(n=number + 1, total=pages))
    finally:
        painter.end()
    buffer.close()
    return bytes(buffer.data())
