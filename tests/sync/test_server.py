"""The central server against a real process, on SQLite and on PostgreSQL: enrollment,
revocation, idempotent push, signature checks at ingest, the per-device changes feed."""

from __future__ import annotations

import hashlib
import os
import time
import uuid

import httpx
import pytest
from sqlalchemy import create_engine, text

from fieldapp.crypto import envelope as env
from sync import protocol as p

from .conftest import HTTP, Device, Enrolled, Project, ServerProcess, enroll, register_project

pytestmark = pytest.mark.timeout(120)


def new_epoch(sender: Enrolled, *recipients: Enrolled) -> env.Epoch:
    table = {r.device.device_id: r.device.kem_public for r in (sender, *recipients)}
    return env.new_epoch(sender.device.device_id, sender.device, table, sender.device.suite)


def seal(epoch: env.Epoch, sender: Enrolled, payload: bytes = b'{"title": "x"}', *,
         record_id: str | None = None, version: bytes = b"v1",
         section: str = "narrative") -> bytes:
    return env.seal(epoch, sender.device, record_id=record_id or str(uuid.uuid4()),
                    version_hash=hashlib.sha256(version).hexdigest(), section=section,
                    kind="incident", payload=payload)


def put(server: ServerProcess, who: Enrolled, data: bytes) -> httpx.Response:
    """PUT an envelope or key packet at the path its header names."""
    if data[0] == env.TYPE_KEY_PACKET:
        path = f"/v1/keypackets/{env.parse_key_packet(data).epoch_id}"
    else:
        h = env.parse_envelope(data)
        path = f"/v1/envelopes/{h.item_id}"
    return HTTP.put(server.url + path, content=data, headers=who.headers, timeout=30)


def changes(server: ServerProcess, who: Enrolled, since: int = 0,
            limit: int = 500) -> tuple[list[tuple[int, bytes]], int, bool]:
    answer = HTTP.get(server.url + "/v1/changes", params={"since": since, "limit": limit},
                       headers=who.headers, timeout=30)
    assert answer.status_code == 200, answer.text
    return (list(p.iter_changes(answer.content)), int(answer.headers[p.HEADER_NEXT]),
            answer.headers[p.HEADER_MORE] == "1")


def server_key(server: ServerProcess) -> bytes:
    return p.unb64(HTTP.get(server.url + "/v1/server").json()["server_sign_public"])


# --- enrollment --------------------------------------------------------------------------
def test_health_openapi_and_bootstrap_file(server: ServerProcess) -> None:
    assert HTTP.get(server.url + "/v1/health").json() == {"status": "ok", "protocol": 2}
    spec = HTTP.get(server.url + "/openapi.json").json()
    assert "/v1/envelopes/{item_id}" in spec["paths"]
    token_file = server.data_dir / "bootstrap-token"
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert (server.data_dir / "server-key").stat().st_mode & 0o777 == 0o600
    assert server.data_dir.stat().st_mode & 0o777 == 0o700
    assert server.bootstrap_token and server.bootstrap_token in server.log.read_text()
    assert HTTP.get(server.url + "/v1/server").json()["registered"] is False


def test_bootstrap_token_registers_once(server: ServerProcess) -> None:
    coordinator = register_project(server)
    assert not (server.data_dir / "bootstrap-token").exists()
    again = Device.generate(pseudonym="Coord-2")
    answer = HTTP.post(server.url + "/v1/projects", json={
        "bootstrap_token": server.bootstrap_token, "project_id": str(uuid.uuid4()),
        "name": "Second", "suite": "MLKEM768_X25519",
        "project_sign_public": p.b64(os.urandom(32)), "device": again.keys()})
    assert answer.status_code == 403
    assert answer.json()["code"] == "bootstrap_used"
    info = HTTP.get(server.url + "/v1/project", headers=coordinator.headers).json()
    assert [c["device_id"] for c in info["coordinators"]] == [coordinator.device.device_id]
    # the token stays out of the server's log after registration too
    assert server.bootstrap_token not in server.restart().log.read_text().split(
        "listening")[-1]


