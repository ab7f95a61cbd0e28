"""The shell's few calls into ``sync.client`` (joining with an invite, the demo server).

The sync client is being built alongside the app, so every call looks its function up
and says plainly when it is missing. Expected (duck-typed) API of ``sync.client``:

* ``parse_invite(text: str) -> Invite`` — raises a FieldappError subclass on a bad invite;
  the invite has ``fingerprints`` (list of str) or ``coordinators`` (each with
  ``fingerprint``);
* ``join(vault, invite) -> object`` — enrols this device (network; run on the net lane);
* ``start_demo_server(vault) -> handle`` — an embedded server on 127.0.0.1 for the demo,
  joined by ``vault``; the handle has ``stop()``.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


def _client() -> ModuleType | None:
    try:
        return importlib.import_module("sync.client")
    except ImportError:
        return None


def _function(name: str) -> Any:
    client = _client()
    return getattr(client, name, None) if client is not None else None


def can_join() -> bool:
    """True when the sync client can read invites and join."""
    return _function("parse_invite") is not None and _function("join") is not None


def read_invite(text: str) -> Any:
    parse = _function("parse_invite")
    if parse is None:
        raise RuntimeError("sync.client.parse_invite is missing")
    return parse(text)


def fingerprints(invite: Any) -> list[str]:
    """The coordinators' key fingerprints carried by ``invite``, to compare aloud."""
    direct = getattr(invite, "fingerprints", None)
    if direct is None and isinstance(invite, dict):
        direct = invite.get("fingerprints")
    if direct is not None:
        return [str(f) for f in direct]
    coordinators = getattr(invite, "coordinators", None) or []
    return [str(getattr(c, "fingerprint", c.get("fingerprint", "") if isinstance(c, dict)
                        else "")) for c in coordinators]


def join(vault: Any, invite: Any) -> Any:
    """Worker (net lane): enrol this device with the invite."""
    run = _function("join")
    if run is None:
        raise RuntimeError("sync.client.join is missing")
    return run(vault, invite)


def start_demo_server(vault: Any) -> Any | None:
    """HOOK (sync issue): the demo's embedded server on 127.0.0.1, or None while the sync
    client does not provide ``start_demo_server``."""
    start = _function("start_demo_server")
    return start(vault) if start is not None else None
