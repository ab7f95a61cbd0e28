"""Which incidents an export, a report or a dashboard covers: one filter, one query.

`Selection` holds the filters the lists offer (dates, region, event type, status,
perpetrator category, explicit ids); `select` yields the matching incidents, oldest event
first, each with its head body and the region and cercle it lies in today (2023
hierarchy, from the gazetteer), so a filter on "Bandiagara" also finds the villages a
monitor filed under "Mopti" before 2023.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .. import gazetteer
from .locate import admin_areas


@dataclass(frozen=True)
class Selection:
    """Filters; an empty field does not filter. Dates compare on ``occurred_on``'s text
    (``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``), so "2024-03" falls between "2024-03-01"
    and "2024-03-31" only when both bounds are given as months or coarser."""

    date_from: str | None = None
    date_to: str | None = None
    region: str | None = None  # current region, or an alias / pre-2023 name of one
    event_types: frozenset[str] = field(default_factory=frozenset)
    statuses: frozenset[str] = field(default_factory=frozenset)
    perpetrators: frozenset[str] = field(default_factory=frozenset)
    ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Incident:
    """One selected incident: its id, head body, review status, times, and its place in
    the current hierarchy."""

    id: str
    body: dict[str, Any]
    status: str
    created_at: str
    updated_at: str
    region: str | None
    cercle: str | None


def select(conn: Any, selection: Selection | None = None) -> Iterator[Incident]:
    """Incidents matching ``selection`` (all when None), oldest event first."""
    selection = selection or Selection()
    sql = ("SELECT r.id, v.body, r.status, r.created_at, r.updated_at FROM record r "
           "JOIN version v ON v.hash = r.head WHERE r.kind = 'incident'")
    args: list[Any] = []
    if selection.date_from:
        sql += " AND r.occurred_on >= ?"
        args.append(selection.date_from)
    if selection.date_to:
        sql += " AND substr(r.occurred_on, 1, length(?)) <= ?"
        args += [selection.date_to, selection.date_to]
    if selection.statuses:
        sql += f" AND r.status IN ({','.join('?' * len(selection.statuses))})"
        args += sorted(selection.statuses)
    if selection.ids:
        sql += f" AND r.id IN ({','.join('?' * len(selection.ids))})"
        args += sorted(selection.ids)
    sql += " ORDER BY r.occurred_on, r.created_at, r.id"
    region = (gazetteer.region_of(selection.region) or selection.region
              if selection.region else None)
    for record_id, raw, status, created_at, updated_at in conn.execute(sql, args):
        body = json.loads(raw)
        if selection.event_types and body.get("event_type") not in selection.event_types:
            continue
        if selection.perpetrators and not (
                set(body.get("perpetrators") or ["unknown"]) & selection.perpetrators):
            continue
        areas = admin_areas(body)
        if region and areas.region != region:
            continue
        yield Incident(record_id, body, status, created_at, updated_at,
                       areas.region, areas.cercle)
