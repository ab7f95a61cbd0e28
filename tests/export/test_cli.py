"""export and places through the real ``fieldapp`` command."""

from __future__ import annotations

import csv
import io
import json
import stat

from tests.conftest import run_cli

INCIDENT = {"title": "Attaque, \"marché\" de Léré", "occurred_on": "2024-03-02",
            "region": "Tombouctou", "locality": "Léré", "event_type": "attack_on_civilians",
            "perpetrators": ["unknown"], "killed_min": 4, "killed_max": 12,
            "description": "=cmd|' /C calc'!A0\nsecond line"}


def test_export_command(cli, initialised, tmp_path):
    added = cli("incident", "add", "--from", "-", stdin=json.dumps(INCIDENT))
    assert added.code == 0, added.err
    out = tmp_path / "report.csv"
    result = cli("export", "--format", "csv", "--out", str(out))
    assert result.code == 0, result.err
    assert result.out.strip() == f"{out}: 1 record"
    (warning,) = result.err.strip().splitlines()
    assert "plaintext" in warning
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert rows[0]["fatalities"] == "4" and rows[0]["notes"].startswith(
        "Attaque, \"marché\" de Léré: =cmd")  # a formula inside a cell is inert text

    again = cli("export", "--format", "json", "--out", str(out))
    assert again.code == 2 and "already exists" in again.err
    assert len(again.err.strip().splitlines()) == 1 and "Traceback" not in again.err
    inside = cli("export", "--format", "json", "--out", str(tmp_path / "profile" / "b.json"))
    assert inside.code == 2 and "profile folder" in inside.err
    assert not (tmp_path / "profile" / "b.json").exists()
    bad = cli("export", "--format", "xlsx", "--out", str(tmp_path / "x"))
    assert bad.code == 2

    geo = cli("export", "--format", "geojson", "--out", str(tmp_path / "m.geojson"))
    assert geo.code == 0, geo.err
    assert json.loads((tmp_path / "m.geojson").read_text())["features"][0]["geometry"][
        "coordinates"] == [-4.9042, 15.7153]  # from the gazetteer, lon first

    verify = cli("audit", "verify")
    assert verify.code == 0, verify.err
    exports = [e for e in cli("audit", "show", "--json").json() if e["action"] == "export"]
    assert [e["detail"]["format"] for e in exports] == ["geojson", "csv"]


def test_export_message_in_french(cli, initialised, tmp_path):
    result = cli("--lang", "fr", "export", "--format", "json", "--out",
                 str(tmp_path / "a.json"))
    assert result.code == 0, result.err
    (warning,) = result.err.strip().splitlines()
    assert "plaintext" not in warning and "en clair" in warning
    assert "fiche" in result.out  # one word for a record


def test_places_without_profile(tmp_path):
    nowhere = tmp_path / "no-profile"
    lere = run_cli(nowhere, "places", "lere", "--json")
    assert lere.code == 0, lere.err
    assert lere.json()[0]["name"] == "Léré"
    mopti = run_cli(nowhere, "places", "MOPTI", "--json").json()
    assert mopti[0]["name"] == "Mopti" and mopti[0]["kind"] == "region"
    accented = run_cli(nowhere, "places", "ségou")
    plain = run_cli(nowhere, "places", "segou")
    assert accented.code == plain.code == 0
    assert accented.out == plain.out and "Ségou" in plain.out
    none = run_cli(nowhere, "places", "zzzz-nowhere")
    assert none.code == 0 and none.out.strip() == "No place matches."
    assert not nowhere.exists()  # places never creates a profile


def test_places_joins_user_places(cli, initialised):
    incident = {**INCIDENT, "locality": "Kouakourou-Essai", "region": "Mopti"}
    assert cli("incident", "add", "--from", "-", stdin=json.dumps(incident)).code == 0
    found = cli("places", "kouak", "--json")
    assert found.code == 0, found.err
    assert found.json() == [{"name": "Kouakourou-Essai", "kind": "user", "region": "Mopti",
                             "cercle": None, "latitude": None, "longitude": None}]
    # Without FIELDAPP_PASSPHRASE: gazetteer only, and no prompt.
    quiet = cli("places", "kouak", "--json", FIELDAPP_PASSPHRASE="")
    assert quiet.code == 0 and quiet.json() == []


def test_export_esf_and_bad_inputs(cli, initialised, tmp_path):
    added = cli("incident", "add", "--from", "-", stdin=json.dumps(INCIDENT))
    assert added.code == 0, added.err
    out = tmp_path / "esf.json"
    result = cli("export", "--format", "esf", "--out", str(out))
    assert result.code == 0, result.err
    assert json.loads(out.read_text(encoding="utf-8"))["format"] == "huridocs-esf"
    for args, words in ((["--format", "esf", "--with-identity"], "project"),
                        (["--format", "xlsx"], "xlsx")):
        bad = cli("export", *args, "--out", str(tmp_path / "never.json"))
        assert bad.code in (1, 2) and words in bad.err, bad.err
        assert len(bad.err.strip().splitlines()) <= 2 and "Traceback" not in bad.err
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        refused = cli("export", "--format", "csv", "--out", str(locked / "x.csv"))
    finally:
        locked.chmod(0o700)
    if refused.code != 0:  # root ignores folder permissions; the check is for real users
        assert refused.code == 2 and "cannot be written" in refused.err
        assert "Traceback" not in refused.err
    french = cli("--lang", "fr", "export", "--format", "esf", "--with-identity", "--out",
                 str(tmp_path / "fr.json"))
    assert french.code != 0 and "projet" in french.err
