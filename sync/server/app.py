"""The central server: a FastAPI app that stores ciphertext and routes it.

`create_app(data_dir, database_url=None)` builds the app; `fieldapp server` runs it on
uvicorn. Endpoints and status codes are described in ``docs/PROTOCOL.md``. The server
verifies every envelope's and key packet's Ed25519 signature against the sender's
registered key before storing it, but it cannot decrypt anything: it holds no project or
device private key. Nothing here logs tokens, bodies or record ids.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from sync import protocol as p

from . import auth
from .blobs import BlobStore
from .limits import BodyLimit
from .locks import START_LOCK, file_lock
from .routes import install_routes
from .service import ApiError, Server, error_response, log
from .storage import Storage, make_engine, migrate


def create_app(data_dir: Path | str, database_url: str | None = None, *,
               rate: float = 100.0, burst: float = 400.0,
               tls_pin: str | None = None) -> FastAPI:
    """The server app for ``data_dir`` (created 0700), SQLite there unless
    ``database_url`` names PostgreSQL. Runs the migrations and, while no project is
    registered, keeps a one-time bootstrap token in DATA/bootstrap-token. ``tls_pin`` (the
    pin of the certificate it is served with) is reported by ``GET /v1/server``."""
    data = auth.prepare_data_dir(Path(data_dir))
    # Several processes may start at once on one data folder: one at a time makes the
    # receipt key and the bootstrap token, so that they all use the same.
    with file_lock(data / START_LOCK):
        key = auth.ServerKey(data)
        engine = make_engine(data, database_url)
        migrate(engine)
        storage = Storage(engine)
        server = Server(data, storage, key, BlobStore(data / "blobs"),
                        auth.RateLimiter(rate, burst), auth.RateLimiter(rate / 2, burst),
                        tls_pin=tls_pin)
        if storage.project_row() is None:
            token_file = data / auth.BOOTSTRAP_FILE
            token = token_file.read_text("ascii").strip() if token_file.exists() else ""
            if not token or storage.get_meta("bootstrap_hash") != auth.token_hash(token):
                token = auth.write_bootstrap(data)
                storage.set_meta("bootstrap_hash", auth.token_hash(token))
            server.bootstrap_token = token
        else:
            auth.forget_bootstrap(data)

    app = FastAPI(title="fieldapp sync server", version=str(p.PROTOCOL_VERSION),
                  docs_url=None, redoc_url=None, redirect_slashes=False)
    app.state.server = server
    app.add_middleware(BodyLimit)
    _install_handlers(app)
    install_routes(app, server)
    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> Response:
        return error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(x) for x in first.get("loc", ()))
        return error_response(422, "invalid_body",
                              f"Invalid request: {where}: {first.get('msg', 'invalid')}"[:300])

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> Response:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, str(exc.detail)[:200])

    @app.exception_handler(ClientDisconnect)
    async def _gone(_request: Request, _exc: ClientDisconnect) -> Response:
        return error_response(400, "disconnected", "The client went away.")

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> Response:
        log.error("internal error: %s", type(exc).__name__)
        return error_response(500, "internal", "Internal error; nothing was stored.")


__all__ = ["create_app"]
