"""Backups (packaging/server/backup.sh) and a restore (restore.sh) of a REAL server over
HTTPS on PostgreSQL: records and a photo are synced, the database and the data folder are
backed up while the server runs, the server is lost, both are restored into a fresh
database and a fresh folder, a server starts on them, and the coordinator (who had not
synced yet) receives everything — over the same pinned certificate, with the same
receipt key. The monitor's next sync has nothing left to send."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from fieldapp.crypto import envelope as env
from sync import protocol as p
from tests.sync.helpers import Person, photo_bytes

from .conftest import (
    HTTP,
    HTTPS_ANY,
    ROOT,
    PostgresCluster,
    enroll,
    register_project,
    start_server,
)

pytestmark = pytest.mark.timeout(300)
SCRIPTS = ROOT / "packaging" / "server"
TITLES = ["Pillage à Boni", "Incendie à Dialloubé", "Enlèvement près de Boulkessi"]


def _script(name: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPTS / name), *args], capture_output=True, text=True,
                          timeout=120, check=False)


@pytest.mark.postgres
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


def test_backup_and_restore_of_a_server_on_sqlite(tmp_path: Path) -> None:
    """Without --database: SQLite's online backup of DATA/server.db, taken while the
    server runs; the restored server has every item, in the same order, and the blob."""
    data = tmp_path / "server-data"
    server = start_server(data)
    try:
        coord = register_project(server, "X25519")
        mon = enroll(server, coord, "monitor", "Mon")
        epoch = env.new_epoch(mon.device.device_id, mon.device, {
            mon.device.device_id: mon.device.kem_public,
            coord.device.device_id: coord.device.kem_public}, "X25519")
        items = [epoch.packet] + [env.seal(
            epoch, mon.device, record_id=str(uuid.uuid4()),
            version_hash=hashlib.sha256(os.urandom(8)).hexdigest(),
            section="narrative", kind="incident", payload=os.urandom(100)) for _ in range(20)]
        pushed = HTTP.post(server.url + "/v1/push", content=p.frame_items(items),
                           headers=mon.headers)
        assert all(r["status"] == "stored" for r in pushed.json()["results"])
        blob = os.urandom(300_000)
        sha = hashlib.sha256(blob).hexdigest()
        assert HTTP.post(server.url + "/v1/uploads", headers={
            **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(blob)),
            "Upload-Metadata": p.tus_metadata({"sha256": sha, "epoch": epoch.epoch_id}),
        }).status_code == 201
        assert HTTP.patch(f"{server.url}/v1/uploads/{sha}", content=blob, headers={
            **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream"}).status_code == 204
        before = HTTP.get(server.url + "/v1/changes", headers=coord.headers).content
        made = _script("backup.sh", "--data", str(data), "--out", str(tmp_path / "b"))
        assert made.returncode == 0, made.stderr
    finally:
        server.stop()
    backup = Path(made.stdout.strip())
    assert sorted(x.name for x in backup.iterdir()) == ["SHA256SUMS", "data.tar", "server.db"]
    refused = _script("restore.sh", "--from", str(backup), "--data", str(tmp_path / "x"),
                      "--database", "postgresql://nobody@127.0.0.1:1/none")
    assert refused.returncode == 1 and "no PostgreSQL dump" in refused.stderr
    restored = _script("restore.sh", "--from", str(backup), "--data", str(tmp_path / "new"))
    assert restored.returncode == 0, restored.stderr
    server = start_server(tmp_path / "new")
    try:
        assert HTTP.get(server.url + "/v1/changes", headers=coord.headers).content == before
        got = HTTP.get(f"{server.url}/v1/blobs/{sha}", headers=coord.headers)
        assert got.status_code == 200 and got.content == blob
    finally:
        server.stop()
