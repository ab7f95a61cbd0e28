"""``fieldapp server``: run the central sync server on uvicorn, over HTTPS.

HTTPS with ``--tls-cert/--tls-key``, or else with a self-signed certificate made in the
data folder (`sync.server.tls`) whose pin is printed at every start. ``--no-tls`` serves
plain HTTP, on a loopback address only (behind a reverse proxy that does TLS, or for the
demo and tests) unless ``--insecure-http`` (a lab network) is added.
"""

from __future__ import annotations

import argparse
import errno
import ipaddress
import logging
import socket
import ssl
import sys
from pathlib import Path

from fieldapp.cli.context import UsageError, number, whole_number
from fieldapp.errors import FieldappError
from fieldapp.i18n import _

from ..tls import is_loopback_host
from . import tls
from .auth import prepare_data_dir
from .locks import START_LOCK, file_lock


class ServerStartFailed(FieldappError):
    """The server could not start (reason: "database", "data folder", "certificate", "port in
    use" or "address"; host and port for the last two)."""


def _tls_name(value: str) -> str:
    try:
        return tls.tls_name(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("not a host name or IP address: {value}").format(value=value)) from None


def listening_socket(host: str, port: int) -> socket.socket:
    """The server's socket, opened here rather than by uvicorn, so that a port already in
    use (or an address this computer does not have) is one translated line and exit 1,
    not uvicorn's English log and exit 3."""
    try:
        return socket.create_server((host, port), family=_family(host), backlog=2048)
    except OSError as exc:
        reason = "port in use" if exc.errno == errno.EADDRINUSE else "address"
        raise ServerStartFailed(reason=reason, host=host, port=port) from None


def _family(host: str) -> socket.AddressFamily:
    try:
        return socket.getaddrinfo(host, None)[0][0]
    except (OSError, IndexError):
        return socket.AF_INET


def register(sub: argparse._SubParsersAction) -> None:
    """Add the ``server`` command."""
    p = sub.add_parser("server", help=_("run the central sync server"))
    p.add_argument("--data", required=True, metavar=_("DIR"),
                   help=_("data folder (keys, database, attachment blobs)"))
    p.add_argument("--host", default="127.0.0.1", metavar=_("ADDRESS"),
                   help=_("address to listen on"))
    p.add_argument("--port", type=whole_number, default=8765, metavar=_("PORT"),
                   help=_("port to listen on"))
    p.add_argument("--database", metavar="URL",
                   help=_("PostgreSQL URL (postgresql+psycopg://…); default SQLite in DIR"))
    p.add_argument("--rate-limit", type=number, default=100.0, metavar=_("N"),
                   help=_("requests per second allowed per device (0: no limit)"))
    p.add_argument("--tls-cert", metavar=_("FILE"),
                   help=_("TLS certificate (PEM, may include the chain); default: a "
                          "self-signed one made in DIR"))
    p.add_argument("--tls-key", metavar=_("FILE"), help=_("its private key (PEM, unencrypted)"))
    p.add_argument("--tls-name", action="append", type=_tls_name, metavar=_("NAME"),
                   help=_("a host name or IP address clients use, for the self-signed "
                          "certificate (repeatable; default: the --host address and "
                          "localhost)"))
    p.add_argument("--no-tls", action="store_true",
                   help=_("serve plain HTTP, on a loopback address only (behind a reverse "
                          "proxy that does TLS)"))
    p.add_argument("--insecure-http", action="store_true",
                   help=_("with --no-tls: allow a non-loopback address (a lab network only: "
                          "anyone on it can read and change the traffic)"))
    p.set_defaults(handler=cmd_server)


def _check_tls_options(args: argparse.Namespace) -> None:
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError(_("--tls-cert and --tls-key go together"))
    if args.no_tls and (args.tls_cert or args.tls_name):
        raise UsageError(_("--no-tls cannot be combined with --tls-cert or --tls-name"))
    if args.tls_cert and args.tls_name:
        raise UsageError(_("--tls-name is for the self-signed certificate; a given "
                           "certificate carries its own names"))
    if args.insecure_http and not args.no_tls:
        raise UsageError(_("--insecure-http only makes sense with --no-tls"))
    if args.no_tls and not is_loopback_host(args.host) and not args.insecure_http:
        raise UsageError(_("plain HTTP is served on a loopback address only (127.0.0.1, "
                           "::1, localhost); use HTTPS, or add --insecure-http for a lab "
                           "network"))


def _certificate(args: argparse.Namespace, data: Path) -> tls.ServerCertificate:
    try:
        if args.tls_cert:
            return tls.load_given(Path(args.tls_cert), Path(args.tls_key))
        with file_lock(data / START_LOCK):  # processes starting together share one
            return tls.self_signed(data, args.tls_name or tls.default_names(args.host))
    except (ssl.SSLError, OSError, ValueError):
        raise ServerStartFailed(reason="certificate") from None


def _shown_host(host: str) -> str:
    try:
        return f"[{host}]" if ipaddress.ip_address(host).version == 6 else host
    except ValueError:
        return host


def cmd_server(_ctx: object, args: argparse.Namespace) -> int:
    """Start the server; print the bootstrap token while no project is registered."""
    import uvicorn
    from sqlalchemy.exc import ArgumentError, OperationalError

    from .app import create_app

    _check_tls_options(args)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sock = listening_socket(args.host, args.port)
    data = Path(args.data)
    try:
        prepare_data_dir(data)
    except OSError:
        sock.close()
        raise ServerStartFailed(reason="data folder") from None
    try:
        certificate = None if args.no_tls else _certificate(args, data)
    except BaseException:
        sock.close()
        raise
    try:
        app = create_app(data, args.database, rate=args.rate_limit,
                         burst=max(4.0, args.rate_limit * 4),
                         tls_pin=certificate.pin if certificate else None)
    except (ArgumentError, OperationalError):
        sock.close()
        raise ServerStartFailed(reason="database") from None
    except OSError:
        sock.close()
        raise ServerStartFailed(reason="data folder") from None
    token = app.state.server.bootstrap_token
    if token:
        sys.stdout.write(_("Bootstrap token (one use, to register the project): {token}")
                         .format(token=token) + "\n")
        sys.stdout.write(_("Also written to {path}").format(
            path=Path(args.data) / "bootstrap-token") + "\n")
    if certificate is not None and certificate.made:
        sys.stdout.write(_("New self-signed TLS certificate in {path}").format(
            path=certificate.cert_file) + "\n")
    if certificate is not None:
        # TRANSLATORS: the pin goes into invites (fieldapp project create --tls-pin).
        sys.stdout.write(_("TLS pin (SHA-256 of the certificate's public key): {pin}").format(
            pin=certificate.pin) + "\n")
    scheme = "http" if certificate is None else "https"
    sys.stdout.write(_("fieldapp server listening on {url}").format(
        url=f"{scheme}://{_shown_host(args.host)}:{args.port}") + "\n")
    sys.stdout.flush()
    tls_files = {} if certificate is None else {
        "ssl_certfile": str(certificate.cert_file), "ssl_keyfile": str(certificate.key_file)}
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False,
                            log_level="warning", server_header=False,
                            timeout_keep_alive=30, limit_concurrency=2000, **tls_files)
    ok = uvicorn.Server(config).run(sockets=[sock])
    return 0 if ok is not False else 1
