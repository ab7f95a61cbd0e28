"""Regenerate ``fieldapp/data/mali_map.json``: Mali's outline and region boundaries for
the offline map (a build step run by hand, never by the app; it reads a local file).

Source: Natural Earth 1:10m "Admin 1 – States, Provinces" (public domain,
https://www.naturalearthdata.com/about/terms-of-use/), as converted to TopoJSON in the
public repository elastic/ems-file-service, file
``sources/world/ne_10m_admin_1_states_provinces.topo.json.gz`` (the Natural Earth layer
with its name and ISO 3166-2 fields; Elastic's own fixes there concern India, Denmark and
the United Kingdom, not Mali). Obtain that file from a snapshot of the repository, then::

    .venv/bin/python -m fieldapp.tools.build_map \\
        PATH/ne_10m_admin_1_states_provinces.topo.json.gz --commit <commit of the snapshot>

What it does: keeps Mali's eleven features (ISO 3166-2 ML-1 … ML-10 and ML-BKO), decodes
the shared arcs, simplifies each arc once (Douglas–Peucker, `TOLERANCE` degrees, so two
regions still share the same border), and writes region rings, the country outline (arcs
used by one region only) and the inner boundaries (arcs shared by two regions).

Honest limits, written into the file's notes: Natural Earth's admin-1 layer shows the ten
regions and Bamako of the 2012–2016 division (Ménaka and Taoudénit included); the regions
made operational in 2023 (Bandiagara, Douentza, San, Kita, Nioro, Koutiala, Bougouni,
Nara, Dioïla) are not drawn. Borders are generalised for a 1:10 million map.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "data" / "mali_map.json"
FORMAT = 1
TOLERANCE = 0.01  # degrees, about 1 km
DECIMALS = 3
REGIONS = {"ML-1": "Kayes", "ML-2": "Koulikoro", "ML-3": "Sikasso", "ML-4": "Ségou",
           "ML-5": "Mopti", "ML-6": "Tombouctou", "ML-7": "Gao", "ML-8": "Kidal",
           "ML-9": "Ménaka", "ML-10": "Taoudénit", "ML-BKO": "Bamako"}
SOURCE = {
    "dataset": "Natural Earth 1:10m Cultural Vectors, Admin 1 - States, Provinces",
    "licence": "public domain (https://www.naturalearthdata.com/about/terms-of-use/)",
    "via": "github.com/elastic/ems-file-service, "
           "sources/world/ne_10m_admin_1_states_provinces.topo.json.gz (TopoJSON)",
}
NOTES = [
    "Regions as Natural Earth draws them: the ten regions and the district of Bamako of "
    "the 2012-2016 division (Menaka and Taoudenit included). The regions made operational "
    "in 2023 (Bandiagara, Douentza, San, Kita, Nioro, Koutiala, Bougouni, Nara, Dioila) "
    "are not drawn; incidents filed under them still show at their own coordinates.",
    "Borders generalised for 1:10 million and simplified to about 1 km: not for "
    "measuring, only for finding one's way on the map.",
    "Natural Earth draws de facto boundaries.",
]


def _decode(arc: list[list[int]], transform: dict[str, Any]) -> list[tuple[float, float]]:
    (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
    x = y = 0
    out = []
    for dx, dy in arc:
        x, y = x + dx, y + dy
        out.append((x * sx + tx, y * sy + ty))
    return out


def simplify(points: list[tuple[float, float]], tolerance: float) -> list[tuple[float, float]]:
    """Douglas–Peucker, keeping both ends (iterative)."""
    if len(points) < 3:
        return list(points)
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5
        far, index = -1.0, -1
        for i in range(first + 1, last):
            px, py = points[i]
            if norm == 0:
                d = ((px - x1) ** 2 + (py - y1) ** 2) ** 0.5
            else:
                d = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / norm
            if d > far:
                far, index = d, i
        if far > tolerance and index > 0:
            keep[index] = True
            stack.extend(((first, index), (index, last)))
    return [p for p, k in zip(points, keep, strict=True) if k]


def _round(points: list[tuple[float, float]]) -> list[list[float]]:
    out: list[list[float]] = []
    for x, y in points:
        point = [round(x, DECIMALS), round(y, DECIMALS)]
        if not out or out[-1] != point:
            out.append(point)
    return out


def _label_point(ring: list[list[float]]) -> list[float]:
    area = cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        area += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if area == 0:
        return ring[0]
    return [round(cx / (3 * area), DECIMALS), round(cy / (3 * area), DECIMALS)]


def build(topology: dict[str, Any]) -> dict[str, Any]:
    """The shipped map data from a Natural Earth admin-1 TopoJSON topology."""
    layer = next(iter(topology["objects"].values()))
    features = [g for g in layer["geometries"]
                if g.get("properties", {}).get("iso_3166_2") in REGIONS]
    if len(features) != len(REGIONS):
        raise SystemExit(f"expected {len(REGIONS)} Mali features, found {len(features)}")
    polygons = {}
    for feature in features:
        rings = (feature["arcs"] if feature["type"] == "Polygon"
                 else [r for poly in feature["arcs"] for r in poly])
        polygons[feature["properties"]["iso_3166_2"]] = rings
    uses: Counter[int] = Counter(i if i >= 0 else ~i for rings in polygons.values()
                                 for ring in rings for i in ring)
    arcs = {i: simplify(_decode(topology["arcs"][i], topology["transform"]), TOLERANCE)
            for i in uses}
    regions = []
    for iso, rings in sorted(polygons.items(), key=lambda kv: REGIONS[kv[0]]):
        out_rings = []
        for ring in rings:
            points: list[tuple[float, float]] = []
            for i in ring:
                part = arcs[i] if i >= 0 else arcs[~i][::-1]
                points.extend(part if not points else part[1:])
            out_rings.append(_round(points))
        largest = max(out_rings, key=len)
        regions.append({"name": REGIONS[iso], "iso": iso, "rings": out_rings,
                        "label": _label_point(largest)})
    return {
        "format": FORMAT, "country": "ML", "source": dict(SOURCE), "notes": NOTES,
        "coordinates": "longitude, latitude (WGS 84), degrees",
        "regions": regions,
        "outline": [_round(arcs[i]) for i in sorted(uses) if uses[i] == 1],
        "boundaries": [_round(arcs[i]) for i in sorted(uses) if uses[i] > 1],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="Build fieldapp/data/mali_map.json")
    parser.add_argument("topojson", type=Path, help="ne_10m_admin_1_states_provinces"
                                                    ".topo.json[.gz]")
    parser.add_argument("--commit", default="", help="commit of the source repository")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    raw = args.topojson.read_bytes()
    data = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    result = build(json.loads(data))
    result["source"]["commit"] = args.commit
    result["source"]["sha256"] = hashlib.sha256(raw).hexdigest()
    text = json.dumps(result, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    points = sum(len(r) for reg in result["regions"] for r in reg["rings"])
    sys.stdout.write(f"{args.out}: {len(result['regions'])} regions, {points} points, "
                     f"{len(text) // 1024} KB\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
