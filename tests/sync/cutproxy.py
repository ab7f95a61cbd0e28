"""A small TCP proxy on 127.0.0.1 that cuts connections at chosen byte counts.

``CutProxy(target_port, cut=...)``: ``cut`` is called with the connection number and
returns how many bytes (both directions together) that connection may carry before it is
cut, or None for never. ``every`` cuts each time the total of client→server bytes crosses a
multiple of it (the "cut every 1 MB" case). ``hold_after`` freezes a connection, without
cutting it, once it has carried that many server→client bytes (a link that stalls in the
middle of a download): ``holding`` is set then, and ``release()`` lets the rest through.
Counters say what went through.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable

HOLD_LIMIT_SECONDS = 60.0   # a forgotten release never hangs a test run for ever


class CutProxy:
    def __init__(self, target_port: int, *, cut: Callable[[int], int | None] | None = None,
                 every: int | None = None, delay: float = 0.0,
                 hold_after: int | None = None) -> None:
        self.target_port = target_port
        self.cut = cut
        self.every = every
        self.delay = delay
        self.upstream = 0
        self.downstream = 0
        self.cuts = 0
        self.connections = 0
        self.enabled = True
        self.hold_after = hold_after
        self.holding = threading.Event()
        self.closed = 0
        self._released = threading.Event()
        self._next_cut = every
        self._lock = threading.Lock()
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(64)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def release(self) -> None:
        """Let a held connection go on."""
        self._released.set()

    def close(self) -> None:
        self.release()
        self._stop.set()
        try:
            self._sock.close()
        except OSError:
            pass

    def __enter__(self) -> CutProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._sock.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                number = self.connections
            limit = self.cut(number) if (self.cut and self.enabled) else None
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            state = {"carried": 0, "down": 0, "limit": limit, "closed": False}
            for src, dst, up in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(src, dst, up, state, client, server),
                                 daemon=True).start()

    def _kill(self, state: dict, client: socket.socket, server: socket.socket) -> None:
        with self._lock:
            if state["closed"]:
                return
            state["closed"] = True
            self.closed += 1
        for s in (client, server):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def _pump(self, src: socket.socket, dst: socket.socket, up: bool, state: dict,
              client: socket.socket, server: socket.socket) -> None:
        while True:
            try:
                data = src.recv(16384)
            except OSError:
                data = b""
            if not data:
                self._kill(state, client, server)
                return
            cut_now = False
            with self._lock:
                if self.enabled and state["limit"] is not None:
                    room = state["limit"] - state["carried"]
                    if len(data) >= room:
                        data, cut_now = data[:max(room, 0)], True
                if up and self.enabled and self.every is not None and self._next_cut:
                    room = self._next_cut - self.upstream
                    if len(data) >= room:
                        data, cut_now = data[:max(room, 0)], True
                        self._next_cut += self.every
                state["carried"] += len(data)
                if up:
                    self.upstream += len(data)
                else:
                    self.downstream += len(data)
                    state["down"] += len(data)
                if cut_now:
                    self.cuts += 1
                hold = (not up and self.hold_after is not None
                        and state["down"] > self.hold_after)
            if hold and not self._released.is_set():
                self.holding.set()
                self._released.wait(HOLD_LIMIT_SECONDS)
            try:
                if data:
                    dst.sendall(data)
            except OSError:
                self._kill(state, client, server)
                return
            if cut_now:
                self._kill(state, client, server)
                return
