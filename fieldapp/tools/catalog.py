"""Keep the gettext catalogs true to the code.

    python -m fieldapp.tools.catalog update   # re-extract locales/fieldapp.pot, merge into .po
    python -m fieldapp.tools.catalog check    # exit 1 if the template is stale or a French
                                              # translation is missing, fuzzy or breaks
                                              # the French rules (fieldapp.tools.french)
    python -m fieldapp.tools.catalog fix      # put the French spaces right (: ; ? ! « »)

Extraction covers fieldapp/, sync/ and ui/ with the keywords _, N_ and ngettext.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from ..i18n import DOMAIN, LANGUAGES, LOCALES_DIR
from . import french

ROOT = LOCALES_DIR.parent
SOURCES = ("fieldapp", "sync", "ui")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
TEMPLATE = LOCALES_DIR / f"{DOMAIN}.pot"
CHECKED = ("fr",)  # languages that must be complete (English is the source language)


def extract() -> Catalog:
    catalog = Catalog(project="fieldapp", domain=DOMAIN, charset="utf-8")
    for source in SOURCES:
        folder = ROOT / source
        for filename, lineno, message, comments, context in extract_from_dir(
            str(folder), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True,
        ):
            catalog.add(message, None, [(f"{source}/{filename}", lineno)],
                        auto_comments=comments, context=context)
    return catalog


def _ids(catalog: Catalog) -> set[object]:
    return {m.id for m in catalog if m.id}


def po_path(lang: str) -> Path:
    return LOCALES_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def update() -> None:
    template = extract()
    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with TEMPLATE.open("wb") as fh:
        write_po(fh, template, width=100, omit_header=False, sort_output=True)
    for lang in LANGUAGES:
        path = po_path(lang)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, domain=DOMAIN, project="fieldapp")
        catalog.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)


def problems() -> list[str]:
    """What is wrong with the catalogs, one line per problem (empty when all is well)."""
    found: list[str] = []
    fresh = extract()
    if not TEMPLATE.exists():
        return [f"{TEMPLATE} missing: run `make strings`"]
    with TEMPLATE.open("rb") as fh:
        stored = read_po(fh)
    for msgid in sorted(map(str, _ids(fresh) - _ids(stored))):
        found.append(f"template stale: new string {msgid!r} (run `make strings`)")
    for msgid in sorted(map(str, _ids(stored) - _ids(fresh))):
        found.append(f"template stale: string {msgid!r} no longer in the code")
    for lang in CHECKED:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for msgid in sorted(_ids(fresh), key=str):
            msg = catalog.get(msgid)
            if msg is None:
                found.append(f"{lang}: missing {msgid!r}")
                continue
            strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
            if not all(strings) or msg.fuzzy:
                found.append(f"{lang}: untranslated {msgid!r}")
            elif not _same_placeholders(msg.id, msg.string):
                found.append(f"{lang}: placeholders differ in {msgid!r}")
            elif lang == "fr":
                ids = msg.id if isinstance(msg.id, tuple) else (msg.id,)
                for text in strings:
                    for problem in (french.typography_problems(text)
                                    + french.wording_problems(str(ids[0]), text)):
                        found.append(f"{lang}: {problem} in {text!r}")
    return found


def fix_french() -> int:
    """Put the narrow no-break spaces right in the French catalog; how many changed."""
    path = po_path("fr")
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="fr")
    changed = 0
    for msg in catalog:
        if not msg.id or not msg.string:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        fixed = tuple(french.fix_typography(s) for s in strings)
        if fixed != strings:
            msg.string = fixed if isinstance(msg.string, tuple) else fixed[0]
            changed += 1
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, sort_output=True, ignore_obsolete=True)
    return changed


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"\{[a-z_]*\}|%\([a-z_]+\)[a-z]|%[sdr]", text))


def _same_placeholders(msgid: object, msgstr: object) -> bool:
    ids = msgid if isinstance(msgid, tuple) else (msgid,)
    strs = msgstr if isinstance(msgstr, tuple) else (msgstr,)
    wanted = set().union(*(_placeholders(str(i)) for i in ids))
    return all(_placeholders(str(s)) <= wanted for s in strs) and \
        _placeholders(str(strs[-1])) >= _placeholders(str(ids[-1])) - {"{n}"}


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"]:
        update()
        return 0
    if argv[:1] == ["fix"]:
        sys.stdout.write(f"{fix_french()} French strings respaced\n")
        return 0
    if argv[:1] == ["check"]:
        issues = problems()
        out = io.StringIO()
        for line in issues:
            out.write(line + "\n")
        sys.stdout.write(out.getvalue())
        return 1 if issues else 0
    sys.stderr.write(__doc__ or "")
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
