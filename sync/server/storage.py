"""The server's database: SQLAlchemy Core tables and the queries the API needs.

One code path for SQLite (WAL, the default, ``DATA/server.db``) and PostgreSQL (psycopg 3).
The schema is created and upgraded by the Alembic migrations in ``migrations/`` at start.
What is stored: public keys, hashed tokens, ciphertext items and routing metadata
(epoch → sender and recipient device ids; per envelope its epoch and item id, a keyed hash
the server cannot link to a record); never a private key, never plaintext, never a
record id or section.

Pushes are serialised (a process lock for SQLite, an advisory transaction lock for
PostgreSQL) so that server sequence numbers become visible in order: a changes feed
reader never skips an item that commits later with a smaller sequence.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Engine,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

metadata = MetaData()

meta = Table("meta", metadata, Column("key", String(64), primary_key=True),
             Column("value", String(512), nullable=False))
project = Table(
    "project", metadata,
    Column("project_id", String(36), primary_key=True),
    Column("name", String(120), nullable=False),
    Column("suite", String(32), nullable=False),
    Column("sign_public", LargeBinary, nullable=False),
    Column("created_at", Integer, nullable=False))
device = Table(
    "device", metadata,
    Column("device_id", String(16), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("pseudonym", String(120), nullable=False),
    Column("suite", String(32), nullable=False),
    Column("sign_public", LargeBinary, nullable=False),
    Column("kem_public", LargeBinary, nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("joined_at", Integer, nullable=False),
    Column("revoked_at", Integer, nullable=True))
invite = Table(
    "invite", metadata,
    Column("invite_id", String(32), primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(16), nullable=False),
    Column("created_by", String(16), nullable=False),
    Column("created_at", Integer, nullable=False),
    Column("expires_at", Integer, nullable=False),
    Column("used_at", Integer, nullable=True),
    Column("used_by", String(16), nullable=True))
item = Table(
    "item", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),
    Column("key", String(200), nullable=False, unique=True),
    Column("epoch_id", String(32), nullable=False),
    Column("sender", String(16), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("pushed_by", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_item_epoch", "epoch_id", "seq"),
    sqlite_autoincrement=True)
epoch_recipient = Table(
    "epoch_recipient", metadata,
    Column("epoch_id", String(32), primary_key=True),
    Column("device_id", String(16), primary_key=True),
    Index("ix_epoch_recipient_device", "device_id", "epoch_id"))
# Roster statements (signed by the project key or a certified coordinator), kept in
# order; the latest decides who is approved (see fieldapp/roster.py).
roster = Table(
    "roster", metadata,
    Column("counter", BigInteger, primary_key=True, autoincrement=False),
    Column("signer", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("received_at", BigInteger, nullable=False))
blob = Table(
    "blob", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("epoch_id", String(32), nullable=False),
    Column("length", BigInteger, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("uploader", String(16), nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("completed_at", BigInteger, nullable=True),
    Column("seq", BigInteger, nullable=True))


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class StoredItem:
    seq: int
    type: str
    key: str
    sha256: str
    received_at: int
    created: bool


class KeyConflict(Exception):
    """Different bytes already stored under the same key."""

    def __init__(self, existing: StoredItem) -> None:
        super().__init__(existing.key)
        self.existing = existing


class _Refused(Exception):
    """Rolls a write transaction back."""


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=OFF")
    cur.close()


def make_engine(data_dir: Path, database_url: str | None) -> Engine:
    """The engine for ``database_url``, or SQLite in WAL mode at DATA/server.db."""
    if database_url:
        engine = create_engine(database_url, pool_size=8, max_overflow=16,
                               pool_pre_ping=True)
    else:
        path = data_dir / "server.db"
        engine = create_engine(f"sqlite:///{path}",
                               connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: Engine) -> None:
    """Run the Alembic migrations up to head (self-contained: no alembic.ini)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":  # several processes may start at once
            conn.execute(text("SELECT pg_advisory_xact_lock(7358)"))
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class GroupCommit:
    """One writer thread that commits the pushes waiting together (group commit).

    A request's items either all go in the shared transaction or, if that transaction
    fails, are retried alone, so one bad request cannot fail the others.
    """

    MAX_GROUP = 200

    def __init__(self, commit: Callable[[list[list[dict[str, object]]]],
                                        list[list[StoredItem | KeyConflict]]]) -> None:
        self._commit = commit
        self._queue: queue.Queue[_Pending] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _ensure_thread(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="group-commit",
                                                daemon=True)
                self._thread.start()

    def submit(self, items: list[dict[str, object]]) -> list[StoredItem | KeyConflict]:
        """Queue ``items`` and block until their group is committed."""
        self._ensure_thread()
        pending = _Pending(items)
        self._queue.put(pending)
        pending.done.wait()
        if pending.error is not None:
            raise pending.error
        return pending.result

    async def submit_async(self, items: list[dict[str, object]]
                           ) -> list[StoredItem | KeyConflict]:
        """Queue ``items``; resume the calling coroutine once their group is committed
        (no thread is held while waiting)."""
        self._ensure_thread()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        pending = _Pending(items, lambda: loop.call_soon_threadsafe(_settle, future))
        self._queue.put(pending)
        await future
        if pending.error is not None:
            raise pending.error
        return pending.result

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            while len(group) < self.MAX_GROUP:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                results = self._commit([g.items for g in group])
                for g, result in zip(group, results, strict=True):
                    g.result = result
            except Exception:  # noqa: BLE001 - retried one by one below
                for g in group:
                    try:
                        g.result = self._commit([g.items])[0]
                    except Exception as exc:  # noqa: BLE001 - handed to the caller
                        g.error = exc
            for g in group:
                g.done.set()
                if g.notify is not None:
                    g.notify()


