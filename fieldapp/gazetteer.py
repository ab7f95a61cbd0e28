"""The offline gazetteer of Mali: regions, cercles and towns for autocomplete and exports.

The shipped file ``data/mali_places.json`` is rebuilt by ``fieldapp/tools/build_gazetteer.py``
from committed inputs (GeoNames towns, the 2023 regions and their cercles, hand-checked
localities; see docs/RECORDS.md). One hierarchy: the 19 regions of 2023 and the district
of Bamako. Names a place had before 2023 stay searchable: ``former_region`` (a cercle of
Bankass typed under "Mopti" is still found) and ``aliases`` (Timbuktu, Nioro du Sahel…).

Matching is accent- and case-insensitive ("lere", "LÉRÉ" and "Léré" are one query).
Ranking: the name itself, then names that begin with the query, then names with a word
that begins with it, then aliases that do; a query found inside a word comes last, and
only in names (never in aliases: "ber" must not bring Koulikoro through "Koulikoro-Liberte").

API for callers (forms, exports, dashboards): `search`, `suggest` (with places typed in a
vault), `lookup` (one place by exact name), `regions`, `cercles`, `towns`, `region_of`,
`resolve` (the current region, cercle and the shipped place behind a record's fields).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .text import fold

DATA_FILE = Path(__file__).resolve().parent / "data" / "mali_places.json"
KINDS = ("region", "cercle", "town", "user")
_KIND_ORDER = {kind: i for i, kind in enumerate(KINDS)}
ENTRY_KEYS = ("name", "kind", "region", "cercle", "latitude", "longitude")

# Match ranks, best first.
EXACT, EXACT_ALIAS, PREFIX, WORD, ALIAS_WORD, INSIDE = range(6)


@cache
def places() -> tuple[dict[str, Any], ...]:
    """Every shipped place (loaded once)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    return tuple(data["places"])


def _words(key: str) -> list[str]:
    for sep in "-'’()/":
        key = key.replace(sep, " ")
    return key.split()


@cache
def _index() -> tuple[tuple[str, tuple[str, ...], dict[str, Any]], ...]:
    """(folded name, folded aliases, place) in file order."""
    return tuple((fold(p["name"]), tuple(fold(a) for a in p.get("aliases", ())), p)
                 for p in places())


def entry(place: Mapping[str, Any], kind: str | None = None) -> dict[str, Any]:
    """The public shape of a place: name, kind, region, cercle, latitude, longitude."""
    item = {key: place.get(key) for key in ENTRY_KEYS}
    if kind:
        item["kind"] = kind
    return item


def _rank(name: str, aliases: Iterable[str], query: str) -> int | None:
    """The best match rank of a query against a name and its aliases, or None."""
    if name == query:
        return EXACT
    aliases = tuple(aliases)
    if query in aliases:
        return EXACT_ALIAS
    if name.startswith(query):
        return PREFIX
    if any(word.startswith(query) for word in _words(name)):
        return WORD
    if any(a.startswith(query) or any(w.startswith(query) for w in _words(a))
           for a in aliases):
        return ALIAS_WORD
    if len(query) >= 3 and query in name:
        return INSIDE
    return None


def search(query: str, limit: int = 20,
           extra: Iterable[Mapping[str, Any]] = ()) -> list[dict[str, Any]]:
    """Places matching ``query``, best matches first (see the module docstring); within a
    rank regions before cercles before towns, then by name. ``extra`` are more places
    (e.g. typed by users) searched the same way, after shipped ones of equal rank."""
    key = fold(query)
    if not key:
        return []
    candidates: list[tuple[str, tuple[str, ...], Mapping[str, Any]]] = list(_index())
    candidates += [(fold(str(p.get("name", ""))), (), {**p, "kind": p.get("kind") or "user"})
                   for p in extra]
    scored = []
    for position, (name, aliases, place) in enumerate(candidates):
        rank = _rank(name, aliases, key)
        if rank is not None:
            kind_order = _KIND_ORDER.get(place["kind"], len(KINDS))
            scored.append((rank, kind_order, name, position, place))
    scored.sort(key=lambda s: s[:4])
    out: list[dict[str, Any]] = []
    seen: set[tuple[str, str, str]] = set()
    for *_, place in scored:
        ident = (fold(place["name"]), place["kind"], fold(place.get("region") or ""))
        if ident in seen:
            continue
        seen.add(ident)
        out.append(entry(place))
        if len(out) >= max(1, limit):
            break
    return out


