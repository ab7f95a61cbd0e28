"""Translations (gettext catalogs through Babel) and locale-aware formatting.

Catalogs live in ``locales/<lang>/LC_MESSAGES/fieldapp.po`` at the top of the source tree;
an installed fieldapp (wheel, frozen app) carries them as ``fieldapp/locales/`` (the build
maps the folder into the package, see setup.py). They are compiled in memory
when loaded, so a fresh checkout needs no build step and a stale ``.mo`` can never be used.
``qps`` is a pseudo-locale for tests: every translated string comes back marked, so a
string that escaped gettext stands out.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
import os
from collections.abc import Callable
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from babel import Locale
from babel.dates import format_date as _babel_format_date
from babel.dates import format_datetime as _babel_format_datetime
from babel.dates import format_time as _babel_format_time
from babel.dates import get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

DOMAIN = "fieldapp"
LANGUAGES = ("fr", "en")
PSEUDO = "qps"
#: The catalogs in the source tree, where translators and fieldapp.tools.catalog edit them.
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"

_listeners: list[Callable[[str], None]] = []


class PseudoTranslations(_gettext.NullTranslations):
    """Marks every string that went through gettext: ``⟦Ŝàvé⟧``."""

    _MAP = str.maketrans("aeiouAEIOUcnsyCNSY", "àéîõüÀÉÎÕÜçñŝýÇÑŜÝ")

    def _mark(self, text: str) -> str:
        # Keep {placeholders} intact so str.format still works.
        out, depth = [], 0
        for ch in text:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth = max(0, depth - 1)
            out.append(ch if depth else ch.translate(self._MAP))
        return "⟦" + "".join(out) + "⟧"

    def gettext(self, message: str) -> str:
        return self._mark(message)

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self._mark(msgid1 if n == 1 else msgid2)

    def pgettext(self, context: str, message: str) -> str:
        return self._mark(message)


def catalogs_dir() -> Traversable:
    """Where the catalogs are read from: inside the installed package when it carries them
    (wheel, frozen app), else the source tree's ``locales/``."""
    packaged = resources.files("fieldapp") / "locales"
    return packaged if packaged.is_dir() else LOCALES_DIR


@cache
def _load(lang: str) -> _gettext.NullTranslations:
    if lang == PSEUDO:
        return PseudoTranslations()
    po_path = catalogs_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po_path.is_file():
        return _gettext.NullTranslations()
    with po_path.open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def default_language() -> str:
    """FIELDAPP_LANG, else the system's language when it is French, else English."""
    env = os.environ.get("FIELDAPP_LANG", "").strip().lower()
    if env in LANGUAGES or env == PSEUDO:
        return env
    for var in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "fr" if value.lower().startswith("fr") else "en"
    return "en"


class _State:
    lang: str = ""
    translations: _gettext.NullTranslations = _gettext.NullTranslations()


def set_language(lang: str | None = None) -> str:
    """Switch every later message to ``lang`` (fr, en or qps); returns the language set."""
    lang = (lang or default_language()).lower()
    if lang not in LANGUAGES and lang != PSEUDO:
        lang = "en"
    if lang == _State.lang and _State.translations is _load(lang):
        return lang  # no switch: nothing to retranslate
    _State.lang = lang
    _State.translations = _load(lang)
    for listener in list(_listeners):
        listener(lang)
    return lang


def current_language() -> str:
    return _State.lang


def on_language_change(listener: Callable[[str], None]) -> None:
    """Call ``listener(lang)`` after every switch (the desktop app retranslates with it)."""
    _listeners.append(listener)


def remove_language_listener(listener: Callable[[str], None]) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def _(message: str) -> str:
    """Translate ``message`` into the current language."""
    return _State.translations.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _State.translations.ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now (translated when shown)."""
    return message


def _babel_locale() -> Locale:
    return Locale.parse("fr" if _State.lang == "fr" else "en")


def format_date(value: dt.date | str, precision: str = "day") -> str:
    """A date in the current language, at the precision known (day, month or year)."""
    if isinstance(value, str):
        parts = [int(p) for p in value.split("-")]
        while len(parts) < 3:
            parts.append(1)
        value = dt.date(*parts)
    locale = _babel_locale()
    if precision == "year":
        return _babel_format_date(value, "yyyy", locale=locale)
    if precision == "month":
        return _babel_format_date(value, "MMMM yyyy", locale=locale)
    return _babel_format_date(value, "medium", locale=locale)


def format_datetime(value: dt.datetime) -> str:
    return _babel_format_datetime(value, "medium", locale=_babel_locale())


def format_timestamp(value: dt.datetime | str) -> str:
    """A moment (an ISO 8601 timestamp as stored, UTC when it names no zone) as date and
    time in this computer's time zone and the current language: "1 juin 2024, 14:05".
    Text that is not a timestamp comes back unchanged."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone().replace(tzinfo=None)
    locale = _babel_locale()
    return get_datetime_format("medium", locale=locale).format(
        _babel_format_time(local.time(), "short", locale=locale),
        _babel_format_date(local.date(), "medium", locale=locale))


def format_number(value: float | int) -> str:
    return format_decimal(value, locale=_babel_locale())


class Translator:
    """Messages, dates and numbers in one language without switching the app's language:
    a report written in French while the window speaks English (and from a worker thread,
    where switching would retranslate every window)."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES or lang == PSEUDO else "en"
        self._translations = _load(self.lang)
        self._locale = Locale.parse("fr" if self.lang == "fr" else "en")

    def _(self, message: str) -> str:
        return self._translations.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._translations.ngettext(singular, plural, n)

    def date(self, value: dt.date | str, precision: str = "day") -> str:
        """Like `format_date`, in this language."""
        if isinstance(value, str):
            parts = [int(p) for p in value.split("-")]
            while len(parts) < 3:
                parts.append(1)
            value = dt.date(*parts)
        pattern = {"year": "yyyy", "month": "MMMM yyyy",
                   "month_short": "MMM yyyy"}.get(precision, "medium")
        return _babel_format_date(value, pattern, locale=self._locale)

    def number(self, value: float | int) -> str:
        return format_decimal(value, locale=self._locale)

    def timestamp(self, value: dt.datetime) -> str:
        """A moment as local date and time, like `format_timestamp`."""
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        local = value.astimezone().replace(tzinfo=None)
        return get_datetime_format("medium", locale=self._locale).format(
            _babel_format_time(local.time(), "short", locale=self._locale),
            _babel_format_date(local.date(), "medium", locale=self._locale))


set_language("en")