def _settle(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class _Pending:
    def __init__(self, items: list[dict[str, object]],
                 notify: Callable[[], object] | None = None) -> None:
        self.items = items
        self.done = threading.Event()
        self.notify = notify
        self.result: list[StoredItem | KeyConflict] = []
        self.error: Exception | None = None


class Storage:
    """All database access of the server."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.Lock()
        self._group = GroupCommit(self._commit_group)

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """One write transaction; pushes are serialised so sequences commit in order."""
        if self.is_sqlite:
            with self._write_lock, self.engine.begin() as conn:
                yield conn
        else:
            with self.engine.begin() as conn:
                conn.execute(text("SELECT pg_advisory_xact_lock(7357)"))
                yield conn

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    # --- meta ---------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self.reading() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        with self.writing() as conn:
            conn.execute(meta.delete().where(meta.c.key == key))
            conn.execute(meta.insert().values(key=key, value=value))

    # --- items --------------------------------------------------------------------------
    def put_items(self, items: list[dict[str, object]]) -> list[StoredItem | KeyConflict]:
        """Store items once. For each: the new `StoredItem` (``created``), the stored one
        when the same bytes are there already, or a `KeyConflict` when different bytes
        are. Concurrent callers are group-committed: one transaction and one fsync for
        all the requests waiting, each answered only after the commit."""
        return self._group.submit(items)

    async def put_items_async(self, items: list[dict[str, object]]
                              ) -> list[StoredItem | KeyConflict]:
        """`put_items` for coroutines: waits for the group commit without a thread."""
        return await self._group.submit_async(items)

    def _commit_group(self, batches: list[list[dict[str, object]]]
                      ) -> list[list[StoredItem | KeyConflict]]:
        """Store the items of several requests in one transaction, in order: one query
        finds those already stored, one multi-row INSERT … RETURNING adds the rest."""
        flat = [new for batch in batches for new in batch]
        with self.writing() as conn:
            found: dict[str, StoredItem] = {}
            keys = list({str(n["key"]) for n in flat})
            for start in range(0, len(keys), 500):
                rows = conn.execute(select(
                    item.c.seq, item.c.type, item.c.key, item.c.sha256, item.c.received_at
                ).where(item.c.key.in_(keys[start:start + 500])))
                for r in rows:
                    found[r.key] = StoredItem(r.seq, r.type, r.key, r.sha256, r.received_at,
                                              False)
            senders = self._epoch_senders(conn, flat)
            at = now_ms()
            fresh: list[dict[str, object]] = []
            misrouted: set[int] = set()
            for n in flat:
                key = str(n["key"])
                if n["type_"] == "envelope" and senders.get(str(n["epoch_id"])) != n["sender"]:
                    misrouted.add(id(n))  # its epoch belongs to another sender
                    continue
                if key not in found:
                    found[key] = StoredItem(0, str(n["type_"]), key, str(n["sha256"]), at,
                                            True)
                    fresh.append(n)
            if fresh:
                returned = conn.execute(
                    item.insert().returning(item.c.key, item.c.seq,
                                            sort_by_parameter_order=True),
                    [{"type": n["type_"], "key": n["key"], "epoch_id": n["epoch_id"],
                      "sender": n["sender"], "sha256": n["sha256"], "received_at": at,
                      "pushed_by": n["pushed_by"], "data": n["data"]} for n in fresh]).all()
                for key, seq in returned:
                    old = found[key]
                    found[key] = StoredItem(int(seq), old.type, key, old.sha256, at, True)
                recipients = [{"epoch_id": n["epoch_id"], "device_id": r} for n in fresh
                              for r in n.get("recipients") or ()]  # type: ignore[attr-defined]
                if recipients:
                    conn.execute(epoch_recipient.insert(), recipients)
        out: list[list[StoredItem | KeyConflict]] = []
        first_use: set[str] = set()
        for batch in batches:
            answers: list[StoredItem | KeyConflict] = []
            for n in batch:
                if id(n) in misrouted:
                    answers.append(KeyConflict(StoredItem(
                        0, "keypacket", "keypacket/" + str(n["epoch_id"]), "", 0, False)))
                    continue
                stored = found[str(n["key"])]
                if stored.sha256 != n["sha256"]:
                    answers.append(KeyConflict(stored))
                elif stored.created and stored.key not in first_use:
                    first_use.add(stored.key)
                    answers.append(stored)
                else:  # already there, or sent twice in this group
                    answers.append(StoredItem(stored.seq, stored.type, stored.key,
                                              stored.sha256, stored.received_at, False))
            out.append(answers)
        return out

    @staticmethod
    def _epoch_senders(conn: Connection, flat: list[dict[str, object]]) -> dict[str, str]:
        """Sender of each epoch the envelopes in ``flat`` use: the stored key packet's,
        else that of the first key packet for it in ``flat``."""
        wanted = list({"keypacket/" + str(n["epoch_id"]) for n in flat
                       if n["type_"] == "envelope"})
        senders: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            for r in conn.execute(select(item.c.epoch_id, item.c.sender).where(
                    item.c.key.in_(wanted[start:start + 500]))):
                senders[r.epoch_id] = r.sender
        for n in flat:
            if n["type_"] == "keypacket":
                senders.setdefault(str(n["epoch_id"]), str(n["sender"]))
        return senders

    def key_packet(self, epoch_id: str) -> tuple[str, bytes] | None:
        """(sender, packet bytes) of an epoch, or None."""
        with self.reading() as conn:
            row = conn.execute(select(item.c.sender, item.c.data).where(
                item.c.key == "keypacket/" + epoch_id)).first()
        return (row.sender, bytes(row.data)) if row else None

    def epoch_recipients(self, epoch_id: str) -> set[str]:
        with self.reading() as conn:
            rows = conn.execute(select(epoch_recipient.c.device_id).where(
                epoch_recipient.c.epoch_id == epoch_id)).scalars()
            return set(rows)

    def changes(self, device_id: str, everything: bool, since: int,
                limit: int) -> list[tuple[int, bytes]]:
        """Items after ``since`` that ``device_id`` may receive, by sequence."""
        query = select(item.c.seq, item.c.data).where(item.c.seq > since)
        if not everything:
            mine = select(epoch_recipient.c.epoch_id).where(
                epoch_recipient.c.device_id == device_id)
            query = query.where(item.c.epoch_id.in_(mine))
        query = query.order_by(item.c.seq).limit(limit)
        with self.reading() as conn:
            return [(r.seq, bytes(r.data)) for r in conn.execute(query)]

    # --- project, devices, invites ------------------------------------------------------
    def project_row(self) -> dict[str, object] | None:
        with self.reading() as conn:
            row = conn.execute(select(project)).mappings().first()
            return dict(row) if row else None

    def register_project(self, bootstrap_hash: str, project_row: dict[str, object],
                         device_row: dict[str, object]) -> bool:
        """Register the project and its first coordinator, consuming the bootstrap token.
        False when the token is wrong or already used."""
        try:
            with self.writing() as conn:
                used = conn.execute(meta.update().where(
                    meta.c.key == "bootstrap_hash", meta.c.value == bootstrap_hash).values(
                    value="used")).rowcount
                if used != 1 or conn.execute(select(project.c.project_id)).first():
                    raise _Refused
                conn.execute(project.insert().values(**project_row))
                conn.execute(device.insert().values(**device_row))
                return True
        except _Refused:
            return False

    def device_by_token(self, token_hash: str) -> dict[str, object] | None:
        with self.reading() as conn:
            row = conn.execute(select(device).where(
                device.c.token_hash == token_hash)).mappings().first()
            return dict(row) if row else None

    def device(self, device_id: str) -> dict[str, object] | None:
        with self.reading() as conn:
            row = conn.execute(select(device).where(
                device.c.device_id == device_id)).mappings().first()
            return dict(row) if row else None

    def devices(self, *, active_only: bool = False) -> list[dict[str, object]]:
        query = select(device).order_by(device.c.joined_at, device.c.device_id)
        if active_only:
            query = query.where(device.c.revoked_at.is_(None))
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def revoke(self, device_id: str) -> bool:
        with self.writing() as conn:
            return conn.execute(device.update().where(
                device.c.device_id == device_id, device.c.revoked_at.is_(None)).values(
                revoked_at=int(time.time()))).rowcount == 1

    # --- roster -------------------------------------------------------------------------
    def latest_roster(self) -> bytes | None:
        with self.reading() as conn:
            row = conn.execute(select(roster.c.data).order_by(
                roster.c.counter.desc()).limit(1)).first()
            return bytes(row[0]) if row else None

    def roster(self, counter: int) -> bytes | None:
        with self.reading() as conn:
            row = conn.execute(select(roster.c.data).where(roster.c.counter == counter)).first()
            return bytes(row[0]) if row else None

    def put_roster(self, counter: int, data: bytes, signer: str,
                   revoked: list[str]) -> str:
        """Store a verified roster and mark its revoked devices: "created", "same" or
        "conflict" (another roster with this counter, or a newer one, is already here)."""
        with self.writing() as conn:
            latest = conn.execute(select(roster.c.counter, roster.c.data).order_by(
                roster.c.counter.desc()).limit(1)).first()
            if latest is not None and int(latest[0]) >= counter:
                same = int(latest[0]) == counter and bytes(latest[1]) == data
                return "same" if same else "conflict"
            conn.execute(roster.insert().values(counter=counter, signer=signer[:16],
                                                data=data, received_at=now_ms()))
            if revoked:
                conn.execute(device.update().where(
                    device.c.device_id.in_(revoked), device.c.revoked_at.is_(None)).values(
                    revoked_at=int(time.time())))
            return "created"

    def add_invite(self, row: dict[str, object]) -> None:
        with self.writing() as conn:
            conn.execute(invite.insert().values(**row))

    def use_invite(self, token_hash: str, device_row: dict[str, object]) -> str:
        """Consume an invite and add the device: "ok", "invalid", "expired" or "exists"."""
        with self.writing() as conn:
            row = conn.execute(select(invite).where(
                invite.c.token_hash == token_hash)).mappings().first()
            if row is None or row["used_at"] is not None:
                return "invalid"
            if row["expires_at"] <= int(time.time()):
                return "expired"
            if conn.execute(select(device.c.device_id).where(
                    device.c.device_id == device_row["device_id"])).first():
                return "exists"
            done = conn.execute(invite.update().where(
                invite.c.invite_id == row["invite_id"], invite.c.used_at.is_(None)).values(
                used_at=int(time.time()), used_by=device_row["device_id"])).rowcount
            if done != 1:
                return "invalid"
            conn.execute(device.insert().values(**device_row, role=row["role"]))
            return "ok"

    # --- blobs --------------------------------------------------------------------------
    def blob(self, sha256: str) -> dict[str, object] | None:
        with self.reading() as conn:
            row = conn.execute(select(blob).where(blob.c.sha256 == sha256)).mappings().first()
            return dict(row) if row else None

    def create_blob(self, row: dict[str, object]) -> bool:
        """Insert an upload; False when one already exists for this sha256."""
        try:
            with self.writing() as conn:
                if conn.execute(select(blob.c.sha256).where(
                        blob.c.sha256 == row["sha256"])).first():
                    return False
                conn.execute(blob.insert().values(**row))
                return True
        except IntegrityError:
            return False

    def set_blob_offset(self, sha256: str, offset: int, *, complete: bool = False) -> None:
        values: dict[str, object] = {"offset": offset}
        if complete:
            values.update(complete=True, completed_at=now_ms())
        with self.writing() as conn:
            conn.execute(blob.update().where(blob.c.sha256 == sha256).values(**values))

    def revocations(self) -> int:
        """How many devices were ever revoked (a change tells other processes' caches)."""
        with self.reading() as conn:
            return int(conn.execute(select(func.count()).select_from(device).where(
                device.c.revoked_at.is_not(None))).scalar() or 0)

    def count_items(self) -> int:
        with self.reading() as conn:
            return int(conn.execute(text("SELECT count(*) FROM item")).scalar() or 0)
