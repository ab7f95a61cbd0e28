"""Bad input and failures of the sync commands: one clear line, the right exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.conftest import start_server
from tests.sync.helpers import Person


@pytest.fixture
def sqlite_server(tmp_path: Path):
    proc = start_server(tmp_path / "server-data")
    yield proc
    proc.stop()


def _fails(result, code: int, text: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    assert text in result.err, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def test_sync_commands_refuse_bad_input_clearly(sqlite_server, tmp_path: Path) -> None:
    coord = Person(tmp_path, "coord", "Coord-1")
    _fails(coord.run("sync"), 1, "not part of a project")
    _fails(coord.run("project", "create", "--server", sqlite_server.url, "--name", "P",
                     "--bootstrap-token", "x" * 43), 1, "refused")
    coord.ok("project", "create", "--server", sqlite_server.url, "--name", "P",
             "--bootstrap-token", sqlite_server.bootstrap_token, "--suite", "X25519")
    _fails(coord.run("project", "create", "--server", sqlite_server.url, "--name", "P",
                     "--bootstrap-token", sqlite_server.bootstrap_token), 2, "already belongs")
    rid = coord.add("incident", {"title": "Essai", "occurred_on": "2024-01-01",
                                 "event_type": "looting"}, tmp_path)
    _fails(coord.run("review", rid, "--status", "duplicate"), 2, "duplicate-of")
    _fails(coord.run("review", rid, "--status", "great"), 2, "bad usage")
    _fails(coord.run("review", "0190aaaa-0000-7000-8000-000000000000", "--status",
                     "verified"), 2, "Nothing found")
    _fails(coord.run("assign", rid, "--translator", "Personne", "--to", "en"), 2,
           "No enrolled translator")
    _fails(coord.run("status", "../../etc/passwd"), 2, "Nothing found")
    _fails(coord.run("revoke", "../../x"), 2, "DEVICE_ID")
    _fails(coord.run("invite", "--role", "monitor", "--out", str(tmp_path / "x"),
                     "--expires-hours", "0"), 2, "expires-hours")

    coord.ok("invite", "--role", "monitor", "--out", str(tmp_path / "m.invite"))
    mon = Person(tmp_path, "mon", "Sahel-7")
    _fails(mon.run("join", str(tmp_path / "missing.invite")), 2, "Cannot read")
    (tmp_path / "junk.invite").write_text("not an invite")
    _fails(mon.run("join", str(tmp_path / "junk.invite")), 2, "not a valid invite")
    joined = mon.ok("join", str(tmp_path / "m.invite")).out
    device_id = [d for d in coord.ok("devices", "--json").json()
                 if d["state"] == "pending"][0]["device_id"]
    _fails(coord.run("approve", device_id, "--fingerprint", "12345 67890"), 2,
           "does not match")
    _fails(coord.run("approve", "0123456789abcdef", "--fingerprint", "1"), 2,
           "waiting for approval")
    coord.approve("Sahel-7", joined.strip().splitlines()[-1])
    mon.ok("sync")  # learns it is approved
    _fails(coord.run("approve", device_id, "--fingerprint", "1"), 2, "waiting for approval")
    _fails(mon.run("review", rid, "--status", "verified"), 2, "Only a coordinator")
    _fails(mon.run("invite", "--role", "monitor", "--out", str(tmp_path / "y")), 2,
           "Only a coordinator")
    _fails(mon.run("translate", rid, "--field", "title", "--to", "en", "--from",
                   str(tmp_path / "missing.txt")), 2, "Cannot read")

    # the server goes away: the sync says so, the record is honestly pending/failed
    own = mon.add("incident", {"title": "Hors ligne", "occurred_on": "2024-01-02",
                               "event_type": "looting"}, tmp_path)
    sqlite_server.stop()
    result = mon.run("sync", FIELDAPP_SYNC_ATTEMPTS="2")
    assert result.code == 1 and "Not everything was sent" in result.err
    status = mon.ok("status", own, "--json").json()
    assert status["state"] == "failed" and "ServerUnreachable" in status["items"][0]["reason"]
    assert "failed" in mon.ok("status", own).out
