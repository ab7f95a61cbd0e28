"""Faults between client and a real server process: connections cut at random bytes during
push, pull and upload; a 20 MB upload through a proxy that cuts every 1 MB; the server
killed and restarted mid-sync. No record lost, none duplicated."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import pytest

from fieldapp import attachments
from sync.client import CHUNK, SyncClient
from sync.errors import ServerUnreachable, SyncCancelled
from tests.media.pdf_samples import big_pdf
from tests.sync.conftest import start_server
from tests.sync.cutproxy import CutProxy
from tests.sync.helpers import fast_settings, incidents, make_project, point_to


def _sync_until_complete(vault, tries: int = 12, **options):
    """Sync again (as a user would) until everything is sent; returns the last report."""
    report = None
    for _ in range(tries):
        try:
            report = SyncClient(vault, settings=fast_settings(), **options).sync()
        except ServerUnreachable:
            continue
        if report.complete:
            return report
    return report


@pytest.fixture
def sqlite_server(tmp_path: Path):
    proc = start_server(tmp_path / "server-data")
    yield proc
    proc.stop()


def test_random_cuts_during_push_and_pull_lose_and_duplicate_nothing(sqlite_server,
                                                                     tmp_path: Path) -> None:
    coord, (mon1, mon2) = make_project(sqlite_server, tmp_path, monitors=2)
    rng = random.Random(1234)
    with CutProxy(sqlite_server.port, cut=lambda n: rng.randint(200, 12000)) as proxy:
        for vault in (mon1, mon2, coord):
            point_to(vault, proxy.url)
        ids = incidents(mon1, 40, "Moniteur un") + incidents(mon2, 25, "Moniteur deux")
        for vault in (mon1, mon2):
            report = _sync_until_complete(vault)
            assert report is not None and report.complete, report
        report = _sync_until_complete(coord)
        assert report is not None and report.complete
        assert proxy.cuts > 5  # the link really was bad
    got = [r[0] for r in coord.conn.execute("SELECT id FROM record ORDER BY id")]
    assert got == sorted(ids)
    assert coord.conn.execute("SELECT count(*) FROM version").fetchone()[0] == len(ids)
    # every monitor item sent exactly once on the server: sequences are distinct receipts
    for vault in (mon1, mon2):
        states = {r[0] for r in vault.conn.execute("SELECT state FROM outbox")}
        assert states == {"sent"}
    assert coord.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0] == 0


def test_20mb_upload_cut_every_megabyte_resends_at_most_a_chunk_per_cut(
        sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    rid = incidents(mon, 1)[0]
    document = tmp_path / "rapport.pdf"
    document.write_bytes(big_pdf(20 * 1024 * 1024, parts=20))
    att = attachments.attach(mon, rid, document)
    size = attachments.sealed_file(mon, att).path.stat().st_size
    # text first, straight to the server
    assert SyncClient(mon, settings=fast_settings(), text_only=True).sync().complete
    with CutProxy(sqlite_server.port, every=1024 * 1024) as proxy:
        point_to(mon, proxy.url)
        report = _sync_until_complete(mon)
        assert report is not None and report.complete, report
    assert proxy.cuts >= 19
    requests_overhead = 2048 * (size // CHUNK + 3 * proxy.cuts + 10)
    resent = proxy.upstream - size
    assert resent <= proxy.cuts * CHUNK + requests_overhead, (resent, proxy.cuts)
    point_to(coord, sqlite_server.url)
    assert SyncClient(coord, settings=fast_settings()).sync().attachments_received == 1
    assert attachments.info(coord, att).sha256_stored == attachments.info(mon, att).sha256_stored
    assert attachments.read_bytes(coord, att) == attachments.read_bytes(mon, att)
    assert attachments.read_bytes(coord, att).startswith(b"%PDF-")


def test_server_killed_and_restarted_mid_sync(sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    ids = incidents(mon, 30)
    client = SyncClient(mon, settings=fast_settings(attempts=2))
    seen = []

    def on_progress(done: int, total: int, phase: str) -> None:
        seen.append(phase)
        if len(seen) == 1:
            sqlite_server.kill()

    client.on_progress = on_progress
    import sync.push as push_module

    old = push_module.BATCH_BYTES
    push_module.BATCH_BYTES = 4096  # several batches, so the kill lands mid-push
    try:
        report = client.sync()
    except ServerUnreachable:
        report = None
    finally:
        push_module.BATCH_BYTES = old
    assert report is None or not report.complete
    restarted = sqlite_server.restart()
    try:
        assert _sync_until_complete(mon).complete
        assert _sync_until_complete(coord).complete
        assert sorted(r[0] for r in coord.conn.execute("SELECT id FROM record")) == sorted(ids)
    finally:
        restarted.stop()


def test_random_cuts_during_upload_and_download(sqlite_server, tmp_path: Path) -> None:
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    rid = incidents(mon, 1)[0]
    document = tmp_path / "notes.pdf"
    document.write_bytes(big_pdf(1024 * 1024))
    att = attachments.attach(mon, rid, document)
    rng = random.Random(99)
    with CutProxy(sqlite_server.port, cut=lambda n: rng.randint(20_000, 300_000)) as proxy:
        point_to(mon, proxy.url)
        point_to(coord, proxy.url)
        report = _sync_until_complete(mon, chunk_size=64 * 1024)
        assert report is not None and report.complete, report
        report = _sync_until_complete(coord)
        assert report is not None and report.complete, report
        assert proxy.cuts >= 3
    assert attachments.read_bytes(coord, att) == attachments.read_bytes(mon, att)
    assert coord.conn.execute("SELECT count(*) FROM attachment").fetchone()[0] == 1


def test_cancel_is_heard_when_a_download_stalls_mid_blob(sqlite_server, tmp_path: Path) -> None:
    """The link freezes in the middle of a 1 MB attachment (open, nothing more arrives):
    Cancel ends the sync within a second, not at the 60 s read timeout; the blocks that
    arrived stay in the .part file and nothing is written there after the cancel, even when
    the link comes back; the next sync resumes and the copy is exact."""
    coord, (mon,) = make_project(sqlite_server, tmp_path)
    rid = incidents(mon, 1)[0]
    document = tmp_path / "notes.pdf"
    document.write_bytes(big_pdf(1024 * 1024))
    att = attachments.attach(mon, rid, document)
    assert _sync_until_complete(mon).complete
    with CutProxy(sqlite_server.port, hold_after=256 * 1024) as proxy:
        point_to(coord, proxy.url)
        settings = fast_settings(timeout=60.0)
        cancelled_at: list[float] = []

        def press_cancel_once_frozen() -> None:   # the user, while the sync runs
            if not proxy.holding.wait(30):
                return
            # The proxy froze ahead of the client: wait until the client has taken in
            # what got through and really hangs (the .part file stops growing for 0.5 s).
            seen, still_since = -1, time.monotonic()
            deadline = still_since + 20
            while time.monotonic() < deadline:
                size = sum(f.stat().st_size for f in coord.profile.path.rglob("*.part"))
                if size != seen:
                    seen, still_since = size, time.monotonic()
                elif size > 0 and time.monotonic() - still_since > 0.5:
                    break
                time.sleep(0.05)
            cancelled_at.append(time.monotonic())
            settings.cancel.set()

        threading.Thread(target=press_cancel_once_frozen, daemon=True).start()
        with pytest.raises(SyncCancelled):
            SyncClient(coord, settings=settings).sync()   # the vault stays on this thread
        assert cancelled_at, "the download never reached the frozen link"
        assert time.monotonic() - cancelled_at[0] < 1.0
        (part,) = coord.profile.path.rglob("*.part")
        kept = part.stat().st_size
        assert 0 < kept <= 256 * 1024

        open_before = proxy.connections - proxy.closed
        proxy.release()                            # the link comes back
        deadline = time.monotonic() + 10
        while proxy.connections - proxy.closed >= open_before and time.monotonic() < deadline:
            time.sleep(0.02)                       # bounded: the held connection drains
        assert part.stat().st_size == kept         # nothing written after the cancel
    point_to(coord, sqlite_server.url)
    assert _sync_until_complete(coord).complete
    assert attachments.read_bytes(coord, att) == attachments.read_bytes(mon, att)
