"""A demo profile: about thirty sample incidents and testimonies across Mali's regions.

Everything here is invented, written in our own words from the kinds of facts public
reporting describes (places, armed actors, kinds of incidents, orders of magnitude). No
real person is named: witnesses are codes such as ``T-GAO-014`` and the two identity
sections hold obviously fake values ("Nom fictif 1"). Half the records are in French,
half in English, as in the field.

The demo lives in a throw-away folder with a known passphrase shown on screen. The
embedded sync server on 127.0.0.1 is started by the desktop app (`ui.demo_server`), since
the core imports no sync code.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from . import gazetteer
from .profile import Profile, Vault
from .records import transaction

DEMO_PASSPHRASE = "demo-sahel-2024"  # noqa: S105 - public on purpose, shown on screen
DEMO_PSEUDONYM = "Demo-Moniteur"

# title, date, region, cercle, locality, event type, perpetrators, counts, language,
# description, tags
_INCIDENTS: list[tuple[Any, ...]] = [
    ("Exécution de deux bergers au sud de Léré", "2023-11-12", "Tombouctou", "Niafunké",
     "Léré", "execution", ["foreign_paramilitaries", "armed_forces"],
     {"killed": (2, 2)}, "fr",
     "Deux bergers auraient été arrêtés près d'un point d'eau puis tués. Les familles "
     "n'ont pas pu récupérer les corps avant deux jours.", ["bergers", "point d'eau"]),
    ("Campements nomades pillés près de Léré", "2023-10", "Tombouctou", "Niafunké", "Léré",
     "looting", ["foreign_paramilitaries"], {"displaced": (40, 120)}, "fr",
     "Plusieurs campements auraient été fouillés, le bétail emporté et les tentes "
     "incendiées. Les habitants sont partis vers la frontière mauritanienne.",
     ["bétail", "déplacement"]),
    ("Villagers flee to the bush at the sound of vehicles", "2024-02", "Tombouctou",
     "Goundam", "Goundam", "displacement", ["jihadist_group", "armed_forces"],
     {"displaced": (200, 500)}, "en",
     "Residents describe leaving their homes whenever vehicles approach, without knowing "
     "which armed group is coming. Children have stopped going to school.",
     ["self-protection", "schools"]),
    ("Blocus de la route de Tombouctou", "2023-08", "Tombouctou", "Tombouctou", "Tombouctou",
     "blockade", ["jihadist_group"], {}, "fr",
     "Les camions de ravitaillement ne passent plus ; le prix du riz et du carburant a "
     "fortement augmenté sur les marchés de la ville.", ["blocus", "vivres"]),
    ("Drone strike on a market day", "2024-03-17", "Tombouctou", "Goundam", "Goundam",
     "air_drone_strike", ["armed_forces"], {"killed": (5, 13), "injured": (8, 20)}, "en",
     "A strike reportedly hit a crowded area near livestock pens during the weekly market. "
     "Figures differ between sources; the minimum is what two witnesses confirm.",
     ["market", "drone"]),
    ("Attaque d'un village peul dans le cercle de Bankass", "2019-03", "Mopti", "Bankass",
     "Ogossagou", "massacre", ["militia"], {"killed": (100, 160), "injured": (20, 60)}, "fr",
     "Des hommes armés seraient entrés à l'aube et auraient incendié des concessions. Le "
     "bilan reste incertain ; plusieurs sources citent plus d'une centaine de morts.",
     ["milice", "incendie"]),
    ("Arrests at a weekly fair", "2022-03", "Mopti", "Djenné", "Moura", "arbitrary_arrest",
     ["armed_forces", "foreign_paramilitaries"], {"detained": (20, 60), "killed": (10, 40)},
     "en", "Soldiers and foreign fighters reportedly surrounded the fair and separated men "
     "from women. Some detainees were later found dead; others are still missing.",
     ["fair", "missing"]),
    ("Engin explosif sur la route de Boni", "2022-09-04", "Mopti", "Douentza", "Boni",
     "ied_landmine", ["jihadist_group"], {"killed": (3, 4), "injured": (6, 6)}, "fr",
     "Un minibus de passagers aurait sauté sur un engin explosif improvisé entre Boni et "
     "Hombori.", ["route", "transport"]),
    ("Livestock seized near Diafarabé", "2021-12", "Mopti", "Ténenkou", "Diafarabé",
     "livestock_theft", ["jihadist_group"], {}, "en",
     "Herders say several hundred cattle were taken at the river crossing and a 'tax' was "
     "demanded for the rest.", ["cattle", "zakat"]),
    ("Attaque du camp de Dioura, civils pris entre deux feux", "2024-05-23", "Mopti",
     "Ténenkou", "Dioura", "armed_clash", ["jihadist_group", "armed_forces"],
     {"killed": (2, 5), "displaced": (100, 300)}, "fr",
     "Après l'attaque du camp militaire, des familles ont quitté le bourg par peur des "
     "représailles.", ["représailles"]),
    ("Enlèvement de passagers à Hombori", "2023-06", "Mopti", "Douentza", "Hombori",
     "abduction", ["jihadist_group"], {"abducted": (4, 7)}, "fr",
     "Des passagers d'un car auraient été emmenés par des hommes à moto ; deux ont été "
     "relâchés contre rançon.", ["rançon", "car"]),
    ("Villages burned in central Mali", "2024-06-18", "Ségou", "Niono", "Niono",
     "attack_on_civilians", ["jihadist_group"], {"killed": (20, 130), "displaced": (500, 2000)},
     "en", "Coordinated night attacks on several villages; survivors reached Niono on foot. "
     "Counts are still being checked by the team.", ["night attack", "villages"]),
    ("Racket aux points de contrôle de la route de Ségou", "2022-11", "Ségou", "Ségou",
     "Ségou", "extortion", ["jihadist_group", "armed_forces"], {}, "fr",
     "Des commerçants décrivent des « droits de passage » exigés à plusieurs barrages, "
     "par des hommes armés des deux côtés.", ["barrage", "commerce"]),
    ("Farmers prevented from harvesting", "2023-10", "Ségou", "Macina", "Macina",
     "blockade", ["jihadist_group"], {"displaced": (50, 150)}, "en",
     "Armed men told villagers not to harvest fields near the river; several families "
     "left for Ségou town.", ["harvest", "food"]),
    ("Frappe aérienne sur un rassemblement à Talataye", "2024-01", "Gao", "Ansongo",
     "Ansongo", "air_drone_strike", ["armed_forces"], {"killed": (6, 15)}, "fr",
     "Une frappe aurait visé un rassemblement lors d'une cérémonie ; les autorités parlent "
     "de combattants, les habitants de civils.", ["frappe", "cérémonie"]),
    ("Displaced families arrive in Gao", "2022-08", "Gao", "Gao", "Gao", "displacement",
     ["jihadist_group"], {"displaced": (1000, 3000)}, "en",
     "Families from the Ménaka border area arrive in Gao after attacks by the Islamic State "
     "in the Sahel; many sleep in schools.", ["IDP", "schools"]),
    ("Pillage de boutiques à Bourem", "2023-09", "Gao", "Bourem", "Bourem", "looting",
     ["separatist_group", "armed_forces"], {}, "fr",
     "Pendant les combats autour de la ville, des boutiques auraient été pillées ; chaque "
     "camp accuse l'autre.", ["combats", "commerce"]),
    ("Executions of men in a Ménaka village", "2022-03", "Ménaka", "Ménaka", "Ménaka",
     "execution", ["jihadist_group"], {"killed": (20, 45)}, "en",
     "Men were reportedly gathered and shot after being accused of supporting a rival "
     "armed group. Survivors fled towards Ménaka town.", ["collective punishment"]),
    ("Enlèvement d'un conseiller communal", "2023-04", "Ménaka", "Ménaka", "Ménaka",
     "abduction", ["jihadist_group"], {"abducted": (1, 1)}, "fr",
     "Le conseiller aurait été emmené de nuit ; sa famille n'a reçu aucune nouvelle.",
     ["élu"]),
    ("Frappe de drone près d'Aguelhok", "2024-03", "Kidal", "Tessalit", "Aguelhok",
     "air_drone_strike", ["armed_forces"], {"killed": (3, 8)}, "fr",
     "Un véhicule transportant des civils aurait été touché sur une piste ; un enfant "
     "figure parmi les victimes selon la famille.", ["drone", "enfant"]),
    ("Arrests after the return of troops to Kidal", "2023-11", "Kidal", "Kidal", "Kidal",
     "arbitrary_arrest", ["armed_forces", "foreign_paramilitaries"], {"detained": (10, 30)},
     "en", "Young men were reportedly detained during house searches; relatives do not "
     "know where they are held.", ["house searches", "detention"]),
    ("Violences sexuelles lors d'une attaque près de Kati", "2022-07", "Koulikoro", "Kati",
     "Kati", "sexual_violence", ["unknown"], {"injured": (2, 4)}, "fr",
     "Des femmes auraient été agressées pendant le pillage d'un hameau. Les détails sont "
     "conservés dans les témoignages, sous accès restreint.", ["VBG", "accès restreint"]),
    ("Attack on a convoy near Nara", "2024-09", "Nara", "Nara", "Nara", "armed_clash",
     ["jihadist_group", "armed_forces"], {"killed": (1, 3), "injured": (4, 10)}, "en",
     "Civilian trucks travelling with a military escort were caught in an ambush.",
     ["convoy", "ambush"]),
]

# witness code, relation, interview date, place, language, text, consent, follow-up,
# linked incident indexes, identity or None
_TESTIMONIES: list[tuple[Any, ...]] = [
    ("T-TBK-003", "eyewitness", "2023-11-20", "Léré", "fr",
     "J'étais au puits avec les animaux quand les véhicules sont arrivés. Ils ont pris les "
     "deux bergers à l'écart. Nous avons entendu des tirs et nous avons fui vers les dunes.",
     ["internal"], True, [0], {"name": "Nom fictif 1", "phone": "+223 00 00 00 00",
                               "notes": "Exemple de section d'identité (fictive)."}),
    ("T-TBK-007", "relative", "2023-11-02", "Tombouctou", "fr",
     "Ma famille a quitté le campement la nuit même. Nous avons tout laissé derrière nous, "
     "même les bêtes.", ["anonymised_publication"], False, [1], None),
    ("T-TBK-011", "victim", "2024-02-28", "Goundam", "en",
     "When we hear engines we run, everyone, the old and the children too. We sleep "
     "outside and come back in the morning if it is quiet.", ["anonymised_publication"],
     False, [2], None),
    ("T-MPT-021", "eyewitness", "2022-04-05", "Mopti", "en",
     "They made the men sit in rows at the fair. I was sent away with the women. My "
     "neighbour's son never came back.", ["internal"], True, [6],
     {"name": "Fictional name 2", "contact": "through the regional focal point (example)"}),
    ("T-MPT-034", "hearsay", "2022-09-10", "Douentza", "fr",
     "Le chauffeur du car suivant a raconté l'explosion ; il a aidé à transporter les "
     "blessés jusqu'au centre de santé.", ["anonymised_publication", "named_partners"],
     False, [7], None),
    ("T-SEG-009", "eyewitness", "2024-06-25", "Niono", "en",
     "We walked all night with the children. Behind us the granaries were burning.",
     ["anonymised_publication"], True, [11], None),
    ("T-GAO-014", "victim", "2024-01-30", "Gao", "fr",
     "C'était une cérémonie de mariage, pas un rassemblement de combattants. Mon frère "
     "a été blessé.", ["internal"], True, [14], None),
    ("T-MNK-002", "relative", "2022-03-30", "Ménaka", "en",
     "My cousins were taken out with the other men. We found them the next day.",
     ["internal"], True, [17], None),
    ("T-KDL-005", "relative", "2023-12-05", "Kidal", "fr",
     "Ils ont fouillé les maisons et emmené les jeunes hommes. Depuis, nous ne savons pas "
     "où ils sont détenus.", ["named_partners"], True, [20], None),
]


def _incident_body(row: tuple[Any, ...]) -> dict[str, Any]:
    title, date, region, cercle, locality, event, perps, counts, lang, text, tags = row
    body: dict[str, Any] = {"title": title, "occurred_on": date, "region": region,
                            "cercle": cercle, "locality": locality, "event_type": event,
                            "perpetrators": perps, "language": lang, "description": text,
                            "tags": [*tags, "demo"], "source": "demo"}
    for what, (low, high) in counts.items():
        body[f"{what}_min"], body[f"{what}_max"] = low, high
    place = _locate(locality)
    if place is not None:
        body["latitude"], body["longitude"] = place
        body["geo_precision"] = "near"
    return body


def _locate(name: str) -> tuple[float, float] | None:
    for place in gazetteer.search(name):
        if place.get("latitude") is not None and place.get("longitude") is not None:
            return float(place["latitude"]), float(place["longitude"])
    return None


def _testimony_body(row: tuple[Any, ...], incident_ids: list[str]) -> dict[str, Any]:
    code, relation, date, place, lang, text, consent, follow, links, identity = row
    body: dict[str, Any] = {"witness_code": code, "relation": relation,
                            "interview_date": date, "interview_place": place,
                            "language": lang, "text": text, "consent": consent,
                            "follow_up": follow, "tags": ["demo"],
                            "incident_ids": [incident_ids[i] for i in links]}
    if identity:
        body["identity"] = identity
    return body


def fill_demo(vault: Vault) -> tuple[int, int]:
    """Write the sample records into ``vault``; returns (incidents, testimonies) written."""
    store = vault.records
    incidents = store.add_many("incident", [_incident_body(r) for r in _INCIDENTS])
    store.add_many("testimony", [_testimony_body(r, incidents) for r in _TESTIMONIES])
    with transaction(vault.conn):
        vault.set_setting("demo", "1")
    return len(incidents), len(_TESTIMONIES)


def create_demo_profile(path: Path | str, passphrase: str = DEMO_PASSPHRASE, *,
                        kdf_seconds: float = 0) -> Vault:
    """A new profile at ``path`` filled with the sample records; returns it unlocked.

    The demo is not secret, so the key derivation uses the floor (64 MiB, 3 passes)."""
    vault, _recovery = Profile(path).create(DEMO_PSEUDONYM, passphrase, kdf_seconds)
    fill_demo(vault)
    return vault


def new_demo_folder() -> Path:
    """A fresh private (0700) temporary folder; the profile goes in its ``profile``."""
    return Path(tempfile.mkdtemp(prefix="fieldapp-demo-")) / "profile"


def is_demo(vault: Vault) -> bool:
    return vault.setting("demo") == "1"
