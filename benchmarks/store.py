"""Store benchmark: 100k incidents, encrypted (SQLCipher) against plain SQLite.

Prints insert rates (bulk and one commit per record) and their ratio, FTS search p50/p95,
time to list the first page, unlock time (with the calibrated Argon2id), and peak RSS.
Targets (issue 2): ratio ≥ 0.9 bulk and ≥ 0.75 per record, search p95 < 20 ms,
first page < 100 ms, RSS < 300 MB.

Plain and encrypted stores are written in alternating batches (bulk) and chunks (one commit
per record), so load from elsewhere on the machine weighs on both alike.

    .venv/bin/python benchmarks/store.py [--records 100000] [--per-record 2000]
"""

from __future__ import annotations

import argparse
import random
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._data import PLACES, WORDS, incidents  # noqa: E402
from fieldapp.profile import Profile  # noqa: E402
from fieldapp.records import RecordStore  # noqa: E402
from fieldapp.store import db  # noqa: E402

BATCH = 1000
PER_RECORD_CHUNK = 50


def open_store(path: Path, key: bytes | None) -> RecordStore:
    conn = db.connect(path, key, create=True)
    db.migrate(conn, path, path.parent / "backups")
    return RecordStore(conn, "bench")


def bulk(stores: dict[str, RecordStore], n: int) -> dict[str, float]:
    """Batches of BATCH records, each written to every store in turn (plain, encrypted, then
    encrypted, plain...), so a burst of load elsewhere on the machine hits both alike."""
    data = incidents(n)
    elapsed = dict.fromkeys(stores, 0.0)
    for i in range(0, n, BATCH):
        batch = [next(data) for _ in range(BATCH)]  # made outside the timed part
        for label in _turn(stores, i // BATCH):
            start = time.perf_counter()
            stores[label].add_many("incident", batch)
            elapsed[label] += time.perf_counter() - start
    return {label: n / t for label, t in elapsed.items()}


def per_record(stores: dict[str, RecordStore], n: int) -> dict[str, float]:
    """One transaction per record, in alternating chunks of PER_RECORD_CHUNK records."""
    data = list(incidents(n, seed=99))
    elapsed = dict.fromkeys(stores, 0.0)
    for i in range(0, n, PER_RECORD_CHUNK):
        for label in _turn(stores, i // PER_RECORD_CHUNK):
            store = stores[label]
            start = time.perf_counter()
            for item in data[i:i + PER_RECORD_CHUNK]:
                store.add("incident", item)
            elapsed[label] += time.perf_counter() - start
    return {label: n / t for label, t in elapsed.items()}


def _turn(stores: dict[str, RecordStore], step: int) -> list[str]:
    labels = list(stores)
    return labels if step % 2 == 0 else labels[::-1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--per-record", type=int, default=2000)
    parser.add_argument("--kdf-seconds", type=float, default=0.5)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    try:
        return run(work, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(work: Path, args: argparse.Namespace) -> int:
    n = args.records
    print(f"fieldapp store benchmark: {n} incidents, bulk batches of {BATCH}; "
          f"{args.per_record} one-commit records; page MAC {db.fastest_page_mac()}")
    key = secrets.token_bytes(32)
    keys = {"plain": None, "encrypted": key}
    stores = {label: open_store(work / f"{label}.db", k) for label, k in keys.items()}
    rates = {}
    for label, rate in bulk(stores, n).items():
        rates[label, "bulk"] = rate
    for label, rate in per_record(stores, args.per_record).items():
        rates[label, "per-record"] = rate
    for store in stores.values():
        store.conn.close()
    for mode in ("bulk", "per-record"):
        plain, enc = rates["plain", mode], rates["encrypted", mode]
        target = 0.9 if mode == "bulk" else 0.75
        print(f"insert {mode:<10}: plain {plain:9.0f}/s  encrypted {enc:9.0f}/s  "
              f"ratio {enc / plain:.2f}  (target ≥ {target}) "
              f"{'OK' if enc / plain >= target else 'MISSED'}")

    store = open_store(work / "encrypted.db", key)
    rng = random.Random(3)
    queries = ([p[2] for p in PLACES] + [p[0].lower() for p in PLACES] +
               [rng.choice(WORDS) for _ in range(40)] +
               [f"{rng.choice(WORDS)} {rng.choice(PLACES)[2]}" for _ in range(40)] +
               [rng.choice(WORDS)[:3] for _ in range(20)] + ["lere", "segou", "menaka"])
    for q in queries[:10]:
        store.search(q)
    times = []
    for q in queries:
        start = time.perf_counter()
        store.search(q, limit=50)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95)]
    print(f"search ({len(queries)} queries): p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
          f"(target p95 < 20 ms) {'OK' if p95 < 20 else 'MISSED'}")
    store.conn.close()

    conn = db.connect(work / "encrypted.db", key)
    start = time.perf_counter()
    page = RecordStore(conn, "bench").list("incident", limit=100)
    first = (time.perf_counter() - start) * 1000
    total = RecordStore(conn, "bench").count("incident")
    conn.close()
    print(f"first page of {len(page)} (of {total}) on a fresh connection: {first:.1f} ms "
          f"(target < 100 ms) {'OK' if first < 100 else 'MISSED'}")

    profile = Profile(work / "profile")
    vault, _ = profile.create("bench", "benchmark passphrase", kdf_seconds=args.kdf_seconds)
    params = profile._load_slots().params
    vault.close()
    start = time.perf_counter()
    profile.unlock("benchmark passphrase").close()
    unlock = time.perf_counter() - start
    print(f"unlock (Argon2id {params.memory_kib // 1024} MiB × {params.iterations} passes, "
          f"calibrated to {args.kdf_seconds} s): {unlock * 1000:.0f} ms")
    duress_unlock(profile, "benchmark passphrase")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB (target < 300 MB) {'OK' if rss < 300 else 'MISSED'}")
    return 0


def duress_unlock(profile: Profile, passphrase: str, records: int = 20_000,
                  attachments_mb: int = 200) -> None:
    """A duress unlock must not take visibly longer than a normal one, even when the real
    vault it destroys is large: compare both, and time the overwriting behind it."""
    vault = profile.unlock(passphrase)
    vault.records.add_many("incident", incidents(records, seed=7))
    with open(profile.files_dir(vault.index) / "bench-ciphertext", "wb") as fh:
        for _ in range(attachments_mb):
            fh.write(secrets.token_bytes(1 << 20))
    duress = "benchmark duress words"
    profile.set_duress(vault, duress)
    vault.close()
    normals = []
    for _ in range(3):   # the reference: median of three (one unlock varies by ±10 %)
        start = time.perf_counter()
        profile.unlock(passphrase).close()
        normals.append(time.perf_counter() - start)
    normal = statistics.median(normals)
    start = time.perf_counter()
    decoy = profile.unlock(duress)
    shown = time.perf_counter() - start
    decoy.close()
    profile.finish_shredding()
    overwritten = time.perf_counter() - start
    print(f"duress unlock: {shown * 1000:.0f} ms vs {normal * 1000:.0f} ms with the real "
          f"passphrase (median of 3; ratio {shown / normal:.2f}); the real vault "
          f"({records} records, {attachments_mb} MB of attachments) overwritten behind it in "
          f"{overwritten:.1f} s")


if __name__ == "__main__":
    raise SystemExit(main())
