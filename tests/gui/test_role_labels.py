"""Role names are translated wherever a sentence shows them (one mapping, used by the
messages and the sync commands): a French monitor never reads "monitor" or
"coordinator" inside a French sentence.

Driven through the real CLI against a REAL server process on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sync.conftest import start_server
from tests.sync.helpers import Person


@pytest.fixture
def server(tmp_path: Path):
    process = start_server(tmp_path / "server-data")
    try:
        yield process
    finally:
        process.stop()


def test_role_label_translates_every_role_and_keeps_unknown_codes() -> None:
    from fieldapp import i18n
    from fieldapp.membership import ROLES
    from fieldapp.messages import ROLE_LABELS, role_label

    assert set(ROLE_LABELS) == set(ROLES)
    try:
        i18n.set_language("fr")
        assert [role_label(r) for r in ("coordinator", "monitor", "translator")] == [
            "coordinateur ou coordinatrice", "observateur ou observatrice",
            "traducteur ou traductrice"]
        assert role_label("auditor") == "auditor"
        i18n.set_language("en")
        assert role_label("monitor") == "monitor"
    finally:
        i18n.set_language("en")


def test_role_required_message_names_roles_in_french() -> None:
    from fieldapp import i18n
    from fieldapp.errors import RoleRequired
    from fieldapp.messages import user_message

    try:
        i18n.set_language("fr")
        text = user_message(RoleRequired(role="coordinator", current="translator"))
    finally:
        i18n.set_language("en")
    assert "coordinateur" in text and "traducteur" in text, text
    assert "coordinator" not in text and "translator" not in text, text


def test_join_devices_and_refusal_say_the_role_in_french(server, tmp_path: Path) -> None:
    coord = Person(tmp_path, "coord", "Coord-1")
    coord.ok("project", "create", "--server", server.url, "--name", "Mopti 2024",
             f"--bootstrap-token={server.bootstrap_token}", "--suite", "X25519")
    invite = tmp_path / "monitor.invite"
    coord.ok("invite", "--role", "monitor", "--out", str(invite))
    monitor = Person(tmp_path, "monitor", "Sahel-7")

    joined = monitor.ok("join", str(invite), FIELDAPP_LANG="fr").out
    assert "Mopti 2024" in joined and "observateur" in joined, joined
    assert "monitor" not in joined.split("\n")[0], joined

    devices = coord.ok("devices", FIELDAPP_LANG="fr").out
    assert "coordinateur" in devices and "observateur" in devices, devices
    assert " monitor " not in devices and " coordinator " not in devices, devices

    refused = monitor.run("devices", FIELDAPP_LANG="fr")
    assert refused.code != 0, (refused.code, refused.out, refused.err)
    assert "coordinateur" in refused.err and "observateur" in refused.err, refused.err
    assert "Traceback" not in refused.err
