"""Server fixtures: a REAL `fieldapp server` process on 127.0.0.1, on SQLite or on a
throwaway PostgreSQL cluster started from Debian's packages.

`server` is parametrised over both databases and serves plain HTTP on loopback
(`--no-tls`); `tls_server` serves HTTPS with the self-signed certificate it makes on first
start (its pin read from the certificate file, not from the server's word).
`start_server()` starts more processes (restart after SIGKILL, special options). A
`Device` is a test device with real keys.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 30.0
# One pooled client for the tests: HTTP.get() & co. build a client (and a TLS context)
# per call, which costs more than the request itself. HTTPS_ANY skips certificate checks:
# only for waiting until a TLS server on 127.0.0.1 answers.
HTTP = httpx.Client(timeout=30)
# Each of its connections is closed after the answer: a TLS server being stopped would
# otherwise wait for an idle client's close_notify (15 s and more).
HTTPS_ANY = httpx.Client(timeout=30, verify=False,  # noqa: S501 - loopback probe
                         headers={"Connection": "close"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- server processes ---------------------------------------------------------------------
@dataclass
class ServerProcess:
    """A running `fieldapp server`."""

    data_dir: Path
    port: int
    database_url: str | None
    proc: subprocess.Popen
    log: Path
    bootstrap_token: str | None = None
    extra: tuple[str, ...] = ()
    tls: bool = False

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    @property
    def tls_pin(self) -> str:
        """SHA-256 of the served certificate's public key, computed here from the PEM file
        with `cryptography` (independently of the server's own code)."""
        return certificate_pin((self.data_dir / "tls-cert.pem").read_bytes())

    def kill(self) -> None:
        """SIGKILL, as a power cut or OOM would."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def restart(self) -> ServerProcess:
        """A new process on the same data folder, database and port. This object takes it
        over (and returns itself), so the fixture that started the server stops it too."""
        self.stop()
        fresh = start_server(self.data_dir, self.database_url, self.extra, port=self.port,
                             tls=self.tls)
        self.proc, self.log, self.bootstrap_token = fresh.proc, fresh.log, fresh.bootstrap_token
        return self


def certificate_pin(pem: bytes) -> str:
    """SHA-256 of a PEM certificate's SubjectPublicKeyInfo (hex)."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    spki = x509.load_pem_x509_certificate(pem).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


def start_server(data_dir: Path, database_url: str | None = None,
                 extra: tuple[str, ...] = (), *, port: int | None = None,
                 tls: bool = False) -> ServerProcess:
    """Start `python -m fieldapp.cli server` and wait (bounded) for /v1/health: plain HTTP
    on loopback (`--no-tls`) unless ``tls`` (HTTPS, self-signed unless ``extra`` gives
    --tls-cert/--tls-key)."""
    port = port or free_port()
    args = [sys.executable, "-m", "fieldapp.cli", "server", "--data", str(data_dir),
            "--port", str(port), *(() if tls else ("--no-tls",)), *extra]
    if database_url:
        args += ["--database", database_url]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(PYTHONPATH=str(ROOT), FIELDAPP_LANG="en")
    log = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    server = ServerProcess(data_dir, port, database_url, proc, log, extra=extra, tls=tls)
    probe = HTTPS_ANY if tls else HTTP
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            if probe.get(server.url + "/v1/health", timeout=1.0).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}")
        time.sleep(0.1)
    token_file = data_dir / "bootstrap-token"
    if token_file.exists():
        server.bootstrap_token = token_file.read_text().strip()
    return server


