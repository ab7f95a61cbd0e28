"""What an empty list shows instead of a blank table: an icon and what to do next."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QVBoxLayout, QWidget

from ..icons import pixmap


class EmptyState(QWidget):
    """A large grey icon above one sentence ("No incidents yet — New incident (Ctrl+N)")."""

    def __init__(self, icon_name: str = "empty", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.picture = QLabel(self)
        self.picture.setPixmap(pixmap(icon_name, 64, "#94a3b8", self.devicePixelRatioF()))
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.text.setStyleSheet("color: #475569; font-size: 11pt;")
        layout.addWidget(self.picture)
        layout.addWidget(self.text)
        layout.addStretch(2)

    def set_text(self, text: str) -> None:
        self.text.setText(text)
        self.text.setAccessibleName(text)


def fit_columns(view: QAbstractItemView, header: QHeaderView, *, wide: int = 0,
                max_chars: int = 28, wide_chars: tuple[int, int] = (18, 32)) -> None:
    """Columns as wide as what they show (the rows fetched so far), within limits; the
    ``wide`` column (a title) between ``wide_chars`` characters."""
    char = view.fontMetrics().averageCharWidth()
    model = view.model()
    for column in range(model.columnCount()):
        if header.isSectionHidden(column):
            continue
        shown = max(view.sizeHintForColumn(column), header.sectionSizeHint(column))
        low, high = wide_chars if column == wide else (4, max_chars)
        header.resizeSection(column, max(char * low, min(shown + char, char * high)))
