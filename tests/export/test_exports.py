"""Each export format on a real SQLCipher vault, read back with standard parsers."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import stat

import pytest

from fieldapp import audit
from fieldapp.errors import UnsafePath
from fieldapp.export import acled_csv, export
from fieldapp.messages import exit_code, user_message

from .conftest import FILE_KEY, IDENTITY_NAME, IDENTITY_PHONE, TESTIMONY_TEXT, THUMBNAIL

ACLED_COLUMNS = list(acled_csv.COLUMNS)  # checked against the codebook in test_acled.py


def _export(filled, tmp_path, fmt, **kwargs):
    out = tmp_path / f"out.{fmt}"
    result = export(filled.vault, fmt, out, **kwargs)
    return result, out.read_bytes()


def _csv_rows(data: bytes) -> tuple[list[str], dict[str, dict[str, str]]]:
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for Excel"
    reader = csv.reader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    header, *rows = list(reader)
    return header, {row[0].removeprefix("MLI-"): dict(zip(header, row, strict=True))
                    for row in rows}


# --- JSON -------------------------------------------------------------------------------
def test_json_holds_everything(filled, tmp_path):
    result, data = _export(filled, tmp_path, "json")
    doc = json.loads(data)
    assert doc["format"] == "fieldapp-export" and doc["format_version"] == 1
    assert doc["plaintext"] is True and doc["contains_identity"] is True
    records = {r["id"]: r for r in doc["records"]}
    assert result.count == len(records) == 7  # 5 incidents, a testimony, a person
    lere = records[filled.ids["lere"]]
    assert lere["body"]["description"].startswith("Marché de Léré, \"jour de foire\"")
    assert [v["body"].get("killed_max") for v in lere["versions"]] == [9, 10]
    assert lere["versions"][1]["parent"] == lere["versions"][0]["hash"] == \
        lere["versions"][1]["parent"]
    assert lere["head"] == lere["versions"][-1]["hash"]
    (att,) = lere["attachments"]
    assert att["sha256_original"] == "a" * 64 and att["stripped"] == {"gps": True}
    assert "file_key" not in att and "thumbnail" not in att
    assert lere["reviews"][0]["status"] == "verified"
    testimony = records[filled.ids["testimony"]]
    assert testimony["incident_ids"] == [filled.ids["lere"]]
    assert testimony["translations"][0]["text"] == "They came at dawn."
    assert "identity" not in testimony["body"]
    assert {"name": "Kouakourou-Essai", "region": "Mopti", "cercle": "Bankass",
            "latitude": None, "longitude": None, "uses": 1} in doc["places"]
    # Identities live in their own marked section, tied to their owners.
    section = doc["identities"]
    assert section["section"] == "identity" and "coordinators" in section["notice"]
    owners = {item["owner"]: item for item in section["items"]}
    assert owners[filled.ids["testimony"]]["body"] == {"name": IDENTITY_NAME,
                                                       "phone": IDENTITY_PHONE}
    assert testimony["identity_id"] == owners[filled.ids["testimony"]]["id"]
    assert records[filled.ids["person"]]["identity_id"] == owners[filled.ids["person"]]["id"]
    # The audit head as it was before this export's own entry.
    verdict = audit.verify(filled.vault.conn)
    assert doc["audit"]["intact"] is True
    assert doc["audit"]["entries"] == verdict.entries - 1
    # Never the attachment's key or thumbnail bytes, in any encoding.
    assert FILE_KEY.hex().encode() not in data and THUMBNAIL not in data
    assert b"S0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0tLS0s" not in data  # base64 of the key


def test_json_without_identity_leaves_no_trace(filled, tmp_path):
    result, data = _export(filled, tmp_path, "json", include_identity=False)
    doc = json.loads(data)
    assert doc["contains_identity"] is False and "identities" not in doc
    assert not result.contains_identity
    assert IDENTITY_NAME.encode() not in data and IDENTITY_PHONE.encode() not in data
    assert all("identity_id" not in r for r in doc["records"])


# --- CSV --------------------------------------------------------------------------------
def test_csv_columns_values_and_quoting(filled, tmp_path):
    result, data = _export(filled, tmp_path, "csv")
    header, rows = _csv_rows(data)
    assert header == ACLED_COLUMNS == list(acled_csv.COLUMNS)
    assert result.count == len(rows) == 4  # incidents only; the year-only one left out
    assert result.left_out == 1 and filled.ids["bankass"] not in rows
    lere = rows[filled.ids["lere"]]
    assert lere["event_date"] == "2024-03-02" and lere["time_precision"] == "1"
    assert (lere["event_type"], lere["sub_event_type"]) == ("Violence against civilians",
                                                            "Attack")
    assert lere["actor1"] == "Unidentified Armed Group (Mali)" and lere["inter1"] == "3"
    assert lere["actor2"] == "Civilians (Mali)"
    assert (lere["admin1"], lere["admin2"], lere["location"]) == ("Tombouctou", "Niafunké",
                                                                 "Léré")
    assert float(lere["latitude"]) == 15.7167 and float(lere["longitude"]) == -4.9167
    assert lere["geo_precision"] == "1"
    assert lere["fatalities"] == "4"  # the conservative minimum, not 10
    # Quotes, commas and the new line survive; the formula is neutralised.
    assert lere["notes"].startswith("'=HYPERLINK(\"http://x\",\"clic\"): Marché de Léré")
    assert "tirs;\nvirgule, ici" in lere["notes"]
    assert lere["source"] == "'@réseau local"

    hombori = rows[filled.ids["hombori"]]
    assert hombori["event_date"] == "2023-11-15" and hombori["time_precision"] == "3"
    assert hombori["sub_event_type"] == "Abduction/forced disappearance"
    assert hombori["actor1"] == "Jihadist armed group (Mali)"
    assert hombori["fatalities"] == "0"
    assert hombori["geo_precision"] == "1"  # the gazetteer's town
    assert 15 < float(hombori["latitude"]) < 16 and -2 < float(hombori["longitude"]) < -1
    assert (hombori["admin1"], hombori["admin2"]) == ("Douentza", "Douentza")  # 2023
    assert "Alleged perpetrators: -groupe armé" in hombori["notes"]

    menaka = rows[filled.ids["menaka"]]
    assert menaka["geo_precision"] == "3" and menaka["admin1"] == "Ménaka"
    assert menaka["sub_event_type"] == "Air/drone strike"
    assert menaka["actor1"] == "Foreign paramilitaries (Mali)" and menaka["inter1"] == "8"
    assert menaka["notes"] == "'+Frappe de drone"

    nowhere = rows[filled.ids["nowhere"]]
    assert nowhere["latitude"] == nowhere["longitude"] == nowhere["geo_precision"] == ""
    assert nowhere["event_type"] == "Battles"
    assert nowhere["actor2"] == "Unidentified Armed Group (Mali)"  # the other side unknown
    # Negative longitudes stay numbers: no apostrophe on coordinates.
    assert all(not r["longitude"].startswith("'") for r in rows.values())


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-2+3", "@SUM(A1)", "\t=x", "\r=x",
                                  "  =cmd|' /C calc'!A0", "\uff1d1"])
def test_csv_guard_neutralises_formulas(cell):
    assert acled_csv.guard(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["", "Léré", "a=b", "1-2", "'quoted"])
def test_csv_guard_leaves_text_alone(cell):
    assert acled_csv.guard(cell) == cell


def test_every_event_type_and_perpetrator_is_mapped():
    from fieldapp import model

    assert set(acled_csv.EVENT_MAP) == set(model.EVENT_TYPES)
    assert set(acled_csv.ACTORS) == set(model.PERPETRATORS)


# --- GeoJSON ----------------------------------------------------------------------------
def test_geojson_is_valid_and_lon_lat(filled, tmp_path):
    result, data = _export(filled, tmp_path, "geojson")
    doc = json.loads(data)
    assert doc["type"] == "FeatureCollection"
    features = {f["id"]: f for f in doc["features"]}
    assert result.count == len(features) == 4 and result.left_out == 1
    assert filled.ids["nowhere"] not in features
    for feature in features.values():
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] == "Point"
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90
        # Mali: longitudes −12.5…4.5, latitudes 10…25 (catches a swapped order).
        assert -12.5 <= lon <= 4.5 and 10 <= lat <= 25
        assert feature["properties"]["geo_precision"] in (1, 2, 3)
    assert features[filled.ids["lere"]]["geometry"]["coordinates"] == [-4.9167, 15.7167]
    props = {k: f["properties"] for k, f in features.items()}
    assert props[filled.ids["lere"]]["location_basis"] == "record"
    assert props[filled.ids["hombori"]]["location_basis"] == "locality"
    assert props[filled.ids["bankass"]]["location_basis"] == "cercle"
    assert props[filled.ids["bankass"]]["geo_precision"] == 2
    assert props[filled.ids["menaka"]]["location_basis"] == "region"
    assert props[filled.ids["menaka"]]["geo_precision"] == 3
    assert props[filled.ids["lere"]]["fatalities"] == 4
    assert props[filled.ids["lere"]]["title"].startswith("=HYPERLINK")  # JSON: no guard


def test_typed_place_with_coordinates_places_later_incidents(vault, tmp_path):
    records = vault.records
    records.add("incident", {"title": "a", "occurred_on": "2024-01-01",
                             "event_type": "looting", "locality": "Ndiaye-Essai",
                             "latitude": 14.1, "longitude": -4.2})
    later = records.add("incident", {"title": "b", "occurred_on": "2024-02-01",
                                     "event_type": "looting", "locality": "ndiaye-essai"})
    export(vault, "geojson", tmp_path / "m.geojson")
    features = {f["id"]: f for f in json.loads((tmp_path / "m.geojson").read_text())
                ["features"]}
    assert features[later]["geometry"]["coordinates"] == [-4.2, 14.1]
    assert features[later]["properties"]["location_basis"] == "locality"


# --- what never leaves in CSV and GeoJSON -----------------------------------------------
def test_identity_and_testimony_never_in_csv_or_geojson(filled, tmp_path):
    markers = [IDENTITY_NAME, IDENTITY_PHONE, TESTIMONY_TEXT, "W-017", "V-003", "Sahel-7",
               "They came at dawn", "photo.jpg"]
    for fmt in ("csv", "geojson"):
        _, data = _export(filled, tmp_path, fmt)
        text = data.decode("utf-8-sig")
        for marker in markers:
            assert marker not in text, (fmt, marker)
    json_data = export(filled.vault, "json", tmp_path / "all.json")
    assert json_data.contains_identity
    assert IDENTITY_NAME in (tmp_path / "all.json").read_text(encoding="utf-8")


# --- the file and the audit log ---------------------------------------------------------
@pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
def test_file_is_0600_and_audited(filled, tmp_path, fmt):
    before = audit.verify(filled.vault.conn).entries
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    result, data = _export(filled, out_dir, fmt)
    assert stat.S_IMODE(result.path.stat().st_mode) == 0o600
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    verdict = audit.verify(filled.vault.conn)
    assert verdict.ok and verdict.entries == before + 1
    entry = audit.entries(filled.vault.conn, limit=1)[0]
    assert entry["action"] == "export"
    assert entry["detail"] == {"format": fmt, "count": result.count, "sha256": result.sha256,
                               "identity": fmt == "json"}
    assert list(out_dir.iterdir()) == [result.path]  # no temporary file left behind


def test_refuses_existing_file(filled, tmp_path):
    out = tmp_path / "exists.csv"
    out.write_bytes(b"keep me")
    before = audit.verify(filled.vault.conn).entries
    with pytest.raises(UnsafePath) as info:
        export(filled.vault, "csv", out)
    assert out.read_bytes() == b"keep me"
    assert exit_code(info.value) == 2
    assert "already exists" in user_message(info.value)
    assert audit.verify(filled.vault.conn).entries == before


def test_never_replaces_a_file_that_appears_while_rendering(filled, tmp_path, monkeypatch):
    import fieldapp.export as exporting

    out = tmp_path / "race.csv"
    real_render = exporting.render

    def render_then_someone_writes(*args, **kwargs):
        result = real_render(*args, **kwargs)
        out.write_bytes(b"written by someone else")
        return result

    monkeypatch.setattr(exporting, "render", render_then_someone_writes)
    before = audit.verify(filled.vault.conn).entries
    with pytest.raises(UnsafePath):
        export(filled.vault, "csv", out)
    assert out.read_bytes() == b"written by someone else"
    assert audit.verify(filled.vault.conn).entries == before


def test_refuses_dangling_symlink(filled, tmp_path):
    link = tmp_path / "link.csv"
    link.symlink_to(tmp_path / "elsewhere.csv")
    with pytest.raises(UnsafePath):
        export(filled.vault, "csv", link)
    assert not (tmp_path / "elsewhere.csv").exists()


@pytest.mark.parametrize("inside", [".", "vault-0.files", "backups/deeper"])
def test_refuses_the_profile_folder(filled, inside):
    folder = filled.vault.profile.path / inside
    folder.mkdir(parents=True, exist_ok=True)
    with pytest.raises(UnsafePath) as info:
        export(filled.vault, "json", folder / "backup.json")
    assert info.value.params["reason"] == "inside the profile folder"
    assert "profile folder" in user_message(info.value)
    assert not (folder / "backup.json").exists()


def test_refuses_the_profile_folder_through_a_symlink(filled, tmp_path):
    alias = tmp_path / "alias"
    alias.symlink_to(filled.vault.profile.path, target_is_directory=True)
    with pytest.raises(UnsafePath):
        export(filled.vault, "csv", alias / "x.csv")


def test_refuses_a_missing_folder(filled, tmp_path):
    with pytest.raises(UnsafePath) as info:
        export(filled.vault, "csv", tmp_path / "no" / "such" / "x.csv")
    assert info.value.params["reason"] == "no such folder"


def test_empty_vault_exports_headers_only(vault, tmp_path):
    export(vault, "csv", tmp_path / "e.csv")
    header, rows = _csv_rows((tmp_path / "e.csv").read_bytes())
    assert header == ACLED_COLUMNS and rows == {}
    export(vault, "geojson", tmp_path / "e.geojson")
    assert json.loads((tmp_path / "e.geojson").read_text()) == {
        "type": "FeatureCollection", "features": []}
