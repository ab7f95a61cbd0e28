"""Translation memory: the project's earlier translations, by sentence, offered again.

Each earlier translation in this store (the latest of each record's field and language) is
cut into paragraphs and sentences beside its source text; where a paragraph has as many
sentences on both sides, each sentence is paired with its translation, otherwise the whole
paragraph is. A lookup gives the exact matches first, then the fuzzy ones (rapidfuzz
ratio on the accent- and case-folded text, at least `MIN_SCORE` %), each with the words of
the earlier sentence that differ from the one being translated, to mark them.

A translator's store holds only the records assigned to them, so its own translations
are a small memory. The coordinator's app therefore looks up the assigned text in the
project's memory when it assigns (`shared_for`) and sends the pairs it found with the
assignment: the translator gets the project's earlier translations of sentences like the
ones to translate (made of their words only: no name or place of another record), and
nothing else of other records (`from_store` adds them).
"""

from __future__ import annotations

import bisect
import difflib
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from .store.db import Connection
from .text import fold

MIN_SCORE = 75
MAX_SHARED = 400          # sentence pairs sent with one assignment, at most
MAX_SHARED_CHARS = 4000   # one side of a shared pair, at most (a whole paragraph)
SHARED_BUDGET_S = 3.0     # looking for them in one assigned text, at most
RUNNERS_UP_AMONG = 5000  # more candidates than this: only the best fuzzy suggestion
_SENTENCE_RE = re.compile(r"[^.!?…]+(?:[.!?…]+[»\"')\]]*|$)", re.UNICODE)
_WORD_RE = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Suggestion:
    """An earlier sentence (``source``) and its translation (``target``); ``score`` is 100
    for an exact match; ``differing`` are (start, end) spans of the words of ``source``
    that are not in the sentence looked up."""

    source: str
    target: str
    score: int
    differing: tuple[tuple[int, int], ...] = ()

    @property
    def exact(self) -> bool:
        return self.score >= 100


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text: its non-empty lines, trimmed."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of ``text``, without surrounding spaces."""
    spans = []
    for match in _SENTENCE_RE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            spans.append((start, end))
    return spans


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def pairs_of(source: str, target: str) -> list[tuple[str, str]]:
    """(source, translation) units of one translated field: sentences where both sides
    of a paragraph have as many, else whole paragraphs."""
    found: list[tuple[str, str]] = []
    src_paras, tgt_paras = paragraphs(source), paragraphs(target)
    if len(src_paras) != len(tgt_paras):
        src_paras, tgt_paras = [" ".join(src_paras)], [" ".join(tgt_paras)]
    for src, tgt in zip(src_paras, tgt_paras, strict=True):
        src_sent, tgt_sent = sentences(src), sentences(tgt)
        if len(src_sent) == len(tgt_sent):
            found.extend(zip(src_sent, tgt_sent, strict=True))
        else:
            found.append((src, tgt))
    return [(s, t) for s, t in found if s.strip() and t.strip()]


def differing_words(earlier: str, current: str) -> tuple[tuple[int, int], ...]:
    """Spans of the words of ``earlier`` that are not where ``current`` has them."""
    words = list(_WORD_RE.finditer(earlier))
    theirs = [fold(m.group()) for m in words]
    mine = [fold(w) for w in _WORD_RE.findall(current)]
    matcher = difflib.SequenceMatcher(a=theirs, b=mine, autojunk=False)
    spans: list[tuple[int, int]] = []
    for tag, i1, i2, _j1, _j2 in matcher.get_opcodes():
        if tag != "equal":
            spans.extend(words[i].span() for i in range(i1, i2))
    return tuple(spans)


