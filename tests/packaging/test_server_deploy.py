"""The server's deployment files (packaging/server/, docs/DEPLOY.md), checked as far as this
machine allows. Docker cannot run here (no daemon, no registry): the Dockerfile and the
compose file are checked for their structure, and the Dockerfile's install — the wheel
with only requirements.txt, no desktop packages — is reproduced outside Docker: the
server starts from such an installation, on PostgreSQL, and the image's health check
passes against it. The systemd units pass `systemd-analyze verify` and its offline
security review."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.packaging.test_wheel import Installed, installed  # noqa: F401 - a fixture
from tests.sync.conftest import PostgresCluster, free_port, postgres  # noqa: F401

SERVER = ROOT / "packaging" / "server"
DESKTOP_ONLY = {"pyside6", "pillow-heif", "imageio-ffmpeg", "sqlite-utils", "httpx", "rapidfuzz",
                "segno"}
BLOCKER = '''"""Test only: make the desktop-only packages impossible to import."""
import importlib.abc
import sys

BLOCKED = {"PySide6", "shiboken6", "pillow_heif", "imageio_ffmpeg", "sqlite_utils", "httpx"}


class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is not in the server image")
        return None


sys.meta_path.insert(0, _Block())
'''


def _name(requirement: str) -> str:
    return re.split(r"[<>=;\[ ]", requirement, maxsplit=1)[0].strip().lower()


def _requirements() -> list[str]:
    lines = (SERVER / "requirements.txt").read_text().splitlines()
    return [x.strip() for x in lines if x.strip() and not x.startswith("#")]


def test_server_requirements_are_the_projects_less_the_desktop() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    expected = [d for d in project["dependencies"] if _name(d) not in DESKTOP_ONLY]
    assert _requirements() == expected
    assert {_name(d) for d in project["dependencies"]} >= DESKTOP_ONLY


def _stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuations joined), split into stages."""
    text = re.sub(r"\\\n", " ", dockerfile)
    stages: list[list[str]] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            stages.append([])
        if stages:
            stages[-1].append(line)
    return stages