def test_wrong_bootstrap_token_and_bad_keys_refused(server: ServerProcess) -> None:
    device = Device.generate()
    body = {"bootstrap_token": "x" * 43, "project_id": str(uuid.uuid4()), "name": "P",
            "suite": "MLKEM768_X25519", "project_sign_public": p.b64(os.urandom(32)),
            "device": device.keys()}
    assert HTTP.post(server.url + "/v1/projects", json=body).status_code == 403
    forged = dict(device.keys(), device_id="0" * 16)
    body.update(bootstrap_token=server.bootstrap_token, device=forged)
    answer = HTTP.post(server.url + "/v1/projects", json=body)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_device_id"
    # the failed attempts did not consume the token
    register_project(server)


def _expire_invites(server: ServerProcess) -> None:
    url = server.database_url or f"sqlite:///{server.data_dir / 'server.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE invite SET expires_at = 1"))
    engine.dispose()


def test_invite_expiry_reuse_and_roles(server: ServerProcess) -> None:
    coordinator = register_project(server)
    monitor = enroll(server, coordinator, "monitor")
    # only coordinators invite
    answer = HTTP.post(server.url + "/v1/invites", json={"role": "monitor"},
                        headers=monitor.headers)
    assert answer.status_code == 403
    invite = HTTP.post(server.url + "/v1/invites", json={"role": "translator"},
                        headers=coordinator.headers).json()
    first = Device.generate(pseudonym="T1")
    ok = HTTP.post(server.url + "/v1/join", json={"invite_token": invite["token"],
                                                   "device": first.keys()})
    assert ok.status_code == 201 and ok.json()["role"] == "translator"
    reused = HTTP.post(server.url + "/v1/join", json={
        "invite_token": invite["token"], "device": Device.generate().keys()})
    assert reused.status_code == 403 and reused.json()["code"] == "invite_invalid"
    late = HTTP.post(server.url + "/v1/invites", json={"role": "monitor"},
                      headers=coordinator.headers).json()
    _expire_invites(server)
    expired = HTTP.post(server.url + "/v1/join", json={
        "invite_token": late["token"], "device": Device.generate().keys()})
    assert expired.status_code == 410 and expired.json()["code"] == "invite_expired"
    unknown = HTTP.post(server.url + "/v1/join", json={
        "invite_token": "A" * 43, "device": Device.generate().keys()})
    assert unknown.status_code == 403
    fresh = HTTP.post(server.url + "/v1/invites", json={"role": "monitor"},
                      headers=coordinator.headers).json()
    nul = HTTP.post(server.url + "/v1/join", json={
        "invite_token": fresh["token"], "device": Device.generate(pseudonym="a\x00b").keys()})
    assert nul.status_code == 422  # PostgreSQL refuses NUL in text: never a 500


def test_revoked_device_refused_everywhere(project: Project) -> None:
    s, coord, monitor = project.server, project.coordinator, project.monitor
    epoch = new_epoch(monitor, coord)
    assert put(s, monitor, epoch.packet).status_code == 201
    answer = HTTP.post(f"{s.url}/v1/devices/{monitor.device.device_id}/revoke",
                        headers=project.monitor2.headers)
    assert answer.status_code == 403  # a monitor cannot revoke
    answer = HTTP.post(f"{s.url}/v1/devices/{monitor.device.device_id}/revoke",
                        headers=coord.headers)
    assert answer.status_code == 200 and answer.json()["revoked_at"]
    for method, path in (("GET", "/v1/changes"), ("GET", "/v1/directory"),
                         ("GET", "/v1/project"), ("POST", "/v1/push"),
                         ("POST", "/v1/uploads")):
        refused = HTTP.request(method, s.url + path, headers=monitor.headers)
        assert refused.status_code == 401, path
        assert refused.json()["code"] == "revoked"
    assert put(s, monitor, seal(epoch, monitor)).status_code == 401
    # relayed by someone else, its envelopes are refused too
    relayed = put(s, coord, seal(epoch, monitor))
    assert relayed.status_code == 403 and relayed.json()["code"] == "sender_revoked"
    directory = HTTP.get(s.url + "/v1/directory", headers=coord.headers).json()
    assert monitor.device.device_id not in {d["device_id"] for d in directory["devices"]}
    listed = HTTP.get(s.url + "/v1/devices", headers=coord.headers).json()["devices"]
    assert any(d["device_id"] == monitor.device.device_id and d["revoked_at"]
               for d in listed)


