"""The rules every French string follows, checked by ``fieldapp.tools.catalog check``.

- Typography: a narrow no-break space (U+202F) before ``: ; ? !`` and inside « »
  (a normal space lets ``--help`` put a lone "?" on its own line).
- One word for a record: « fiche » ("enregistrement" only for a sound recording).
- One inclusive convention for the roles people hold: both words in full, joined by « ou »
  in the singular and « et » in the plural ("un coordinateur ou une coordinatrice", "les
  traducteurs et traductrices"); never a middle dot, "(e)" or a slash.
- No English left: a string with several English words is flagged.

`fix_typography` puts the spaces right (``python -m fieldapp.tools.catalog fix``).
"""

from __future__ import annotations

import re

NNBSP = "\u202f"
# A French high punctuation mark after a word (or a space), ending a clause: not "://",
# not "14:05", not "?" inside a word.
_HIGH = re.compile(r"(?<=[^\s:/])([ \u00a0\u202f]?)([:;!?])(?=$|[\s»”)\]\"'’.,…])")
_OPEN = re.compile(r"«([ \u00a0\u202f]?)")
_CLOSE = re.compile(r"([ \u00a0\u202f]?)»")

ROLES = (("coordinateur", "coordinatrice"), ("traducteur", "traductrice"),
         ("observateur", "observatrice"))
_ARTICLE = r"(?:une |la |à la |de la |l’|l')?"
_PLURAL_ARTICLE = r"(?:les |des |aux |de )?"
_PAIRS = [re.compile(rf"\b{m} ou {_ARTICLE}{f}\b", re.IGNORECASE) for m, f in ROLES] + \
    [re.compile(rf"\b{m}s et {_PLURAL_ARTICLE}{f}s\b", re.IGNORECASE) for m, f in ROLES]
_ROLE_WORD = re.compile(r"\b(?:" + "|".join(w for pair in ROLES for w in pair) + r")s?\b",
                        re.IGNORECASE)
_ABBREVIATED = re.compile(r"\w·\w|\w\(e\)|\w/(?:trice|rice|e)\b")
ENGLISH = frozenset({"the", "and", "of", "is", "not", "with", "this", "that", "your",
                     "from", "was", "are", "been", "which", "could", "should", "would",
                     "there", "their", "were", "have", "has", "cannot", "nothing"})
_WORD = re.compile(r"[a-zA-Z]+")


def fix_typography(text: str) -> str:
    """``text`` with a narrow no-break space before : ; ? ! and inside « »."""
    text = _HIGH.sub(lambda m: NNBSP + m.group(2), text)
    text = _OPEN.sub("«" + NNBSP, text)
    return _CLOSE.sub(NNBSP + "»", text)


def typography_problems(text: str) -> list[str]:
    """What breaks the spacing rules in ``text``."""
    found = []
    for match in _HIGH.finditer(text):
        if match.group(1) != NNBSP:
            found.append(f"a narrow no-break space (U+202F) goes before “{match.group(2)}”")
    if any(m.group(1) != NNBSP for m in _OPEN.finditer(text)) or \
            any(m.group(1) != NNBSP for m in _CLOSE.finditer(text)):
        found.append("a narrow no-break space (U+202F) goes inside « »")
    return sorted(set(found))


def wording_problems(msgid: str, text: str) -> list[str]:
    """Word rules: « fiche » for a record, roles in full doublets, no English left."""
    found = []
    if re.search(r"\benregistrements?\b", text, re.IGNORECASE) and \
            not re.search(r"\brecording", msgid, re.IGNORECASE):
        found.append("a record is « fiche », not « enregistrement »")
    if _ABBREVIATED.search(text):
        found.append("roles in full (« coordinateur ou coordinatrice »), not abbreviated")
    rest = text
    for pair in _PAIRS:
        rest = pair.sub(" ", rest)
    if _ROLE_WORD.search(rest):
        found.append("a role in full doublets: « coordinateur ou coordinatrice », "
                     "« les coordinateurs et coordinatrices »")
    english = {w.lower() for w in _WORD.findall(text)} & ENGLISH
    if len(english) >= 2:
        found.append(f"English left: {', '.join(sorted(english))}")
    return found
