"""The shipped gazetteer and its search (accent- and case-insensitive)."""

from __future__ import annotations

import json

from fieldapp import gazetteer

ISO_REGIONS = {"Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou", "Gao",
               "Kidal", "Ménaka", "Taoudénit", "Bamako"}
REGIONS_2023 = {"Kita", "Nioro", "Nara", "Dioïla", "Bougouni", "Koutiala", "San",
                "Douentza", "Bandiagara"}


def test_file_is_small_and_well_formed():
    assert gazetteer.DATA_FILE.stat().st_size < 200_000
    data = json.loads(gazetteer.DATA_FILE.read_text(encoding="utf-8"))
    assert data["format"] == 1 and any("GeoNames" in s for s in data["sources"])
    for place in data["places"]:
        assert place["kind"] in ("region", "cercle", "town")
        assert place["name"] and place["region"]
        if place["latitude"] is not None:  # inside Mali's bounding box
            assert 10.0 <= place["latitude"] <= 25.1, place
            assert -12.3 <= place["longitude"] <= 4.3, place
        else:
            assert place["longitude"] is None


def test_regions_and_cercles():
    regions = {p["name"] for p in gazetteer.places() if p["kind"] == "region"}
    assert ISO_REGIONS | REGIONS_2023 <= regions
    cercles = {p["name"]: p["region"] for p in gazetteer.places() if p["kind"] == "cercle"}
    for name in ("Bandiagara", "Bankass", "Djenné", "Douentza", "Koro", "Mopti", "Ténenkou",
                 "Youwarou"):
        assert cercles[name] == "Mopti"
    for name in ("Diré", "Goundam", "Gourma-Rharous", "Niafunké", "Tombouctou"):
        assert cercles[name] == "Tombouctou"
    assert {cercles[n] for n in ("Abeïbara", "Kidal", "Tessalit", "Tin-Essako")} == {"Kidal"}
    assert set(cercles.values()) <= ISO_REGIONS
    # Every region (but the 2023 ones' seats) and most cercles have a point.
    assert all(p["latitude"] is not None for p in gazetteer.places() if p["kind"] == "region")
    located = [p for p in gazetteer.places() if p["kind"] == "cercle" and p["latitude"]]
    assert len(located) >= 45


def test_search_ignores_accents_and_case():
    assert gazetteer.search("lere")[0]["name"] == "Léré"
    assert gazetteer.search("LÉRÉ")[0]["name"] == "Léré"
    assert gazetteer.search("ségou") == gazetteer.search("segou") == gazetteer.search("SEGOU")
    top = gazetteer.search("MOPTI")[0]
    assert top == {"name": "Mopti", "kind": "region", "region": "Mopti", "cercle": None,
                   "latitude": top["latitude"], "longitude": top["longitude"]}
    assert set(top) == set(gazetteer.ENTRY_KEYS)


def test_prefix_before_substring_and_aliases():
    names = [p["name"] for p in gazetteer.search("koro", limit=50)]
    assert names[0] == "Koro"
    assert names.index("Koro") < names.index("Kalaban Koro") < names.index("Koulikoro")
    assert gazetteer.search("timbuktu")[0]["name"] == "Tombouctou"
    assert gazetteer.search("") == [] and gazetteer.search("   ") == []
    assert gazetteer.search("zzzz-nowhere") == []
    assert len(gazetteer.search("a", limit=5)) == 5


def test_lookup():
    assert gazetteer.lookup("Sevare")["cercle"] == "Mopti"
    assert gazetteer.lookup("bankass", kind="cercle")["kind"] == "cercle"
    assert gazetteer.lookup("Mopti")["kind"] == "town"
    assert gazetteer.lookup("Mopti", kind="region")["kind"] == "region"
    assert gazetteer.lookup("Léré", region="Gao") is None
    assert gazetteer.lookup("nowhere-at-all") is None


def test_user_places_join_without_duplicates(vault):
    records = vault.records
    records.add("incident", {"title": "x", "occurred_on": "2024-01-01",
                             "event_type": "looting", "locality": "Kouakourou-Essai",
                             "region": "Mopti"})
    records.add("incident", {"title": "y", "occurred_on": "2024-01-01",
                             "event_type": "looting", "locality": "Léré"})
    found = gazetteer.suggest("kouak", vault)
    assert found == [{"name": "Kouakourou-Essai", "kind": "user", "region": "Mopti",
                      "cercle": None, "latitude": None, "longitude": None}]
    assert gazetteer.suggest("essai", vault)[0]["name"] == "Kouakourou-Essai"  # substring
    assert [p["name"] for p in gazetteer.suggest("lere", vault)] == ["Léré"]
    assert gazetteer.suggest("kouak") == []  # no vault: the gazetteer alone
