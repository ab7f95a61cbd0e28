"""Shared by the tests of translations coming home (test_translations_home.py,
test_translations_attack.py): a project of a coordinator, two monitors and a translator
through a real server, a testimony assigned, and crafted translation items."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from fieldapp import audit, translations
from fieldapp.membership import membership
from fieldapp.text import uuid7
from sync.client import SyncClient
from tests.sync.helpers import fast_settings, make_project

TESTIMONY = {"witness_code": "T-31", "language": "fr",
             "summary": "Des familles déplacées vers Mopti",
             "text": "Les familles sont parties à pied vers Mopti. Le marché a fermé.",
             "identity": {"name": "Nom Inventé"}}


def sync_all(*vaults) -> None:
    """Sync each vault in turn; each sync must complete."""
    for vault in vaults:
        report = SyncClient(vault, settings=fast_settings()).sync()
        assert report.complete, report


def device_of(vault) -> str:
    return membership(vault.conn).device_id


def four_devices(server, tmp_path: Path) -> Iterator[tuple]:
    """(coordinator, monitor, other monitor, translator), all approved (for a fixture:
    ``yield from four_devices(server, tmp_path)``)."""
    coord, (mon, other, trad) = make_project(server, tmp_path, monitors=2, translator=True)
    yield coord, mon, other, trad
    for vault in (coord, mon, other, trad):
        vault.close()


def assigned(project, fields=("summary",)) -> str:
    """A testimony of the monitor, assigned by the coordinator into English (``fields``),
    and synced to the translator and the monitor."""
    coord, mon, other, trad = project
    tes = mon.records.add("testimony", TESTIMONY)
    sync_all(mon, other, coord)
    translations.assign(coord.conn, coord.pseudonym, tes, trad.pseudonym, "en", list(fields))
    sync_all(coord, trad, mon)
    return tes


def translation_item(record_id: str, who, field: str = "summary", lang: str = "en",
                     text: str = "Forged") -> dict:
    """A translation item in ``who``'s name, as a hostile device would craft it."""
    return {"type": "translation", "id": uuid7(), "record_id": record_id, "field": field,
            "source_lang": "fr", "target_lang": lang, "text": text,
            "translator": who.pseudonym, "status": "done", "created_at": audit.now()}
