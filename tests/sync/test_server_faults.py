"""Bad input and faults against a real server process (SQLite and PostgreSQL): oversize
bodies, path traversal, malformed bodies, rate limits, resumable uploads cut mid-way,
no plaintext at rest, SIGKILL mid-push."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, text

from fieldapp.crypto import envelope as env
from sync import protocol as p

from .conftest import HTTP, Device, Project, ServerProcess, enroll, register_project, start_server
from .test_server import changes, new_epoch, put, seal, server_key

pytestmark = pytest.mark.timeout(180)
MARKER = "ZZPLAINTEXTMARKER-Kidal-witness-42"


def files_under(folder: Path) -> set[Path]:
    return {q for q in folder.rglob("*")}


# --- limits ---------------------------------------------------------------------------------
def test_oversize_bodies_get_413(project: Project) -> None:
    s, mon = project.server, project.monitor
    epoch = new_epoch(mon, project.coordinator)
    put(s, mon, epoch.packet)
    big = HTTP.put(f"{s.url}/v1/envelopes/{'a' * 64}",
                    content=b"\x01" * (p.MAX_ENVELOPE + 2048), headers=mon.headers)
    assert big.status_code == 413 and big.json()["code"] == "too_large"
    json_bomb = HTTP.post(s.url + "/v1/invites", content=b"{" + b" " * (p.MAX_JSON_BODY + 1),
                           headers={**project.coordinator.headers,
                                    "Content-Type": "application/json"})
    assert json_bomb.status_code == 413
    push = HTTP.post(s.url + "/v1/push", content=b"\x00" * (p.MAX_PUSH_BODY + 1),
                      headers=mon.headers)
    assert push.status_code == 413

    def chunks():  # no Content-Length: counted while it arrives
        for _ in range(40):
            yield b"\x00" * (64 << 10)

    streamed = HTTP.post(s.url + "/v1/join", content=chunks(),
                          headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413
    huge = HTTP.post(s.url + "/v1/uploads", headers={
        **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(p.MAX_ATTACHMENT + 1),
        "Upload-Metadata": p.tus_metadata({"sha256": "a" * 64, "epoch": epoch.epoch_id})})
    assert huge.status_code == 413
    blob = os.urandom(100)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    chunk = _patch(s, mon, sha, 0, b"\x00" * (p.MAX_CHUNK + 1))
    assert chunk.status_code == 413
    assert HTTP.get(s.url + "/v1/health").status_code == 200


def test_rate_limit_answers_429_with_retry_after(tmp_path: Path) -> None:
    s = start_server(tmp_path / "data", extra=("--rate-limit", "1"))
    try:
        coord = register_project(s)
        codes = [HTTP.get(s.url + "/v1/directory", headers=coord.headers)
                 for _ in range(12)]
        limited = [r for r in codes if r.status_code == 429]
        assert limited, [r.status_code for r in codes]
        assert int(limited[0].headers["Retry-After"]) >= 1
        assert limited[0].json()["code"] == "rate_limited"
    finally:
        s.stop()


# --- path traversal ---------------------------------------------------------------------------
TRAVERSALS = ["..%2F..%2Fserver-key", "../../server-key", "%2e%2e%2fserver.db",
              "..", "a" * 63 + "/", "A" * 64, "0" * 64 + ".part", "%00" + "0" * 62]


def test_path_traversal_in_ids_is_refused(project: Project) -> None:
    s, mon, coord = project.server, project.monitor, project.coordinator
    before = files_under(s.data_dir)
    for bad in TRAVERSALS:
        for method, path in (("GET", f"/v1/blobs/{bad}"), ("HEAD", f"/v1/uploads/{bad}"),
                             ("PATCH", f"/v1/uploads/{bad}"),
                             ("PUT", f"/v1/keypackets/{bad}"),
                             ("PUT", f"/v1/envelopes/{bad}"),
                             ("PUT", f"/v1/envelopes/{'a' * 64}/{bad}"),
                             ("POST", f"/v1/devices/{bad}/revoke")):
            answer = HTTP.request(method, s.url + path, content=b"x",
                                   headers={**coord.headers, "Tus-Resumable": "1.0.0",
                                            "Content-Type": "application/offset+octet-stream",
                                            "Upload-Offset": "0"})
            assert answer.status_code in {400, 404, 405}, (method, path, answer.status_code)
    epoch = new_epoch(mon, coord)
    put(s, mon, epoch.packet)
    for bad in ("../../../tmp/evil", "a" * 63 + "/", "../server-key"):
        answer = HTTP.post(s.url + "/v1/uploads", headers={
            **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "10",
            "Upload-Metadata": p.tus_metadata({"sha256": bad, "epoch": epoch.epoch_id})})
        assert answer.status_code == 400
    assert files_under(s.data_dir) - before <= {s.data_dir / "server.db-journal"}
    assert HTTP.get(s.url + "/v1/health").status_code == 200


# --- malformed bodies -----------------------------------------------------------------------
ENDPOINTS = [("POST", "/v1/projects"), ("POST", "/v1/join"), ("POST", "/v1/invites"),
             ("POST", "/v1/push"), ("PUT", "/v1/keypackets/" + "ab" * 16),
             ("PUT", f"/v1/envelopes/{'c' * 64}"),
             ("POST", "/v1/uploads"), ("GET", "/v1/changes")]
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                max_size=5), max_leaves=12)


def test_malformed_bodies_get_4xx_and_server_keeps_serving(project: Project) -> None:
    s, coord = project.server, project.coordinator
    client = httpx.Client(base_url=s.url, timeout=30)

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(endpoint=st.sampled_from(ENDPOINTS),
           body=st.one_of(st.binary(max_size=300), json_values.map(
               lambda v: json.dumps(v).encode())),
           auth=st.booleans(),
           headers=st.dictionaries(st.sampled_from(["Upload-Length", "Upload-Metadata",
                                                    "Upload-Offset", "Content-Type"]),
                                   # h11 refuses to send a value with spaces around it,
                                   # and Hypothesis also draws strings found in our
                                   # loaded modules, so such values do come up
                                   st.text(st.characters(min_codepoint=32, max_codepoint=126),
                                           max_size=20).map(str.strip), max_size=3))
    def fuzz(endpoint: tuple[str, str], body: bytes, auth: bool,
             headers: dict[str, str]) -> None:
        method, path = endpoint
        sent = dict(headers, **(coord.headers if auth else {}))
        answer = client.request(method, path, content=body, headers=sent,
                                params={"since": body[:3].hex() or "x"})
        assert 400 <= answer.status_code < 500 or answer.status_code in {200, 201}, (
            method, path, answer.status_code, answer.text[:200])
        if answer.status_code >= 400:
            assert set(answer.json()) == {"code", "message"}

    fuzz()
    assert client.get("/v1/health").status_code == 200
    # the project still works after the fuzzing
    enroll(s, coord, "monitor", "After-fuzz")
    client.close()


# --- uploads ----------------------------------------------------------------------------------
def _create_upload(s: ServerProcess, who, blob: bytes, epoch_id: str) -> str:
    sha = hashlib.sha256(blob).hexdigest()
    answer = HTTP.post(s.url + "/v1/uploads", headers={
        **who.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(blob)),
        "Upload-Metadata": p.tus_metadata({"sha256": sha, "epoch": epoch_id})})
    assert answer.status_code == 201, answer.text
    assert answer.headers["Location"] == f"/v1/uploads/{sha}"
    return sha


def _patch(s: ServerProcess, who, sha: str, offset: int, chunk: bytes,
           checksum: str | None = None) -> httpx.Response:
    return HTTP.patch(f"{s.url}/v1/uploads/{sha}", content=chunk, headers={
        **who.headers, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Upload-Checksum": checksum or p.checksum_header(chunk)})


def _cut_patch(s: ServerProcess, who, sha: str, offset: int, chunk: bytes) -> None:
    """Send a PATCH whose body stops half-way, then drop the connection."""
    head = (f"PATCH /v1/uploads/{sha} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {who.token}\r\nTus-Resumable: 1.0.0\r\n"
            f"Upload-Offset: {offset}\r\nContent-Type: application/offset+octet-stream\r\n"
            f"Content-Length: {len(chunk)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", s.port), timeout=10) as sock:
        sock.sendall(head + chunk[: len(chunk) // 2])


def test_resumable_upload_cut_midway_then_resumed(project: Project) -> None:
    s, mon, coord = project.server, project.monitor, project.coordinator
    epoch = new_epoch(mon, coord)
    put(s, mon, epoch.packet)
    blob = os.urandom(700_000)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    chunk = 256 << 10
    assert _patch(s, mon, sha, 0, blob[:chunk]).headers["Upload-Offset"] == str(chunk)
    _cut_patch(s, mon, sha, chunk, blob[chunk:2 * chunk])
    head = HTTP.head(f"{s.url}/v1/uploads/{sha}", headers={**mon.headers,
                                                            "Tus-Resumable": "1.0.0"})
    assert head.status_code == 200 and head.headers["Upload-Offset"] == str(chunk)
    assert head.headers["Upload-Length"] == str(len(blob))
    wrong = _patch(s, mon, sha, 0, blob[:chunk])
    assert wrong.status_code == 409 and wrong.headers["Upload-Offset"] == str(chunk)
    bad_sum = _patch(s, mon, sha, chunk, blob[chunk:2 * chunk],
                     checksum="sha256 " + base64.b64encode(b"\x00" * 32).decode())
    assert bad_sum.status_code == 460
    offset = chunk
    while offset < len(blob):
        answer = _patch(s, mon, sha, offset, blob[offset:offset + chunk])
        assert answer.status_code == 204, answer.text
        offset = int(answer.headers["Upload-Offset"])
    receipt = p.Receipt.model_validate_json(base64.b64decode(answer.headers["Upload-Receipt"]))
    assert receipt.item == "blob" and receipt.sha256 == sha and receipt.verify(server_key(s))
    got = HTTP.get(f"{s.url}/v1/blobs/{sha}", headers=coord.headers)
    assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == sha
    ranged = HTTP.get(f"{s.url}/v1/blobs/{sha}",
                       headers={**coord.headers, "Range": "bytes=500000-"})
    assert ranged.status_code == 206 and ranged.content == blob[500000:]
    # others than the epoch's recipients do not get it, nor can they upload under it
    assert HTTP.get(f"{s.url}/v1/blobs/{sha}",
                     headers=project.monitor2.headers).status_code == 404
    intruder = HTTP.post(s.url + "/v1/uploads", headers={
        **project.monitor2.headers, "Tus-Resumable": "1.0.0", "Upload-Length": "10",
        "Upload-Metadata": p.tus_metadata({"sha256": "e" * 64, "epoch": epoch.epoch_id})})
    assert intruder.status_code == 403
    assert (s.data_dir / "blobs" / sha).stat().st_mode & 0o777 == 0o600
    again = HTTP.post(s.url + "/v1/uploads", headers={
        **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(blob)),
        "Upload-Metadata": p.tus_metadata({"sha256": sha, "epoch": epoch.epoch_id})})
    assert again.status_code == 200  # already complete: nothing to send


def test_upload_whose_bytes_do_not_match_its_hash_is_reset(project: Project) -> None:
    s, mon = project.server, project.monitor
    epoch = new_epoch(mon, project.coordinator)
    put(s, mon, epoch.packet)
    blob = os.urandom(1000)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    answer = _patch(s, mon, sha, 0, os.urandom(1000))
    assert answer.status_code == 460 and answer.json()["code"] == "blob_checksum"
    assert answer.headers["Upload-Offset"] == "0"
    assert _patch(s, mon, sha, 0, blob).status_code == 204
    assert HTTP.patch(f"{s.url}/v1/uploads/{sha}", content=b"x", headers={
        **mon.headers, "Upload-Offset": "0", "Content-Type": "text/plain"}).status_code == 415
    done = _patch(s, mon, sha, 1000, b"x")
    assert done.status_code == 409 and done.json()["code"] == "complete"


# --- at rest ----------------------------------------------------------------------------------
def _grep(folder: Path, marker: bytes) -> list[Path]:
    hits = []
    for path in folder.rglob("*"):
        if path.is_file() and marker in path.read_bytes():
            hits.append(path)
    return hits


def test_no_plaintext_in_data_dir_or_database(project: Project,
                                              request: pytest.FixtureRequest) -> None:
    s, mon, coord = project.server, project.monitor, project.coordinator
    epoch = new_epoch(mon, coord)
    put(s, mon, epoch.packet)
    payload = json.dumps({"title": MARKER, "witness": MARKER}).encode()
    for i in range(20):
        assert put(s, mon, seal(epoch, mon, payload, version=bytes([i]))).status_code == 201
    blob = b"ciphertext-of-a-photo" + os.urandom(100)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    assert _patch(s, mon, sha, 0, blob).status_code == 204
    marker = MARKER.encode()
    assert _grep(s.data_dir, marker) == []
    assert _grep(s.log.parent, marker) == []  # the server's own log too
    log = s.log.read_text()
    assert mon.token not in log and coord.token not in log
    url = s.database_url or f"sqlite:///{s.data_dir / 'server.db'}"
    engine = create_engine(url)
    with engine.connect() as conn:
        for table in ("item", "device", "invite", "meta", "project", "blob",
                      "epoch_recipient"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):  # noqa: S608
                flat = b"".join(v if isinstance(v, bytes) else str(v).encode() for v in row)
                assert marker not in flat, table
                assert mon.token.encode() not in flat  # tokens are stored hashed
        if s.database_url:
            conn.execute(text("CHECKPOINT"))
    engine.dispose()
    if s.database_url and os.geteuid() == 0:  # the cluster's own files, WAL included
        cluster = request.getfixturevalue("postgres")
        assert _grep(cluster.root, marker) == []
        assert _grep(cluster.root, b"Test project")  # the grep does see clear text


def test_sigkill_mid_push_loses_nothing_acknowledged(project: Project) -> None:
    s, mon, coord = project.server, project.monitor, project.coordinator
    epoch = new_epoch(mon, coord)
    put(s, mon, epoch.packet)
    items = [seal(epoch, mon, os.urandom(200)) for _ in range(240)]
    acknowledged: dict[str, int] = {}
    stop = threading.Event()

    def pusher(part: list[bytes]) -> None:
        with httpx.Client(timeout=10) as client:
            for data in part:
                if stop.is_set():
                    return
                h = env.parse_envelope(data)
                try:
                    answer = client.put(
                        f"{s.url}/v1/envelopes/{h.item_id}",
                        content=data, headers=mon.headers)
                except httpx.HTTPError:
                    return
                if answer.status_code in (200, 201):
                    acknowledged[hashlib.sha256(data).hexdigest()] = answer.json()["seq"]

    threads = [threading.Thread(target=pusher, args=(items[i::4],)) for i in range(4)]
    for t in threads:
        t.start()
    while len(acknowledged) < 40:
        if not any(t.is_alive() for t in threads):
            break
        threading.Event().wait(0.01)
    s.kill()
    stop.set()
    for t in threads:
        t.join(30)
    assert len(acknowledged) >= 40
    restarted = s.restart()
    try:
        got, _next, _more = changes(restarted, coord, limit=1000)
        stored = {hashlib.sha256(d).hexdigest(): seq for seq, d in got}
        for sha, seq in acknowledged.items():
            assert stored.get(sha) == seq
        # everything can be pushed again: acknowledged ones come back as duplicates
        statuses: dict[str, str] = {}
        for start in range(0, len(items), 60):
            part = items[start:start + 60]
            answer = HTTP.post(restarted.url + "/v1/push", content=p.frame_items(part),
                                headers=mon.headers, timeout=30)
            for data, result in zip(part, answer.json()["results"], strict=True):
                statuses[hashlib.sha256(data).hexdigest()] = result["status"]
        assert all(statuses[sha] == "duplicate" for sha in acknowledged)
        assert set(statuses.values()) <= {"duplicate", "stored"}
        got, _next, _more = changes(restarted, coord, limit=1000)
        assert len(got) == len(items) + 1
    finally:
        restarted.stop()


def test_two_hundred_devices_push_at_once(server: ServerProcess) -> None:
    coord = register_project(server)
    devices = [enroll(server, coord, "monitor", f"M{i}") for i in range(200)]
    work = []
    for who in devices:
        epoch = new_epoch(who, coord)
        work.append((who, [epoch.packet] + [seal(epoch, who, os.urandom(64))
                                            for _ in range(5)]))
    failures: list[str] = []

    def push(who, items: list[bytes]) -> None:
        try:  # each device its own client and connection, as in the field
            with httpx.Client(timeout=60) as client:
                answer = client.post(server.url + "/v1/push", content=p.frame_items(items),
                                     headers=who.headers)
            statuses = [r["status"] for r in answer.json()["results"]]
            if statuses != ["stored"] * len(items):
                failures.append(f"{answer.status_code} {statuses}")
        except httpx.HTTPError as exc:
            failures.append(repr(exc))

    threads = [threading.Thread(target=push, args=w) for w in work]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert failures == []
    got, _next, _more = changes(server, coord, limit=1000)
    more = changes(server, coord, since=got[-1][0], limit=1000)[0]
    everything = [d for _s, d in got + more]
    assert len(everything) == 200 * 6 == len(set(everything))
    seqs = [s for s, _d in got + more]
    assert seqs == sorted(seqs)
    assert HTTP.get(server.url + "/v1/health").status_code == 200


def test_every_openapi_operation_refuses_junk_without_5xx(project: Project) -> None:
    """Walk the served OpenAPI document: every operation, junk ids, no token and a
    foreign token, junk bodies — always a 4xx (or a 2xx for public reads)."""
    s, coord = project.server, project.coordinator
    spec = HTTP.get(s.url + "/openapi.json").json()
    junk_ids = ["..", "%2e%2e", "x" * 300, "0" * 64, str(uuid.UUID(int=1))]
    seen = 0
    for path, operations in spec["paths"].items():
        for method in operations:
            for junk in junk_ids:
                url = s.url + "/".join(junk if part.startswith("{") else part
                                       for part in path.split("/"))
                for headers in ({}, coord.headers, {"Authorization": "Bearer " + "A" * 43}):
                    answer = HTTP.request(method.upper(), url, headers=headers,
                                          content=b"\x01\x02junk")
                    seen += 1
                    assert answer.status_code < 500, (method, url, answer.text[:200])
                    if answer.status_code >= 400 and method != "head":
                        assert set(answer.json()) == {"code", "message"}
    assert seen > 200
    assert HTTP.get(s.url + "/v1/health").status_code == 200


def test_concurrent_patches_at_the_same_offset_append_once(project: Project) -> None:
    s, mon = project.server, project.monitor
    epoch = new_epoch(mon, project.coordinator)
    put(s, mon, epoch.packet)
    blob = os.urandom(8 * 65536)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    codes: list[int] = []

    def send() -> None:
        codes.append(_patch(s, mon, sha, 0, blob[:65536]).status_code)

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(codes) == [204] + [409] * 5
    offset = 65536
    while offset < len(blob):
        answer = _patch(s, mon, sha, offset, blob[offset:offset + 65536])
        assert answer.status_code == 204
        offset = int(answer.headers["Upload-Offset"])
    got = HTTP.get(f"{s.url}/v1/blobs/{sha}", headers=project.coordinator.headers)
    assert got.content == blob


def test_upload_survives_server_sigkill(project: Project) -> None:
    s, mon = project.server, project.monitor
    epoch = new_epoch(mon, project.coordinator)
    put(s, mon, epoch.packet)
    blob = os.urandom(5 * 65536 + 123)
    sha = _create_upload(s, mon, blob, epoch.epoch_id)
    acknowledged = 0
    for _ in range(3):
        answer = _patch(s, mon, sha, acknowledged, blob[acknowledged:acknowledged + 65536])
        acknowledged = int(answer.headers["Upload-Offset"])
    s.kill()
    restarted = s.restart()
    try:
        head = HTTP.head(f"{restarted.url}/v1/uploads/{sha}", headers=mon.headers)
        assert int(head.headers["Upload-Offset"]) == acknowledged
        offset = acknowledged
        while offset < len(blob):
            answer = _patch(restarted, mon, sha, offset, blob[offset:offset + 65536])
            assert answer.status_code == 204
            offset = int(answer.headers["Upload-Offset"])
        assert "Upload-Receipt" in answer.headers
        got = HTTP.get(f"{restarted.url}/v1/blobs/{sha}", headers=project.coordinator.headers)
        assert hashlib.sha256(got.content).hexdigest() == sha
    finally:
        restarted.stop()


def test_odd_text_in_json_fields_never_gives_5xx(project: Project) -> None:
    """Names with control characters, lone surrogates, huge code points: 4xx or stored."""
    s, coord = project.server, project.coordinator
    oddities = ["a\x00b", "\ud800", "x\udfff", "\U0010ffff", "é" * 120, "é" * 121, " ",
                "\u202e", "a\x7f", "😀" * 60]
    for name in oddities:
        invite = HTTP.post(s.url + "/v1/invites", json={"role": "monitor"},
                           headers=coord.headers).json()
        device = Device.generate(pseudonym="x")
        body = json.dumps({"invite_token": invite["token"],
                           "device": dict(device.keys(), pseudonym=name)})
        answer = HTTP.post(s.url + "/v1/join", content=body.encode(),
                           headers={"Content-Type": "application/json"})
        assert answer.status_code in (201, 422), (repr(name), answer.text[:200])
    listed = HTTP.get(s.url + "/v1/devices", headers=coord.headers)
    assert listed.status_code == 200
