"""A TCP relay on 127.0.0.1 in front of a real server, whose link can stall.

While ``stalling`` is set, whatever a client sends is held (the request hangs, as on a
satellite link that froze) and ``held`` is set, so a test knows a request is in flight
without sleeping; ``release()`` lets everything through again."""

from __future__ import annotations

import socket
import threading

HOLD_LIMIT_SECONDS = 60.0   # a forgotten release never hangs a test run for ever


class StallProxy:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.stalling = threading.Event()
        self.held = threading.Event()
        self._released = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._sock.getsockname()[1])
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stall(self) -> None:
        self._released.clear()
        self.held.clear()
        self.stalling.set()

    def release(self) -> None:
        self.stalling.clear()
        self._released.set()

    def close(self) -> None:
        self.release()
        try:
            self._sock.close()
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                client, _address = self._sock.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            for src, dst, up in ((client, server, True), (server, client, False)):
                threading.Thread(target=self._pump, args=(src, dst, up), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, up: bool) -> None:
        try:
            while data := src.recv(65536):
                if up and self.stalling.is_set():
                    self.held.set()
                    self._released.wait(HOLD_LIMIT_SECONDS)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            src.close()
