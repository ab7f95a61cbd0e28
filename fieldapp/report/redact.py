"""Masking names in free text, and the names a vault knows (its identity records).

Matching ignores case and accents ("Traore" masks "TRAORÉ") and only takes whole words
("Ali" does not mask "Alimata"). A full name is masked first; each word of it with at
least `MIN_PART` letters is masked too, so "Aminata said" loses "Aminata" even when the
surname is not repeated. The text around a mask is kept as written.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from typing import Any

from ..text import fold

MIN_PART = 3
_WORD_SPLIT = re.compile(r"[\s\-‐‑'’]+")


def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _folded_with_positions(text: str) -> tuple[str, list[int]]:
    """The folded text and, for each of its characters, the index it came from."""
    out: list[str] = []
    where: list[int] = []
    for index, ch in enumerate(text):
        for folded in _fold_char(ch):
            out.append(folded)
            where.append(index)
    return "".join(out), where


def name_variants(name: str) -> list[str]:
    """The folded forms to mask for one name: the whole name, then its long words."""
    whole = fold(name)
    if not whole:
        return []
    parts = [p for p in _WORD_SPLIT.split(whole) if len(p) >= MIN_PART]
    return list(dict.fromkeys([whole, *parts]))


class Masker:
    """Replaces every given name in a text by ``replacement``."""

    def __init__(self, names: Iterable[str], replacement: str) -> None:
        variants: set[str] = set()
        for name in names:
            variants.update(name_variants(str(name)))
        self.count = len(variants)
        self.replacement = replacement
        self._pattern: re.Pattern[str] | None = None
        if variants:
            # Longest first, so a full name wins over its parts.
            alternatives = sorted(variants, key=lambda v: (-len(v), v))
            body = "|".join(r"[\s\-]+".join(re.escape(w) for w in v.split())
                            for v in alternatives)
            self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        folded, where = _folded_with_positions(text)
        spans = [(where[m.start()], where[m.end() - 1] + 1)
                 for m in self._pattern.finditer(folded) if m.end() > m.start()]
        if not spans:
            return text
        out, last = [], 0
        for start, end in spans:
            if start < last:
                continue
            out.append(text[last:start])
            out.append(self.replacement)
            last = end
        out.append(text[last:])
        return "".join(out)


def identity_names(conn: Any) -> list[str]:
    """Every name written in the vault's identity records (witnesses' and victims')."""
    names = []
    for (body,) in conn.execute("SELECT v.body FROM record r JOIN version v "
                                "ON v.hash = r.head WHERE r.kind = 'identity'"):
        name = json.loads(body).get("name")
        if isinstance(name, str) and name.strip():
            names.append(name.strip())
    return names
