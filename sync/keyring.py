"""Epoch keys and public keys of one device, and sealing/opening of sync items.

An item (a dict from fieldapp.outbox) is sealed into one envelope under this device's
epoch for the item's recipient set (`outbox.audience`); one epoch per recipient set, so an
identity section never shares an epoch with a narrative one. Received key packets are
opened and their epoch keys kept in the vault (table ``epoch_key``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from fieldapp import audit, outbox
from fieldapp.crypto import envelope
from fieldapp.crypto.envelope import Epoch
from fieldapp.crypto.keys import DeviceIdentity
from fieldapp.errors import ItemRejected, SenderNotApproved
from fieldapp.jsonutil import canonical
from fieldapp.membership import Membership, peers
from fieldapp.store.db import Connection

SECTION_OF = {"version": "record", "attachment": "attachment", "review": "review",
              "translation": "translation", "assignment": "assignment",
              "glossary": "glossary"}


class Keyring:
    """This device's view of keys: its identity, epochs, and peers' public keys."""

    def __init__(self, conn: Connection, member: Membership, identity: DeviceIdentity) -> None:
        self.conn = conn
        self.member = member
        self.identity = identity
        self.device_id = member.device_id
        self._epochs: dict[str, Epoch] = {}
        self._peers: dict[str, Any] | None = None

    def forget_peers(self) -> None:
        """Drop the cached directory (after a refresh)."""
        self._peers = None

    def _directory(self) -> dict[str, Any]:
        if self._peers is None:
            self._peers = {p.device_id: p for p in peers(self.conn, include_revoked=True)}
        return self._peers

    # --- public keys ------------------------------------------------------------------
    def kem_public(self, device_id: str) -> bytes | None:
        if device_id == self.device_id:
            return self.identity.public.kem_public
        for p in self.member.coordinators:
            if p.device_id == device_id:
                return p.public.kem_public
        found = self._directory().get(device_id)
        return found.public.kem_public if found is not None and not found.revoked else None

    def sign_public(self, device_id: str) -> bytes | None:
        """Verify key of a device (revoked ones too: their old envelopes stay valid)."""
        if device_id == self.device_id:
            return self.identity.public.sign_public
        for p in self.member.coordinators:
            if p.device_id == device_id:
                return p.public.sign_public
        if not self.member.is_coordinator:
            return None  # monitors and translators hear from trusted coordinators only
        found = self._directory().get(device_id)
        return found.public.sign_public if found is not None else None

    # --- epochs -----------------------------------------------------------------------
    def epoch(self, epoch_id: str) -> Epoch | None:
        if epoch_id in self._epochs:
            return self._epochs[epoch_id]
        row = self.conn.execute("SELECT sender, key, recipients, packet FROM epoch_key "
                                "WHERE epoch_id = ?", (epoch_id,)).fetchone()
        if row is None:
            return None
        found = Epoch(epoch_id, self.member.suite, row[0], tuple(json.loads(row[2])),
                      bytes(row[1]), bytes(row[3] or b""))
        self._epochs[epoch_id] = found
        return found

    def own_epoch(self, recipients: list[str]) -> Epoch:
        """This device's epoch for exactly ``recipients`` (made and stored on first use;
        the caller's transaction commits it)."""
        wanted = json.dumps(sorted(set(recipients)))
        row = self.conn.execute("SELECT epoch_id FROM epoch_key WHERE own = 1 AND "
                                "recipients = ? ORDER BY created_at DESC LIMIT 1",
                                (wanted,)).fetchone()
        if row:
            found = self.epoch(row[0])
            if found is not None:
                return found
        keys: dict[str, bytes] = {}
        for device_id in json.loads(wanted):
            kem = self.kem_public(device_id)
            if kem is not None:
                keys[device_id] = kem
        made = envelope.new_epoch(self.device_id, self.identity, keys, self.member.suite)
        self.conn.execute(
            "INSERT INTO epoch_key (epoch_id, sender, key, recipients, own, packet, "
            "created_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
            (made.epoch_id, self.device_id, made.key, wanted, made.packet, audit.now()))
        self._epochs[made.epoch_id] = made
        return made

    def accept_key_packet(self, data: bytes) -> bool:
        """Open a key packet meant for this device and keep its epoch; False when the
        packet is not for us (nothing to keep). Raises `EnvelopeError` when forged."""
        packet = envelope.parse_key_packet(data)
        if self.epoch(packet.epoch_id) is not None:
            return True
        if self.device_id not in packet.recipients:
            return False
        sender_key = self.sign_public(packet.sender)
        if sender_key is None:
            raise SenderNotApproved(sender=packet.sender)
        opened = envelope.open_key_packet(data, device_id=self.device_id,
                                          device=self.identity, sender_sign_public=sender_key)
        self.conn.execute(
            "INSERT OR IGNORE INTO epoch_key (epoch_id, sender, key, recipients, own, packet, "
            "created_at) VALUES (?, ?, ?, ?, 0, ?, ?)",
            (opened.epoch_id, opened.sender, opened.key, json.dumps(list(opened.recipients)),
             data, audit.now()))
        self._epochs[opened.epoch_id] = opened
        return True

    # --- items ------------------------------------------------------------------------
    def seal_item(self, item: Mapping[str, Any]) -> tuple[bytes, Epoch]:
        """One envelope for ``item`` under the epoch of its audience."""
        epoch = self.own_epoch(outbox.audience(self.conn, self.member, item))
        kind = item["type"]
        section = SECTION_OF[kind]
        if kind == "version" and item.get("kind") == "identity":
            section = "identity"
        digest = item["hash"] if kind == "version" else outbox.item_hash(item)
        sealed = envelope.seal(epoch, self.identity, record_id=item["record_id"],
                               version_hash=digest, section=section,
                               kind=str(item.get("kind") or kind), payload=canonical(item))
        return sealed, epoch

    def sender_of(self, data: bytes) -> str | None:
        """The device that signed a key packet or an envelope, as far as can be told
        without trusting it (for the quarantine's record); None when unreadable."""
        try:
            if data[:1] == bytes((envelope.TYPE_KEY_PACKET,)):
                return envelope.parse_key_packet(data).sender
            found = self.epoch(envelope.parse_envelope(data).epoch_id)
        except (envelope.EnvelopeError, ValueError):
            return None
        return found.sender if found is not None else None

    def open_item(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """(sender device id, item) of an envelope; raises `EnvelopeError` or
        `ItemRejected` when it cannot be trusted, and then nothing was applied."""
        sender = self.sender_of(data)
        if sender is not None and self.sign_public(sender) is None:
            raise SenderNotApproved(sender=sender)
        opened = envelope.open_envelope(data, epochs=self.epoch, sign_keys=self.sign_public)
        try:
            item = json.loads(opened.payload)
        except ValueError:
            raise ItemRejected(reason="payload is not JSON") from None
        if not isinstance(item, dict) or SECTION_OF.get(item.get("type", "")) is None:
            raise ItemRejected(reason="unknown item type")
        expected = item.get("hash") if item["type"] == "version" else outbox.item_hash(item)
        if opened.record_id != item.get("record_id") or opened.version_hash != expected:
            raise ItemRejected(reason="header does not match the content")
        return opened.sender, item