def test_dockerfile_is_multi_stage_non_root_with_a_healthcheck() -> None:
    stages = _stages((SERVER / "Dockerfile").read_text())
    assert len(stages) == 2 and stages[0][0].endswith(" AS build")
    final = stages[-1]
    users = [x.split()[1] for x in final if x.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert any(x.startswith("HEALTHCHECK ") and "healthcheck.py" in x for x in final)
    assert any(x.startswith("COPY --from=build /opt/fieldapp") for x in final)
    assert not any(x.startswith(("COPY . ", "ADD ")) for x in final)
    entry = next(x for x in final if x.startswith("ENTRYPOINT "))
    assert '"fieldapp", "server", "--data", "/var/lib/fieldapp"' in entry
    assert "requirements.txt" in " ".join(stages[0]) and "--no-deps" in " ".join(stages[0])
    # every file the build copies exists, and the build context lets it through
    ignore = (SERVER / "Dockerfile.dockerignore").read_text().splitlines()
    allowed = {x[1:] for x in ignore if x.startswith("!")}
    for copy in (x for x in stages[0] if x.startswith("COPY ")):
        for source in copy.split()[1:-1]:
            assert (ROOT / source).exists(), source
            assert source in allowed or source.rstrip("/") in allowed, source


def test_compose_file_has_postgresql_and_the_server() -> None:
    compose = yaml.safe_load((SERVER / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "server"}
    db, server = services["db"], services["server"]
    assert db["image"].startswith("postgres:") and "ports" not in db
    assert "pg_isready" in db["healthcheck"]["test"]
    assert server["depends_on"]["db"]["condition"] == "service_healthy"
    assert (SERVER / "compose.yaml").parent.joinpath(
        server["build"]["context"], server["build"]["dockerfile"]).resolve() == (
        SERVER / "Dockerfile").resolve()
    command = server["command"]
    database = command[command.index("--database") + 1]
    assert database.startswith("postgresql+psycopg://fieldapp@db:5432/")
    assert ":" not in database.split("//")[1].split("@")[0]  # no password in the command
    assert "PGPASSWORD" in server["environment"]
    assert "data:/var/lib/fieldapp" in server["volumes"]
    assert server["read_only"] is True and server["cap_drop"] == ["ALL"]
    assert set(compose["volumes"]) == {"db", "data"}
    example = (SERVER / "env.example").read_text()
    for variable in re.findall(r"\$\{(\w+)", (SERVER / "compose.yaml").read_text()):
        assert f"{variable}=" in example, variable


@pytest.fixture(scope="module")
def server_only(installed: Installed) -> Installed:  # noqa: F811
    """The wheel's venv with the desktop-only packages made impossible to import (as in
    the image, which does not install them)."""
    purelib = next((installed.venv / "lib").glob("python3*/site-packages"))
    (purelib / "fieldapp_test_block_desktop.py").write_text(BLOCKER)
    (purelib / "zzz_block_desktop.pth").write_text("import fieldapp_test_block_desktop\n")
    blocked = subprocess.run([str(installed.venv / "bin" / "python"), "-c", "import PySide6"],
                             capture_output=True, text=True, env=installed.env())
    assert blocked.returncode == 1 and "not in the server image" in blocked.stderr
    return installed


@pytest.mark.slow
@pytest.mark.postgres
def test_server_runs_without_desktop_packages_and_passes_the_healthcheck(
        server_only: Installed, postgres: PostgresCluster, tmp_path: Path) -> None:  # noqa: F811
    port = free_port()
    env = {**server_only.env(), "FIELDAPP_LANG": "en", "FIELDAPP_PORT": str(port)}
    check = [str(server_only.venv / "bin" / "python"), str(SERVER / "healthcheck.py")]
    assert subprocess.run(check, env=env, timeout=30).returncode == 1  # nothing there yet
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(server_only.venv / "bin" / "fieldapp"), "server", "--data", str(tmp_path / "data"),
         "--port", str(port), "--database", postgres.new_database()],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=server_only.home)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(check, env=env, timeout=30).returncode != 0:
            assert proc.poll() is None, (tmp_path / "server.log").read_text()
            assert time.monotonic() < deadline, "the server did not become healthy"
            time.sleep(0.3)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    said = (tmp_path / "server.log").read_text()
    assert "TLS pin" in said and "Bootstrap token" in said and "Traceback" not in said


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_units_verify_and_are_hardened(tmp_path: Path) -> None:
    """`systemd-analyze verify` (unknown keys, bad values, a missing program all fail) on
    the units, with their programs pointed at real files, then the offline security
    review: the server's exposure must stay "OK" (below 2.0 on systemd's 0-10 scale)."""
    program = Path(sys.executable)
    units = []
    for source in sorted(SERVER.glob("fieldapp-*")):
        text = source.read_text().replace("/opt/fieldapp/bin/fieldapp", str(program))
        text = text.replace("/opt/fieldapp/share/backup.sh", str(SERVER / "backup.sh"))
        name = source.name.replace("@.service", "@8765.service")
        (tmp_path / name).write_text(text)
        units.append(name)
    assert units == ["fieldapp-backup.service", "fieldapp-backup.timer",
                     "fieldapp-server@8765.service"]
    done = subprocess.run(["systemd-analyze", "verify", *units], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr
    server = (tmp_path / "fieldapp-server@8765.service").read_text()
    for setting in ("DynamicUser=yes", "ProtectSystem=strict", "NoNewPrivileges=yes",
                    "CapabilityBoundingSet=\n", "PrivateTmp=yes", "ProtectHome=yes",
                    "SystemCallFilter=@system-service"):
        assert setting in server, setting
    review = subprocess.run(["systemd-analyze", "security", "--offline=yes",
                             "fieldapp-server@8765.service"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60)
    level = re.search(r"Overall exposure level for \S+: ([0-9.]+)", review.stdout)
    assert level is not None, review.stdout[-500:] + review.stderr
    assert float(level.group(1)) < 2.0, review.stdout