def test_last_coordinator_cannot_be_revoked(project: Project) -> None:
    s, coord = project.server, project.coordinator
    own = HTTP.post(f"{s.url}/v1/devices/{coord.device.device_id}/revoke",
                    headers=coord.headers)
    assert own.status_code == 409 and own.json()["code"] == "last_coordinator"
    second = enroll(s, coord, "coordinator", "Coord-2")
    assert HTTP.post(f"{s.url}/v1/devices/{coord.device.device_id}/revoke",
                     headers=second.headers).status_code == 200
    assert HTTP.get(s.url + "/v1/project", headers=coord.headers).status_code == 401
    again = HTTP.post(f"{s.url}/v1/devices/{second.device.device_id}/revoke",
                      headers=second.headers)
    assert again.status_code == 409


def test_directory_shows_monitors_only_coordinators(project: Project) -> None:
    s = project.server
    seen = HTTP.get(s.url + "/v1/directory", headers=project.monitor.headers).json()
    ids = {d["device_id"] for d in seen["devices"]}
    assert ids == {project.coordinator.device.device_id, project.monitor.device.device_id}
    assert HTTP.get(s.url + "/v1/devices", headers=project.monitor.headers).status_code == 403
    everyone = HTTP.get(s.url + "/v1/directory", headers=project.coordinator.headers).json()
    assert len(everyone["devices"]) == 4


# --- push -----------------------------------------------------------------------------------
def test_push_is_idempotent_with_signed_receipts(project: Project) -> None:
    s, monitor = project.server, project.monitor
    key = server_key(s)
    epoch = new_epoch(monitor, project.coordinator)
    first = put(s, monitor, epoch.packet)
    assert first.status_code == 201
    assert put(s, monitor, epoch.packet).status_code == 200
    item = seal(epoch, monitor, b'{"title": "Attack near a well"}')
    stored = put(s, monitor, item)
    assert stored.status_code == 201
    receipt = p.Receipt.model_validate(stored.json())
    assert receipt.verify(key)
    assert receipt.sha256 == hashlib.sha256(item).hexdigest()
    again = put(s, monitor, item)  # a replayed request
    assert again.status_code == 200
    assert p.Receipt.model_validate(again.json()) == receipt
    opened = env.open_envelope(item, epochs={epoch.epoch_id: epoch},
                               sign_keys=lambda _d: monitor.device.sign_public)
    other = seal(epoch, monitor, b'{"title": "changed"}', record_id=opened.record_id)
    conflict = put(s, monitor, other)
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    forged = p.Receipt.model_validate(dict(receipt.model_dump(), seq=receipt.seq + 1))
    assert not forged.verify(key)
    items, _next, _more = changes(s, project.coordinator)
    assert [data for _seq, data in items] == [epoch.packet, item]


def test_path_must_match_header_and_key_packet_first(project: Project) -> None:
    s, monitor = project.server, project.monitor
    epoch = new_epoch(monitor, project.coordinator)
    item = seal(epoch, monitor)
    early = put(s, monitor, item)
    assert early.status_code == 409 and early.json()["code"] == "unknown_epoch"
    put(s, monitor, epoch.packet)
    wrong = HTTP.put(f"{s.url}/v1/envelopes/{'a' * 64}",
                      content=item, headers=monitor.headers)
    assert wrong.status_code == 400 and wrong.json()["code"] == "key_mismatch"
    assert put(s, monitor, item).status_code == 201


