"""Opening a SQLCipher database under a raw 32-byte key, and the migration ladder.

Every connection gets the same pragmas: WAL with ``synchronous=FULL`` (a committed
record survives a power cut), temp tables in memory (no plaintext temp files), foreign
keys on; every page is authenticated with an HMAC (see `fastest_page_mac`). Migrations are
the numbered SQL files beside this module, applied in order, each in one transaction that
also bumps ``PRAGMA user_version``; an existing database is copied (still encrypted) to the
profile's ``backups/`` folder first.
"""

from __future__ import annotations

import functools
import hashlib
import re
import shutil
import time
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import sqlcipher3

from ..errors import DiskFull, ProfileCorrupt, WrongPassphrase
from ..fsutil import FILE_MODE, secure_mkdir

Connection = sqlcipher3.Connection
DatabaseError = sqlcipher3.DatabaseError
_MIGRATION_RE = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


def migrations() -> list[tuple[int, str, str]]:
    """(number, file name, SQL) for every migration shipped, in order."""
    found = []
    for entry in resources.files("fieldapp.store").joinpath("migrations").iterdir():
        match = _MIGRATION_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text("utf-8")))
    found.sort()
    numbers = [n for n, _, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise RuntimeError(f"migration numbers must be 1..N without gaps: {numbers}")
    return found


def latest_version() -> int:
    return len(migrations())


def is_disk_full(exc: BaseException) -> bool:
    return "disk is full" in str(exc) or "disk I/O error" in str(exc)


PAGE_MACS = ("HMAC_SHA256", "HMAC_SHA512")


@functools.cache
def fastest_page_mac() -> str:
    """The page MAC that costs least on this CPU.

    SQLCipher authenticates every page it writes or reads with an HMAC, SHA-512 by
    default. Where the CPU computes SHA-256 in hardware (the SHA extensions of most
    laptops since 2017-2019, and of the cheap Atom/Celeron class since 2016) HMAC-SHA256
    costs less than half as much per page, and under a random 256-bit key it is as sound.
    Without those extensions SHA-512 is the faster one, so a new database takes whichever
    measures faster here (a few milliseconds, once per process)."""
    page = bytes(4096)

    def cost(name: str) -> float:
        start = time.perf_counter()
        for _ in range(64):
            hashlib.new(name, page).digest()
        return time.perf_counter() - start

    sha256 = min(cost("sha256") for _ in range(3))
    sha512 = min(cost("sha512") for _ in range(3))
    return "HMAC_SHA256" if sha256 <= sha512 else "HMAC_SHA512"


def connect(path: Path, key: bytes | None, *, create: bool = False,
            check_same_thread: bool = True, page_mac: str | None = None) -> Connection:
    """Open ``path`` with ``key``; `ProfileCorrupt` if it does not open.

    A new (empty) file gets ``page_mac`` (default: `fastest_page_mac`). An existing one is
    opened with each page MAC in turn, the fastest first, so a profile carried to another
    laptop still opens; a wrong key or a damaged file fails with both.

    ``key=None`` opens a plain, unencrypted SQLite file: only benchmarks use it, to measure
    what encryption costs."""
    if not create and not path.is_file():
        raise ProfileCorrupt(what="database")
    if create and not path.exists():
        path.touch(mode=FILE_MODE)
    if key is None:
        return _open(path, None, None, check_same_thread)
    preferred = page_mac or fastest_page_mac()
    if path.stat().st_size == 0:
        return _open(path, key, preferred, check_same_thread)
    order = [preferred, *(m for m in PAGE_MACS if m != preferred)]
    for mac in order[:-1]:
        try:
            return _open(path, key, mac, check_same_thread)
        except ProfileCorrupt:
            continue  # written with another page MAC, or damaged: the last try tells
    return _open(path, key, order[-1], check_same_thread)


def _open(path: Path, key: bytes | None, page_mac: str | None,
          check_same_thread: bool) -> Connection:
    conn = sqlcipher3.connect(str(path), isolation_level=None,
                              check_same_thread=check_same_thread, timeout=10.0)
    try:
        if key is not None:
            conn.execute(f"PRAGMA key = \"x'{key.hex()}'\"")
            conn.execute(f"PRAGMA cipher_hmac_algorithm = {page_mac}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        # 32 MB of decrypted pages: an index merge re-reads fewer pages, and in an
        # encrypted file every page read from disk costs a MAC check and a decryption.
        conn.execute("PRAGMA cache_size = -32000")
    except sqlcipher3.DatabaseError as exc:
        conn.close()
        if is_disk_full(exc):
            raise DiskFull() from exc
        # A wrong key and a damaged file look the same to SQLCipher (page HMAC fails);
        # the keyslot already proved the key, so this means damage.
        raise ProfileCorrupt(what="database") from exc
    return conn


def user_version(conn: Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def backup_copy(conn: Connection, path: Path, backups: Path, version: int) -> Path:
    """Copy the (encrypted) database file before a migration; returns the copy's path."""
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    secure_mkdir(backups)
    target = backups / f"{path.stem}.v{version}.db"
    shutil.copyfile(path, target)
    target.chmod(FILE_MODE)
    return target


def migrate(conn: Connection, path: Path, backups: Path, *,
            target: int | None = None,
            on_step: Callable[[int], None] | None = None) -> int:
    """Bring the database up to ``target`` (default: latest); returns the version reached."""
    current = user_version(conn)
    steps = [m for m in migrations() if m[0] > current and (target is None or m[0] <= target)]
    if current > latest_version():
        raise ProfileCorrupt(what="newer database")
    if steps and current > 0:
        backup_copy(conn, path, backups, current)
    for number, _name, sql in steps:
        try:
            conn.execute("BEGIN IMMEDIATE")
            for statement in _split_sql(sql):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except sqlcipher3.DatabaseError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if is_disk_full(exc):
                raise DiskFull() from exc
            raise
        if on_step:
            on_step(number)
    return user_version(conn)


def _split_sql(sql: str) -> list[str]:
    """Statements of a migration file (``sqlite3.complete_statement`` finds the ends)."""
    statements, buf = [], ""
    for line in sql.splitlines(keepends=True):
        if not buf and (not line.strip() or line.lstrip().startswith("--")):
            continue
        buf += line
        if sqlcipher3.complete_statement(buf):
            statements.append(buf.strip())
            buf = ""
    if buf.strip():
        raise RuntimeError("unterminated statement in migration")
    return statements


__all__ = ["Connection", "DatabaseError", "WrongPassphrase", "connect", "migrate"]
