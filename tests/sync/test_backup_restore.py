"""Backups (packaging/server/backup.sh) and a restore (restore.sh) of a REAL server over
HTTPS on PostgreSQL: records and a photo are synced, the database and the data folder are
backed up while the server runs, the server is lost, both are restored into a fresh
database and a fresh folder, a server starts on them, and the coordinator (who had not
synced yet) receives everything — over the same pinned certificate, with the same
receipt key. The monitor's next sync has nothing left to send."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.sync.helpers import Person, photo_bytes

from .conftest import HTTPS_ANY, ROOT, PostgresCluster, start_server

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(300)]
SCRIPTS = ROOT / "packaging" / "server"
TITLES = ["Pillage à Boni", "Incendie à Dialloubé", "Enlèvement près de Boulkessi"]


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPTS / name), *args], capture_output=True, text=True,
                          timeout=120, check=False)


def test_backup_then_restore_into_a_fresh_database_and_folder(
        tmp_path: Path, postgres: PostgresCluster) -> None:
    database, data = postgres.new_database(), tmp_path / "server-data"
    server = start_server(data, database, tls=True)
    try:
        pin = server.tls_pin
        key = HTTPS_ANY.get(server.url + "/v1/server").json()["server_sign_public"]
        coord = Person(tmp_path, "coord", "Coord-1")
        coord.ok("project", "create", "--server", server.url, "--name", "Mopti",
                 f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519",
                 "--tls-pin", pin)
        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        monitor.join(invite, coord)
        ids = [monitor.add("incident", {"title": t, "occurred_on": "2024-03-02",
                                        "event_type": "looting"}, tmp_path) for t in TITLES]
        photo = tmp_path / "marche.jpg"
        photo.write_bytes(photo_bytes(600_000))
        attachment = monitor.ok("attach", ids[0], str(photo)).out.strip()
        sent = monitor.ok("sync", "--json").json()
        assert sent["complete"] and sent["sent"] >= len(TITLES)

        made = _script("backup.sh", "--data", str(data), "--database", database,
                       "--out", str(tmp_path / "backups"))
        assert made.returncode == 0, made.stderr
        backup = Path(made.stdout.strip())
        assert sorted(x.name for x in backup.iterdir()) == [
            "SHA256SUMS", "data.tar", "database.pgdump"]
        assert backup.stat().st_mode & 0o777 == 0o700
    finally:
        server.stop()
    shutil.rmtree(data)  # the server's disk is lost

    # a damaged backup, or a folder that is not empty, is refused before anything changes
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with (damaged / "data.tar").open("r+b") as fh:
        fh.seek(700)
        byte = fh.read(1)
        fh.seek(700)
        fh.write(bytes([byte[0] ^ 1]))
    fresh_db, fresh_data = postgres.new_database(), tmp_path / "restored"
    refused = _script("restore.sh", "--from", str(damaged), "--data", str(fresh_data),
                      "--database", fresh_db)
    assert refused.returncode == 1 and "damaged" in refused.stderr
    assert not fresh_data.exists()
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("x")
    refused = _script("restore.sh", "--from", str(backup), "--data", str(tmp_path / "busy"),
                      "--database", fresh_db)
    assert refused.returncode == 1 and "not empty" in refused.stderr

    restored = _script("restore.sh", "--from", str(backup), "--data", str(fresh_data),
                       "--database", fresh_db)
    assert restored.returncode == 0, restored.stderr
    assert "1 blob(s)" in restored.stdout
    assert fresh_data.stat().st_mode & 0o777 == 0o700
    again = _script("restore.sh", "--from", str(backup), "--data", str(tmp_path / "other"),
                    "--database", fresh_db)
    assert again.returncode == 1 and "not empty" in again.stderr  # the database has it now

    server = start_server(fresh_data, fresh_db, port=server.port, tls=True)
    try:
        assert server.tls_pin == pin  # same certificate: the pin in the invites holds
        assert HTTPS_ANY.get(server.url + "/v1/server").json()["server_sign_public"] == key
        got = coord.ok("sync", "--json").json()
        assert got["complete"] and got["attachments_received"] == 1
        listed = {r["id"] for r in coord.ok("list", "--json").json()}
        assert listed == set(ids)
        for rid, title in zip(ids, TITLES, strict=True):
            assert title in coord.ok("show", rid).out
        mine, theirs = tmp_path / "mine.jpg", tmp_path / "theirs.jpg"
        monitor.ok("attachment", "get", attachment, "--out", str(mine))
        coord.ok("attachment", "get", attachment, "--out", str(theirs))
        assert theirs.read_bytes() == mine.read_bytes() and len(mine.read_bytes()) > 100_000
        after = monitor.ok("sync", "--json").json()
        assert after["complete"] and after["sent"] == 0
    finally:
        server.stop()
