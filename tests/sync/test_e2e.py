"""Acceptance: a real server process, a coordinator, two monitors and a translator, each a
separate profile driven through the real CLI in separate processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import grep_tree
from tests.sync.helpers import Person, photo_bytes

NAME = "Fatoumata Inventée"
PHONE = "+22376000111"
WITNESS = "TEMOIN-ZX41"
NARRATIVE = "Les hommes armés sont arrivés à l'aube au marché de Dialloubé."
TITLE = "Incendie du marché de Dialloubé"
TITLE2 = "Enlèvement près de Boulkessi"


def test_round_trip_review_translation_and_no_identity_leak(server, tmp_path: Path,
                                                           request) -> None:
    coord = Person(tmp_path, "coord", "Coord-1")
    out = coord.ok("project", "create", "--server", server.url, "--name", "Mopti 2024",
                   "--bootstrap-token", server.bootstrap_token).out  # hybrid suite
    assert "coordinator" in out
    people = {}
    for name, role in (("mon1", "monitor"), ("mon2", "monitor"), ("trad", "translator")):
        invite = tmp_path / f"{name}.invite"
        said = coord.ok("invite", "--role", role, "--out", str(invite)).out
        fingerprint = said.strip().splitlines()[-1].split(": ")[-1]
        assert oct(invite.stat().st_mode & 0o777) == "0o600"
        person = Person(tmp_path, name, {"mon1": "Sahel-7", "mon2": "Sahel-9",
                                         "trad": "Trad-3"}[name])
        joined = person.join(invite, coord)  # approved after comparing fingerprints
        assert fingerprint in joined  # the joining side prints what the coordinator read
        people[name] = person
    again = Person(tmp_path, "again", "Other")
    reused = again.run("join", str(tmp_path / "trad.invite"))
    assert reused.code == 1 and "already used" in reused.err
    mon1, mon2, trad = people["mon1"], people["mon2"], people["trad"]

    incident = mon1.add("incident", {"title": TITLE, "occurred_on": "2024-02-11",
                                     "event_type": "destruction_of_property",
                                     "description": NARRATIVE}, tmp_path)
    testimony = mon1.add("testimony", {"witness_code": WITNESS, "text": NARRATIVE,
                                       "language": "fr", "incident_ids": [incident],
                                       "identity": {"name": NAME, "phone": PHONE}}, tmp_path)
    photo = tmp_path / "marche.jpg"
    photo.write_bytes(photo_bytes())
    attachment = mon1.ok("attach", incident, str(photo)).out.strip()
    other = mon2.add("incident", {"title": TITLE2, "occurred_on": "2024-03-01",
                                  "event_type": "abduction"}, tmp_path)
    assert mon1.run("status", incident).out.split(": ")[1].startswith("pending")

    for person in (mon1, mon2):
        result = person.ok("sync", "--json")
        assert result.json()["complete"] is True
    state = mon1.ok("status", incident, "--json").json()
    assert state["state"] == "sent"
    assert all(i["receipt"]["signature"] for i in state["items"])

    pulled = coord.ok("sync", "--json").json()
    assert pulled["attachments_received"] == 1
    listed = {r["id"] for r in coord.ok("list", "--json").json()}
    assert listed == {incident, testimony, other}
    shown = coord.ok("show", testimony, "--json").json()
    assert shown["identity"] == {"name": NAME, "phone": PHONE}
    mine, theirs = tmp_path / "mine.jpg", tmp_path / "theirs.jpg"
    mon1.ok("attachment", "get", attachment, "--out", str(mine))
    coord.ok("attachment", "get", attachment, "--out", str(theirs))
    assert mine.read_bytes() == theirs.read_bytes() and len(theirs.read_bytes()) > 4_000_000

    coord.ok("review", testimony, "--status", "needs-info", "--note", "Quelle heure exacte ?")
    coord.ok("assign", testimony, "--translator", "Trad-3", "--to", "en")
    assert coord.ok("sync", "--json").json()["complete"]

    mon1.ok("sync")
    state = mon1.ok("status", testimony, "--json").json()
    assert state["review"]["status"] == "needs-info"
    assert state["review"]["note"] == "Quelle heure exacte ?"
    assert "Quelle heure exacte ?" in mon1.ok("status", testimony).out

    trad.ok("sync")
    seen = trad.ok("show", testimony, "--json").json()
    assert seen["body"] == {"text": NARRATIVE, "language": "fr"}
    assert seen["identity"] is None
    trad.ok("translate", testimony, "--field", "text", "--to", "en", "--text",
            "The armed men arrived at dawn at the Dialloubé market.")
    assert trad.ok("sync", "--json").json()["complete"]
    coord.ok("sync")
    assert "The armed men arrived at dawn" in coord.ok("show", testimony).out

    # the translator never received identity fields, nor the other records
    dump = trad.dump()
    for secret in (NAME, PHONE, WITNESS, TITLE2, TITLE):
        assert secret not in dump, secret
    # the server holds ciphertext only
    markers = [s.encode() for s in (NAME, PHONE, WITNESS, NARRATIVE, TITLE, TITLE2,
                                    "Quelle heure exacte", "The armed men")]
    assert grep_tree(server.data_dir, markers) == []
    if server.database_url:  # PostgreSQL: its data folder (tables and WAL) too
        assert grep_tree(request.getfixturevalue("postgres").root, markers) == []

    # nothing duplicated anywhere after more syncs
    for person in (mon1, mon2, coord, trad):
        person.ok("sync")
    assert len(coord.ok("list", "--json").json()) == 3
    versions = coord.ok("history", testimony, "--json").json()
    assert len(versions) == 1

    devices = coord.ok("devices", "--json").json()
    mon2_id = next(d["device_id"] for d in devices if d["pseudonym"] == "Sahel-9")
    coord.ok("revoke", mon2_id)
    revoked = mon2.run("sync")
    assert revoked.code == 1 and "revoked" in revoked.err
    assert "Traceback" not in revoked.err
    assert json.loads(json.dumps(devices))  # devices lists fingerprints
    assert all(len(d["fingerprint"].split()) == 6 for d in devices)
