"""The shipped gazetteer: one 2023 hierarchy, checked points, search ranking."""

from __future__ import annotations

import json
import math

import pytest

from fieldapp import gazetteer
from fieldapp.export.locate import locate
from fieldapp.tools import build_gazetteer

REGIONS_2023 = {"Bamako", "Kayes", "Koulikoro", "Sikasso", "Ségou", "Mopti", "Tombouctou",
                "Gao", "Kidal", "Taoudénit", "Ménaka", "Nioro", "Kita", "Dioïla", "Nara",
                "Bougouni", "Koutiala", "San", "Douentza", "Bandiagara"}

# Reference points for 30 well-known places, NOT taken from the data file (whose towns
# come from GeoNames): the coordinates in each place's Wikipedia article infobox, read
# through the search tool in December 2025 (language edition in the comment). Where the
# data file's point itself comes from Wikipedia (Konna, Diafarabé, Sévaré), the reference
# is another language edition of Wikipedia.
REFERENCE = {
    "Bamako": (12.65, -8.0),            # en: 12°39′N 8°0′W
    "Kayes": (14.45, -11.4333),         # en: 14°27′N 11°26′W
    "Koulikoro": (12.8611, -7.5583),    # en: 12°51′40″N 7°33′30″W
    "Sikasso": (11.3167, -5.6667),      # en: 11°19′N 5°40′W
    "Ségou": (13.45, -6.2667),          # en: 13°27′N 6°16′W
    "Mopti": (14.4783, -4.1653),        # fr (wikimapia copy): 14°28′42″N 4°9′55″W
    "Tombouctou": (16.7758, -3.0094),   # en Timbuktu: 16°46′33″N 3°00′34″W
    "Gao": (16.2667, -0.05),            # en/de: 16°16′N 0°03′W
    "Kidal": (18.4389, 1.4083),         # en: 18°26′20″N 1°24′30″E
    "Kita": (13.0389, -9.4875),         # en: 13°2′20″N 9°29′15″W
    "Nioro du Sahel": (15.1833, -9.55),  # en: 15°11′N 9°33′W
    "Nara": (15.1685, -7.2902),         # en Nara Cercle: 15°10′06″N 7°17′25″W
    "Dioïla": (12.49, -6.789),          # en Dioïla Cercle: 12.49°N 6.789°W
    "Bougouni": (11.4167, -7.4833),     # en: 11°25′N 7°29′W
    "Koutiala": (12.3833, -5.4667),     # en: 12°23′N 5°28′W
    "San": (13.3, -4.9),                # de: 13°18′N 4°54′W
    "Bandiagara": (14.35, -3.6111),     # ca: 14°21′00″N 3°36′40″W
    "Djenné": (13.9056, -4.555),        # en: 13°54′20″N 4°33′18″W
    "Ansongo": (15.6594, 0.5017),       # en: 15°39′34″N 0°30′6″E
    "Tessalit": (20.2572, 0.9911),      # fr: 20°15′26″N 0°59′28″E
    "Goundam": (16.4172, -3.6667),      # en Goundam Cercle: 16.4172°N 3.6667°W
    "Gourma-Rharous": (16.88, -1.9238),  # en: 16.880°N 1.9238°W
    "Kati": (12.7467, -8.0714),         # en: 12°44′48″N 8°4′17″W
    "Niono": (14.25, -5.9861),          # en: 14°15′0″N 5°59′10″W
    "Koro": (14.0683, -3.0814),         # en: 14°04′06″N 3°04′53″W
    "Diré": (16.2561, -3.41),           # en: 16°15′22″N 3°24′36″W
    "Niafunké": (15.9311, -3.99),       # en: 15°55′52″N 3°59′24″W
    "Konna": (14.95, -3.8833),          # fr: 14°57′N 3°53′W (data: en)
    "Diafarabé": (14.1381, -5.0178),    # fr: 14°08′17″N 5°01′04″W (data: en)
    "Sévaré": (14.5333, -4.1),          # ru: 14°32′N 4°06′W (data: en)
}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return build_gazetteer.km(a[0], a[1], b[0], b[1])


def test_thirty_well_known_places_within_10_km_of_an_independent_source():
    assert len(REFERENCE) == 30
    far = {}
    for name, point in REFERENCE.items():
        place = gazetteer.lookup(name, kind="town")
        assert place is not None and place["latitude"] is not None, name
        distance = _km((place["latitude"], place["longitude"]), point)
        if distance > 10:
            far[name] = round(distance, 1)
    assert far == {}


def test_haversine_is_right():
    # One degree of latitude is about 111.2 km everywhere.
    assert math.isclose(build_gazetteer.km(14, -4, 15, -4), 111.2, abs_tol=0.2)


def test_tessit_is_east_of_greenwich():
    tessit = gazetteer.lookup("Tessit")
    assert tessit["longitude"] == pytest.approx(0.3)
    ansongo = gazetteer.lookup("Ansongo", kind="town")
    assert 40 < _km((tessit["latitude"], tessit["longitude"]),
                    (ansongo["latitude"], ansongo["longitude"])) < 70


