"""Counts over a selection of incidents: by month (or year), region, type of event and
alleged perpetrator, and victims as a range (at least – at most).

Shared by the PDF report and the desktop dashboard, so both say the same numbers.

How uncertain values are counted:

- An incident naming several perpetrators counts once under each: the perpetrator
  counts can add up to more than the number of incidents.
- Victims "at least" adds each incident's minimum (0 when only a maximum is known);
  "at most" adds each maximum, or the minimum when no maximum was given.
- Periods are months when the selection spans at most three years, else years. Under
  months, incidents dated only by their year cannot be placed and are counted apart
  (`Statistics.year_only`).
"""

from __future__ import annotations

import calendar
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import model

MONTHS_AT_MOST = 36


@dataclass
class Statistics:
    total: int = 0
    period: str = "month"  # "month" (keys YYYY-MM) or "year" (keys YYYY)
    by_period: list[tuple[str, int]] = field(default_factory=list)
    year_only: int = 0  # under months: incidents dated only by year, not in by_period
    undated: int = 0
    by_region: list[tuple[str, int]] = field(default_factory=list)  # "" = no region given
    by_event_type: list[tuple[str, int]] = field(default_factory=list)
    by_perpetrator: list[tuple[str, int]] = field(default_factory=list)
    victims: dict[str, tuple[int, int]] = field(default_factory=dict)  # (at least, at most)
    first_date: str | None = None
    last_date: str | None = None


def _ranked(counter: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    end = (int(last[:4]), int(last[5:7]))
    out = []
    while (year, month) <= end:
        out.append(f"{year:04d}-{month:02d}")
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return out


def compute(bodies: Iterable[Mapping[str, Any]]) -> Statistics:
    """The statistics of incident bodies (as stored: head versions)."""
    stats = Statistics()
    months: Counter[str] = Counter()
    years: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    types: Counter[str] = Counter()
    perpetrators: Counter[str] = Counter()
    low = dict.fromkeys(model.VICTIM_COUNTS, 0)
    high = dict.fromkeys(model.VICTIM_COUNTS, 0)
    first = last = None
    for body in bodies:
        stats.total += 1
        when = body.get("occurred_on")
        if isinstance(when, str) and len(when) >= 4:
            years[when[:4]] += 1
            if len(when) >= 7:
                months[when[:7]] += 1
            first = when if first is None or when < first else first
            last = when if last is None or when > last else last
        else:
            stats.undated += 1
        regions[str(body.get("region") or "")] += 1
        types[str(body.get("event_type") or "other")] += 1
        for who in body.get("perpetrators") or ():
            perpetrators[str(who)] += 1
        for kind in model.VICTIM_COUNTS:
            least, most = body.get(f"{kind}_min"), body.get(f"{kind}_max")
            low[kind] += least or 0
            high[kind] += most if most is not None else (least or 0)
    stats.first_date, stats.last_date = first, last
    month_keys = _months_between(min(months), max(months)) if months else []
    if month_keys and len(month_keys) <= MONTHS_AT_MOST:
        stats.period = "month"
        stats.by_period = [(key, months.get(key, 0)) for key in month_keys]
        stats.year_only = sum(years.values()) - sum(months.values())
    elif years:
        stats.period = "year"
        stats.by_period = [(str(y), years.get(str(y), 0))
                           for y in range(int(min(years)), int(max(years)) + 1)]
    stats.by_region = _ranked(regions)
    stats.by_event_type = _ranked(types)
    stats.by_perpetrator = _ranked(perpetrators)
    stats.victims = {kind: (low[kind], high[kind]) for kind in model.VICTIM_COUNTS}
    return stats


def period_range(key: str) -> tuple[str, str]:
    """The first and last day of a period key ('2023-04' or '2023'), as filter dates."""
    if len(key) == 7:
        year, month = int(key[:4]), int(key[5:7])
        return f"{key}-01", f"{key}-{calendar.monthrange(year, month)[1]:02d}"
    return f"{key}-01-01", f"{key}-12-31"
