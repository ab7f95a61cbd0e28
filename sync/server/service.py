"""What every request handler shares: the `Server` state (storage, keys, blobs, limiters,
caches), the typed error answer (`ApiError`), the authenticated-caller dependency
(`AUTH`) and id checks. `sync.server.app` builds the FastAPI app; `sync.server.routes`
declares the endpoints; both import from here (and not from each other)."""

from __future__ import annotations

import hashlib
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from fieldapp import roster as rosters
from fieldapp.crypto import envelope as env
from sync import protocol as p

from . import auth
from .blobs import BlobStore
from .storage import KeyConflict, Storage, StoredItem

log = logging.getLogger("fieldapp.server")
# Seconds a process trusts its copy of the latest roster and its caches of callers and
# devices: other processes on the same database may approve or revoke meanwhile.
ROSTER_TTL = 2.0
HEX32 = re.compile(r"^[0-9a-f]{32}$")
HEX64 = re.compile(r"^[0-9a-f]{64}$")
DEVICE_ID = re.compile(r"^[0-9a-f]{16}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
OCTETS = {"requestBody": {"required": True, "content": {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}}


class ApiError(Exception):
    """An error answer: HTTP status, stable code, English message."""

    def __init__(self, status: int, code: str, message: str,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


def error_response(status: int, code: str, message: str,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(p.ErrorBody(code=code, message=message).model_dump(),
                        status_code=status, headers=headers)


class NeedsDatabase(Exception):
    """A check needs the database (not answered from memory)."""


@dataclass(frozen=True)
class NewItem:
    """A verified item, ready to store."""

    type: str
    key: str
    epoch_id: str
    sender: str
    data: bytes
    recipients: tuple[str, ...]


@dataclass
class Server:
    """Everything the request handlers share."""

    data_dir: Path
    storage: Storage
    key: auth.ServerKey
    blobs: BlobStore
    limiter: auth.RateLimiter
    open_limiter: auth.RateLimiter
    bootstrap_token: str | None = None
    tls_pin: str | None = None  # of the certificate served (informational, GET /v1/server)

    def __post_init__(self) -> None:
        self._callers: dict[str, auth.Caller] = {}
        self._devices: dict[str, dict[str, Any]] = {}
        self._epochs: dict[str, tuple[str, str]] = {}
        self._suite: str | None = None
        self._roster: rosters.Roster | None = None
        self._roster_read_at = -ROSTER_TTL
        self._revocations = -1

    # --- the roster ---------------------------------------------------------------------
    def roster(self) -> rosters.Roster | None:
        """The latest roster stored (verified when it was accepted); None while the
        project has none (then the server's own device list decides, as before rosters).
        Read again every ROSTER_TTL seconds, with the number of revoked devices: when
        either changed (here or in another process), the caches of callers and devices
        are emptied."""
        if time.monotonic() - self._roster_read_at >= ROSTER_TTL:
            data = self.storage.latest_roster()
            found = rosters.parse(data) if data else None
            revocations = self.storage.revocations()
            if (found and found.counter) != (self._roster and self._roster.counter) \
                    or revocations != self._revocations:
                self._callers.clear()  # approvals, roles or revocations changed
                self._devices.clear()
            self._revocations = revocations
            self._roster = found
            self._roster_read_at = time.monotonic()
        return self._roster

    def accept_roster(self, counter: int, data: bytes) -> bool:
        """Check a roster statement against the project key and the latest roster, store
        it and apply its revocations; True when new. Whoever pushes it does not matter:
        the signature decides."""
        project_row = self.storage.project_row()
        if project_row is None:
            raise ApiError(404, "no_project", "No project is registered on this server.")
        self._roster_read_at = -ROSTER_TTL
        current = self.roster()
        if current is not None and current.counter == counter \
                and self.storage.roster(counter) == data:
            return False
        try:
            roster = rosters.verify(data, str(project_row["project_id"]),
                                    bytes(project_row["sign_public"]), current)
        except rosters.RosterInvalid as exc:
            reason = str(exc.params.get("reason", "invalid"))
            if reason == "older than the one held":
                raise ApiError(409, "roster_conflict", "A newer roster is already here.") \
                    from None
            raise ApiError(400, "bad_roster", f"The roster is refused: {reason}.") from None
        if roster.counter != counter:
            raise ApiError(400, "key_mismatch", "The path does not match the roster.")
        outcome = self.storage.put_roster(roster.counter, roster.to_bytes(), roster.signer,
                                          [m.device_id for m in roster.members if m.revoked])
        if outcome == "conflict":
            raise ApiError(409, "roster_conflict", "Another roster has this counter.")
        self._roster_read_at = -ROSTER_TTL
        self.roster()
        return outcome == "created"

    def _effective(self, row: dict[str, Any]) -> auth.Caller:
        """The caller as the roster sees it: its role there, or not approved."""
        roster = self.roster()
        device_id = str(row["device_id"])
        if roster is None:
            return auth.Caller(device_id, str(row["role"]))
        member = roster.member(device_id)
        if member is not None and member.revoked:
            raise ApiError(401, "revoked", "This device was revoked.")
        if member is None:
            return auth.Caller(device_id, str(row["role"]), approved=False)
        return auth.Caller(device_id, member.role)

    @staticmethod
    def require_approved(who: auth.Caller) -> None:
        if not who.approved:
            raise ApiError(403, "not_approved",
                           "This device waits for a coordinator's approval.")

    # --- auth ---------------------------------------------------------------------------
    def caller(self, authorization: str | None) -> auth.Caller:
        if not authorization or not authorization.startswith("Bearer "):
            raise ApiError(401, "unauthorized", "A device token is required.")
        digest = auth.token_hash(authorization[7:].strip())
        who = self._callers.get(digest)
        if who is None:
            row = self.storage.device_by_token(digest)
            if row is None:
                raise ApiError(401, "unauthorized", "Unknown device token.")
            if row["revoked_at"] is not None:
                raise ApiError(401, "revoked", "This device was revoked.")
            who = self._effective(row)
            self._callers[digest] = who
        self.check_rate(who)
        return who

    def known_caller(self, digest: str) -> auth.Caller | None:
        """The cached caller of a token hash (revocation clears the cache)."""
        self.roster()  # a newer roster (another process's) empties the cache
        return self._callers.get(digest)

    def check_rate(self, who: auth.Caller) -> None:
        wait = self.limiter.check(who.device_id)
        if wait:
            raise ApiError(429, "rate_limited", "Too many requests.",
                           {"Retry-After": str(wait)})

    def forget_device(self, device_id: str) -> None:
        self._devices.pop(device_id, None)
        for digest, who in list(self._callers.items()):
            if who.device_id == device_id:
                del self._callers[digest]

    def check_open(self, request: Request) -> None:
        wait = self.open_limiter.check(request.client.host if request.client else "?")
        if wait:
            raise ApiError(429, "rate_limited", "Too many requests.",
                           {"Retry-After": str(wait)})

    # --- views --------------------------------------------------------------------------
    def device_info(self, row: dict[str, Any]) -> p.DeviceInfo:
        return p.DeviceInfo(
            device_id=row["device_id"], role=row["role"], pseudonym=row["pseudonym"],
            suite=row["suite"], sign_public=p.b64(bytes(row["sign_public"])),
            kem_public=p.b64(bytes(row["kem_public"])), joined_at=row["joined_at"],
            revoked_at=row["revoked_at"])

    def project_info(self) -> p.ProjectInfo:
        row = self.storage.project_row()
        if row is None:
            raise ApiError(404, "no_project", "No project is registered on this server.")
        coordinators = [self.device_info(d) for d in self.storage.devices(active_only=True)
                        if d["role"] == "coordinator"]
        return p.ProjectInfo(project_id=str(row["project_id"]), name=str(row["name"]),
                             suite=row["suite"],  # type: ignore[arg-type]
                             project_sign_public=p.b64(bytes(row["sign_public"])),
                             coordinators=coordinators)

    def receipt(self, stored: StoredItem) -> p.Receipt:
        key = stored.key.split("/", 1)[1]
        message = p.receipt_message(stored.seq, stored.received_at, stored.type, key,
                                    stored.sha256)
        return p.Receipt(seq=stored.seq, received_at=stored.received_at,
                         item=stored.type,  # type: ignore[arg-type]
                         key=key, sha256=stored.sha256,
                         signature=p.b64(self.key.sign(message)))

    def blob_receipt(self, sha256: str, completed_at: int) -> p.Receipt:
        message = p.receipt_message(0, completed_at, "blob", sha256, sha256)
        return p.Receipt(seq=0, received_at=completed_at, item="blob", key=sha256,
                         sha256=sha256, signature=p.b64(self.key.sign(message)))

    def new_device_row(self, keys: p.DeviceKeys, token: str) -> dict[str, Any]:
        suite = self.storage.project_row()
        try:
            sign_public = p.unb64(keys.sign_public)
            kem_public = p.unb64(keys.kem_public)
        except ValueError:
            raise ApiError(400, "bad_keys", "Public keys are not valid base64.") from None
        if suite is not None and keys.suite != suite["suite"]:
            raise ApiError(400, "wrong_suite", "The device keys use another suite.")
        expected_kem = 32 + (1184 if keys.suite == "MLKEM768_X25519" else 0)
        if len(sign_public) != 32 or len(kem_public) != expected_kem:
            raise ApiError(400, "bad_keys", "Public keys have the wrong length.")
        if p.device_id_of(keys.suite, sign_public, kem_public) != keys.device_id:
            raise ApiError(400, "bad_device_id", "The device id does not match its keys.")
        return {"device_id": keys.device_id, "pseudonym": keys.pseudonym,
                "suite": keys.suite, "sign_public": sign_public, "kem_public": kem_public,
                "token_hash": auth.token_hash(token), "joined_at": int(time.time()),
                "revoked_at": None}

    # --- ingest -------------------------------------------------------------------------
    def _active_sender(self, device_id: str, db: bool = True) -> dict[str, Any]:
        row = self._devices.get(device_id)
        if row is None:
            if not db:
                raise NeedsDatabase
            row = self.storage.device(device_id)
            if row is not None:
                self._devices[device_id] = row
        if row is None:
            raise ApiError(403, "unknown_sender", "The sender is not a device of this project.")
        if row["revoked_at"] is not None:
            raise ApiError(403, "sender_revoked", "The sender device was revoked.")
        roster = self._roster if not db else self.roster()
        if roster is not None:
            member = roster.member(device_id)
            if member is not None and member.revoked:
                raise ApiError(403, "sender_revoked", "The sender device was revoked.")
            if member is None:
                raise ApiError(403, "sender_not_approved",
                               "The sender waits for a coordinator's approval.")
        return row

    def _project_suite(self, db: bool = True) -> str | None:
        if self._suite is None:
            if not db:
                raise NeedsDatabase
            row = self.storage.project_row()
            self._suite = str(row["suite"]) if row else None
        return self._suite

    def _epoch(self, epoch_id: str, pending: dict[str, tuple[str, str]],
               db: bool = True) -> tuple[str, str]:
        """(sender, suite) of a stored epoch (cached: key packets never change)."""
        found = pending.get(epoch_id) or self._epochs.get(epoch_id)
        if found is None:
            if not db:
                raise NeedsDatabase
            stored = self.storage.key_packet(epoch_id)
            if stored is None:
                raise ApiError(409, "unknown_epoch", "Push the key packet of this epoch first.")
            found = (stored[0], env.parse_key_packet(stored[1]).suite)
            self._cache_epoch(epoch_id, found)
        return found

    def _cache_epoch(self, epoch_id: str, value: tuple[str, str]) -> None:
        if len(self._epochs) >= 200_000:  # bounded memory; the database stays the truth
            self._epochs.clear()
        self._epochs[epoch_id] = value

    def verify(self, data: bytes, expected_key: str | None = None,
               pending: dict[str, tuple[str, str]] | None = None, db: bool = True) -> NewItem:
        """Check one key packet or envelope (structure, sender, signature, suite,
        recipients) without storing it; `ApiError` when refused. With ``db`` False,
        only from memory: `NeedsDatabase` when a lookup is missing."""
        pending = {} if pending is None else pending
        if not data:
            raise ApiError(400, "empty", "The body is empty.")
        if len(data) > p.MAX_ENVELOPE:
            raise ApiError(413, "too_large", "The item is larger than the limit.")
        try:
            if data[0] == env.TYPE_KEY_PACKET:
                packet = env.parse_key_packet(data)
                known = pending.get(packet.epoch_id) or self._epochs.get(packet.epoch_id)
                if known is not None and known[0] != packet.sender:
                    raise ApiError(409, "conflict", "This epoch belongs to another sender.")
                if not db:
                    raise NeedsDatabase
                sender = self._active_sender(packet.sender)
                env.verify_key_packet(data, bytes(sender["sign_public"]))
                if packet.suite != self._project_suite():
                    raise ApiError(400, "wrong_suite", "The key packet uses another suite.")
                for rid in packet.recipients:
                    if rid not in self._devices and self.storage.device(rid) is None:
                        raise ApiError(400, "unknown_recipient",
                                       "A recipient is not a device of this project.")
                item = NewItem("keypacket", "keypacket/" + packet.epoch_id, packet.epoch_id,
                               packet.sender, data, packet.recipients)
                pending[packet.epoch_id] = (packet.sender, packet.suite)
            elif data[0] == env.TYPE_ENVELOPE:
                header = env.parse_envelope(data)
                sender_id, suite = self._epoch(header.epoch_id, pending, db)
                sender = self._active_sender(sender_id, db)
                env.verify_envelope(data, bytes(sender["sign_public"]))
                if header.suite != suite:
                    raise ApiError(400, "wrong_suite", "The envelope uses another suite.")
                item = NewItem("envelope", "envelope/" + header.key,
                               header.epoch_id, sender_id, data, ())
            elif data[0] == env.TYPE_ENVELOPE_V1:
                raise ApiError(400, "old_format", "Envelope format 1 is no longer accepted "
                               "(its record id and section were in clear).")
            else:
                raise ApiError(400, "unknown_item", "Not an envelope or key packet.")
        except env.EnvelopeBadSignature:
            raise ApiError(400, "bad_signature",
                           "The signature does not verify under the sender's key.") from None
        except env.EnvelopeError:
            raise ApiError(400, "malformed", "The item is truncated or malformed.") from None
        if expected_key is not None and item.key != expected_key:
            raise ApiError(400, "key_mismatch", "The path does not match the item's header.")
        return item

    @staticmethod
    def _rows(items: list[NewItem], who: auth.Caller) -> list[dict[str, object]]:
        return [{"type_": i.type, "key": i.key, "epoch_id": i.epoch_id, "sender": i.sender,
                 "sha256": hashlib.sha256(i.data).hexdigest(), "pushed_by": who.device_id,
                 "data": i.data, "recipients": i.recipients} for i in items]

    def store(self, items: list[NewItem], who: auth.Caller) -> list[StoredItem | KeyConflict]:
        """Store verified items in one transaction (one fsync for a whole batch)."""
        return self._remember(items, self.storage.put_items(self._rows(items, who)))

    async def store_async(self, items: list[NewItem],
                          who: auth.Caller) -> list[StoredItem | KeyConflict]:
        """`store` for coroutines (group commit without holding a thread)."""
        return self._remember(items, await self.storage.put_items_async(
            self._rows(items, who)))

    def _remember(self, items: list[NewItem],
                  results: list[StoredItem | KeyConflict]) -> list[StoredItem | KeyConflict]:
        for i, outcome in zip(items, results, strict=True):
            if i.type == "keypacket" and isinstance(outcome, StoredItem) and outcome.created:
                self._cache_epoch(i.epoch_id, (i.sender, self._project_suite() or ""))
        return results

    async def ingest(self, data: bytes, who: auth.Caller,
                     expected_key: str | None = None) -> tuple[StoredItem, p.Receipt]:
        """Verify (in a worker thread) and store one item; `ApiError` when refused, 409
        on a conflict."""
        try:  # known epoch and sender: about 0.1 ms of CPU, not worth a thread
            item = self.verify(data, expected_key, db=False)
        except NeedsDatabase:
            item = await run_in_threadpool(self.verify, data, expected_key)
        result = (await self.store_async([item], who))[0]
        if isinstance(result, KeyConflict):
            raise ApiError(409, "conflict",
                           "Different bytes are already stored under this key.")
        return result, self.receipt(result)

    def may_read_epoch(self, who: auth.Caller, epoch_id: str) -> bool:
        if who.is_coordinator:
            return True
        return who.device_id in self.storage.epoch_recipients(epoch_id)



async def caller_dependency(request: Request) -> auth.Caller:
    """FastAPI dependency: the authenticated, active, not rate-limited device. Known
    tokens are answered from memory, on the event loop; others need the database."""
    server: Server = request.app.state.server
    header = request.headers.get("authorization")
    if header and header.startswith("Bearer "):
        who = server.known_caller(auth.token_hash(header[7:].strip()))
        if who is not None:
            server.check_rate(who)
            return who
    return await run_in_threadpool(server.caller, header)


AUTH = Depends(caller_dependency)


def valid(pattern: re.Pattern[str], value: str, what: str) -> str:
    """``value`` if it matches ``pattern``, else a 404 (ids never reach a path unchecked)."""
    if not pattern.fullmatch(value):
        raise ApiError(404, "not_found", f"No such {what}.")
    return value



__all__ = ["AUTH", "ApiError", "NeedsDatabase", "NewItem", "Server", "caller_dependency",
           "error_response", "valid"]