def test_file_is_small_well_formed_and_rebuilds_identically(tmp_path):
    assert gazetteer.DATA_FILE.stat().st_size < 200_000
    data = json.loads(gazetteer.DATA_FILE.read_text(encoding="utf-8"))
    assert data["format"] == 2 and any("GeoNames" in s for s in data["sources"])
    assert any("2023-006" in s for s in data["sources"])
    for place in data["places"]:
        assert place["kind"] in ("region", "cercle", "town")
        assert place["region"] in REGIONS_2023, place
        if place["latitude"] is not None:  # inside Mali's bounding box
            assert 10.0 <= place["latitude"] <= 25.1, place
            assert -12.3 <= place["longitude"] <= 4.3, place
        else:
            assert place["longitude"] is None
        if place["kind"] == "town":
            assert place["source"], place
    out = tmp_path / "rebuilt.json"
    build_gazetteer.write(build_gazetteer.build(), out)
    assert out.read_bytes() == gazetteer.DATA_FILE.read_bytes()  # reproducible


def test_one_current_hierarchy():
    assert {p["name"] for p in gazetteer.regions()} == REGIONS_2023
    expected = {"Bandiagara": {"Bandiagara", "Bankass", "Koro"},
                "Douentza": {"Douentza"}, "San": {"San", "Tominian"},
                "Kita": {"Kita"}, "Nioro": {"Nioro du Sahel", "Diéma"},
                "Koutiala": {"Koutiala", "Yorosso"},
                "Bougouni": {"Bougouni", "Kolondiéba", "Yanfolila"},
                "Nara": {"Nara"}, "Dioïla": {"Dioïla"},
                "Mopti": {"Mopti", "Djenné", "Ténenkou", "Youwarou"},
                "Ménaka": {"Ménaka", "Andéramboukane", "Inékar", "Tidermène"}}
    for region, names in expected.items():
        assert {c["name"] for c in gazetteer.cercles(region)} == names, region
    # Every town's region is its cercle's region.
    cercles = {c["name"]: c["region"] for c in gazetteer.cercles()}
    for town in gazetteer.towns():
        if town["cercle"]:
            assert cercles[town["cercle"]] == town["region"], town


@pytest.mark.parametrize("typed_region", ["Mopti", "Bandiagara", "mopti", None, "Ségou"])
def test_same_village_same_region_whatever_was_typed(typed_region):
    body = {"locality": "Ogossagou", "event_type": "massacre"}
    if typed_region:
        body["region"] = typed_region
    place = locate(body)
    assert (place.region, place.cercle) == ("Bandiagara", "Bankass")
    assert gazetteer.lookup("Ogossagou", region=typed_region or "Bandiagara") is not None \
        or typed_region == "Ségou"


def test_old_names_are_aliases():
    assert gazetteer.region_of("Timbuktu") == "Tombouctou"
    assert gazetteer.region_of("Nioro du Sahel") == "Nioro"
    assert gazetteer.region_of("nowhere") is None
    assert gazetteer.lookup("Bankass", kind="cercle", region="Mopti")["region"] == "Bandiagara"
    assert gazetteer.resolve("Mopti", "Bankass").region == "Bandiagara"


def test_a_village_without_a_point_goes_to_its_cercle_never_another_town():
    no_point = [t for t in gazetteer.towns() if t["latitude"] is None]
    assert {"Ogossagou", "Ber", "Boulkessi"} <= {t["name"] for t in no_point}
    for town in no_point:
        place = locate({"locality": town["name"]})
        cercle = gazetteer.lookup(town["cercle"], kind="cercle")
        if cercle["latitude"] is not None:
            assert (place.latitude, place.longitude, place.precision, place.basis) == (
                cercle["latitude"], cercle["longitude"], 2, "cercle")
        else:
            assert place.precision == 3 and place.basis == "region"
    moura = locate({"locality": "Moura", "region": "Mopti"})
    djenne = gazetteer.lookup("Djenné", kind="town")
    assert moura.precision == 1 and (moura.latitude, moura.longitude) != (
        djenne["latitude"], djenne["longitude"])


def test_search_ignores_accents_and_case():
    assert gazetteer.search("lere")[0]["name"] == "Léré"
    assert gazetteer.search("LÉRÉ")[0]["name"] == "Léré"
    assert gazetteer.search("ségou") == gazetteer.search("segou") == gazetteer.search("SEGOU")
    top = gazetteer.search("MOPTI")[0]
    assert top == {"name": "Mopti", "kind": "region", "region": "Mopti", "cercle": None,
                   "latitude": top["latitude"], "longitude": top["longitude"]}
    assert set(top) == set(gazetteer.ENTRY_KEYS)


def test_word_starts_rank_first():
    assert [p["name"] for p in gazetteer.search("ber")][0] == "Ber"
    # Koulikoro has the alias "Koulikoro-Liberte": "ber" inside a word of an alias is
    # no match at all.
    assert "Koulikoro" not in [p["name"] for p in gazetteer.search("ber", limit=50)]
    names = [p["name"] for p in gazetteer.search("koro", limit=50)]
    assert names[0] == "Koro"
    assert names.index("Kalaban Koro") < names.index("Koulikoro")  # word start first
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


def test_distinct_choices_for_forms():
    regions, cercles, towns = gazetteer.regions(), gazetteer.cercles("Bandiagara"), \
        gazetteer.towns(cercle="Bankass")
    assert all(p["kind"] == "region" for p in regions) and len(regions) == 20
    assert all(p["kind"] == "cercle" for p in cercles)
    assert {"Bankass", "Ogossagou", "Diallassagou"} <= {t["name"] for t in towns}
    assert gazetteer.cercles("nowhere") == []


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
    assert gazetteer.suggest("essai", vault)[0]["name"] == "Kouakourou-Essai"  # word start
    assert [p["name"] for p in gazetteer.suggest("lere", vault)] == ["Léré"]
    assert gazetteer.suggest("kouak") == []  # no vault: the gazetteer alone
