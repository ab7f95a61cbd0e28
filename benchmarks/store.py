"""Store benchmark: 100k incidents, encrypted (SQLCipher) against plain SQLite.

Prints insert rates (bulk and one commit per record) and their ratio, FTS search p50/p95,
time to list the first page, unlock time (with the calibrated Argon2id), peak RSS, and the
`fieldapp list` command with the duress passphrase against the real one (median of 10 runs
each, each on a fresh copy of a profile whose real vault holds 20k records and 200 MB of
attachments).
Targets (issue 2): ratio ≥ 0.9 bulk and ≥ 0.75 per record, search p95 < 20 ms,
first page < 100 ms, RSS < 300 MB. Issue 9: duress / normal command ratio 0.9–1.1.

Plain and encrypted stores are written in alternating batches (bulk) and chunks (one commit
per record), so load from elsewhere on the machine weighs on both alike.

    .venv/bin/python benchmarks/store.py [--records 100000] [--per-record 2000]
    .venv/bin/python benchmarks/store.py --only-duress [--duress-runs 10]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import shutil
import statistics
import subprocess
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
ROOT = Path(__file__).resolve().parent.parent
PASSPHRASE = "benchmark passphrase"
DURESS = "benchmark duress words"


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
    parser.add_argument("--only-duress", action="store_true",
                        help="only the duress command against the normal one")
    parser.add_argument("--duress-runs", type=int, default=10)
    parser.add_argument("--duress-records", type=int, default=20_000)
    parser.add_argument("--duress-mb", type=int, default=200,
                        help="MB of attachments in the real vault")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    try:
        if args.only_duress:
            duress_command(work, args)
            return 0
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
    vault, _ = profile.create("bench", PASSPHRASE, kdf_seconds=args.kdf_seconds)
    params = profile._load_slots().params
    vault.close()
    start = time.perf_counter()
    profile.unlock(PASSPHRASE).close()
    unlock = time.perf_counter() - start
    print(f"unlock (Argon2id {params.memory_kib // 1024} MiB × {params.iterations} passes, "
          f"calibrated to {args.kdf_seconds} s): {unlock * 1000:.0f} ms")
    duress_command(work, args)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS: {rss:.0f} MB (target < 300 MB) {'OK' if rss < 300 else 'MISSED'}")
    return 0


def duress_command(work: Path, args: argparse.Namespace) -> None:
    """``fieldapp list`` through the real command line, typed with the real passphrase and
    with the duress one, each run on a fresh copy of the same profile: the command must
    return as fast either way (the terminal gives nothing away) while the real vault is
    overwritten behind it by a detached process. Normal and duress runs alternate, and the
    next run starts once the overwriting has ended, so neither weighs on the other."""
    template = work / "duress-template"
    profile = Profile(template)
    vault, _ = profile.create("bench", PASSPHRASE, kdf_seconds=args.kdf_seconds)
    vault.records.add_many("incident", incidents(args.duress_records, seed=7))
    for i in range(args.duress_mb // 4):  # photos of 4 MB, as attachments are stored
        with open(vault.files_dir / f"bench-{i:04d}.stored", "wb") as fh:
            fh.write(secrets.token_bytes(4 << 20))
    profile.set_duress(vault, DURESS)
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    real = vault.index
    vault.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(FIELDAPP_LANG="en", PYTHONPATH=str(ROOT))
    seconds: dict[str, list[float]] = {"normal": [], "duress": []}
    behind: list[float] = []
    for run_number in range(args.duress_runs):
        order = ["normal", "duress"] if run_number % 2 == 0 else ["duress", "normal"]
        for kind in order:
            copy = work / "duress-run"
            shutil.copytree(template, copy)
            os.sync()  # the copy's writeback must not land inside the timed command
            passphrase = PASSPHRASE if kind == "normal" else DURESS
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "fieldapp.cli", "--profile", str(copy), "list",
                 "--json"], capture_output=True, cwd=ROOT,
                env={**env, "FIELDAPP_PASSPHRASE": passphrase})
            seconds[kind].append(time.perf_counter() - start)
            if done.returncode != 0:
                raise SystemExit(f"fieldapp list failed: {done.stderr.decode()}")
            if kind == "duress":
                if done.stdout.strip() != b"[]":
                    raise SystemExit("the duress passphrase did not open the empty decoy")
                behind.append(_wait_overwritten(Profile(copy).files_dir(real)) - start)
            shutil.rmtree(copy)
    normal, duress = (statistics.median(seconds[k]) for k in ("normal", "duress"))
    ratio = duress / normal
    print(f"fieldapp list, median of {args.duress_runs} runs: real passphrase "
          f"{normal * 1000:.0f} ms, duress passphrase {duress * 1000:.0f} ms "
          f"(ratio {ratio:.2f}, target 0.9–1.1) {'OK' if 0.9 <= ratio <= 1.1 else 'MISSED'}")
    print(f"  runs (ms): real {' '.join(f'{t * 1000:.0f}' for t in seconds['normal'])}")
    print(f"             duress {' '.join(f'{t * 1000:.0f}' for t in seconds['duress'])}")
    print(f"  the real vault ({args.duress_records} records, {args.duress_mb} MB of "
          f"attachments) overwritten behind it by the detached process within "
          f"{statistics.median(behind):.1f} s of the command's start (median)")


def _wait_overwritten(files: Path, limit: float = 600) -> float:
    """When the detached process has emptied the real vault's attachments folder (its
    last step), as `time.perf_counter`."""
    deadline = time.perf_counter() + limit
    while any(files.iterdir()):
        if time.perf_counter() > deadline:
            raise SystemExit("the real vault was not overwritten in time")
        time.sleep(0.02)
    return time.perf_counter()


if __name__ == "__main__":
    raise SystemExit(main())
