"""The HURIDOCS ESF export and the JSON exports, validated against their JSON Schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from fieldapp.errors import NotJoined, RoleRequired
from fieldapp.export import esf, export
from fieldapp.messages import user_message
from fieldapp.records import transaction

from .conftest import IDENTITY_NAME, IDENTITY_PHONE, TESTIMONY_TEXT

DATA = Path(__file__).resolve().parents[2] / "fieldapp" / "data"


def _schema(name: str) -> dict:
    schema = json.loads((DATA / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _validate(doc: dict, name: str) -> None:
    jsonschema.Draft202012Validator(_schema(name)).validate(doc)


def _join(vault, role: str) -> None:
    conn = vault.conn
    with transaction(conn):
        conn.execute("INSERT INTO device_key VALUES ('k', 'X25519', x'00', 'pub', '2024')")
        conn.execute("INSERT INTO membership (project_id, server_url, role, device_id, "
                     "device_token, key_id, suite, joined_at) VALUES "
                     "('p', 'http://127.0.0.1', ?, 'd', 't', 'k', 'X25519', '2024')", (role,))


def test_esf_export_is_valid_and_complete(filled, tmp_path):
    result = export(filled.vault, "esf", tmp_path / "esf.json")
    doc = json.loads(result.path.read_text(encoding="utf-8"))
    _validate(doc, "esf.schema.json")
    assert result.count == len(doc["events"]) == 5 and not result.contains_identity
    events = {e["x_record_id"]: e["fields"] for e in doc["events"]}
    lere = events[filled.ids["lere"]]
    assert (lere["0113"], lere["0114"]) == ("2024-03-02", "2024-03-02")
    assert (events[filled.ids["hombori"]]["0113"],
            events[filled.ids["hombori"]]["0114"]) == ("2023-11-01", "2023-11-30")
    assert (events[filled.ids["bankass"]]["0113"],
            events[filled.ids["bankass"]]["0114"]) == ("2022-01-01", "2022-12-31")
    assert "Bandiagara" in events[filled.ids["bankass"]]["0112"]  # 2023 region
    acts = [a for a in doc["acts"] if a["fields"]["2103"] == lere["0101"]]
    types = {a["fields"]["2109"]["code"] for a in acts}
    assert types == {"010103000000"}  # killings in the context of conflict
    killed = [a for a in acts if a.get("x_count") == "killed"]
    assert killed[0]["fields"]["2123"] == {"code": "010100000000", "term": "Dead"}
    involvements = [i for i in doc["involvements"] if i["fields"]["2403"] == lere["0101"]]
    assert involvements and all(i["fields"]["2409"]["code"] == "010600000000"
                                for i in involvements)
    info = [i for i in doc["informations"] if i["fields"]["2503"] == lere["0101"]]
    assert info[0]["fields"]["2509"]["term"] == "Witness"
    text = result.path.read_text(encoding="utf-8")
    for marker in (IDENTITY_NAME, IDENTITY_PHONE, TESTIMONY_TEXT):
        assert marker not in text


def test_identities_only_for_a_coordinator_who_asks(filled, tmp_path):
    vault = filled.vault
    with pytest.raises(NotJoined):
        export(vault, "esf", tmp_path / "a.json", include_identity=True)
    _join(vault, "monitor")
    with pytest.raises(RoleRequired) as info:
        export(vault, "esf", tmp_path / "b.json", include_identity=True)
    assert "coordinator" in user_message(info.value)
    assert not (tmp_path / "a.json").exists() and not (tmp_path / "b.json").exists()
    vault.conn.execute("UPDATE membership SET role = 'coordinator'")
    vault.conn.commit()
    plain = export(vault, "esf", tmp_path / "c.json")
    assert IDENTITY_NAME not in plain.path.read_text(encoding="utf-8")
    full = export(vault, "esf", tmp_path / "d.json", include_identity=True)
    doc = json.loads(full.path.read_text(encoding="utf-8"))
    _validate(doc, "esf.schema.json")
    assert full.contains_identity and doc["contains_identity"]
    names = {p["fields"]["0903"] for p in doc["persons"]}
    assert IDENTITY_NAME in names and "W-017" not in names


def test_json_export_matches_its_schema(filled, tmp_path):
    for include in (True, False):
        out = tmp_path / f"all-{include}.json"
        export(filled.vault, "json", out, include_identity=include)
        _validate(json.loads(out.read_text(encoding="utf-8")), "fieldapp-export.schema.json")


def test_schemas_can_fail():
    doc = {"format": "huridocs-esf"}
    with pytest.raises(jsonschema.ValidationError):
        _validate(doc, "esf.schema.json")
    with pytest.raises(jsonschema.ValidationError):
        _validate({"format": "fieldapp-export"}, "fieldapp-export.schema.json")


def test_date_ranges():
    assert esf.date_range("2024-02", "month") == ("2024-02-01", "2024-02-29")
    assert esf.date_range("2024-02-10", "year") == ("2024-01-01", "2024-12-31")
    assert esf.date_range("2024-02-10", "day") == ("2024-02-10", "2024-02-10")
