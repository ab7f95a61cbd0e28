"""May this sender do this to this record? The one place that answers, for every path in.

A valid signature says who sent an item, not that they may send it. Every item that
arrives — from the server's changes feed, a USB bundle, or a relay of either — is checked
here before it is applied (fieldapp/incoming.py calls `check`); an item that breaks its
rule raises `NotAllowed` (or `SenderNotApproved`) and is quarantined with the reason.

The rules, from the roster this device holds (fieldapp/roster.py):

- any item: from an approved device; from a revoked one only what the server gave out
  before its revocation (sequence number up to the cut-off the revocation names), never
  from a bundle;
- a record version: from a monitor or a coordinator; for an existing record, from its
  author's device or a coordinator; never from a translator; one that merges heads (ends
  a conflict) only from a coordinator. An identity section, also:
  its owner record is the sender's, or the sender is a coordinator;
- an attachment: from the record's author's device or a coordinator;
- a review or an assignment: from a coordinator; an assignment only to an approved
  translator;
- a translation: from a coordinator, or from the translator the record was assigned to,
  for an assigned field, into the assigned language (a monitor gets the translations of
  its records from the coordinator who assigned them, relayed, never from a translator);
- a glossary term: from a coordinator.

The pseudonym an item names (author, reviewer, translator, assigned by, created by, editor)
must be the sender's own in the roster (a relayed translation: a translator's of the
roster, from a coordinator), and no item may be dated more than a day ahead.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from .errors import ItemRejected, SenderNotApproved
from .membership import Peer, membership, peer, peers
from .store.db import Connection

FUTURE_SLACK = dt.timedelta(days=1)
# The field of each item type that names its sender's pseudonym.
NAMED_BY = {"version": "author", "attachment": "created_by", "review": "reviewer",
            "translation": "translator", "assignment": "assigned_by", "glossary": "editor"}


class NotAllowed(ItemRejected):
    """A well-signed item its sender may not send (reason)."""


def sender(conn: Connection, device_id: str) -> Peer:
    """The sender as the roster (or, before any roster, the invite) knows it."""
    found = peer(conn, device_id)
    if found is not None and found.state != "pending":
        return found
    for coordinator in membership(conn).coordinators:  # the invite's, signed
        if coordinator.device_id == device_id:
            return coordinator
    raise SenderNotApproved(sender=device_id)


def check(conn: Connection, item: Mapping[str, Any], *, sender_id: str, seq: int | None,
          now: dt.datetime | None = None) -> None:
    """Raise `NotAllowed` or `SenderNotApproved` unless ``sender_id`` may send ``item``.

    ``seq`` is the server's sequence number of the item (None when it came in a bundle)."""
    me = membership(conn)
    if sender_id == me.device_id:
        return  # this device's own items, coming back
    who = sender(conn, sender_id)
    if who.revoked and (seq is None or who.seq_cutoff is None or seq > who.seq_cutoff):
        raise NotAllowed(reason="sender revoked")
    kind = str(item.get("type"))
    named = NAMED_BY.get(kind)
    if named is not None and item.get(named) != who.pseudonym \
            and not _relayed(conn, kind, item, who):
        raise NotAllowed(reason="the name it gives is not its sender's")
    _not_in_future(item.get("created_at"), now)
    rule = _RULES.get(kind)
    if rule is None:
        raise NotAllowed(reason="unknown item type")
    rule(conn, item, who, me.device_id)


def names_a_translator(conn: Connection, pseudonym: Any) -> bool:
    """``pseudonym`` is an approved (or since revoked) translator's of the roster."""
    return any(p.pseudonym == pseudonym
               for p in peers(conn, role="translator", include_revoked=True))


def _relayed(conn: Connection, kind: str, item: Mapping[str, Any], who: Peer) -> bool:
    """A translation a coordinator passes on to the record's monitor names its
    translator, not the coordinator."""
    return kind == "translation" and who.role == "coordinator" and names_a_translator(
        conn, item.get("translator"))


def _not_in_future(value: Any, now: dt.datetime | None) -> None:
    if not isinstance(value, str):
        raise NotAllowed(reason="bad created_at")
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise NotAllowed(reason="bad created_at") from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    if when > (now or dt.datetime.now(dt.UTC)) + FUTURE_SLACK:
        raise NotAllowed(reason="dated in the future")


def _author_device(conn: Connection, record_id: Any, me: str) -> str | None:
    """The device that wrote a record (None: not here yet)."""
    row = conn.execute("SELECT device_id FROM record_origin WHERE record_id = ?",
                       (record_id,)).fetchone()
    if row:
        return str(row[0])
    if conn.execute("SELECT 1 FROM version WHERE record_id = ? AND origin = 'local'",
                    (record_id,)).fetchone():
        return me
    return None


def _own_or_coordinator(conn: Connection, record_id: Any, who: Peer, me: str,
                        reason: str) -> None:
    author = _author_device(conn, record_id, me)
    if author is not None and author != who.device_id and who.role != "coordinator":
        raise NotAllowed(reason=reason)


def _from_role(what: str, who: Peer) -> NotAllowed:
    """Refused for the sender's role ("a review from a monitor")."""
    return NotAllowed(reason=f"{what} from a {who.role}")


def _version(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role not in ("monitor", "coordinator"):
        raise _from_role("a record version", who)
    _own_or_coordinator(conn, item.get("record_id"), who, me,
                        "a version of another device's record")
    if item.get("merges") and who.role != "coordinator":
        # Merging heads ends a conflict on every device: that is the coordinators' call.
        raise _from_role("a conflict resolution", who)
    if item.get("kind") == "identity" and item.get("owner") is not None:
        _own_or_coordinator(conn, item.get("owner"), who, me,
                            "an identity of another device's record")


def _attachment(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role not in ("monitor", "coordinator"):
        raise _from_role("an attachment", who)
    _own_or_coordinator(conn, item.get("record_id"), who, me,
                        "an attachment of another device's record")


def _review(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role != "coordinator":
        raise _from_role("a review", who)


def _assignment(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role != "coordinator":
        raise _from_role("an assignment", who)
    target = item.get("translator_device")
    if target == me:
        return
    translator = peer(conn, str(target))
    if translator is None or not translator.approved or translator.role != "translator":
        raise NotAllowed(reason="assigned to a device that is not an approved translator")


def _translation(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role == "coordinator":
        return
    if who.role != "translator":
        raise _from_role("a translation", who)
    for fields, in conn.execute(
            "SELECT fields FROM assignment WHERE record_id = ? AND translator_device = ? "
            "AND target_lang = ?", (item.get("record_id"), who.device_id,
                                    item.get("target_lang"))):
        if item.get("field") in json.loads(fields or "[]"):
            return
    raise NotAllowed(reason="not assigned to this translator")


def _glossary(conn: Connection, item: Mapping[str, Any], who: Peer, me: str) -> None:
    if who.role != "coordinator":
        raise _from_role("a glossary term", who)


_RULES = {"version": _version, "attachment": _attachment, "review": _review,
          "assignment": _assignment, "translation": _translation, "glossary": _glossary}

__all__ = ["NotAllowed", "check", "names_a_translator", "sender"]
