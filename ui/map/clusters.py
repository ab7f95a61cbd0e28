"""Grid clusters of map points at every zoom level (no Qt: plain arithmetic).

Points are projected once (x = longitude · cos 17°, y = −latitude: Mali's middle
latitude keeps shapes right, north up). Level ``L`` cuts the plane into square cells of
``BASE / 2**L`` projected degrees. The finest level is built from the points in one pass
(incidents placed by the gazetteer share a town's point, so it usually has far fewer
cells than points); a coarser level is built from the finest cells, when first needed or
ahead of time by `build_all` (the map runs it off the main thread). A cell is a list
``[count, sum_x, sum_y, {type: count}, index of one point]``. A frame draws the level
whose cells are about `CELL_PX` pixels wide, and only the cells in view.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

BASE = 8.0         # projected degrees: a level-0 cell (Mali is about 16 × 15)
LEVELS = 14        # finest cell 8 / 2**13 ≈ 0.001° ≈ 100 m
CELL_PX = 56       # on screen, a cluster stands for about this many pixels
COS_LAT = math.cos(math.radians(17.0))
COUNT, SUM_X, SUM_Y, TYPES, FIRST = range(5)

Cell = list  # [count, sum_x, sum_y, {type: count}, first point index]


def project(longitude: float, latitude: float) -> tuple[float, float]:
    return longitude * COS_LAT, -latitude


def unproject(x: float, y: float) -> tuple[float, float]:
    return x / COS_LAT, -y


def cell_size(level: int) -> float:
    return BASE / (2 ** level)


def main_type(cell: Cell) -> int:
    """The type of event most of the cell's points have (the lowest code on a tie)."""
    return max(cell[TYPES].items(), key=lambda kv: (kv[1], -kv[0]))[0]


class ClusterIndex:
    """Clusters of points (x, y, type index) at levels 0 … LEVELS − 1."""

    def __init__(self, xs: Sequence[float], ys: Sequence[float], types: Sequence[int]) -> None:
        self.xs, self.ys, self.types = xs, ys, types
        finest: dict[tuple[int, int], Cell] = {}
        size = cell_size(LEVELS - 1)
        floor = math.floor
        for index, (x, y, kind) in enumerate(zip(xs, ys, types, strict=True)):
            key = (floor(x / size), floor(y / size))
            cell = finest.get(key)
            if cell is None:
                finest[key] = [1, x, y, {kind: 1}, index]
            else:
                cell[0] += 1
                cell[1] += x
                cell[2] += y
                counts = cell[3]
                counts[kind] = counts.get(kind, 0) + 1
        self._levels: dict[int, dict[tuple[int, int], Cell]] = {LEVELS - 1: finest}

    def __len__(self) -> int:
        return len(self.xs)

    def level(self, level: int) -> dict[tuple[int, int], Cell]:
        """The cells of ``level`` (built from the finest cells on first use)."""
        cells = self._levels.get(level)
        if cells is None:
            cells = self._levels[level] = self._merge(LEVELS - 1 - level)
        return cells

    def built(self, level: int) -> bool:
        return level in self._levels

    def build_all(self) -> None:
        """Every level now (the map calls this off the main thread after showing)."""
        for level in range(LEVELS - 1):
            self.level(level)

    def _merge(self, shift: int) -> dict[tuple[int, int], Cell]:
        merged: dict[tuple[int, int], Cell] = {}
        for (ix, iy), child in self._levels[LEVELS - 1].items():
            key = (ix >> shift, iy >> shift)
            cell = merged.get(key)
            if cell is None:
                merged[key] = [child[0], child[1], child[2], dict(child[3]), child[4]]
            else:
                cell[0] += child[0]
                cell[1] += child[1]
                cell[2] += child[2]
                counts = cell[3]
                for kind, n in child[3].items():
                    counts[kind] = counts.get(kind, 0) + n
        return merged

    def level_for(self, pixels_per_unit: float) -> int:
        """The level whose cells are about CELL_PX pixels wide at this scale."""
        if pixels_per_unit <= 0:
            return 0
        level = round(math.log2(BASE * pixels_per_unit / CELL_PX))
        return max(0, min(LEVELS - 1, level))

    def visible(self, level: int, left: float, top: float, right: float,
                bottom: float) -> list[tuple[tuple[int, int], Cell]]:
        """The cells of ``level`` that may show in the projected rectangle."""
        size = cell_size(level)
        cells = self.level(level)
        x0, x1 = math.floor(left / size) - 1, math.floor(right / size) + 1
        y0, y1 = math.floor(top / size) - 1, math.floor(bottom / size) + 1
        if (x1 - x0 + 1) * (y1 - y0 + 1) > len(cells):
            return [(k, c) for k, c in cells.items()
                    if x0 <= k[0] <= x1 and y0 <= k[1] <= y1]
        found = []
        for ix in range(x0, x1 + 1):
            for iy in range(y0, y1 + 1):
                cell = cells.get((ix, iy))
                if cell is not None:
                    found.append(((ix, iy), cell))
        return found

    def members(self, level: int, key: tuple[int, int]) -> list[int]:
        """Indexes of the points in one cell of ``level``, in the order given."""
        size = cell_size(level)
        floor = math.floor
        return [i for i, (x, y) in enumerate(zip(self.xs, self.ys, strict=True))
                if (floor(x / size), floor(y / size)) == key]