# --- PostgreSQL ---------------------------------------------------------------------------
@dataclass
class PostgresCluster:
    root: Path
    port: int
    bindir: Path
    as_postgres: bool
    counter: list[int] = field(default_factory=lambda: [0])

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def new_database(self) -> str:
        """A fresh empty database; its SQLAlchemy URL."""
        import psycopg

        self.counter[0] += 1
        name = f"fieldapp_{os.getpid()}_{self.counter[0]}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres",
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        self._run(str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m",
                  "immediate", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


def start_postgres() -> PostgresCluster | None:
    """Start a throwaway cluster (as the `postgres` user when root); None when PostgreSQL
    is not installed and cannot be. Stop it with `cluster.stop()`."""
    bindir = _pg_bindir()
    is_root = os.geteuid() == 0
    if bindir is None and is_root:
        subprocess.run(["apt-get", "install", "-y", "-q", "postgresql"], capture_output=True,
                       timeout=600, check=False)
        bindir = _pg_bindir()
    if bindir is None:
        return None
    root = Path(tempfile.mkdtemp(prefix="fieldapp-pg-"))
    os.chmod(root, 0o700)
    if is_root:
        shutil.chown(root, "postgres", "postgres")
    port = free_port()
    cluster = PostgresCluster(root, port, bindir, as_postgres=is_root)
    pgdata = root / "data"
    done = cluster._run(str(bindir / "initdb"), "-D", str(pgdata), "-U", "postgres",
                        "-A", "trust", "-E", "UTF8", "--no-sync")
    if done.returncode != 0:
        raise RuntimeError(f"initdb failed: {done.stderr[-1000:]}")
    options = (f"-c listen_addresses=127.0.0.1 -p {port} -k {root} -c fsync=on "
               "-c max_connections=200 -c shared_buffers=64MB")
    done = cluster._run(str(bindir / "pg_ctl"), "-D", str(pgdata), "-l",
                        str(root / "pg.log"), "-o", options, "-w", "-t", "60", "start")
    if done.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {done.stderr[-1000:]}")
    return cluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster on 127.0.0.1 (stopped at the end)."""
    try:
        cluster = start_postgres()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    if cluster is None:
        pytest.skip("PostgreSQL not installed (no initdb): run `make test` as root, or "
                    "`apt-get install postgresql`")
    try:
        yield cluster
    finally:
        cluster.stop()


# --- fixtures -------------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite in the data folder, or a fresh PostgreSQL database URL."""
    if request.param == "sqlite":
        return None
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.new_database()


@pytest.fixture
def server(tmp_path: Path, database_url: str | None) -> Iterator[ServerProcess]:
    """A fresh server process (empty data folder, unregistered) on SQLite and PostgreSQL."""
    proc = start_server(tmp_path / "server-data", database_url)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def tls_server(tmp_path: Path, database_url: str | None) -> Iterator[ServerProcess]:
    """The same over HTTPS, with the self-signed certificate made on its first start."""
    proc = start_server(tmp_path / "server-data", database_url, tls=True)
    try:
        yield proc
    finally:
        proc.stop()


# --- devices --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Device:
    """A test device: real Ed25519 and HPKE keys (same layout as fieldapp.crypto.keys)."""

    suite: str
    sign_private: bytes
    kem_private: bytes
    pseudonym: str

    @classmethod
    def generate(cls, suite: str = "MLKEM768_X25519", pseudonym: str = "Test-1") -> Device:
        kem = os.urandom(32)
        if suite == "MLKEM768_X25519":
            kem = os.urandom(64) + kem
        return cls(suite, os.urandom(32), kem, pseudonym)

    @property
    def sign_public(self) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import ed25519

        return ed25519.Ed25519PrivateKey.from_private_bytes(
            self.sign_private).public_key().public_bytes_raw()

    @property
    def kem_public(self) -> bytes:
        from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

        x = x25519.X25519PrivateKey.from_private_bytes(self.kem_private[-32:])
        xpub = x.public_key().public_bytes_raw()
        if self.suite == "X25519":
            return xpub
        m = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.kem_private[:64])
        return m.public_key().public_bytes_raw() + xpub

    @property
    def device_id(self) -> str:
        from sync.protocol import device_id_of

        return device_id_of(self.suite, self.sign_public, self.kem_public)

    def keys(self) -> dict[str, str]:
        from sync.protocol import b64

        return {"device_id": self.device_id, "suite": self.suite,
                "sign_public": b64(self.sign_public), "kem_public": b64(self.kem_public),
                "pseudonym": self.pseudonym}


@dataclass
class Enrolled:
    device: Device
    token: str
    role: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def register_project(server: ServerProcess, suite: str = "MLKEM768_X25519") -> Enrolled:
    """Register a project with the bootstrap token; the coordinator device."""
    from sync.protocol import b64

    coordinator = Device.generate(suite, "Coord-1")
    body = {"bootstrap_token": server.bootstrap_token, "project_id": str(uuid.uuid4()),
            "name": "Test project", "suite": suite, "project_sign_public": b64(os.urandom(32)),
            "device": coordinator.keys()}
    answer = HTTP.post(server.url + "/v1/projects", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return Enrolled(coordinator, answer.json()["token"], "coordinator")


def enroll(server: ServerProcess, coordinator: Enrolled, role: str,
           pseudonym: str = "Member") -> Enrolled:
    """Invite and join a new device with ``role``."""
    invite = HTTP.post(server.url + "/v1/invites", json={"role": role},
                        headers=coordinator.headers, timeout=30)
    assert invite.status_code == 201, invite.text
    device = Device.generate(coordinator.device.suite, pseudonym)
    joined = HTTP.post(server.url + "/v1/join", json={
        "invite_token": invite.json()["token"], "device": device.keys()}, timeout=30)
    assert joined.status_code == 201, joined.text
    return Enrolled(device, joined.json()["token"], role)


@dataclass
class Project:
    """A registered server with a coordinator, two monitors and a translator."""

    server: ServerProcess
    coordinator: Enrolled
    monitor: Enrolled
    monitor2: Enrolled
    translator: Enrolled


@pytest.fixture
def project(server: ServerProcess) -> Project:
    coordinator = register_project(server)
    return Project(server, coordinator, enroll(server, coordinator, "monitor", "Mon-1"),
                   enroll(server, coordinator, "monitor", "Mon-2"),
                   enroll(server, coordinator, "translator", "Trans-1"))
