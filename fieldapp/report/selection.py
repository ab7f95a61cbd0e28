"""Which incidents a report, the dashboard or the map shows: the list filters, checked.

The filters are the incident list's (region, type of event, review status, one alleged
perpetrator, a date range), as `RecordStore.list` takes them. Values coming from the
command line are checked here, so a typo is one clear error, not an empty report.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .. import model
from ..errors import InvalidInput
from ..records import RecordStore, Summary
from ..reviews import REVIEW_STATUSES

FILTER_KEYS = ("region", "event_type", "status", "perpetrator", "date_from", "date_to")


def clean_filters(filters: Mapping[str, Any]) -> dict[str, str]:
    """The filters that are set, checked: `InvalidInput` names a bad one."""
    clean: dict[str, str] = {}
    for key in FILTER_KEYS:
        value = filters.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if not isinstance(value, str):
            raise InvalidInput(field=key, reason="text expected")
        clean[key] = value.strip()
    for key, vocabulary in (("event_type", model.EVENT_TYPES),
                            ("perpetrator", model.PERPETRATORS),
                            ("status", REVIEW_STATUSES)):
        if key in clean and clean[key] not in vocabulary:
            raise InvalidInput(field=key, reason="not one of the allowed values",
                               value=clean[key][:40])
    for key in ("date_from", "date_to"):
        if key in clean:
            clean[key] = model.parse_partial_date(key, clean[key])[0]
    if "date_from" in clean and "date_to" in clean and clean["date_from"] > clean["date_to"]:
        raise InvalidInput(field="date_from", reason="after the end date")
    return clean


def incidents(store: RecordStore, filters: Mapping[str, Any]
              ) -> Iterator[tuple[Summary, dict[str, Any]]]:
    """(summary, head body) of every incident the filters let through, oldest first."""
    return store.heads("incident", **clean_filters(filters))


def count(store: RecordStore, filters: Mapping[str, Any]) -> int:
    return store.count("incident", **clean_filters(filters))
