"""The client's transport: TLS certificate pin (checked before anything is sent), retries
with backoff on 5xx/429, typed refusals, and a SOCKS5 proxy (as Tor would be)."""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import json
import socket
import ssl
import struct
import threading
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from sync.client import SyncClient
from sync.errors import (
    DeviceRevoked,
    ServerRefused,
    ServerUnreachable,
    SyncCancelled,
    TLSPinMismatch,
    TLSUntrusted,
)
from sync.transport import Settings, Transport, backoff_delay
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, incidents, make_project


class _Handler(http.server.BaseHTTPRequestHandler):
    script: list[tuple[int, dict, dict]] = []
    seen: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.seen.append(self.path)
        status, headers, body = self.script.pop(0) if self.script else (200, {}, {"ok": 1})
        data = json.dumps(body).encode()
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def fake_server():
    _Handler.script, _Handler.seen = [], []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()


def _self_signed(tmp_path: Path) -> tuple[Path, Path, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fieldapp-test")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    # the pin is of the public key (SubjectPublicKeyInfo), not of the whole certificate
    spki = key.public_key().public_bytes(serialization.Encoding.DER,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)
    return cert_path, key_path, hashlib.sha256(spki).hexdigest()


def test_tls_pin_trusts_exactly_the_pinned_certificate(fake_server, tmp_path: Path) -> None:
    cert, key, pin = _self_signed(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    fake_server.socket = context.wrap_socket(fake_server.socket, server_side=True)
    url = f"https://127.0.0.1:{fake_server.server_address[1]}"
    pinned = ":".join(pin[i:i + 2] for i in range(0, 64, 2)).upper()  # as people write it
    with Transport(url, "secret-token", Settings(tls_pin=pinned)) as transport:
        assert transport.request("GET", "/v1/health").json() == {"ok": 1}
    certificate_hash = hashlib.sha256(ssl.PEM_cert_to_DER_cert(cert.read_text())).hexdigest()
    for wrong in ("00" * 32, certificate_hash):  # a hash of the whole certificate is not it
        with Transport(url, "secret-token", Settings(tls_pin=wrong)) as transport:
            with pytest.raises(TLSPinMismatch):
                transport.request("GET", "/v1/secret-path")
    assert "/v1/secret-path" not in _Handler.seen  # nothing was sent to the wrong server
    retried: list[int] = []
    with Transport(url, "t", Settings(attempts=3, backoff=0.01)) as transport:
        with pytest.raises(TLSUntrusted):  # no pin: no authority vouches for it
            transport.request("GET", "/v1/health",
                              on_attempt_failed=lambda n, _r: retried.append(n))
    assert retried == []  # asking again would not help
    assert _Handler.seen == ["/v1/health"]  # only the pinned request was served


def test_retries_on_5xx_and_429_then_typed_refusals(fake_server) -> None:
    url = f"http://127.0.0.1:{fake_server.server_address[1]}"
    _Handler.script = [(503, {}, {}), (429, {"Retry-After": "0"}, {}), (200, {}, {"ok": 2})]
    with Transport(url, "t", Settings(backoff=0.01)) as transport:
        assert transport.request("GET", "/a").json() == {"ok": 2}
    assert len(_Handler.seen) == 3
    _Handler.script = [(401, {}, {"code": "revoked", "message": "x"})]
    with Transport(url, "t", Settings(backoff=0.01)) as transport, \
            pytest.raises(DeviceRevoked):
        transport.request("GET", "/b")
    _Handler.script = [(404, {}, {"code": "not_found", "message": "x"})]
    with Transport(url, "t", Settings(backoff=0.01)) as transport, \
            pytest.raises(ServerRefused) as info:
        transport.request("GET", "/c")
    assert info.value.params == {"status": 404, "code": "not_found"}
    _Handler.script = [(500, {}, {})] * 3
    failures: list[int] = []
    with Transport(url, "t", Settings(backoff=0.01, attempts=3)) as transport, \
            pytest.raises(ServerUnreachable):
        transport.request("GET", "/d", on_attempt_failed=lambda n, r: failures.append(n))
    assert failures == [0, 1, 2]


def test_backoff_grows_with_jitter_and_a_ceiling() -> None:
    delays = [backoff_delay(n, 0.5, 30.0) for n in range(10)]
    assert 0.25 <= delays[0] <= 0.5 and 2.0 <= delays[3] <= 4.0
    assert max(delays) <= 30.0
    assert len({round(backoff_delay(2, 1.0, 30.0), 6) for _ in range(20)}) > 1


class _Socks5:
    """A minimal SOCKS5 server (no auth, CONNECT to 127.0.0.1 only), as Tor's would be."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(client,), daemon=True).start()

    def _one(self, client: socket.socket) -> None:
        try:
            greeting = client.recv(2)  # version, number of auth methods
            client.recv(greeting[1])
            client.sendall(b"\x05\x00")  # no authentication
            head = client.recv(4)
            if head[3] == 1:
                host = socket.inet_ntoa(client.recv(4))
            elif head[3] == 3:
                host = client.recv(client.recv(1)[0]).decode()
            else:
                return
            (port,) = struct.unpack(">H", client.recv(2))
            if host not in ("127.0.0.1", "localhost"):
                return
            upstream = socket.create_connection((host, port))
            self.connections += 1
            client.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1")
                           + struct.pack(">H", port))
        except OSError:
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def close(self) -> None:
        self.sock.close()


def test_sync_through_a_socks5_proxy(tmp_path: Path) -> None:
    server = start_server(tmp_path / "server-data")
    socks = _Socks5()
    try:
        coord, (mon,) = make_project(server, tmp_path)
        ids = incidents(mon, 3)
        settings = fast_settings(proxy=f"socks5://127.0.0.1:{socks.port}")
        assert SyncClient(mon, settings=settings).sync().complete
        assert socks.connections >= 1
        assert SyncClient(coord, settings=fast_settings()).sync().complete
        assert sorted(r[0] for r in coord.conn.execute("SELECT id FROM record")) == sorted(ids)
    finally:
        socks.close()
        server.stop()


def test_cancel_is_heard_while_a_request_hangs_on_a_stalled_link() -> None:
    """A server that accepts and then never answers (a frozen satellite link): Cancel ends
    the request within a fraction of a second, not after the 60 s read timeout."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = threading.Event()
    held: list[socket.socket] = []

    def accept() -> None:
        conn, _ = listener.accept()
        held.append(conn)
        accepted.set()

    threading.Thread(target=accept, daemon=True).start()
    settings = Settings(attempts=1, timeout=60.0)
    transport = Transport(f"http://127.0.0.1:{listener.getsockname()[1]}", settings=settings)
    outcome: list[BaseException] = []
    ended = threading.Event()

    def call() -> None:
        try:
            transport.request("GET", "/v1/health")
        except BaseException as exc:  # noqa: BLE001 - the test looks at it
            outcome.append(exc)
        ended.set()

    try:
        threading.Thread(target=call, daemon=True).start()
        assert accepted.wait(10)
        assert not ended.wait(0.3)  # really hanging on the link
        cancelled_at = time.monotonic()
        settings.cancel.set()
        assert ended.wait(5)
        assert time.monotonic() - cancelled_at < 1.0
        assert [type(e) for e in outcome] == [SyncCancelled]
    finally:
        transport.close()
        for conn in held:
            conn.close()
        listener.close()
