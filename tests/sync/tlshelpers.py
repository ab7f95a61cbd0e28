"""Pieces for the TLS tests: certificates made here (not by the server's code), an impostor
TLS server that records what a client sends it after the handshake, a plain forward HTTP
proxy on 127.0.0.1, and the real CLI run under a Python audit hook that logs every
connection attempt."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import socket
import ssl
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import ROOT, Result, cli_env
from tests.sync.conftest import certificate_pin
from tests.sync.helpers import FAST


def make_certificate(folder: Path, name: str = "cert") -> tuple[Path, Path, str]:
    """A self-signed P-256 certificate for 127.0.0.1 and localhost: (cert, key, pin)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test {name}")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}-key.pem"
    pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path.write_bytes(pem)
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path, certificate_pin(pem)


@dataclass
class Impostor:
    """A TLS server on 127.0.0.1:``port`` with another certificate (a man in the middle).
    ``received`` is every byte a client sent after a completed handshake."""

    port: int
    cert: Path
    key: Path
    handshakes: int = 0
    received: bytearray = field(default_factory=bytearray)

    def __post_init__(self) -> None:
        self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._context.load_cert_chain(self.cert, self.key)
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", self.port))
        self._sock.listen()
        self._stop = threading.Event()
        self._talkers: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _addr = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            talker = threading.Thread(target=self._talk, args=(conn,), daemon=True)
            self._talkers.append(talker)
            talker.start()

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            with self._context.wrap_socket(conn, server_side=True) as tls:
                self.handshakes += 1
                while chunk := tls.recv(65536):
                    self.received += chunk
        except (OSError, ssl.SSLError):
            pass

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._sock.close()
        for talker in self._talkers:
            talker.join(timeout=10)


class ForwardProxy:
    """A plain HTTP forward proxy on 127.0.0.1 that sends every request, whatever host it
    names, to ``target`` (the real server on loopback). ``hosts`` lists the hosts asked for."""

    def __init__(self, target: str) -> None:
        self.target = target.rstrip("/")
        self.hosts: list[str] = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                asked = urlsplit(self.path)
                outer.hosts.append(asked.netloc)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "connection", "proxy-connection",
                                                "content-length", "transfer-encoding")}
                path = asked.path + (f"?{asked.query}" if asked.query else "")
                answer = outer.client.request(self.command, outer.target + path,
                                              content=body, headers=headers)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in ("content-length", "transfer-encoding",
                                           "connection", "content-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            do_GET = do_POST = do_PUT = do_PATCH = do_HEAD = do_OPTIONS = _forward  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.client = httpx.Client(timeout=30)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.client.close()


AUDITED = """
import json, runpy, sys
log = open(sys.argv[1], "a")
def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo", "socket.gethostbyname"):
        log.write(json.dumps([event, repr(args[1:])]) + "\\n")
        log.flush()
sys.addaudithook(hook)
sys.argv = ["fieldapp", *sys.argv[2:]]
runpy.run_module("fieldapp.cli", run_name="__main__", alter_sys=True)
"""


def run_audited(profile: Path, log: Path, *args: str) -> tuple[Result, list[list[str]]]:
    """The real ``fieldapp`` command in its own process, every connection attempt (and
    name lookup) written to ``log`` by an audit hook; returns the result and the attempts
    this run made."""
    script = log.with_suffix(".py")
    script.write_text(AUDITED)
    before = log.read_text().splitlines() if log.exists() else []
    proc = subprocess.run([sys.executable, str(script), str(log), *args],
                          capture_output=True, env=cli_env(profile, **FAST), timeout=120,
                          cwd=ROOT)
    after = log.read_text().splitlines() if log.exists() else []
    result = Result(proc.returncode, proc.stdout.decode("utf-8", "replace"),
                    proc.stderr.decode("utf-8", "replace"))
    return result, [json.loads(line) for line in after[len(before):]]
