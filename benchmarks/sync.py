"""Sync benchmark: server ingest and wire overhead (issue 3).

Server part (this file's `ingest` and `wire_ratio`):

* ingest: 50 devices push envelopes at once to a real `fieldapp server` process, on SQLite
  and on PostgreSQL (a throwaway cluster); prints envelopes/s and p50/p99 request latency,
  one PUT per envelope and batched ``POST /v1/push``. Targets: ≥ 1,000 envelopes/s,
  p99 < 500 ms.
* ingest with one and with two server processes on one PostgreSQL database and one data
  folder (devices split between them), batched pushes: what a second process adds.
* pull: a coordinator reads 10,000 envelopes from the changes feed, then verifies and
  decrypts them; records/s of each step.
* wire: 1,000 records (hybrid suite, identity sections for a third of them) plus 20 photo
  blobs; prints wire bytes ÷ compressed payload. Target ≤ 1.10.

Client parts (pull rate, slow-link proxy) may be added as further functions.

    .venv/bin/python benchmarks/sync.py [--devices 50] [--per-device 100] [--batch 10] [--quick]
        [--processes-only]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
import zlib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from benchmarks._data import incidents  # noqa: E402
from fieldapp.crypto import envelope as env  # noqa: E402
from sync import protocol as p  # noqa: E402
from tests.sync.conftest import (  # noqa: E402
    Device,
    Enrolled,
    enroll,
    register_project,
    start_postgres,
    start_server,
)

SUITE = "MLKEM768_X25519"


def _deflated(data: bytes) -> int:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return len(c.compress(data) + c.flush())


# --- ingest ---------------------------------------------------------------------------------
def _prepare(url_server, devices: int, per_device: int) -> tuple[Enrolled, list[tuple[
        Enrolled, list[bytes]]]]:
    coordinator = register_project(url_server, SUITE)
    work = []
    records = incidents(devices * per_device, seed=11)
    for i in range(devices):
        monitor = enroll(url_server, coordinator, "monitor", f"Bench-{i}")
        epoch = env.new_epoch(monitor.device.device_id, monitor.device, {
            monitor.device.device_id: monitor.device.kem_public,
            coordinator.device.device_id: coordinator.device.kem_public}, SUITE)
        answer = httpx.put(f"{url_server.url}/v1/keypackets/{epoch.epoch_id}",
                           content=epoch.packet, headers=monitor.headers, timeout=30)
        assert answer.status_code == 201, answer.text
        items = [env.seal(epoch, monitor.device, record_id=str(uuid.uuid4()),
                          version_hash=hashlib.sha256(os.urandom(8)).hexdigest(),
                          section="narrative", kind="incident",
                          payload=json.dumps(next(records)).encode())
                 for _ in range(per_device)]
        work.append((monitor, items))
    return coordinator, work


def _push_all(urls: list[str], work: list[tuple[Enrolled, list[bytes]]],
              batch: int) -> tuple[float, list[float], int]:
    """Every device pushes from its own thread and connection, all at once; device i to
    server process i mod len(urls)."""
    latencies: list[float] = []
    failures = [0]
    start = threading.Barrier(len(work) + 1)

    def device_loop(url: str, who: Enrolled, items: list[bytes]) -> None:
        with httpx.Client(base_url=url, timeout=60) as client:
            client.get("/v1/health")
            start.wait()
            for first in range(0, len(items), batch):
                chunk = items[first:first + batch]
                t0 = time.perf_counter()
                if batch == 1:
                    h = env.parse_envelope(chunk[0])
                    answer = client.put(
                        f"/v1/envelopes/{h.item_id}",
                        content=chunk[0], headers=who.headers)
                    ok = answer.status_code in (200, 201)
                else:
                    answer = client.post("/v1/push", content=p.frame_items(chunk),
                                         headers=who.headers)
                    ok = answer.status_code == 200 and all(
                        r["status"] in ("stored", "duplicate")
                        for r in answer.json()["results"])
                latencies.append(time.perf_counter() - t0)
                if not ok:
                    failures[0] += 1

    threads = [threading.Thread(target=device_loop, args=(urls[i % len(urls)], *w))
               for i, w in enumerate(work)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies, failures[0]


def ingest(backend: str, devices: int, per_device: int, batch: int,
           processes: int = 1) -> dict[str, float]:
    """Envelopes/s and latency for ``devices`` concurrent pushers on ``backend``, spread
    over ``processes`` server processes sharing the database and the data folder
    (PostgreSQL only for more than one, docs/DEPLOY.md)."""
    tmp = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    cluster = None
    try:
        url = None
        if backend == "postgresql":
            cluster = start_postgres()
            if cluster is None:
                return {"skipped": 1.0}
            url = cluster.new_database()
        servers = [start_server(tmp / "data", url, extra=("--rate-limit", "0"))
                   for _ in range(processes)]
        try:
            _coord, work = _prepare(servers[0], devices, per_device)
            elapsed, latencies, failures = _push_all([s.url for s in servers], work, batch)
        finally:
            for server in servers:
                server.stop()
        total = devices * per_device
        latencies.sort()
        return {"envelopes": total, "seconds": elapsed, "rate": total / elapsed,
                "p50_ms": 1000 * statistics.median(latencies),
                "p99_ms": 1000 * latencies[min(len(latencies) - 1,
                                               int(0.99 * len(latencies)))],
                "failures": failures}
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(tmp, ignore_errors=True)


# --- pull ---------------------------------------------------------------------------------
def pull(records: int = 10_000) -> dict[str, float]:
    """A coordinator reading ``records`` envelopes from the changes feed (SQLite), then
    verifying and decrypting them all (open_envelope): the server's share and the
    envelope's share of a pull, without the client's local database."""
    tmp = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    try:
        server = start_server(tmp / "data", extra=("--rate-limit", "0"))
        try:
            coord = register_project(server, SUITE)
            monitor = enroll(server, coord, "monitor", "Bench")
            epoch = env.new_epoch(monitor.device.device_id, monitor.device, {
                monitor.device.device_id: monitor.device.kem_public,
                coord.device.device_id: coord.device.kem_public}, SUITE)
            source = incidents(records, seed=3)
            items = [epoch.packet] + [
                env.seal(epoch, monitor.device, record_id=str(uuid.uuid4()),
                         version_hash=hashlib.sha256(os.urandom(8)).hexdigest(),
                         section="narrative", kind="incident",
                         payload=json.dumps(next(source)).encode())
                for _ in range(records)]
            with httpx.Client(base_url=server.url, timeout=60) as client:
                for first in range(0, len(items), 500):
                    client.post("/v1/push", content=p.frame_items(items[first:first + 500]),
                                headers=monitor.headers).raise_for_status()
                t0 = time.perf_counter()
                got: list[bytes] = []
                since, more = 0, True
                while more:
                    answer = client.get("/v1/changes", params={"since": since, "limit": 1000},
                                        headers=coord.headers)
                    got += [d for _s, d in p.iter_changes(answer.content)]
                    since = int(answer.headers[p.HEADER_NEXT])
                    more = answer.headers[p.HEADER_MORE] == "1"
                fetch = time.perf_counter() - t0
        finally:
            server.stop()
        t0 = time.perf_counter()
        mine = env.open_key_packet(got[0], device_id=coord.device.device_id,
                                   device=coord.device,
                                   sender_sign_public=monitor.device.sign_public)
        keys = {monitor.device.device_id: monitor.device.sign_public}
        for data in got[1:]:
            env.open_envelope(data, epochs={mine.epoch_id: mine}, sign_keys=keys)
        opening = time.perf_counter() - t0
        return {"records": records, "fetch_rate": records / fetch,
                "open_rate": records / opening,
                "both_rate": records / (fetch + opening)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- wire bytes -----------------------------------------------------------------------------
def wire_ratio(records: int = 1000, photos: int = 20, photo_bytes: int = 400_000,
               coordinators: int = 2) -> dict[str, float]:
    """Wire bytes of a monitor's push ÷ its compressed payload, hybrid suite."""
    monitor = Device.generate(SUITE, "Mon")
    coords = [Device.generate(SUITE, f"C{i}") for i in range(coordinators)]
    everyone = {d.device_id: d.kem_public for d in (monitor, *coords)}
    only_coords = {d.device_id: d.kem_public for d in coords}
    narrative = env.new_epoch(monitor.device_id, monitor, everyone, SUITE)
    identity = env.new_epoch(monitor.device_id, monitor, only_coords, SUITE)
    wire = 4 * 2 + len(narrative.packet) + len(identity.packet)
    compressed = 0
    for i, record in enumerate(incidents(records, seed=5)):
        payload = json.dumps(record).encode()
        compressed += _deflated(payload)
        data = env.seal(narrative, monitor, record_id=str(uuid.uuid4()),
                        version_hash=hashlib.sha256(payload).hexdigest(),
                        section="narrative", kind="incident", payload=payload)
        wire += 4 + len(data)
        if i % 3 == 0:
            who = json.dumps({"name": f"Invented Person {i}", "phone": f"+223 70 00 {i:04d}"})
            compressed += _deflated(who.encode())
            data = env.seal(identity, monitor, record_id=str(uuid.uuid4()),
                            version_hash=hashlib.sha256(who.encode()).hexdigest(),
                            section="identity", kind="identity", payload=who.encode())
            wire += 4 + len(data)
    records_only = wire / compressed
    # photos: JPEG bytes do not compress; attachment files are AES-GCM in 64 KiB chunks
    # (16-byte tag each) plus a small header, sent as blobs in 256 KiB tus chunks.
    photo_payload = photos * photo_bytes
    chunks = -(-photo_bytes // (64 << 10))
    photo_wire = photos * (photo_bytes + 16 * chunks + 64)
    return {"records": records, "records_wire": wire, "records_compressed": compressed,
            "records_ratio": records_only, "photos": photos,
            "total_ratio": (wire + photo_wire) / (compressed + photo_payload),
            "per_envelope_overhead": env.overhead()}


def print_processes(devices: int, per_device: int, batch: int) -> None:
    """Ingest on PostgreSQL with one, then two server processes (same database and data
    folder; half the devices on each)."""
    for processes in (1, 2):
        r = ingest("postgresql", devices, per_device, batch, processes)
        if "skipped" in r:
            print("ingest with several processes: skipped (PostgreSQL not installed)")
            return
        print(f"ingest postgresql, {processes} server process{'es' if processes > 1 else ''} "
              f"on one database, POST /v1/push × {batch}: {r['rate']:7.0f} envelopes/s "
              f"({int(r['envelopes'])} from {devices} devices), p50 {r['p50_ms']:.0f} ms, "
              f"p99 {r['p99_ms']:.0f} ms, {int(r['failures'])} failed  "
              f"({os.cpu_count()} CPU cores)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=50)
    parser.add_argument("--per-device", type=int, default=100)
    parser.add_argument("--batch", type=int, default=10)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="fewer envelopes")
    parser.add_argument("--processes-only", action="store_true",
                        help="only ingest with one and two server processes (PostgreSQL)")
    args = parser.parse_args()
    per_device = 10 if args.quick else args.per_device
    if args.processes_only:
        print_processes(args.devices, per_device, args.batch)
        return 0

    w = wire_ratio()
    print(f"wire: {w['records']} records, hybrid suite: {w['records_wire']:,} wire bytes / "
          f"{w['records_compressed']:,} compressed = {w['records_ratio']:.3f} "
          f"(envelope overhead {w['per_envelope_overhead']} B); with {w['photos']} photos: "
          f"{w['total_ratio']:.3f}  (target ≤ 1.10)")
    r = pull(1000 if args.quick else 10_000)
    print(f"pull: {int(r['records'])} records: feed {r['fetch_rate']:.0f}/s, verify+decrypt "
          f"{r['open_rate']:.0f}/s, together {r['both_rate']:.0f} records/s "
          "(without the client's local commit; target ≥ 1000/s end to end)")
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    for backend in backends:
        for batch in (1, args.batch):
            r = ingest(backend, args.devices, per_device, batch)
            if "skipped" in r:
                print(f"ingest {backend}: skipped (PostgreSQL not installed)")
                break
            mode = "PUT per envelope" if batch == 1 else f"POST /v1/push × {batch}"
            print(f"ingest {backend:10s} {mode:22s}: {r['rate']:7.0f} envelopes/s "
                  f"({int(r['envelopes'])} from {args.devices} devices), p50 "
                  f"{r['p50_ms']:.0f} ms, p99 {r['p99_ms']:.0f} ms per request, "
                  f"{int(r['failures'])} failed  (target ≥ 1000/s, p99 < 500 ms)")
    if "postgresql" in backends:
        print_processes(args.devices, per_device, args.batch)
    # Client side, end to end through SyncClient (benchmarks/sync_client.py, engineer S2).
    from benchmarks.sync_client import print_client_figures

    print_client_figures(1000 if args.quick else 10_000, 300 if args.quick else 1000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
