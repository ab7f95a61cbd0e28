"""Qt's own words in the user's language: Qt's catalog (``qtbase_fr``) for its stock
dialogs, plus the few strings that catalog lacks, translated in ours.

Qt's French catalog misses some labels of its file dialog ("&Look in:", "Files of &type:"
as the dialog spells them, with their shortcut letters) and the "Folder" of its file list.
`QtGaps` answers for exactly those, from our gettext catalog, and only when Qt's catalog
had nothing (it is installed first, so Qt asks it last). The default `QLocale` follows the
language too, so sizes ("823 octets") and numbers in Qt's widgets read the same way.
"""

from __future__ import annotations

from PySide6.QtCore import QLibraryInfo, QLocale, QObject, QTranslator

from fieldapp.i18n import N_, _

# (Qt context, Qt's English text) → our msgid: the same English, translated in our .po
GAPS: dict[tuple[str, str], str] = {
    # TRANSLATORS: Qt's file dialog, the folder shown (keep the & before a letter).
    ("QFileDialog", "&Look in:"): N_("&Look in:"),
    # TRANSLATORS: Qt's file dialog, the kinds of files listed (keep the &).
    ("QFileDialog", "Files of &type:"): N_("Files of &type:"),
    # TRANSLATORS: Qt's file dialog, the type of a folder in the list of files.
    ("QAbstractFileIconProvider", "Folder"): N_("Folder"),
    # TRANSLATORS: Qt's file dialog, the type of a disk in the list of files.
    ("QAbstractFileIconProvider", "Drive"): N_("Drive"),
}
LOCALES = {"fr": QLocale.Language.French, "en": QLocale.Language.English}


class QtGaps(QTranslator):
    """Qt strings its own catalog does not translate, from ours."""

    def translate(self, context: str, source: str, disambiguation: str | None = None,
                  n: int = -1) -> str:
        msgid = GAPS.get((context, source))
        return _(msgid) if msgid else ""

    def isEmpty(self) -> bool:  # noqa: N802 - Qt override
        return False


def qt_translators(lang: str, parent: QObject) -> list[QTranslator]:
    """The translators to install for ``lang``, in order (none for English); also sets
    the default QLocale to the language."""
    QLocale.setDefault(QLocale(LOCALES.get(lang, QLocale.Language.English)))
    if lang != "fr":
        return []
    qt = QTranslator(parent)
    folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    if not qt.load(f"qtbase_{lang}", folder):
        return [QtGaps(parent)]
    return [QtGaps(parent), qt]
