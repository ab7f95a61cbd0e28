"""USB bundles: export, import on a joined device (idempotent), upload to the server
(idempotent), acknowledgements and receipts carried back."""

from __future__ import annotations

from pathlib import Path

import pytest

from fieldapp import attachments, outbox
from sync import bundle
from sync.client import SyncClient
from sync.errors import BundleRejected
from tests.sync.conftest import start_server
from tests.sync.helpers import (
    Person,
    fast_settings,
    incidents,
    make_project,
    photo_bytes,
)


@pytest.fixture
def sqlite_server(tmp_path: Path):
    proc = start_server(tmp_path / "server-data")
    yield proc
    proc.stop()


def _states(vault) -> set[str]:
    return {r[0] for r in vault.conn.execute("SELECT state FROM outbox")}


def test_bundle_to_coordinator_and_acks_back(sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    SyncClient(coord, settings=fast_settings()).sync()  # the directory knows the monitor
    ids = incidents(mon, 5, "Par clé USB")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(300_000))
    att = attachments.attach(mon, ids[0], photo)
    stick = tmp_path / "stick.fabundle"
    assert bundle.export_bundle(mon, stick) >= 7
    assert stick.stat().st_mode & 0o777 == 0o600
    assert "Par clé USB".encode() not in stick.read_bytes()

    first = bundle.import_bundle(coord, stick)
    assert first["applied"] >= 6 and first["refused"] == 0
    assert sorted(r[0] for r in coord.conn.execute(
        "SELECT id FROM record")) == sorted(ids)
    assert b"".join(attachments.read(coord, att)) == b"".join(attachments.read(mon, att))
    again = bundle.import_bundle(coord, stick)
    assert again["applied"] == 0 and again["known"] == first["applied"]
    assert coord.conn.execute("SELECT count(*) FROM version").fetchone()[0] == 5

    back = tmp_path / "back.fabundle"
    bundle.export_bundle(coord, back)
    assert _states(mon) == {"pending"}
    bundle.import_bundle(mon, back)
    assert _states(mon) == {"sent"}
    receipt = outbox.record_state(mon.conn, ids[0])["items"][0]["receipt"]
    assert receipt["type"] == "device" and receipt["signature"]
    assert bundle.import_bundle(mon, back)["refused"] == 0  # idempotent both ways


def test_bundle_uploaded_to_server_idempotently_with_receipts_back(
        sqlite_server, tmp_path: Path) -> None:
    coord, (mon, courier) = make_project(sqlite_server, tmp_path, monitors=2)
    SyncClient(courier, settings=fast_settings()).sync()
    ids = incidents(mon, 4, "Via la ville")
    photo = tmp_path / "p.jpg"
    photo.write_bytes(photo_bytes(200_000))
    attachments.attach(mon, ids[0], photo)
    stick = tmp_path / "stick.fabundle"
    bundle.export_bundle(mon, stick)
    # a coordinator in town uploads it
    SyncClient(coord, settings=fast_settings()).sync()
    first = bundle.upload_bundle(coord, stick, settings=fast_settings())
    assert first["refused"] == 0 and first["stored"] >= 6
    second = bundle.upload_bundle(coord, stick, settings=fast_settings())
    assert second["stored"] <= 1 and second["known"] >= 5 and second["refused"] == 0
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.complete and report.attachments_received == 1
    assert sorted(r[0] for r in coord.conn.execute("SELECT id FROM record")) == sorted(ids)
    back = tmp_path / "back.fabundle"
    bundle.export_bundle(coord, back)
    bundle.import_bundle(mon, back)
    assert _states(mon) == {"sent"}
    # and the monitor's own next sync sends nothing twice
    assert SyncClient(mon, settings=fast_settings()).sync().sent == 0


def test_damaged_foreign_and_unknown_bundles_refused(sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    SyncClient(coord, settings=fast_settings()).sync()
    incidents(mon, 2)
    stick = tmp_path / "stick.fabundle"
    bundle.export_bundle(mon, stick)
    data = bytearray(stick.read_bytes())
    for name, bad in (("flipped", data[:200] + bytes([data[200] ^ 1]) + data[201:]),
                      ("cut", data[: len(data) // 2]), ("junk", b"hello"),
                      ("empty", b"")):
        target = tmp_path / name
        target.write_bytes(bytes(bad))
        with pytest.raises(BundleRejected):
            bundle.import_bundle(coord, target)
    assert coord.conn.execute("SELECT count(*) FROM record").fetchone()[0] == 0
    other_server = start_server(tmp_path / "other-data")
    try:
        other_coord, _ = make_project(other_server, tmp_path / "other")
        with pytest.raises(BundleRejected) as info:
            bundle.import_bundle(other_coord, stick)
        assert info.value.params["reason"] == "another project"
    finally:
        other_server.stop()


def test_bundle_cli(sqlite_server, tmp_path: Path) -> None:
    coord = Person(tmp_path, "coord", "Coord-1")
    coord.ok("project", "create", "--server", sqlite_server.url, "--name", "P",
             "--bootstrap-token", sqlite_server.bootstrap_token, "--suite", "X25519")
    coord.ok("invite", "--role", "monitor", "--out", str(tmp_path / "m.invite"))
    mon = Person(tmp_path, "mon", "Sahel-7")
    mon.join(tmp_path / "m.invite", coord)
    rid = mon.add("incident", {"title": "Par USB", "occurred_on": "2024-05-01",
                               "event_type": "looting"}, tmp_path)
    out = tmp_path / "b.fabundle"
    assert "written" in mon.ok("bundle", "export", "--out", str(out)).out
    assert "1 applied" in coord.ok("bundle", "import", str(out)).out
    assert "0 applied" in coord.ok("bundle", "import", str(out)).out
    assert coord.ok("show", rid).code == 0
    bad = mon.run("bundle", "import", str(tmp_path / "missing.fabundle"))
    assert bad.code == 2 and "Traceback" not in bad.err
