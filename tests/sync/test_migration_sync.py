"""The migration ladder from version 1 (before sync) to version 2 (sync tables)."""

from __future__ import annotations

import secrets
from pathlib import Path

from fieldapp.records import RecordStore
from fieldapp.store import db


def test_v1_database_upgrades_to_v2_with_backup(tmp_path: Path) -> None:
    path, backups = tmp_path / "vault-0.db", tmp_path / "backups"
    key = secrets.token_bytes(32)
    conn = db.connect(path, key, create=True)
    assert db.migrate(conn, path, backups, target=1) == 1
    record_id = RecordStore(conn, "Sahel-7").add(
        "incident", {"title": "Marché incendié", "occurred_on": "2024-02-03",
                     "event_type": "looting"})
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'outbox'"
                        ).fetchone()[0] == 0
    conn.close()

    conn = db.connect(path, key)
    assert db.migrate(conn, path, backups) == db.latest_version()
    backup = backups / "vault-0.v1.db"
    assert backup.is_file() and backup.stat().st_mode & 0o777 == 0o600
    # the backup is still the v1 database, still encrypted under the same key
    old = db.connect(backup, key)
    assert db.user_version(old) == 1
    old.close()
    assert "Marché".encode() not in backup.read_bytes()
    # the data survived and the new tables work
    assert RecordStore(conn, "Sahel-7").get(record_id).body["title"] == "Marché incendié"
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    for table in ("device_key", "membership", "peer_device", "outbox", "pull_checkpoint",
                  "quarantine", "assignment", "conflict", "epoch_key"):
        assert table in names
    conn.execute("INSERT INTO outbox (kind, ref, created_at) VALUES ('version', 'h', 'now')")
    conn.close()


def test_conflict_view_lists_versions_sharing_a_parent(tmp_path: Path) -> None:
    path = tmp_path / "v.db"
    conn = db.connect(path, secrets.token_bytes(32), create=True)
    db.migrate(conn, path, tmp_path / "b")
    store = RecordStore(conn, "Sahel-7")
    rid = store.add("incident", {"title": "A", "occurred_on": "2024", "event_type": "other"})
    head = store.get(rid).head
    store.edit(rid, {"title": "B"})
    assert conn.execute("SELECT count(*) FROM conflict").fetchone()[0] == 0
    conn.execute("INSERT INTO version (hash, record_id, parent, kind, author, created_at, "
                 "body, origin) VALUES ('zz', ?, ?, 'incident', 'Other', 'now', '{}', "
                 "'remote')", (rid, head))
    rows = conn.execute("SELECT record_id, parent FROM conflict").fetchall()
    assert rows == [(rid, head)]
    conn.close()


def test_v2_database_upgrades_to_v3(tmp_path: Path) -> None:
    path, backups = tmp_path / "vault-0.db", tmp_path / "backups"
    key = secrets.token_bytes(32)
    conn = db.connect(path, key, create=True)
    assert db.migrate(conn, path, backups, target=2) == 2
    conn.execute("INSERT INTO outbox (kind, ref, created_at) VALUES ('version', 'h', 'now')")
    conn.close()
    conn = db.connect(path, key)
    assert db.migrate(conn, path, backups) == db.latest_version() >= 3
    assert (backups / "vault-0.v2.db").is_file()
    assert conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    conn.execute("INSERT INTO bundle_ack (sha256, sender, kind, ack, created_at) "
                 "VALUES ('s', 'd', 'device', '{}', 'now')")
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master "
                                          "WHERE type = 'index'")}
    assert "version_parent" in indexes
    conn.close()
