"""One sync session's shared state: the vault, membership, keys, transport, report,
progress and data budget. The session's work is split by concern: `sync.push` (the outbox
up), `sync.pull` (the changes feed down) and `sync.transfer` (attachment files both ways);
`sync.client.SyncClient` puts them together."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from fieldapp import outbox
from fieldapp.membership import Membership, identity_by_key_id, membership
from fieldapp.profile import Vault
from fieldapp.records import transaction

from . import protocol as p
from .devices import fetch_roster
from .errors import DeviceRevoked
from .keyring import Keyring
from .link import transport_for
from .transport import Settings, Transport

CHUNK = 256 * 1024
ROSTER_MAX_AGE = 600.0
ROSTER_CHECKED_SETTING = "roster_checked_at"
Progress = Callable[[int, int, str], None]


@dataclass
class Report:
    """What one sync did (printed by `fieldapp sync`, shown by the desktop app)."""

    sent: int = 0
    pending: int = 0
    failed: int = 0
    received: int = 0
    quarantined: int = 0
    attachments_received: int = 0
    attachments_waiting: int = 0
    download_errors: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    deferred: int = 0
    pulled: bool = True
    approved: bool = True   # False: this device waits for a coordinator's approval
    reasons: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return (self.pending == 0 and self.failed == 0 and self.pulled
                and self.download_errors == 0 and self.approved)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "complete": self.complete}



class SyncSession:
    """The state every part of one sync shares, for one unlocked vault."""

    def __init__(self, vault: Vault, *, settings: Settings | None = None,
                 text_only: bool = False, budget: int | None = None,
                 chunk_size: int = CHUNK, on_progress: Progress | None = None) -> None:
        self.vault = vault
        self.conn = vault.conn
        self.member: Membership = membership(self.conn)
        if self.member.revoked:
            raise DeviceRevoked()
        self.settings = settings or Settings()
        self.text_only = text_only
        self.budget = budget
        self.chunk_size = max(1024, min(chunk_size, p.MAX_CHUNK))
        self.on_progress = on_progress
        self.identity = identity_by_key_id(self.conn, self.member.key_id)
        self.keys = Keyring(self.conn, self.member, self.identity)
        self.server_key = p.unb64(self.member.server_receipt_key)
        self.report = Report()
        self._transport: Transport | None = None
        self._packets_pushed: set[str] = set()
        self._last_failure = ""

    @property
    def cancel(self) -> threading.Event:
        """Set it (from any thread) to stop at the next safe point."""
        return self.settings.cancel

    @property
    def transport(self) -> Transport:
        if self._transport is None:
            self._transport = transport_for(self.vault, self.settings)
        return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def _progress(self, done: int, total: int, phase: str) -> None:
        if self.on_progress:
            self.on_progress(done, total, phase)

    def _spent(self) -> int:
        t = self._transport
        return (t.bytes_sent + t.bytes_received) if t else 0

    def _over_budget(self, extra: int) -> bool:
        return self.budget is not None and self._spent() + extra > self.budget

    def refresh_roster(self, *, force: bool = False) -> None:
        """Adopt the project's newer roster, if any (who is approved, who is revoked):
        monitors and translators at most every `ROSTER_MAX_AGE` seconds (a round trip on a
        slow link), coordinators every time (they assign to newly approved translators)."""
        last = float(self.vault.setting(ROSTER_CHECKED_SETTING, "0") or 0)
        fresh = 0 <= time.time() - last < ROSTER_MAX_AGE
        if not force and fresh and not self.member.is_coordinator:
            return
        fetch_roster(self.vault, self.transport)
        with transaction(self.conn):
            self.vault.set_setting(ROSTER_CHECKED_SETTING, str(time.time()))
        self.member = membership(self.conn)
        self.keys.member = self.member
        self.keys.forget_peers()

    def _accept_receipt(self, oid: int, receipt: p.Receipt) -> int:
        """Mark an outbox item sent once the server's signed receipt verifies."""
        if not receipt.verify(self.server_key):
            outbox.mark_failed(self.conn, oid, "receipt signature does not verify", final=True)
            return 0
        outbox.mark_sent(self.conn, oid, receipt.model_dump(mode="json"),
                         self.vault.pseudonym)
        self.report.sent += 1
        return 1