def test_batch_push_duplicates_and_reordering(project: Project) -> None:
    s, monitor = project.server, project.monitor
    epoch = new_epoch(monitor, project.coordinator)
    items = [seal(epoch, monitor, f"record {i}".encode()) for i in range(5)]
    # reordered: envelopes before their key packet are rejected, not lost
    body = p.frame_items([items[0], epoch.packet, items[1], items[1], items[2]])
    answer = HTTP.post(s.url + "/v1/push", content=body, headers=monitor.headers)
    assert answer.status_code == 200
    results = p.PushResults.model_validate(answer.json()).results
    assert [r.status for r in results] == ["rejected", "stored", "stored", "duplicate",
                                           "stored"]
    assert results[0].code == "unknown_epoch"
    assert results[2].receipt == results[3].receipt
    again = HTTP.post(s.url + "/v1/push", content=p.frame_items(items + [epoch.packet]),
                       headers=monitor.headers)
    statuses = [r.status for r in p.PushResults.model_validate(again.json()).results]
    assert statuses == ["stored", "duplicate", "duplicate", "stored", "stored", "duplicate"]
    got, _next, _more = changes(s, project.coordinator)
    assert sorted(data for _seq, data in got) == sorted(items + [epoch.packet])
    broken = HTTP.post(s.url + "/v1/push", content=b"\x00\x00\x10\x00abc",
                        headers=monitor.headers)
    assert broken.status_code == 400 and broken.json()["code"] == "bad_framing"


def test_tampered_truncated_and_forged_items_refused(project: Project) -> None:
    s, monitor, coord = project.server, project.monitor, project.coordinator
    epoch = new_epoch(monitor, coord)
    assert put(s, monitor, epoch.packet).status_code == 201
    item = seal(epoch, monitor)
    path = s.url + "/v1/envelopes/" + env.parse_envelope(item).key
    expected = {1: (400, "malformed"), 5: (409, "unknown_epoch"), 40: (400, "bad_signature"),
                70: (400, "bad_signature"), len(item) - 70: (400, "bad_signature"),
                len(item) - 1: (400, "bad_signature")}
    for position, (status, code) in expected.items():  # suite, epoch, vh, nonce, ct, sig
        bad = bytearray(item)
        bad[position] ^= 0x01
        answer = HTTP.put(path, content=bytes(bad), headers=monitor.headers)
        assert (answer.status_code, answer.json()["code"]) == (status, code), position
        if position >= 50:  # also at the path its (tampered) header names
            assert put(s, monitor, bytes(bad)).json()["code"] == "bad_signature"
    cut = HTTP.put(s.url + "/v1/envelopes/" + env.parse_envelope(item).key,
                    content=item[:100], headers=monitor.headers)
    assert cut.status_code == 400
    # signed by another device under the monitor's epoch
    forged = env.seal(epoch, project.monitor2.device, record_id=str(uuid.uuid4()),
                      version_hash="b" * 64, section="narrative", kind="incident",
                      payload=b"forged")
    answer = put(s, project.monitor2, forged)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_signature"
    # a key packet claiming to be from the coordinator, signed by the monitor
    fake = env.new_epoch(coord.device.device_id, monitor.device,
                         {coord.device.device_id: coord.device.kem_public}, "MLKEM768_X25519")
    answer = put(s, monitor, fake.packet)
    assert answer.status_code == 400 and answer.json()["code"] == "bad_signature"
    stranger = Device.generate()
    unknown = env.new_epoch(stranger.device_id, stranger,
                            {coord.device.device_id: coord.device.kem_public},
                            "MLKEM768_X25519")
    answer = put(s, monitor, unknown.packet)
    assert answer.status_code == 403 and answer.json()["code"] == "unknown_sender"
    to_stranger = env.new_epoch(monitor.device.device_id, monitor.device,
                                {stranger.device_id: stranger.kem_public}, "MLKEM768_X25519")
    answer = put(s, monitor, to_stranger.packet)
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_recipient"
    classic = Device.generate("X25519")
    wrong_suite = env.new_epoch(monitor.device.device_id, monitor.device,
                                {coord.device.device_id: classic.kem_public}, "X25519")
    assert put(s, monitor, wrong_suite.packet).status_code == 400
    got, _next, _more = changes(s, coord)
    assert [data for _seq, data in got] == [epoch.packet]


