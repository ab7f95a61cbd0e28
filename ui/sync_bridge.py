"""The shell's few calls into the sync package: reading an invite, joining, the demo server.

Joining lives in ``sync.enroll`` (``read_invite(path)``, ``join(vault, path)``): the one
place the first-run window reaches past ``sync.client``, so it is kept here. Those take a
file; an invite pasted as text is written to a private (0700/0600) temporary file for the
call and shredded right after, since it holds a one-time token.

The demo's embedded server on 127.0.0.1 is ``sync.client.start_demo_server`` (``stop()``-ed
at exit).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fieldapp.fsutil import atomic_write, shred
from sync import client as sync_client
from sync import enroll

MAX_INVITE_BYTES = 64 * 1024


class InviteTooLarge(ValueError):
    """A file larger than any invite (read no further than MAX_INVITE_BYTES + 1)."""


def read_invite_file(path: Path) -> str:
    """The text of the invite file at ``path``; `OSError` when it cannot be read,
    `InviteTooLarge` when it is too large to be an invite."""
    data = path.read_bytes()[:MAX_INVITE_BYTES + 1]
    if len(data) > MAX_INVITE_BYTES:
        raise InviteTooLarge(str(path))
    return data.decode("utf-8", "replace")


@dataclass
class Invite:
    """An invite the sync module has checked (signature, expiry, keys)."""

    data: bytes = field(repr=False)
    project_fingerprint: str
    coordinators: list[tuple[str, str]]  # (pseudonym, fingerprint)
    path: Path | None = None
    name: str = ""                        # the project's name
    role: str = ""                        # the role the invite gives


@contextmanager
def _invite_file(invite_data: bytes, path: Path | None) -> Iterator[Path]:
    if path is not None:
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-invite-"))  # 0700
    file = folder / "invite.json"
    try:
        atomic_write(file, invite_data)
        yield file
    finally:
        shred(file)
        folder.rmdir()


def read_invite(text: str, path: Path | None = None) -> Invite:
    """Check an invite (pasted ``text``, or the file at ``path``) through sync.enroll."""
    data = text.encode("utf-8")
    with _invite_file(data, path) as file:
        parsed = enroll.read_invite(file)
    coordinators = [(str(getattr(c, "pseudonym", "")), str(getattr(c, "fingerprint", "")))
                    for c in parsed.get("_coordinators", [])]
    return Invite(data, str(parsed.get("_project_fingerprint", "")), coordinators, path,
                  str(parsed.get("name", "")), str(parsed.get("role", "")))


def join(vault: Any, invite: Invite) -> Any:
    """Worker (net lane): enrol this device with the invite."""
    with _invite_file(invite.data, invite.path) as file:
        return enroll.join(vault, file)


def start_demo_server(vault: Any) -> Any:
    """The demo's embedded server on 127.0.0.1 (``stop()`` it at exit)."""
    return sync_client.start_demo_server(vault)
