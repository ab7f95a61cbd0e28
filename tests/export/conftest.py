"""A vault filled with incidents that stress every export: accents, commas, quotes,
new lines, formula-looking text, missing coordinates; a testimony and a person with
identity sections; an attachment row, a review and a translation."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from fieldapp import audit
from fieldapp.records import transaction
from fieldapp.text import uuid7

# Markers that must appear only in the JSON export (identity) or never outside JSON.
IDENTITY_NAME = "Aminata-Marqueur-Identite"
IDENTITY_PHONE = "+223 70 00 00 00"
TESTIMONY_TEXT = "Temoignage-Marqueur: ils sont arrivés à l'aube."
FILE_KEY = b"K" * 32
THUMBNAIL = b"\x89PNG-thumbnail-bytes-marker"


@dataclass
class Filled:
    vault: object
    ids: dict[str, str] = field(default_factory=dict)


INCIDENTS = {
    # Own coordinates, exact; accents, comma, quotes, new line, formula-looking title.
    "lere": {"title": "=HYPERLINK(\"http://x\",\"clic\")", "occurred_on": "2024-03-02",
             "region": "Tombouctou", "cercle": "Niafunké", "locality": "Léré",
             "latitude": 15.7167, "longitude": -4.9167, "geo_precision": "exact",
             "event_type": "attack_on_civilians", "perpetrators": ["unknown"],
             "killed_min": 4, "killed_max": 9,
             "description": "Marché de Léré, \"jour de foire\", tirs;\nvirgule, ici",
             "source": "@réseau local"},
    # No coordinates: the gazetteer places the locality (a town it knows).
    "hombori": {"title": "Enlèvement près de Hombori", "occurred_on": "2023-11",
                "region": "Mopti", "locality": "Hombori", "event_type": "abduction",
                "perpetrators": ["jihadist_group"], "abducted_min": 3,
                "perpetrators_detail": "-groupe armé non identifié"},
    # No coordinates, unknown locality: the cercle's seat (precision 2).
    "bankass": {"title": "Village incendié", "occurred_on": "2022",
                "region": "Mopti", "cercle": "Bankass", "locality": "Kouakourou-Essai",
                "event_type": "destruction_of_property",
                "perpetrators": ["militia", "armed_forces"], "killed_min": 0},
    # Only the region (precision 3), no killed count at all.
    "menaka": {"title": "+Frappe de drone", "occurred_on": "2024-01-05",
               "region": "Ménaka", "event_type": "air_drone_strike",
               "perpetrators": ["foreign_paramilitaries"]},
    # Nothing places it.
    "nowhere": {"title": "Lieu inconnu", "occurred_on": "2024-02-01",
                "event_type": "armed_clash"},
}


@pytest.fixture
def filled(vault) -> Filled:
    records = vault.records
    out = Filled(vault)
    for key, body in INCIDENTS.items():
        out.ids[key] = records.add("incident", body)
    records.edit(out.ids["lere"], {"killed_max": 10})
    out.ids["testimony"] = records.add("testimony", {
        "witness_code": "W-017", "relation": "eyewitness", "text": TESTIMONY_TEXT,
        "incident_ids": [out.ids["lere"]],
        "identity": {"name": IDENTITY_NAME, "phone": IDENTITY_PHONE}})
    out.ids["person"] = records.add("person", {
        "code": "V-003", "role": "victim", "sex": "female", "status": "killed",
        "incident_ids": [out.ids["lere"]], "identity": {"name": IDENTITY_NAME + "-2"}})
    conn = vault.conn
    at = audit.now()
    with transaction(conn):
        conn.execute(
            "INSERT INTO attachment (id, record_id, kind, mime, name, size, stored_size, "
            "sha256_original, sha256_stored, file_key, has_original, stripped, thumbnail, "
            "width, height, created_at, created_by) VALUES (?, ?, 'image', 'image/jpeg', "
            "'photo.jpg', 10, 38, ?, ?, ?, 0, '{\"gps\": true}', ?, 4, 3, ?, 'Sahel-7')",
            (uuid7(), out.ids["lere"], "a" * 64, "b" * 64, FILE_KEY, THUMBNAIL, at))
        conn.execute(
            "INSERT INTO review (id, record_id, status, note, reviewer, created_at) "
            "VALUES (?, ?, 'verified', 'recoupé', 'Coord-1', ?)", (uuid7(), out.ids["lere"], at))
        conn.execute(
            "INSERT INTO translation (id, record_id, field, target_lang, text, translator, "
            "created_at) VALUES (?, ?, 'text', 'en', 'They came at dawn.', 'Tr-1', ?)",
            (uuid7(), out.ids["testimony"], at))
    return out