class TranslationMemory:
    """Sentences translated before into one language, ready to be looked up."""

    def __init__(self, units: Iterable[tuple[str, str]] = ()) -> None:
        self._index: dict[str, int] = {}
        self._keys: list[str] = []
        self._units: list[tuple[str, str]] = []
        self._by_length: tuple[list[int], list[str], list[int]] | None = None
        for source, target in units:
            self.add(source, target)
        self._sorted_by_length()

    def __len__(self) -> int:
        return len(self._units)

    def add(self, source: str, target: str) -> None:
        """Remember one unit; a later translation of the same sentence replaces it."""
        key = fold(source)
        if not key:
            return
        if key in self._index:
            self._units[self._index[key]] = (source, target)
            return
        self._index[key] = len(self._keys)
        self._keys.append(key)
        self._units.append((source, target))
        self._by_length = None

    def lookup(self, sentence: str, limit: int = 3) -> list[Suggestion]:
        """Suggestions for ``sentence``: its exact match, or else fuzzy ones (≥ 75 %),
        best first (only the best when more than `RUNNERS_UP_AMONG` sentences have a
        length that could match)."""
        key = fold(sentence)
        if not key:
            return []
        found: list[Suggestion] = []
        if key in self._index:  # said before, word for word: nothing nearer to offer
            source, target = self._units[self._index[key]]
            return [Suggestion(source, target, 100)]
        # a ratio of 75 % needs lengths within 0.6 and 1.67 times the sentence's: only
        # those are compared
        lengths, keys, indexes = self._sorted_by_length()
        low = bisect.bisect_left(lengths, int(len(key) * 0.6))
        high = bisect.bisect_right(lengths, int(len(key) / 0.6) + 1)
        candidates = keys[low:high]
        best = process.extractOne(key, candidates, scorer=fuzz.ratio,
                                  score_cutoff=MIN_SCORE)
        if best is None:
            return found
        # the runners-up too when that stays cheap (extractOne stops early, extract
        # scores every candidate fully)
        ranked = ([best] if limit < 2 or len(candidates) > RUNNERS_UP_AMONG else
                  process.extract(key, candidates, scorer=fuzz.ratio,
                                  score_cutoff=MIN_SCORE, limit=limit))
        for _key, score, at in ranked:
            if len(found) >= limit:
                break
            source, target = self._units[indexes[low + at]]
            found.append(Suggestion(source, target, min(99, int(score)),
                                    differing_words(source, sentence)))
        return found

    def _sorted_by_length(self) -> tuple[list[int], list[str], list[int]]:
        if self._by_length is None:
            order = sorted(range(len(self._keys)), key=lambda i: len(self._keys[i]))
            self._by_length = ([len(self._keys[i]) for i in order],
                               [self._keys[i] for i in order], order)
        return self._by_length

    @classmethod
    def from_store(cls, conn: Connection, target_lang: str) -> TranslationMemory:
        """The memory of this store's translations into ``target_lang`` (the latest of
        each record's field), beside the source text the store holds."""
        memory = cls()
        # first what coordinators sent with assignments; this store's own translations
        # come after, so a sentence translated here again replaces the shared one
        for shared, in conn.execute("SELECT memory FROM assignment WHERE target_lang = ? "
                                    "ORDER BY created_at", (target_lang,)):
            for src, tgt in json.loads(shared or "[]"):
                memory.add(src, tgt)
        rows = conn.execute(
            "SELECT t.text, v.body, t.field FROM translation t "
            "JOIN record r ON r.id = t.record_id JOIN version v ON v.hash = r.head "
            "WHERE t.target_lang = ? AND t.status != 'draft' AND NOT EXISTS ("
            "SELECT 1 FROM translation u WHERE u.record_id = t.record_id AND "
            "u.field = t.field AND u.target_lang = t.target_lang AND "
            "(u.created_at > t.created_at OR (u.created_at = t.created_at AND u.id > t.id))) "
            "ORDER BY t.created_at", (target_lang,)).fetchall()
        for text, body, field in rows:
            source = json.loads(body).get(field)
            if isinstance(source, str):
                for src, tgt in pairs_of(source, text):
                    memory.add(src, tgt)
        memory._sorted_by_length()
        return memory


def _words(text: str) -> set[str]:
    return {fold(w) for w in _WORD_RE.findall(text)}


def shared_for(memory: TranslationMemory, texts: Iterable[str],
               budget_s: float = SHARED_BUDGET_S) -> list[tuple[str, str]]:
    """The pairs of ``memory`` that match a sentence of ``texts`` (exact or fuzzy, the
    best for each sentence, in the order of the text), at most `MAX_SHARED`: what an
    assignment carries. A near sentence goes only if it has no word the assigned one
    lacks: where two sentences differ is who, where, when (a name, a place, a date of a
    record the translator was not given), so that stays on the coordinator's desk. A very
    long text against a large memory stops looking after ``budget_s`` seconds (its first
    sentences then have their matches, the rest none)."""
    found: dict[str, tuple[str, str]] = {}
    deadline = time.monotonic() + budget_s
    for text in texts:
        for sentence in sentences(text):
            if len(found) >= MAX_SHARED or time.monotonic() > deadline:
                return list(found.values())
            for hit in memory.lookup(sentence, limit=1):
                if len(hit.source) <= MAX_SHARED_CHARS and len(hit.target) <= MAX_SHARED_CHARS \
                        and _words(hit.source) <= _words(sentence):
                    found.setdefault(hit.source, (hit.source, hit.target))
    return list(found.values())


__all__ = ["MAX_SHARED", "MAX_SHARED_CHARS", "MIN_SCORE", "Suggestion", "TranslationMemory",
           "differing_words", "pairs_of", "paragraphs", "sentence_spans", "sentences",
           "shared_for"]
