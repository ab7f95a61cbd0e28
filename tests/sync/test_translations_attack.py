"""Attacks on translations coming home (a coordinator relays a translator's translation
to the monitor who wrote the record), through a real server and the real client: what a
hostile translator, another monitor or a revoked translator sends, and what the two copies
of an assignment let through. What tests/sync/test_translations_home.py already shows
(direct items from a translator or another monitor to a monitor, a relay naming someone
who is not a translator) is not repeated here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fieldapp import audit, model, translations
from fieldapp.membership import identity_by_key_id, membership
from fieldapp.records import transaction, version_hash
from fieldapp.text import uuid7
from sync import devices
from sync.bundle import export_bundle, import_bundle
from sync.client import SyncClient
from sync.errors import BundleRejected, DeviceRevoked
from tests.sync.helpers import fast_settings
from tests.sync.translating import (
    TESTIMONY,
    assigned,
    device_of,
    four_devices,
    sync_all,
    translation_item,
)
from tests.sync.trust import push_crafted, quarantine_reasons, server_engine


@pytest.fixture
def project(server, tmp_path: Path):
    yield from four_devices(server, tmp_path)


def test_a_translator_gets_nothing_but_its_assigned_translation_relayed(project) -> None:
    """A version, an attachment or an assignment from the translator, and a translation
    of the identity or over the size limit, sealed for the coordinator and the monitor:
    the monitor opens none of them (a translator is not a sender it takes), the
    coordinator puts each aside with its reason and relays none; the sync goes on."""
    coord, mon, other, trad = project
    tes = assigned(project)
    head = mon.records.get(tes)
    at = audit.now()
    body = {**head.body, "summary": "Rien ne s'est passé"}
    forged = [
        {"type": "version", "record_id": tes, "kind": "testimony", "parent": head.head,
         "author": trad.pseudonym, "created_at": at, "body": body, "merges": [],
         "hash": version_hash(tes, "testimony", head.head, trad.pseudonym, at, body)},
        {"type": "attachment", "id": uuid7(), "record_id": tes, "created_by": trad.pseudonym,
         "created_at": at, "kind": "photo", "mime": "image/jpeg", "name": "x.jpg"},
        {"type": "assignment", "id": uuid7(), "record_id": tes, "translator": trad.pseudonym,
         "translator_device": device_of(trad), "target_lang": "en", "kind": "testimony",
         "fields": {"summary": "x", "text": "y"}, "assigned_by": trad.pseudonym,
         "created_at": at, "memory": [["a", "b"]]},
        translation_item(tes, trad, field="identity"),
        translation_item(tes, trad, text="x" * (model.MAX_TEXT + 1)),
        translation_item(tes, trad, field="text"),  # not assigned
    ]
    push_crafted(trad, forged, to=[device_of(coord), device_of(mon), device_of(other)])
    for vault in (mon, other):
        report = SyncClient(vault, settings=fast_settings()).sync()
        assert report.complete and report.quarantined == 7, quarantine_reasons(vault)
        assert quarantine_reasons(vault)[0] == f"SenderNotApproved(sender={device_of(trad)})"
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.complete and report.quarantined == 6, quarantine_reasons(coord)
    reasons = " | ".join(quarantine_reasons(coord))
    for reason in ("a record version from a translator", "an attachment from a translator",
                   "an assignment from a translator", "not assigned to this translator",
                   "bad text"):
        assert reason in reasons, reasons
    sync_all(mon)
    assert mon.records.get(tes).body["summary"] == TESTIMONY["summary"]
    assert [a.translator for a in translations.assignments(mon.conn)] == [trad.pseudonym]
    assert translations.translations_of(mon.conn, tes) == {}
    # what it was assigned comes through the coordinator, to this monitor only
    translations.add_translation(trad.conn, trad.pseudonym, tes, "summary", "en", "Moved")
    sync_all(trad, coord, mon, other)
    assert translations.translations_of(mon.conn, tes)[("summary", "en")].text == "Moved"
    assert not other.conn.execute("SELECT 1 FROM translation").fetchone()


def test_one_translation_id_can_not_say_one_thing_to_the_monitor_and_another_to_coordinators(
        project) -> None:
    """Two translations under one id, one for the coordinators, the other for them and
    the monitor: the monitor opens only what the coordinator relays (the one it kept),
    and the coordinator puts the other aside instead of dropping it unseen."""
    coord, mon, other, trad = project
    tes = assigned(project)
    harmless = translation_item(tes, trad, text="Families displaced to Mopti")
    hidden = {**harmless, "text": "La coordination vous attend au puits ce soir"}
    push_crafted(trad, [harmless], to=[device_of(coord)])
    push_crafted(trad, [hidden], to=[device_of(coord), device_of(mon)])
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.complete and report.quarantined == 1, quarantine_reasons(coord)
    assert "another translation has its id" in quarantine_reasons(coord)[0]
    sync_all(mon)
    assert translations.translations_of(mon.conn, tes)[("summary", "en")].text == \
        harmless["text"]
    # the same item again (the translator's own, or a relay) is no conflict
    push_crafted(trad, [harmless], to=[device_of(coord)])
    report = SyncClient(coord, settings=fast_settings()).sync()
    assert report.complete and report.quarantined == 0, quarantine_reasons(coord)


def test_a_revoked_translator_reaches_no_monitor(project, tmp_path: Path) -> None:
    """What the server had before the revocation still arrives (relayed); after it,
    nothing: not through the server, not on a USB bundle (a monitor takes none from a
    translator, a coordinator refuses it as revoked)."""
    coord, mon, other, trad = project
    tes = assigned(project, fields=("summary", "text"))
    translations.add_translation(trad.conn, trad.pseudonym, tes, "summary", "en", "Before")
    sync_all(trad, coord)
    devices.revoke(coord, device_of(trad), settings=fast_settings())
    sync_all(mon)
    assert translations.translations_of(mon.conn, tes)[("summary", "en")].text == "Before"
    translations.add_translation(trad.conn, trad.pseudonym, tes, "text", "en", "After")
    with pytest.raises(DeviceRevoked):
        SyncClient(trad, settings=fast_settings()).sync()
    with transaction(trad.conn):  # the thief's tampering
        trad.conn.execute("UPDATE membership SET revoked = 0")
    bundle = tmp_path / "trad.fabundle"
    assert export_bundle(trad, bundle) >= 1
    with pytest.raises(BundleRejected):  # a monitor takes no bundle from a translator
        import_bundle(mon, bundle)
    result = import_bundle(coord, bundle)  # a coordinator: refused, it is revoked
    assert result["applied"] == 0 and result["refused"] >= 1, result
    assert "sender revoked" in " | ".join(quarantine_reasons(coord))
    sync_all(coord, mon)
    for vault in (mon, coord):
        assert ("text", "en") not in translations.translations_of(vault.conn, tes)


def test_a_server_that_swaps_the_two_copies_of_an_assignment_gives_nothing_away(
        project, server) -> None:
    """The seized server routes the translator's copy (with the project memory's pairs)
    to the monitor too, and the monitor's copy to the translator: neither can open what
    was not sealed for it, and each still gets its own copy."""
    from sqlalchemy import select

    from sync.server.storage import epoch_recipient

    coord, mon, other, trad = project
    earlier = other.records.add("testimony", {**TESTIMONY, "witness_code": "T-45"})
    tes = mon.records.add("testimony", TESTIMONY)
    sync_all(other, mon, coord)
    translations.add_translation(coord.conn, coord.pseudonym, earlier, "summary", "en",
                                 "Families displaced to Mopti")
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en", ["summary"])
    sync_all(coord)
    engine = server_engine(server)
    try:
        with engine.begin() as conn:
            listed = conn.execute(select(epoch_recipient)).all()
            swapped = {(e, b) for e, d in listed for a, b in ((device_of(trad), device_of(mon)),
                                                              (device_of(mon), device_of(trad)))
                       if d == a} - set(listed)
            conn.execute(epoch_recipient.insert(),
                         [{"epoch_id": e, "device_id": d} for e, d in swapped])
    finally:
        engine.dispose()
    for vault in (mon, trad):
        report = SyncClient(vault, settings=fast_settings()).sync()
        assert report.complete and report.quarantined >= 1, quarantine_reasons(vault)
        assert all(r.startswith("UnknownEpoch") for r in quarantine_reasons(vault))
    assert mon.conn.execute("SELECT memory FROM assignment").fetchall() == [("[]",)]
    assert "Families displaced" in trad.conn.execute("SELECT memory FROM assignment"
                                                     ).fetchone()[0]
    assert not mon.conn.execute("SELECT 1 FROM translation").fetchone()


def test_a_translator_the_seized_server_makes_up_is_taken_by_no_monitor(project,
                                                                        server) -> None:
    """A translator written into the server's tables (its device, its key packet and
    envelope, listed for the monitor and the coordinator) is in no signed roster: both
    put its translation aside, and the coordinator relays nothing."""
    import hashlib
    import time

    from fieldapp import outbox
    from fieldapp.crypto import envelope
    from fieldapp.crypto.keys import DeviceIdentity
    from fieldapp.jsonutil import canonical
    from sync.server import auth
    from sync.server.storage import device, epoch_recipient, item

    coord, mon, other, trad = project
    tes = assigned(project)
    fake = DeviceIdentity.generate("X25519")
    fake_id = fake.public.key_id
    kems = {device_of(v): identity_by_key_id(v.conn, membership(v.conn).key_id)
            .public.kem_public for v in (coord, mon)}
    epoch = envelope.new_epoch(fake_id, fake, kems, "X25519")
    forged = translation_item(tes, trad, text="Rendez-vous au puits")  # in the real one's name
    sealed = envelope.seal(epoch, fake, record_id=tes, version_hash=outbox.item_hash(forged),
                           section="translation", kind="translation",
                           payload=canonical(forged))
    at = int(time.time() * 1000)
    engine = server_engine(server)
    try:
        with engine.begin() as conn:
            conn.execute(device.insert().values(
                device_id=fake_id, role="translator", pseudonym=trad.pseudonym,
                suite="X25519", sign_public=fake.public.sign_public,
                kem_public=fake.public.kem_public, token_hash=auth.token_hash("x"),
                joined_at=at // 1000, revoked_at=None))
            for key, data in (("keypacket/" + epoch.epoch_id, epoch.packet),
                              ("envelope/" + envelope.parse_envelope(sealed).item_id, sealed)):
                conn.execute(item.insert().values(
                    type=key.split("/")[0], key=key, epoch_id=epoch.epoch_id,
                    sender=fake_id, sha256=hashlib.sha256(data).hexdigest(),
                    received_at=at, pushed_by=fake_id, data=data))
            conn.execute(epoch_recipient.insert(),
                         [{"epoch_id": epoch.epoch_id, "device_id": d} for d in kems])
    finally:
        engine.dispose()
    for vault in (mon, coord):
        report = SyncClient(vault, settings=fast_settings()).sync()
        assert report.complete and report.quarantined == 2, quarantine_reasons(vault)
        assert f"SenderNotApproved(sender={fake_id})" in quarantine_reasons(vault)
        assert translations.translations_of(vault.conn, tes) == {}


def test_the_memory_gives_no_name_or_place_of_another_record(project) -> None:
    """A near sentence of another monitor's testimony differs from the assigned one in
    just what matters: who, where. Sent with the assignment, it told the translator the
    name in a record it was never given; only earlier sentences made of the assigned
    sentence's own words go."""
    coord, mon, other, trad = project
    earlier = other.records.add("testimony", {
        "witness_code": "T-46", "language": "fr", "summary": "Arrestation",
        "text": "Moussa Diarra a été arrêté à Gao le 3 mars par des hommes armés.\n"
                "Le marché a fermé."})
    sync_all(other, coord)
    translations.add_translation(
        coord.conn, coord.pseudonym, earlier, "text", "en",
        "Moussa Diarra was arrested in Gao on 3 March by armed men.\nThe market closed.")
    tes = mon.records.add("testimony", {
        **TESTIMONY, "text": "Amadou Diarra a été arrêté à Gao le 3 mars par des hommes "
                            "armés. Le marché a fermé."})
    sync_all(mon, coord)
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en", ["text"])
    sync_all(coord, trad)
    shared = trad.conn.execute("SELECT memory FROM assignment").fetchone()[0]
    assert "Moussa" not in shared, shared
    assert json.loads(shared) == [["Le marché a fermé.", "The market closed."]]


@pytest.mark.parametrize("memory", [
    None, {}, "a", [["a"]], [["a", "b", "c"]], [["", "b"]], [["a", "b" * 4001]],
    [[["a"], "b"]], [["a", {"b": 1}]], [["a", "b"]] * 401])
def test_the_memory_an_assignment_carries_is_only_pairs_of_short_strings(memory) -> None:
    from fieldapp.errors import ItemRejected
    from fieldapp.incoming import _shared_memory

    with pytest.raises(ItemRejected, match="bad memory"):
        _shared_memory(memory)
    assert _shared_memory([["a", "b"]] * 400) == [["a", "b"]] * 400


