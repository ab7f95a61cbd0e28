"""What the outbox says about a record against a REAL server on 127.0.0.1: sent only when
its text and every file are confirmed (a photo added after the text went is waiting), and
a server gone is known within 10 s with the default retry policy (not after minutes of
backoff)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from fieldapp import attachments, outbox
from sync import client
from sync.transport import Settings
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, incidents, make_project


@pytest.fixture
def server(tmp_path: Path):
    proc = start_server(tmp_path / "server-data")
    yield proc
    proc.stop()


def test_a_record_is_sent_only_with_all_its_files(server, tmp_path: Path) -> None:
    _coord, (mon,) = make_project(server, tmp_path)
    (record_id,) = incidents(mon, 1)
    assert client.sync(mon, settings=fast_settings()).complete
    assert outbox.record_progress(mon.conn, record_id)["state"] == "sent"
    assert outbox.unsent_records(mon.conn) == set()

    photo = tmp_path / "photo.jpg"
    from tests.media.samples import jpeg_with_metadata

    photo.write_bytes(jpeg_with_metadata())
    attachments.attach(mon, record_id, photo)   # added after the text was sent
    progress = outbox.record_progress(mon.conn, record_id)
    assert progress["state"] == "waiting" and len(progress["files_waiting"]) == 1
    assert outbox.record_state(mon.conn, record_id)["state"] == "pending"
    assert outbox.unsent_records(mon.conn) == {record_id}

    report = client.sync(mon, settings=fast_settings(), text_only=True)
    assert report.pulled
    progress = outbox.record_progress(mon.conn, record_id)
    assert progress["state"] == "partial", progress  # text sent, the photo waits
    assert progress["files_waiting"][0][0] == "image"

    assert client.sync(mon, settings=fast_settings()).complete
    assert outbox.record_progress(mon.conn, record_id)["state"] == "sent"
    assert outbox.record_state(mon.conn, record_id)["state"] == "sent"


def test_a_server_gone_is_known_within_ten_seconds(server, tmp_path: Path) -> None:
    _coord, (mon,) = make_project(server, tmp_path)
    incidents(mon, 5)
    server.kill()
    started = time.monotonic()
    report = client.sync(mon, settings=Settings())  # the default retries and backoff
    elapsed = time.monotonic() - started
    assert elapsed <= 10.0, f"{elapsed:.1f} s"
    assert not report.pulled
    assert any(r.startswith("ServerUnreachable") for r in report.reasons), report.reasons
    assert outbox.unsent_records(mon.conn)  # nothing lost: all still waiting
