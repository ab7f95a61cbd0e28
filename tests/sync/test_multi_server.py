"""Several server processes on one PostgreSQL and one data folder serving one project
(docs/DEPLOY.md): two REAL `fieldapp server` processes started at the same moment, 50
devices pushing to both at random, a coordinator pulling from both meanwhile. Nothing is
lost, nothing is stored twice, the changes feed is in order; an upload's chunks may go to
either process; a revocation made through one is obeyed by the other within ROSTER_TTL."""

from __future__ import annotations

import hashlib
import os
import random
import ssl
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from fieldapp.crypto import envelope as env
from sync import protocol as p
from sync.server.locks import file_lock
from sync.server.service import ROSTER_TTL

from .conftest import (
    HTTP,
    HTTPS_ANY,
    Enrolled,
    PostgresCluster,
    ServerProcess,
    certificate_pin,
    enroll,
    register_project,
    start_server,
)

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(180)]
SUITE = "X25519"
DEVICES = 50
ROUNDS = 8  # pushes per device (each of 1 to 5 envelopes)


@pytest.fixture
def two_servers(tmp_path: Path, postgres: PostgresCluster) -> Iterator[list[ServerProcess]]:
    """Two processes started at once on a fresh database and one shared data folder."""
    url = postgres.new_database()
    data = tmp_path / "server-data"
    with ThreadPoolExecutor(2) as pool:
        starting = [pool.submit(start_server, data, url, ("--rate-limit", "0"))
                    for _ in range(2)]
        servers = [f.result() for f in starting]
    try:
        yield servers
    finally:
        for s in servers:
            s.stop()


