"""Sync benchmark, client side (issue 3): pull rate and slow-link efficiency.

* pull: a coordinator pulls 10,000 records (incidents, hybrid suite) from a real
  `fieldapp server` process, including signature checks, decryption and the local
  commits; prints records/s. Target ≥ 1,000/s.
* slow link: a monitor syncs 1,000 records through a proxy simulating 256 kbit/s each way
  and 600 ms round trip; prints the sync time divided by the link's raw transfer time for
  the same bytes (bytes up and down ÷ 32,000 B/s). Target ≤ 1.15.

    .venv/bin/python benchmarks/sync_client.py [--records 10000] [--slow-records 1000]
"""

from __future__ import annotations

import argparse
import heapq
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._data import incidents  # noqa: E402
from sync.client import SyncClient  # noqa: E402
from tests.sync.conftest import start_server  # noqa: E402
from tests.sync.helpers import fast_settings, make_project, point_to  # noqa: E402

SUITE = "MLKEM768_X25519"


def _project(root: Path, records: int):
    server = start_server(root / "server-data")
    coord, (mon,) = make_project(server, root, suite=SUITE)
    for start in range(0, records, 1000):
        mon.records.add_many("incident", list(incidents(min(1000, records - start),
                                                        seed=start)))
    return server, coord, mon


def pull_rate(records: int = 10_000) -> dict[str, float]:
    """Records/s for a coordinator pulling ``records`` records (open + apply + commit)."""
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-pull-"))
    server, coord, mon = _project(root, records)
    try:
        t0 = time.perf_counter()
        pushed = SyncClient(mon, settings=fast_settings()).sync()
        push_seconds = time.perf_counter() - t0
        assert pushed.complete, pushed
        client = SyncClient(coord, settings=fast_settings())
        t0 = time.perf_counter()
        client.pull()
        seconds = time.perf_counter() - t0
        client.close()
        got = coord.conn.execute("SELECT count(*) FROM record").fetchone()[0]
        assert got == records, got
        return {"records": records, "seconds": seconds, "rate": records / seconds,
                "push_rate": records / push_seconds}
    finally:
        server.stop()
        for vault in (coord, mon):
            vault.close()
        shutil.rmtree(root, ignore_errors=True)


class SlowLink:
    """A TCP proxy with a bandwidth limit and a one-way delay in each direction."""

    def __init__(self, target_port: int, *, bytes_per_second: float, one_way: float) -> None:
        self.target_port = target_port
        self.rate = bytes_per_second
        self.delay = one_way
        self.carried = {"up": 0, "down": 0}
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self._busy_until = {"up": 0.0, "down": 0.0}
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self) -> None:
        self._sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            for src, dst, way in ((client, server, "up"), (server, client, "down")):
                queue: list[tuple[float, int, bytes]] = []
                cond = threading.Condition()
                threading.Thread(target=self._read, args=(src, way, queue, cond),
                                 daemon=True).start()
                threading.Thread(target=self._write, args=(dst, queue, cond),
                                 daemon=True).start()

    def _read(self, src: socket.socket, way: str, queue: list, cond: threading.Condition,
              ) -> None:
        n = 0
        while True:
            try:
                data = src.recv(4096)
            except OSError:
                data = b""
            now = time.monotonic()
            with self._lock:
                start = max(now, self._busy_until[way])
                done = start + len(data) / self.rate
                self._busy_until[way] = done
                self.carried[way] += len(data)
            with cond:
                heapq.heappush(queue, (done + self.delay, n, data))
                n += 1
                cond.notify()
            if not data:
                return

    def _write(self, dst: socket.socket, queue: list, cond: threading.Condition) -> None:
        while True:
            with cond:
                while not queue:
                    cond.wait()
                at, _n, data = queue[0]
                wait = at - time.monotonic()
                if wait > 0:
                    cond.wait(wait)
                    continue
                heapq.heappop(queue)
            if not data:
                try:
                    dst.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                dst.sendall(data)
            except OSError:
                return


def slow_link_ratio(records: int = 1000, kbit: int = 256, rtt: float = 0.6,
                    ) -> dict[str, float]:
    """Sync time of ``records`` records over a simulated link ÷ raw transfer time."""
    root = Path(tempfile.mkdtemp(prefix="fieldapp-bench-slow-"))
    server, coord, mon = _project(root, records)
    link = SlowLink(server.port, bytes_per_second=kbit * 1000 / 8, one_way=rtt / 2)
    try:
        point_to(mon, f"http://127.0.0.1:{link.port}")
        t0 = time.perf_counter()
        report = SyncClient(mon, settings=fast_settings(timeout=120.0)).sync()
        seconds = time.perf_counter() - t0
        assert report.complete, report
        raw = (link.carried["up"] + link.carried["down"]) / link.rate
        return {"records": records, "seconds": seconds, "raw_seconds": raw,
                "ratio": seconds / raw, "up": link.carried["up"],
                "down": link.carried["down"]}
    finally:
        link.close()
        server.stop()
        for vault in (coord, mon):
            vault.close()
        shutil.rmtree(root, ignore_errors=True)


def print_client_figures(records: int = 10_000, slow_records: int = 1000) -> None:
    """Run both client benchmarks and print one line each (also called by sync.py)."""
    r = pull_rate(records)
    print(f"pull: {r['records']} records in {r['seconds']:.1f} s = {r['rate']:.0f} records/s "
          f"incl. signature checks, decryption and commits (target ≥ 1000/s); push "
          f"{r['push_rate']:.0f} records/s")
    s = slow_link_ratio(slow_records)
    print(f"slow link 256 kbit/s, 600 ms RTT: {s['records']} records in {s['seconds']:.1f} s;"
          f" raw transfer of {int(s['up'] + s['down']):,} bytes {s['raw_seconds']:.1f} s;"
          f" ratio {s['ratio']:.2f} (target ≤ 1.15)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--slow-records", type=int, default=1000)
    args = parser.parse_args()
    print_client_figures(args.records, args.slow_records)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
