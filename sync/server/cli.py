"""``fieldapp server``: run the central sync server on uvicorn."""

from __future__ import annotations

import argparse
import errno
import logging
import socket
import sys
from pathlib import Path

from fieldapp.cli.context import number, whole_number
from fieldapp.errors import FieldappError
from fieldapp.i18n import _


class ServerStartFailed(FieldappError):
    """The server could not start (reason: "database", "data folder", "port in use" or
    "address"; host and port for the last two)."""


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
    p.set_defaults(handler=cmd_server)


def cmd_server(_ctx: object, args: argparse.Namespace) -> int:
    """Start the server; print the bootstrap token while no project is registered."""
    import uvicorn
    from sqlalchemy.exc import ArgumentError, OperationalError

    from .app import create_app

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sock = listening_socket(args.host, args.port)
    try:
        app = create_app(Path(args.data), args.database, rate=args.rate_limit,
                         burst=max(4.0, args.rate_limit * 4))
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
    sys.stdout.write(_("fieldapp server listening on http://{host}:{port}").format(
        host=args.host, port=args.port) + "\n")
    sys.stdout.flush()
    config = uvicorn.Config(app, host=args.host, port=args.port, access_log=False,
                            log_level="warning", server_header=False,
                            timeout_keep_alive=30, limit_concurrency=2000)
    ok = uvicorn.Server(config).run(sockets=[sock])
    return 0 if ok is not False else 1
