"""TLS between devices and the server, against real `fieldapp server` processes on
127.0.0.1: the self-signed certificate made on first start and its pin, a whole project
over HTTPS with the pin, a wrong pin (an impostor that receives nothing), and the rule for
plain http:// (loopback only unless --insecure-http), checked before any connection."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import ssl
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

from fieldapp.crypto.keys import ProjectKeys
from fieldapp.jsonutil import canonical
from fieldapp.membership import membership
from fieldapp.profile import Profile
from sync import devices, enroll
from sync.errors import (
    BadServerUrl,
    PlainHttpRefused,
    TLSPinMismatch,
    TLSPinNeedsHttps,
)
from sync.tls import is_loopback_host, normalise_pin
from sync.transport import Settings, check_server_url, pinned_context
from tests.conftest import PASSPHRASE
from tests.sync.conftest import HTTPS_ANY, ServerProcess, start_server
from tests.sync.helpers import Person, fast_settings, fingerprint
from tests.sync.tlshelpers import ForwardProxy, Impostor, make_certificate, run_audited

PIN = "ab" * 32


def _one_line(result, code: int, text: str) -> None:
    assert result.code == code, (result.code, result.out, result.err)
    assert text in result.err, result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1


def _grouped(pin: str) -> str:
    """As people copy a pin: upper case, colon-separated bytes."""
    return ":".join(pin[i:i + 2] for i in range(0, 64, 2)).upper()


def _coordinator(tmp_path: Path, server: ServerProcess, *extra: str) -> Person:
    coord = Person(tmp_path, "coord", "Coord-1")
    coord.ok("project", "create", "--server", server.url, "--name", "Mopti",
             f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519", *extra)
    return coord


def _resign(profile: Path, invite_file: Path, **changes: object) -> Path:
    """The invite with ``changes``, signed again with the project key (as a coordinator
    whose own server address is wrong would write it)."""
    vault = Profile(profile).unlock(PASSPHRASE)
    try:
        invite = json.loads(invite_file.read_text())
        invite.update(changes)
        invite.pop("signature")
        keys = enroll.project_keys(vault.conn, invite["project_id"])
        assert isinstance(keys, ProjectKeys)
        invite["signature"] = base64.b64encode(keys.sign(canonical(invite))).decode()
    finally:
        vault.close()
    out = invite_file.with_name("changed-" + invite_file.name)
    out.write_text(json.dumps(invite))
    return out


# --- the rule for server addresses, with no network ------------------------------------
@pytest.mark.parametrize("url, pin, insecure, outcome", [
    ("https://192.0.2.1:8765", None, False, False),
    ("https://192.0.2.1:8765", PIN, False, False),
    ("https://fieldapp.example", _grouped(PIN), False, False),
    ("http://127.0.0.1:8765", None, False, False),
    ("http://127.200.3.4", None, False, False),
    ("http://[::1]:8765", None, False, False),
    ("http://localhost:8765", None, False, False),
    ("http://LOCALHOST.:8765", None, False, False),
    ("http://[::ffff:127.0.0.1]:8765", None, False, False),
    ("http://192.0.2.1:8765", None, False, PlainHttpRefused),
    ("http://10.0.0.2", None, False, PlainHttpRefused),
    ("http://0.0.0.0:8765", None, False, PlainHttpRefused),
    ("http://localhost.example.org", None, False, PlainHttpRefused),
    ("http://127.0.0.1.example.org", None, False, PlainHttpRefused),
    ("http://[2001:db8::1]:8765", None, False, PlainHttpRefused),
    ("http://192.0.2.1:8765", None, True, True),  # allowed, and the caller warns
    ("http://[2001:db8::1]", None, True, True),
    ("http://127.0.0.1:8765", PIN, False, TLSPinNeedsHttps),
    ("http://192.0.2.1:8765", PIN, True, TLSPinNeedsHttps),
    ("ftp://192.0.2.1", None, False, BadServerUrl),
    ("192.0.2.1:8765", None, False, BadServerUrl),
    ("https://", None, False, BadServerUrl),
    ("", None, False, BadServerUrl),
])
def test_server_url_rule(url: str, pin: str | None, insecure: bool, outcome) -> None:
    if isinstance(outcome, bool):
        assert check_server_url(url, pin, insecure) is outcome
    else:
        with pytest.raises(outcome) as info:
            check_server_url(url, pin, insecure)
        assert info.value.exit_code == 2


def test_pins_are_read_as_people_write_them_and_loopback_is_judged_as_written() -> None:
    assert normalise_pin(_grouped(PIN)) == PIN
    assert normalise_pin(f"  {PIN.upper()} ") == PIN
    for bad in ("", "ab" * 31, "zz" * 32, PIN + "00", None, 42):
        with pytest.raises(Exception) as info:
            normalise_pin(bad)  # type: ignore[arg-type]
        assert type(info.value).__name__ == "InvalidInput"
    assert all(map(is_loopback_host, ["127.0.0.1", "127.255.0.9", "::1", "[::1]",
                                      "localhost", "Localhost."]))
    assert not any(map(is_loopback_host, ["0.0.0.0", "::", "192.0.2.1", "fe80::1",
                                          "localhost.evil", "127.0.0.1.nip.io", ""]))


def test_pin_is_checked_inside_tls_inside_tls_too(tmp_path: Path) -> None:
    """Through an https:// proxy, TLS runs on an SSLObject (memory BIOs), not a socket:
    the pin is checked there as well. Handshake in memory, no network."""
    cert, key, pin = make_certificate(tmp_path)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)

    def handshake(client_pin: str) -> None:
        c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
        client = pinned_context(client_pin).wrap_bio(c_in, c_out, server_hostname="x")
        server = server_context.wrap_bio(s_in, s_out, server_side=True)
        for _round in range(10):
            try:
                client.do_handshake()  # the pin is checked when it completes
                return
            except ssl.SSLWantReadError:
                s_in.write(c_out.read())
            try:
                server.do_handshake()
            except ssl.SSLWantReadError:
                pass
            c_in.write(s_out.read())
        raise AssertionError("no handshake")

    handshake(_grouped(pin))
    with pytest.raises(TLSPinMismatch):
        handshake(PIN)


# --- the server's certificate -----------------------------------------------------------
def test_server_makes_its_certificate_once_and_keeps_its_key(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", tls=True)
    try:
        data = tmp_path / "data"
        for name in ("tls-key.pem", "tls-cert.pem"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600
        pin = server.tls_pin
        log = server.log.read_text()
        assert f"TLS pin (SHA-256 of the certificate's public key): {pin}" in log
        assert "New self-signed TLS certificate" in log
        assert f"listening on https://127.0.0.1:{server.port}" in log
        # the pin is what OpenSSL computes for the public key (the usual recipe)
        if shutil.which("openssl"):
            pubkey = subprocess.run(["openssl", "x509", "-in", str(data / "tls-cert.pem"),
                                     "-pubkey", "-noout"], capture_output=True, check=True)
            der = subprocess.run(["openssl", "pkey", "-pubin", "-outform", "der"],
                                 input=pubkey.stdout, capture_output=True, check=True)
            assert hashlib.sha256(der.stdout).hexdigest() == pin
        assert HTTPS_ANY.get(server.url + "/v1/server").json()["tls_pin"] == pin
        cert = x509.load_pem_x509_certificate((data / "tls-cert.pem").read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert {str(n.value) for n in names} == {"127.0.0.1", "localhost"}
        first = (data / "tls-cert.pem").read_bytes()

        server.restart()  # reused as it is
        assert (data / "tls-cert.pem").read_bytes() == first
        assert server.log.read_text().count("New self-signed TLS certificate") == 1
        server.stop()
        # other names: a new certificate for the same key, so the same pin
        server = start_server(data, extra=("--tls-name", "fieldapp.example", "--tls-name",
                                           "10.0.0.5"), port=server.port, tls=True)
        assert (data / "tls-cert.pem").read_bytes() != first and server.tls_pin == pin
        cert = x509.load_pem_x509_certificate((data / "tls-cert.pem").read_bytes())
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        assert {str(n.value) for n in names} == {"fieldapp.example", "10.0.0.5"}
    finally:
        server.stop()


def test_server_tls_options_fail_in_one_line(tmp_path: Path) -> None:
    from tests.sync.test_server_cli import run_server

    cert, _key, _pin = make_certificate(tmp_path, "a")
    _cert_b, key_b, _pin_b = make_certificate(tmp_path, "b")
    data = str(tmp_path / "d")
    cases = [
        (("--tls-cert", str(cert)), 2, "--tls-cert and --tls-key go together"),
        (("--tls-cert", str(cert), "--tls-key", str(key_b)), 1,
         "cannot use its TLS certificate"),
        (("--tls-cert", str(tmp_path / "missing.pem"), "--tls-key", str(key_b)), 1,
         "cannot use its TLS certificate"),
        (("--no-tls", "--host", "0.0.0.0"), 2, "loopback address only"),
        (("--insecure-http",), 2, "only makes sense with --no-tls"),
        (("--tls-name", "not a name!"), 2, "not a host name or IP address"),
        (("--no-tls", "--tls-name", "localhost"), 2, "cannot be combined"),
    ]
    for args, code, text in cases:
        done = run_server("--data", data, "--port", "1", *args)
        assert done.returncode == code, (args, done.stderr)
        assert text in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert "Traceback" not in done.stderr + done.stdout


def test_server_option_rules_without_starting_one() -> None:
    """What the command line above cannot show without binding beyond loopback."""
    from argparse import Namespace

    from fieldapp.cli.context import UsageError
    from sync.server.cli import _check_tls_options
    from sync.server.tls import default_names

    def options(**given: object) -> Namespace:
        base = {"tls_cert": None, "tls_key": None, "tls_name": None, "no_tls": False,
                "insecure_http": False, "host": "127.0.0.1"}
        return Namespace(**{**base, **given})

    _check_tls_options(options(host="192.0.2.1", no_tls=True, insecure_http=True))  # a lab
    _check_tls_options(options(host="::1", no_tls=True))
    _check_tls_options(options(host="0.0.0.0"))  # HTTPS on every interface
    with pytest.raises(UsageError):
        _check_tls_options(options(host="192.0.2.1", no_tls=True))
    assert default_names("0.0.0.0") == ["localhost", "127.0.0.1"]
    assert default_names("::") == ["localhost", "127.0.0.1"]
    assert default_names("192.0.2.7") == ["192.0.2.7", "localhost"]
    assert default_names("Sync.Example.org") == ["sync.example.org", "localhost"]


# --- a project over HTTPS --------------------------------------------------------------
def test_project_invite_join_sync_over_https_with_the_pin(tls_server, tmp_path: Path) -> None:
    pin = tls_server.tls_pin
    coord = _coordinator(tmp_path, tls_server, "--tls-pin", _grouped(pin))
    invite = tmp_path / "monitor.invite"
    coord.ok("invite", "--role", "monitor", "--out", str(invite))
    written = json.loads(invite.read_text())
    assert written["tls_pin"] == pin and written["server_url"] == tls_server.url
    monitor = Person(tmp_path, "monitor", "Sahel-7")
    monitor.join(invite, coord)
    rid = monitor.add("incident", {"title": "Pillage à Boni", "occurred_on": "2024-03-02",
                                   "event_type": "looting"}, tmp_path)
    sent = monitor.ok("sync", "--json").json()
    assert sent["sent"] >= 1 and sent["complete"]
    assert "plain http" not in monitor.ok("sync").err.lower()
    received = coord.ok("sync", "--json").json()
    assert received["received"] >= 1
    assert coord.ok("show", rid).out.count("Pillage à Boni") == 1
    devices = coord.ok("devices", "--json").json()
    assert sorted(d["pseudonym"] for d in devices) == ["Coord-1", "Sahel-7"]
    for person in (coord, monitor):
        vault = Profile(person.path).unlock(PASSPHRASE)
        assert membership(vault.conn).tls_pin == pin
        vault.close()


def test_self_signed_server_without_pin_is_not_trusted(tls_server, tmp_path: Path) -> None:
    coord = Person(tmp_path, "coord", "Coord-1")
    _one_line(coord.run("project", "create", "--server", tls_server.url, "--name", "P",
                        f"--bootstrap-token={tls_server.bootstrap_token}"),
              1, "not trusted by this computer")
    assert HTTPS_ANY.get(tls_server.url + "/v1/server").json()["registered"] is False


def test_wrong_pin_is_one_line_and_the_impostor_receives_nothing(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", tls=True)
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        _one_line(coord.run("project", "create", "--server", server.url, "--name", "P",
                            f"--bootstrap-token={server.bootstrap_token}", "--tls-pin", PIN),
                  1, "does not match its pin")
        # nothing reached the server: the bootstrap token is unspent
        assert HTTPS_ANY.get(server.url + "/v1/server").json()["registered"] is False
        coord.ok("project", "create", "--server", server.url, "--name", "P",
                 f"--bootstrap-token={server.bootstrap_token}", "--tls-pin", server.tls_pin,
                 "--suite", "X25519")
        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        server.stop()

        cert, key, impostor_pin = make_certificate(tmp_path, "impostor")
        assert impostor_pin != server.tls_pin
        impostor = Impostor(server.port, cert, key)
        try:
            monitor = Person(tmp_path, "monitor", "Sahel-7")
            _one_line(monitor.run("join", str(invite)), 1, "does not match its pin")
            _one_line(coord.run("sync"), 1, "does not match its pin")
            _one_line(coord.run("invite", "--role", "monitor", "--out",
                                str(tmp_path / "x.invite")), 1, "does not match its pin")
        finally:
            impostor.stop()
        assert impostor.handshakes >= 3
        assert bytes(impostor.received) == b""  # no request, no token, no invite token

        server.restart()
        monitor.ok("join", str(invite))  # the invite was never spent
        devices = coord.ok("devices", "--json").json()
        assert sorted(d["pseudonym"] for d in devices) == ["Coord-1", "Sahel-7"]
    finally:
        server.stop()


# --- plain http:// ---------------------------------------------------------------------
def test_plain_http_beyond_loopback_is_refused_before_any_connection(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")  # plain HTTP on 127.0.0.1 (allowed)
    log = tmp_path / "connections.log"
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        refused, attempts = run_audited(
            coord.path, log, "project", "create", "--server", "http://192.0.2.1:8765",
            "--name", "P", f"--bootstrap-token={server.bootstrap_token}")
        _one_line(refused, 2, "Refused: plain http:// to 192.0.2.1")
        assert attempts == []
        pinned, attempts = run_audited(
            coord.path, log, "project", "create", "--server", server.url, "--name", "P",
            f"--bootstrap-token={server.bootstrap_token}", "--tls-pin", PIN)
        _one_line(pinned, 2, "needs an https:// server address")
        assert attempts == []
        bad_pin, attempts = run_audited(
            coord.path, log, "project", "create", "--server", "https://127.0.0.1:1",
            "--name", "P", f"--bootstrap-token={server.bootstrap_token}", "--tls-pin", "abc")
        _one_line(bad_pin, 2, "tls-pin")
        assert attempts == []
        # the hook does see connections: the same command to the loopback server
        made, attempts = run_audited(
            coord.path, log, "project", "create", "--server", server.url, "--name", "P",
            f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519")
        assert made.code == 0, made.err
        assert any(event == "socket.connect" and str(server.port) in where
                   for event, where in attempts)

        invite = tmp_path / "monitor.invite"
        coord.ok("invite", "--role", "monitor", "--out", str(invite))
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        elsewhere = _resign(coord.path, invite, server_url="http://192.0.2.1:8765")
        result, attempts = run_audited(monitor.path, log, "join", str(elsewhere))
        _one_line(result, 2, "Refused: plain http:// to 192.0.2.1")
        assert attempts == []
        pinned = _resign(coord.path, invite, tls_pin=PIN)  # a pin, and plain http
        result, attempts = run_audited(monitor.path, log, "join", str(pinned))
        _one_line(result, 2, "needs an https:// server address")
        assert attempts == []

        monitor.ok("join", str(invite))
        vault = Profile(monitor.path).unlock(PASSPHRASE)
        vault.conn.execute("UPDATE membership SET server_url = 'http://192.0.2.1:8765'")
        vault.close()
        for command in (("sync",), ("bundle", "upload", str(invite))):
            result, attempts = run_audited(monitor.path, log, *command)
            _one_line(result, 2, "Refused: plain http:// to 192.0.2.1")
            assert attempts == []
    finally:
        server.stop()


def test_insecure_http_is_kept_for_a_lab_server_and_warned(tmp_path: Path) -> None:
    """A lab server at http://192.0.2.1:8765 (TEST-NET, never contacted): a forward proxy
    on 127.0.0.1 carries the requests to the real server on loopback, so the whole path
    runs with a non-loopback address while only 127.0.0.1 is touched."""
    server = start_server(tmp_path / "data")
    proxy = ForwardProxy(server.url)
    lab = "http://192.0.2.1:8765"
    try:
        coord = Person(tmp_path, "coord", "Coord-1")
        vault = Profile(coord.path).unlock(PASSPHRASE)
        try:
            with pytest.raises(PlainHttpRefused):
                enroll.create_project(vault, lab, "Labo", server.bootstrap_token,
                                      suite="X25519", settings=Settings(proxy=proxy.url))
            enroll.create_project(vault, lab, "Labo", server.bootstrap_token, suite="X25519",
                                  settings=Settings(proxy=proxy.url, insecure_http=True))
            assert membership(vault.conn).insecure_http is True
            invite = tmp_path / "monitor.invite"
            enroll.create_invite(vault, "monitor", invite,
                                 settings=fast_settings(proxy=proxy.url))
        finally:
            vault.close()
        assert json.loads(invite.read_text())["server_url"] == lab

        careful = Person(tmp_path, "careful", "Sahel-1")
        vault = Profile(careful.path).unlock(PASSPHRASE)
        try:
            with pytest.raises(PlainHttpRefused):
                enroll.join(vault, invite, settings=fast_settings(proxy=proxy.url))
        finally:
            vault.close()
        monitor = Person(tmp_path, "monitor", "Sahel-7")
        vault = Profile(monitor.path).unlock(PASSPHRASE)
        try:
            enroll.join(vault, invite, settings=fast_settings(proxy=proxy.url,
                                                              insecure_http=True))
            assert membership(vault.conn).insecure_http is True
            coord_vault = Profile(coord.path).unlock(PASSPHRASE)
            try:  # the coordinator approves it, through the same lab link
                devices.approve(coord_vault, membership(vault.conn).device_id,
                                fingerprint(vault),
                                settings=fast_settings(proxy=proxy.url, insecure_http=True))
            finally:
                coord_vault.close()
        finally:
            vault.close()

        monitor.add("incident", {"title": "Essai labo", "occurred_on": "2024-03-02",
                                 "event_type": "looting"}, tmp_path)
        synced = monitor.ok("sync", "--proxy", proxy.url, "--json")  # the stored flag
        assert synced.err.strip().splitlines() == [
            f"Warning: plain http:// to {lab}: anyone on the network can read and change "
            "this traffic (--insecure-http is for lab networks only)."]
        assert synced.json()["sent"] >= 1
        got = coord.ok("sync", "--proxy", proxy.url, "--json")
        assert got.json()["received"] >= 1 and "Warning: plain http://" in got.err
        assert proxy.hosts and set(proxy.hosts) == {"192.0.2.1:8765"}

        # a membership without the flag: refused, unless --insecure-http for this run
        vault = Profile(monitor.path).unlock(PASSPHRASE)
        vault.conn.execute("UPDATE membership SET insecure_http = 0")
        vault.close()
        _one_line(monitor.run("sync", "--proxy", proxy.url), 2, "Refused: plain http://")
        once = monitor.ok("sync", "--proxy", proxy.url, "--insecure-http")
        assert len(once.err.strip().splitlines()) == 1
    finally:
        proxy.stop()
        server.stop()
