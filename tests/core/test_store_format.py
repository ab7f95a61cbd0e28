"""The database file format: page MACs, and the search index that keeps no text copy."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from fieldapp.errors import ProfileCorrupt
from fieldapp.records import RecordStore
from fieldapp.store import db


def _make(path: Path, key: bytes, page_mac: str) -> str:
    conn = db.connect(path, key, create=True, page_mac=page_mac)
    db.migrate(conn, path, path.parent / "backups")
    record_id = RecordStore(conn, "Sahel-7").add(
        "incident", {"title": "Puits empoisonné à Léré", "occurred_on": "2024-05-02",
                     "event_type": "other"})
    conn.close()
    return record_id


@pytest.mark.parametrize("page_mac", db.PAGE_MACS)
def test_a_database_opens_whichever_page_mac_wrote_it(tmp_path: Path, page_mac: str) -> None:
    path, key = tmp_path / "vault-0.db", secrets.token_bytes(32)
    record_id = _make(path, key, page_mac)
    conn = db.connect(path, key)
    assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == page_mac
    assert RecordStore(conn, "Sahel-7").get(record_id).body["title"].startswith("Puits")
    conn.close()
    # ...and it really was written with that MAC: the other one cannot read it.
    other = next(m for m in db.PAGE_MACS if m != page_mac)
    with pytest.raises(ProfileCorrupt):
        db._open(path, key, other, True)


def test_a_new_database_takes_the_fastest_page_mac(tmp_path: Path) -> None:
    path, key = tmp_path / "vault-0.db", secrets.token_bytes(32)
    conn = db.connect(path, key, create=True)
    assert db.fastest_page_mac() in db.PAGE_MACS
    assert conn.execute("PRAGMA cipher_hmac_algorithm").fetchone()[0] == db.fastest_page_mac()
    conn.close()


@pytest.mark.parametrize("page_mac", db.PAGE_MACS)
def test_wrong_key_or_damage_fails_with_every_page_mac(tmp_path: Path, page_mac: str) -> None:
    path, key = tmp_path / "vault-0.db", secrets.token_bytes(32)
    _make(path, key, page_mac)
    with pytest.raises(ProfileCorrupt):
        db.connect(path, secrets.token_bytes(32))
    data = bytearray(path.read_bytes())
    data[100:4096] = secrets.token_bytes(4096 - 100)  # page 1 overwritten
    path.write_bytes(bytes(data))
    with pytest.raises(ProfileCorrupt):
        db.connect(path, key)
    assert path.stat().st_size == len(data)  # nothing deleted or truncated


def test_v3_search_index_migrates_to_one_without_a_text_copy(tmp_path: Path) -> None:
    path, key = tmp_path / "vault-0.db", secrets.token_bytes(32)
    conn = db.connect(path, key, create=True)
    db.migrate(conn, path, tmp_path / "backups", target=3)
    store = RecordStore(conn, "Sahel-7")
    kept = store.add("incident", {"title": "Marché de Ténenkou incendié",
                                  "occurred_on": "2024-02-03", "event_type": "looting"})
    edited = store.add("incident", {"title": "Convoi attaqué près de Léré",
                                    "occurred_on": "2024-03-01", "event_type": "other"})
    conn.close()

    conn = db.connect(path, key)
    assert db.migrate(conn, path, tmp_path / "backups") == db.latest_version() >= 4
    store = RecordStore(conn, "Sahel-7")
    assert [s.id for s in store.search("tenenkou")] == [kept]
    assert [s.id for s in store.search("LERE")] == [edited]
    # The index holds no text: reading a column gives nothing back.
    assert conn.execute("SELECT title FROM record_fts").fetchall() == [(None,), (None,)]
    # An edit replaces the record's entry: the old words no longer find it.
    store.edit(edited, {"title": "Convoi attaqué près de Niafunké"})
    assert store.search("lere") == []
    assert [s.id for s in store.search("niafunke")] == [edited]
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO record_fts (record_fts, rank) VALUES ('integrity-check', 1)")
    conn.close()
