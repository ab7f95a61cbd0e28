"""A tiny crash log that cannot betray anyone.

Only the exception *type* and *where* it happened (file name, line, function) are written:
never the message or arguments (they may hold record text, names or paths), never local
variables. The file is 0600 in the app's log folder.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from types import TracebackType

import platformdirs

from fieldapp import APP_NAME

MAX_BYTES = 256 * 1024


class _State:
    path: Path | None = None


def log_path() -> Path:
    """Where the crash log is written (FIELDAPP_LOG_DIR overrides, for tests)."""
    if _State.path is not None:
        return _State.path
    folder = os.environ.get("FIELDAPP_LOG_DIR") or platformdirs.user_log_dir(
        APP_NAME, appauthor=False)
    return Path(folder) / "crash.log"


def set_log_path(path: Path | None) -> None:
    _State.path = path


def describe(exc_type: type[BaseException], tb: TracebackType | None) -> str:
    """``ValueError at records.py:120 in validate <- app.py:40 in run`` — no message."""
    frames = []
    while tb is not None:
        code = tb.tb_frame.f_code
        frames.append(f"{Path(code.co_filename).name}:{tb.tb_lineno} in {code.co_name}")
        tb = tb.tb_next
    where = " <- ".join(reversed(frames[-6:])) or "?"
    return f"{exc_type.__module__}.{exc_type.__qualname__} at {where}"


def log_exception(exc_type: type[BaseException], exc: BaseException | None,
                  tb: TracebackType | None) -> None:
    """Append one line (time, type, location) to the 0600 log; never raises."""
    del exc  # deliberately unused: the message may hold sensitive text
    try:
        path = log_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if path.exists() and path.stat().st_size > MAX_BYTES:
            path.unlink()
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            if hasattr(os, "fchmod"):
                os.fchmod(fd, 0o600)
            os.write(fd, f"{stamp} {describe(exc_type, tb)}\n".encode())
        finally:
            os.close(fd)
    except OSError:
        pass