# --- changes feed ---------------------------------------------------------------------------
def test_changes_feed_is_filtered_per_device(project: Project) -> None:
    s, coord = project.server, project.coordinator
    mon, mon2, trans = project.monitor, project.monitor2, project.translator
    to_coord = new_epoch(mon, coord)  # the monitor's identity sections
    review = new_epoch(coord, mon)  # a review back to the monitor
    assignment = new_epoch(coord, trans)  # a narrative for the translator
    pushed = [to_coord.packet, seal(to_coord, mon, section="identity"),
              review.packet, seal(review, coord, section="review"),
              assignment.packet, seal(assignment, coord, section="narrative")]
    for data in pushed:
        assert put(s, coord if data in pushed[2:] else mon, data).status_code == 201
    everything, nxt, more = changes(s, coord)
    assert [d for _s, d in everything] == pushed and not more
    assert nxt == everything[-1][0]
    mine, _n, _m = changes(s, mon)
    assert [d for _s, d in mine] == [to_coord.packet, pushed[1], review.packet, pushed[3]]
    assert changes(s, mon2)[0] == []
    theirs, _n, _m = changes(s, trans)
    assert [d for _s, d in theirs] == [assignment.packet, pushed[5]]
    # paging by sequence
    page, nxt, more = changes(s, coord, since=0, limit=2)
    assert len(page) == 2 and more
    rest, _n, more = changes(s, coord, since=nxt, limit=10)
    assert [d for _s, d in page + rest] == pushed and not more
    for since in (-1, 1 << 64):
        bad = HTTP.get(s.url + "/v1/changes", params={"since": since}, headers=coord.headers)
        assert bad.status_code == 400


def test_receipts_verify_and_sequences_increase(project: Project) -> None:
    s, mon = project.server, project.monitor
    key = server_key(s)
    epoch = new_epoch(mon, project.coordinator)
    seqs = []
    for data in [epoch.packet] + [seal(epoch, mon, os.urandom(50)) for _ in range(5)]:
        receipt = p.Receipt.model_validate(put(s, mon, data).json())
        assert receipt.verify(key)
        assert abs(receipt.received_at - time.time() * 1000) < 60_000
        seqs.append(receipt.seq)
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


def test_an_epoch_id_cannot_be_hijacked_by_another_sender(project: Project) -> None:
    """A device reuses the epoch id of someone else's epoch, with its own signed key
    packet and envelopes in one batch: nothing of it is stored or routed."""
    s, mon, thief, coord = project.server, project.monitor, project.monitor2, project.coordinator
    epoch = new_epoch(mon, coord)
    assert put(s, mon, epoch.packet).status_code == 201
    fake = env.new_epoch(thief.device.device_id, thief.device,
                         {coord.device.device_id: coord.device.kem_public},
                         "MLKEM768_X25519", epoch_id=bytes.fromhex(epoch.epoch_id))
    spam = seal(fake, thief, b"spam")
    expected = {"warm": ["rejected", "rejected"], "cold": ["conflict", "conflict"]}
    server = s
    for caches in ("warm", "cold"):  # the server's caches know the epoch, then not
        if caches == "cold":
            server = s.restart()
        answer = HTTP.post(server.url + "/v1/push", content=p.frame_items([fake.packet, spam]),
                           headers=thief.headers)
        results = p.PushResults.model_validate(answer.json()).results
        assert [r.status for r in results] == expected[caches]
        got, _next, _more = changes(server, coord)
        assert [d for _s, d in got] == [epoch.packet]
    server.stop()