def _push(client: httpx.Client, who: Enrolled, items: list[bytes]) -> list[dict]:
    answer = client.post("/v1/push", content=p.frame_items(items), headers=who.headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["results"]


def test_two_processes_one_database_nothing_lost_nothing_twice_in_order(
        two_servers: list[ServerProcess]) -> None:
    a, b = two_servers
    # both started at once, yet they agree on the receipt key and the bootstrap token
    keys = {HTTP.get(s.url + "/v1/server").json()["server_sign_public"] for s in two_servers}
    assert len(keys) == 1
    assert a.bootstrap_token and a.bootstrap_token == b.bootstrap_token
    coord = register_project(a, SUITE)
    devices = [enroll(random.choice(two_servers), coord, "monitor", f"Mon-{i}")
               for i in range(DEVICES)]
    server_key = p.unb64(keys.pop())

    pushed: dict[str, int] = {}  # sha256 of each item -> its seq (from the receipt)
    lock = threading.Lock()
    failures: list[str] = []
    done = threading.Event()

    def device_loop(n: int, who: Enrolled) -> None:
        rng = random.Random(n)
        clients = [httpx.Client(base_url=s.url, timeout=60) for s in two_servers]
        try:
            epoch = env.new_epoch(who.device.device_id, who.device, {
                who.device.device_id: who.device.kem_public,
                coord.device.device_id: coord.device.kem_public}, SUITE)
            batches = [[epoch.packet]]
            for _ in range(ROUNDS):
                batches.append([env.seal(
                    epoch, who.device, record_id=str(uuid.uuid4()),
                    version_hash=hashlib.sha256(os.urandom(8)).hexdigest(),
                    section="narrative", kind="incident", payload=os.urandom(200))
                    for _ in range(rng.randint(1, 5))])
            last_seq = 0
            for batch in batches:
                first = rng.randrange(2)
                results = _push(clients[first], who, batch)
                seqs = []
                for item, result in zip(batch, results, strict=True):
                    receipt = p.Receipt.model_validate(result["receipt"])
                    assert result["status"] == "stored" and receipt.verify(server_key)
                    seqs.append(receipt.seq)
                    with lock:
                        pushed[hashlib.sha256(item).hexdigest()] = receipt.seq
                # one device's pushes, one after the other, get growing sequences
                assert seqs == sorted(seqs) and seqs[0] > last_seq, (seqs, last_seq)
                last_seq = seqs[-1]
                if rng.random() < 0.3:  # sent again to the other process: a duplicate
                    again = _push(clients[1 - first], who, batch)
                    assert [r["status"] for r in again] == ["duplicate"] * len(batch)
                    assert [r["receipt"]["seq"] for r in again] == seqs
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(f"device {n}: {exc!r}")
        finally:
            for c in clients:
                c.close()

    seen: list[tuple[int, bytes]] = []

    def coordinator_loop() -> None:
        rng = random.Random(99)
        clients = [httpx.Client(base_url=s.url, timeout=60) for s in two_servers]
        since, last_round = 0, False
        try:
            while True:
                finished = done.is_set()
                answer = rng.choice(clients).get("/v1/changes", headers=coord.headers,
                                                 params={"since": since,
                                                         "limit": rng.randint(1, 200)})
                assert answer.status_code == 200, answer.text
                seen.extend(p.iter_changes(answer.content))
                since = int(answer.headers[p.HEADER_NEXT])
                if answer.headers[p.HEADER_MORE] == "0":
                    if last_round:
                        break
                    last_round = finished  # one more full pass after the pushers stop
                    time.sleep(0.02)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(f"coordinator: {exc!r}")
        finally:
            for c in clients:
                c.close()

    puller = threading.Thread(target=coordinator_loop)
    puller.start()
    pushers = [threading.Thread(target=device_loop, args=(n, who))
               for n, who in enumerate(devices)]
    started = time.monotonic()
    for t in pushers:
        t.start()
    for t in pushers:
        t.join(timeout=120)
    done.set()
    puller.join(timeout=60)
    assert not failures, failures[:5]
    assert not puller.is_alive() and not any(t.is_alive() for t in pushers)
    elapsed = time.monotonic() - started

    seqs = [seq for seq, _data in seen]
    assert seqs == sorted(set(seqs)), "the feed went back or repeated an item"
    by_hash = {hashlib.sha256(data).hexdigest(): seq for seq, data in seen}
    assert len(by_hash) == len(seen), "the same item under two sequences"
    assert by_hash == pushed, "lost or unknown items"
    assert len(pushed) >= DEVICES * (ROUNDS + 1)
    # each process, read from 0 afterwards, shows exactly the same feed
    for s in two_servers:
        again: list[tuple[int, bytes]] = []
        since, more = 0, True
        while more:
            answer = HTTP.get(s.url + "/v1/changes", headers=coord.headers,
                              params={"since": since, "limit": 1000})
            again.extend(p.iter_changes(answer.content))
            since, more = int(answer.headers[p.HEADER_NEXT]), answer.headers[p.HEADER_MORE] == "1"
        assert again == seen
    print(f"{len(pushed)} items from {DEVICES} devices through 2 processes in {elapsed:.1f} s")


# --- uploads across processes -------------------------------------------------------------
def _patch(s: ServerProcess, who: Enrolled, sha: str, offset: int,
           chunk: bytes) -> httpx.Response:
    return HTTP.patch(f"{s.url}/v1/uploads/{sha}", content=chunk, headers={
        **who.headers, "Tus-Resumable": "1.0.0", "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream"})


def test_one_upload_patched_through_both_processes_at_once(
        two_servers: list[ServerProcess]) -> None:
    """The same chunk sent to both processes at the same moment, again and again: one is
    taken, the other refused with the offset held (never written twice); the finished
    blob is whole, from either process, and no lock or part file is left behind."""
    a, b = two_servers
    coord = register_project(a, SUITE)
    mon = enroll(b, coord, "monitor", "Mon")
    epoch = env.new_epoch(mon.device.device_id, mon.device, {
        mon.device.device_id: mon.device.kem_public,
        coord.device.device_id: coord.device.kem_public}, SUITE)
    assert HTTP.put(f"{a.url}/v1/keypackets/{epoch.epoch_id}", content=epoch.packet,
                    headers=mon.headers).status_code == 201
    chunk_size = 512 << 10
    blob = os.urandom(24 * chunk_size)
    sha = hashlib.sha256(blob).hexdigest()
    created = HTTP.post(a.url + "/v1/uploads", headers={
        **mon.headers, "Tus-Resumable": "1.0.0", "Upload-Length": str(len(blob)),
        "Upload-Metadata": p.tus_metadata({"sha256": sha, "epoch": epoch.epoch_id})})
    assert created.status_code == 201, created.text
    # the lock an upload's writes take is seen by other processes: while this one (the
    # test's) holds it, a PATCH to a server process waits
    with ThreadPoolExecutor(1) as pool, file_lock(a.data_dir / "blobs" / f"{sha}.lock"):
        waiting = pool.submit(_patch, b, mon, sha, 0, blob[:chunk_size])
        time.sleep(1.0)
        assert not waiting.done(), waiting.result().text
    assert waiting.result().status_code == 204
    offset = chunk_size
    with ThreadPoolExecutor(2) as pool:
        while offset < len(blob):
            chunk = blob[offset:offset + chunk_size]
            gate = threading.Barrier(2)

            def send(s: ServerProcess, at: int = offset, data: bytes = chunk,
                     gate: threading.Barrier = gate) -> httpx.Response:
                gate.wait()
                return _patch(s, mon, sha, at, data)

            answers = [f.result() for f in [pool.submit(send, a), pool.submit(send, b)]]
            codes = sorted(r.status_code for r in answers)
            assert codes == [204, 409], [r.text for r in answers]
            refused = next(r for r in answers if r.status_code == 409)
            assert refused.headers["Upload-Offset"] == str(offset + len(chunk))
            offset += len(chunk)
    for s in two_servers:
        got = HTTP.get(f"{s.url}/v1/blobs/{sha}", headers=coord.headers)
        assert got.status_code == 200 and got.content == blob
    leftovers = sorted(x.name for x in (a.data_dir / "blobs").iterdir())
    assert leftovers == [sha]


# --- revocation seen by the other process ---------------------------------------------------
def test_revocation_through_one_process_is_obeyed_by_the_other(
        two_servers: list[ServerProcess]) -> None:
    a, b = two_servers
    coord = register_project(a, SUITE)
    mon = enroll(a, coord, "monitor", "Mon")
    epoch = env.new_epoch(mon.device.device_id, mon.device,
                          {mon.device.device_id: mon.device.kem_public}, SUITE)
    # b knows the device (its token is cached there) before the revocation
    assert HTTP.put(f"{b.url}/v1/keypackets/{epoch.epoch_id}", content=epoch.packet,
                    headers=mon.headers).status_code == 201
    assert HTTP.get(b.url + "/v1/changes", headers=mon.headers).status_code == 200
    revoked = HTTP.post(f"{a.url}/v1/devices/{mon.device.device_id}/revoke",
                        headers=coord.headers)
    assert revoked.status_code == 200
    time.sleep(ROSTER_TTL + 0.5)
    answer = HTTP.get(b.url + "/v1/changes", headers=mon.headers)
    assert answer.status_code == 401 and answer.json()["code"] == "revoked"


# --- first start of several processes at once, over HTTPS -------------------------------
def test_processes_started_together_serve_one_self_signed_certificate(
        tmp_path: Path, postgres: PostgresCluster) -> None:
    url, data = postgres.new_database(), tmp_path / "server-data"
    with ThreadPoolExecutor(3) as pool:
        servers = list(pool.map(lambda _n: start_server(data, url, tls=True), range(3)))
    try:
        served = {certificate_pin(ssl.get_server_certificate(("127.0.0.1", s.port)).encode())
                  for s in servers}
        assert served == {servers[0].tls_pin}
        keys = {HTTPS_ANY.get(s.url + "/v1/server").json()["server_sign_public"]
                for s in servers}
        assert len(keys) == 1
    finally:
        for s in servers:
            s.stop()