@cache
def _by_key() -> dict[str, tuple[dict[str, Any], ...]]:
    """Folded name or alias → places (exports look up every incident's places)."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name, aliases, place in _index():
        for key in dict.fromkeys((name, *aliases)):
            out.setdefault(key, []).append(place)
    return {key: tuple(found) for key, found in out.items()}


def region_of(name: str | None) -> str | None:
    """The current (2023) region a region name stands for: itself, an alias ("Timbuktu"
    → "Tombouctou"), or None when unknown. A region split in 2023 keeps its name: "Mopti"
    is still the region of Mopti, only smaller."""
    if not name or not fold(name):
        return None
    for place in _by_key().get(fold(name), ()):
        if place["kind"] == "region":
            return str(place["name"])
    return None


def _in_region(place: Mapping[str, Any], region_key: str) -> bool:
    return region_key in (fold(place.get("region") or ""),
                          fold(place.get("former_region") or ""))


def _lookup_place(name: str, kind: str | None = None,
                  region: str | None = None) -> dict[str, Any] | None:
    key = fold(name or "")
    if not key:
        return None
    region_key = fold(region_of(region) or region) if region else None
    hits = [place for place in _by_key().get(key, ())
            if (kind is None or place["kind"] == kind)
            and (region_key is None or _in_region(place, region_key))]
    if not hits:
        return None
    # A locality is usually a town: towns win over cercles over regions; the exact name
    # wins over an alias.
    hits.sort(key=lambda p: (-_KIND_ORDER[p["kind"]], fold(p["name"]) != key))
    return hits[0]


def lookup(name: str, kind: str | None = None,
           region: str | None = None) -> dict[str, Any] | None:
    """The shipped place named exactly ``name`` (accents and case ignored; aliases
    count), optionally of one kind and in one region. ``region`` may be the current
    region or the one the place belonged to before 2023 ("Ogossagou" is found under
    "Mopti" and under "Bandiagara")."""
    place = _lookup_place(name, kind, region)
    return entry(place) if place is not None else None


def regions() -> list[dict[str, Any]]:
    """The 19 regions and the district of Bamako, as entries, in file order."""
    return [entry(p) for p in places() if p["kind"] == "region"]


def cercles(region: str | None = None) -> list[dict[str, Any]]:
    """The cercles, all or those of one region (current name or alias), by name."""
    current = region_of(region) if region else None
    if region and current is None:
        return []
    return sorted((entry(p) for p in places() if p["kind"] == "cercle"
                   and (current is None or p["region"] == current)),
                  key=lambda p: fold(p["name"]))


def towns(region: str | None = None, cercle: str | None = None) -> list[dict[str, Any]]:
    """The towns and villages, all or those of one region and/or cercle, by name. A town
    without a known point has ``latitude`` and ``longitude`` None."""
    current = region_of(region) if region else None
    cercle_key = fold(cercle) if cercle else None
    return sorted((entry(p) for p in places() if p["kind"] == "town"
                   and (current is None or p["region"] == current)
                   and (cercle_key is None or fold(p.get("cercle") or "") == cercle_key)),
                  key=lambda p: fold(p["name"]))


@dataclass(frozen=True)
class Resolved:
    """Where a record's place fields point in the current hierarchy."""

    region: str | None  # the 2023 region (admin1)
    cercle: str | None  # the cercle (admin2), as the gazetteer spells it
    town: dict[str, Any] | None  # the shipped town named by the locality or commune
    cercle_place: dict[str, Any] | None
    region_place: dict[str, Any] | None
    town_from: str | None = None  # "locality" or "commune": the field that named the town


def resolve(region: str | None = None, cercle: str | None = None,
            commune: str | None = None, locality: str | None = None) -> Resolved:
    """The current region and cercle of a record's place, whatever name was typed.

    The most precise known place wins: a town named by the locality (or the commune),
    then the cercle, then the region. A region typed before 2023 ("Mopti" for a village
    now in Bandiagara region) narrows the search but never overrides what a known town
    or cercle says, so the same village always gets the same region."""
    def text(value: Any) -> str | None:
        return value.strip() if isinstance(value, str) and value.strip() else None

    region, cercle = text(region), text(cercle)
    town, town_from = None, None
    for field, name in (("locality", text(locality)), ("commune", text(commune))):
        if name:
            town = _lookup_place(name, "town", region) if region else None
            if town is None:  # the region typed may be wrong: a unique name still counts
                hits = [p for p in _by_key().get(fold(name), ()) if p["kind"] == "town"]
                town = hits[0] if len(hits) == 1 else None
            if town is not None:
                town_from = field
                break
    cercle_place = _lookup_place(cercle, "cercle") if cercle else None
    if cercle_place is None and town is not None and town.get("cercle"):
        cercle_place = _lookup_place(town["cercle"], "cercle")
    region_name = ((town or {}).get("region") or (cercle_place or {}).get("region")
                   or region_of(region))
    region_place = _lookup_place(region_name, "region") if region_name else None
    return Resolved(
        region=region_name or region,
        cercle=(cercle_place or {}).get("name") or (town or {}).get("cercle") or cercle,
        town=entry(town) if town else None,
        cercle_place=entry(cercle_place) if cercle_place else None,
        region_place=entry(region_place) if region_place else None, town_from=town_from)


def suggest(query: str, vault: Any = None, limit: int = 20) -> list[dict[str, Any]]:
    """Shipped places and places typed by users (when a vault is open), merged without
    duplicates: a user place that is already in the gazetteer is not listed twice."""
    extra: list[dict[str, Any]] = []
    key = fold(query)
    if vault is not None and key:
        typed = vault.records.places(query, limit=limit)  # prefix matches, most used first
        keys = ("name", "region", "cercle", "latitude", "longitude", "uses")
        typed += [dict(zip(keys, row, strict=True)) for row in vault.conn.execute(
            "SELECT name, region, cercle, latitude, longitude, uses FROM place "
            "WHERE instr(folded, ?) > 1 ORDER BY uses DESC, name LIMIT ?", (key, limit))]
        for place in typed:
            if fold(place["name"]) not in _by_key():
                extra.append({**place, "kind": "user"})
    return search(query, limit=limit, extra=extra)
