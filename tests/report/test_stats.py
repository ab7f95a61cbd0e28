"""The counts the report and the dashboard share, checked by hand on small selections."""

from __future__ import annotations

import pytest

from fieldapp.errors import InvalidInput
from fieldapp.report.selection import clean_filters
from fieldapp.report.stats import compute, period_range


def test_months_types_regions_perpetrators_and_victim_ranges() -> None:
    stats = compute([
        {"occurred_on": "2023-01-05", "region": "Mopti", "event_type": "looting",
         "perpetrators": ["militia", "armed_forces"], "killed_min": 2, "killed_max": 5},
        {"occurred_on": "2023-03", "region": "Mopti", "event_type": "looting",
         "killed_min": 1},                        # no maximum: counts its minimum
        {"occurred_on": "2023", "region": "Gao", "event_type": "massacre",
         "perpetrators": ["militia"], "killed_max": 7},   # no minimum: at least 0
        {"occurred_on": "2023-03-30", "event_type": "abduction", "abducted_min": 4,
         "abducted_max": 4},
    ])
    assert stats.total == 4
    assert stats.period == "month"
    assert stats.by_period == [("2023-01", 1), ("2023-02", 0), ("2023-03", 2)]
    assert stats.year_only == 1
    assert stats.by_region == [("Mopti", 2), ("", 1), ("Gao", 1)]
    assert stats.by_event_type == [("looting", 2), ("abduction", 1), ("massacre", 1)]
    assert stats.by_perpetrator == [("militia", 2), ("armed_forces", 1)]
    assert stats.victims["killed"] == (3, 13)
    assert stats.victims["abducted"] == (4, 4)
    assert stats.victims["displaced"] == (0, 0)
    assert (stats.first_date, stats.last_date) == ("2023", "2023-03-30")


def test_long_spans_count_by_year() -> None:
    stats = compute([{"occurred_on": "2019-03-01"}, {"occurred_on": "2024-06"},
                     {"occurred_on": "2021"}, {}])
    assert stats.period == "year"
    assert stats.by_period == [("2019", 1), ("2020", 0), ("2021", 1), ("2022", 0),
                               ("2023", 0), ("2024", 1)]
    assert stats.undated == 1


def test_a_period_becomes_filter_dates() -> None:
    assert period_range("2024-02") == ("2024-02-01", "2024-02-29")
    assert period_range("2023-12") == ("2023-12-01", "2023-12-31")
    assert period_range("2022") == ("2022-01-01", "2022-12-31")


@pytest.mark.parametrize(("filters", "field"), [
    ({"event_type": "picnic"}, "event_type"),
    ({"perpetrator": "aliens"}, "perpetrator"),
    ({"status": "approved"}, "status"),
    ({"date_from": "2023-02-30"}, "date_from"),
    ({"date_from": "2024", "date_to": "2023-12-31"}, "date_from"),
    ({"region": 3}, "region"),
])
def test_bad_filters_name_the_field(filters, field) -> None:
    with pytest.raises(InvalidInput) as caught:
        clean_filters(filters)
    assert caught.value.params["field"] == field


def test_blank_filters_are_dropped() -> None:
    assert clean_filters({"region": " ", "event_type": None, "date_to": "2024-01"}) == {
        "date_to": "2024-01"}
