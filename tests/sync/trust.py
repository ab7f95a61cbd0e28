"""Helpers for the trust tests: what an attacker with the server's database, or with one
enrolled device, does — through the real server and the real client code."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

from fieldapp.records import transaction
from sync import keyring
from sync import protocol as p
from sync.client import SyncClient
from tests.sync.helpers import fast_settings


def push_crafted(vault, items: Iterable[dict[str, Any]], *,
                 skip_unsealable: bool = False,
                 to: Iterable[str] | None = None) -> list[p.PushResult]:
    """Seal ``items`` as ``vault``'s device (well signed, to the usual recipients, or to
    the devices ``to``) and push them to the server in one request, as a malicious but
    enrolled device would. With ``skip_unsealable``, items the sealing code itself cannot
    handle are left out."""
    client = SyncClient(vault, settings=fast_settings())
    chosen = sorted(set(to)) if to is not None else None
    patched = (mock.patch.object(keyring.outbox, "audience", lambda *_a: chosen)
               if chosen is not None else contextlib.nullcontext())
    try:
        packets: list[bytes] = []
        sealed: list[bytes] = []
        with patched, transaction(vault.conn):
            for item in items:
                try:
                    envelope, epoch = client.keys.seal_item(item)
                except Exception:
                    if not skip_unsealable:
                        raise
                    continue
                sealed.append(envelope)
                if epoch.packet not in packets:
                    packets.append(epoch.packet)
        answer = client.transport.request(
            "POST", f"{p.API}/push", content=p.frame_items([*packets, *sealed]),
            headers={"Content-Type": "application/octet-stream"})
        return p.PushResults.model_validate(answer.json()).results
    finally:
        client.close()


def quarantine_reasons(vault) -> list[str]:
    return [r[0] for r in vault.conn.execute("SELECT reason FROM quarantine ORDER BY id")]


def audit_quarantines(vault) -> list[dict[str, Any]]:
    return [json.loads(r[0]) for r in vault.conn.execute(
        "SELECT detail FROM audit WHERE action = 'quarantine' ORDER BY seq")]


def new_id() -> str:
    return str(uuid.uuid4())


def server_engine(server):
    """The server's database, as whoever seized it holds it (SQLite file or PostgreSQL)."""
    from sync.server.storage import make_engine

    return make_engine(Path(server.data_dir), server.database_url)
