"""The ACLED CSV against the codebook: columns in ACLED's order and each coding rule."""

from __future__ import annotations

import csv
import io

import pytest

from fieldapp.export import acled_csv, export

# ACLED's export columns, in ACLED's order, as ACLED's own API client checks them:
# github.com/dtacled/acledR, tests/testthat/setup-acled_api.R (`columns <- c(...)`),
# i.e. the codebook's variable list after ACLED's 2023 column changes (disorder_type,
# civilian_targeting and tags added; event_id_no_cnty, data_id, iso3 removed).
CODEBOOK_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2",
    "inter2", "interaction", "civilian_targeting", "iso", "region", "country", "admin1",
    "admin2", "admin3", "location", "latitude", "longitude", "geo_precision", "source",
    "source_scale", "notes", "fatalities", "tags", "timestamp"]


def _read(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    assert data.startswith(b"\xef\xbb\xbf")
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def _one(body: dict, record_id: str = "0190aaaa-0000-7000-8000-000000000001") -> dict:
    data, count, left_out = acled_csv.render([(record_id, body, "2024-05-01T12:00:00Z")])
    header, rows = _read(data)
    assert header == CODEBOOK_COLUMNS
    return rows[0] if rows else {}


BASE = {"title": "Attaque", "occurred_on": "2024-03-02", "event_type": "attack_on_civilians"}


def test_export_file_has_the_codebook_columns_in_order(vault, tmp_path):
    vault.records.add("incident", {**BASE, "locality": "Léré"})
    result = export(vault, "csv", tmp_path / "acled.csv")
    header, rows = _read(result.path.read_bytes())
    assert header == CODEBOOK_COLUMNS == list(acled_csv.COLUMNS)
    assert len(rows) == result.count == 1


def test_country_fields():
    row = _one(BASE)
    assert (row["iso"], row["country"], row["region"]) == ("466", "Mali", "Western Africa")
    assert row["event_id_cnty"].startswith("MLI-")
    assert row["year"] == "2024" and row["source_scale"] == "Local partner"
    assert row["timestamp"] == "1714564800"  # 2024-05-01T12:00:00Z


def test_violence_against_civilians_targets_civilians():
    row = _one({**BASE, "perpetrators": ["jihadist_group"]})
    assert (row["disorder_type"], row["event_type"], row["sub_event_type"]) == (
        "Political violence", "Violence against civilians", "Attack")
    assert (row["actor1"], row["inter1"]) == ("Jihadist armed group (Mali)", "2")
    assert (row["actor2"], row["inter2"]) == ("Civilians (Mali)", "7")
    assert row["interaction"] == "27" and row["civilian_targeting"] == "Civilian targeting"


def test_several_perpetrators_actor1_and_associated_actors():
    row = _one({**BASE, "perpetrators": ["militia", "armed_forces", "foreign_paramilitaries"]})
    assert (row["actor1"], row["inter1"]) == ("Military Forces of Mali", "1")
    assert row["assoc_actor_1"] == "Foreign paramilitaries (Mali); Communal militia (Mali)"
    assert row["interaction"] == "17"


def test_clash_sides_are_split():
    row = _one({**BASE, "event_type": "armed_clash",
                "perpetrators": ["jihadist_group", "armed_forces", "foreign_paramilitaries"]})
    assert (row["event_type"], row["sub_event_type"]) == ("Battles", "Armed clash")
    assert (row["actor1"], row["assoc_actor_1"], row["inter1"]) == (
        "Military Forces of Mali", "Foreign paramilitaries (Mali)", "1")
    assert (row["actor2"], row["inter2"]) == ("Jihadist armed group (Mali)", "2")
    assert row["interaction"] == "12" and row["civilian_targeting"] == ""
    alone = _one({**BASE, "event_type": "armed_clash", "perpetrators": ["separatist_group"]})
    assert (alone["actor2"], alone["inter2"], alone["interaction"]) == (
        "Unidentified Armed Group (Mali)", "3", "23")


def test_strategic_developments_have_no_civilian_targeting():
    row = _one({**BASE, "event_type": "arbitrary_arrest", "perpetrators": ["armed_forces"]})
    assert (row["disorder_type"], row["sub_event_type"]) == ("Strategic developments",
                                                             "Arrests")
    assert row["actor2"] == "Civilians (Mali)" and row["civilian_targeting"] == ""
    other = _one({**BASE, "event_type": "other"})
    assert other["actor2"] == "" and other["interaction"] == "30"  # a sole actor: X0


def test_uncertain_dates():
    assert (_one(BASE)["event_date"], _one(BASE)["time_precision"]) == ("2024-03-02", "1")
    month = _one({**BASE, "occurred_on": "2023-11"})
    assert (month["event_date"], month["time_precision"]) == ("2023-11-15", "3")
    marked = _one({**BASE, "occurred_on": "2023-11-03", "date_precision": "month"})
    assert (marked["event_date"], marked["time_precision"]) == ("2023-11-15", "3")
    data, count, left_out = acled_csv.render([("a", {**BASE, "occurred_on": "2022"}, None)])
    assert (count, left_out) == (0, 1)  # ACLED cannot code a year-only date
    assert _read(data)[1] == []


@pytest.mark.parametrize(("counts", "fatalities", "note"), [
    ({}, "0", None),
    ({"killed_min": 4, "killed_max": 9}, "4", "between 4 and 9"),
    ({"killed_min": 3}, "3", None),
    ({"killed_max": 12}, "12", "at most 12"),
])
def test_fatalities(counts, fatalities, note):
    row = _one({**BASE, **counts})
    assert row["fatalities"] == fatalities
    assert (note in row["notes"]) if note else ("Fatalities:" not in row["notes"])


def test_admin_areas_are_current_whatever_was_typed():
    for typed in ("Mopti", "Bandiagara"):
        row = _one({**BASE, "region": typed, "locality": "Ogossagou"})
        assert (row["admin1"], row["admin2"], row["location"]) == ("Bandiagara", "Bankass",
                                                                  "Ogossagou")
        assert row["geo_precision"] == "2"  # no public point: its cercle's seat


def test_every_event_type_and_perpetrator_is_mapped():
    from fieldapp import model

    assert set(acled_csv.EVENT_MAP) == set(model.EVENT_TYPES)
    assert set(acled_csv.ACTORS) == set(model.PERPETRATORS)
    assert {code for _name, code in acled_csv.ACTORS.values()} <= set(range(1, 9))
