"""A vault whose records carry identity markers, names in free text, a place below the
cercle and a real attachment: what a report must leave out, mask or list."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

IDENTITY_NAME = "Aminata Dembélé"
IDENTITY_PHONE = "+223 70 11 22 33"
IDENTITY_HOME = "Maison-Marqueur près du puits"
PERSON_NAME = "Oumar Sangaré"
PROTECTION = "Protection-Marqueur: menacé par des hommes armés"
# Free text names people by first name only: the full names are identity markers.
TESTIMONY_TEXT = ("Aminata a vu les motos arriver à Sévaré-Marqueur. Oumar est parti vers "
                  "Ké-Macina. Moussa Traoré les connaissait.")
IDENTITY_MARKERS = (IDENTITY_NAME, IDENTITY_PHONE, IDENTITY_HOME, PROTECTION)


@dataclass
class Filled:
    vault: object
    ids: dict[str, str] = field(default_factory=dict)
    sha256: str = ""


def member(vault, role: str) -> None:
    """Make the profile a project member with ``role`` (keys are not needed here)."""
    from fieldapp.membership import Membership, device_identity, save_membership
    from fieldapp.records import transaction

    with transaction(vault.conn):
        key_id = device_identity(vault.conn, "X25519").public.key_id
        save_membership(vault.conn, Membership(
            "p", "Projet", "http://127.0.0.1:9", role, "d" * 16, "t", key_id, "X25519",
            "", [], "", None))


@pytest.fixture
def filled(vault, tmp_path: Path) -> Filled:
    from fieldapp import attachments
    from tests.media.samples import jpeg_with_metadata

    out = Filled(vault)
    records = vault.records
    out.ids["mopti"] = records.add("incident", {
        "title": "Arrestations au marché de Sévaré-Marqueur", "occurred_on": "2023-03-02",
        "region": "Mopti", "locality": "Sévaré-Marqueur", "commune": "Socoura-Marqueur",
        "latitude": 14.53, "longitude": -4.1, "geo_precision": "exact",
        "event_type": "arbitrary_arrest", "perpetrators": ["armed_forces",
                                                           "foreign_paramilitaries"],
        "detained_min": 12, "detained_max": 30, "killed_max": 2,
        "description": "Des soldats ont emmené Moussa Traoré et onze autres hommes du "
                       "marché de Sévaré-Marqueur.", "language": "fr"})
    out.ids["gao"] = records.add("incident", {
        "title": "Village pillé", "occurred_on": "2023-05", "region": "Gao",
        "locality": "Ansongo", "event_type": "looting", "perpetrators": ["jihadist_group"],
        "killed_min": 3, "description": "Greniers vidés.", "language": "fr"})
    out.ids["kidal"] = records.add("incident", {
        "title": "Frappe de drone", "occurred_on": "2024-01-10", "region": "Kidal",
        "event_type": "air_drone_strike", "perpetrators": ["armed_forces"],
        "killed_min": 1, "killed_max": 4})
    out.ids["testimony"] = records.add("testimony", {
        "witness_code": "T-MPT-101", "relation": "eyewitness", "text": TESTIMONY_TEXT,
        "interview_place": "Sévaré-Marqueur", "interview_date": "2023-03-10",
        "language": "fr", "consent": ["anonymised_publication"],
        "protection_concerns": PROTECTION, "incident_ids": [out.ids["mopti"]],
        "identity": {"name": IDENTITY_NAME, "phone": IDENTITY_PHONE,
                     "home": IDENTITY_HOME}})
    out.ids["person"] = records.add("person", {
        "code": "V-MPT-007", "role": "victim", "sex": "male", "status": "detained",
        "incident_ids": [out.ids["mopti"]], "identity": {"name": PERSON_NAME}})
    photo = tmp_path / "marche.jpg"
    photo.write_bytes(jpeg_with_metadata())
    attachments.attach(vault, out.ids["mopti"], photo, keep_original=True)
    out.sha256 = attachments.list_for(vault, out.ids["mopti"])[0].sha256_original
    return out


def pdf_text(path: Path) -> str:
    """The text of a PDF as pdftotext reads it (poppler-utils; bootstrap installs it)."""
    import subprocess

    tool = shutil.which("pdftotext")
    assert tool, "pdftotext is missing: run packaging/bootstrap.sh as root"
    return subprocess.run([tool, "-enc", "UTF-8", str(path), "-"], capture_output=True,
                          check=True).stdout.decode("utf-8")
