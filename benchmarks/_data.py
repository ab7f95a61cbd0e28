"""Invented incident data for benchmarks (public place names, made-up events)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

PLACES = [("Mopti", "Bandiagara", "Ogossagou"), ("Mopti", "Bankass", "Diallassago"),
          ("Mopti", "Djenné", "Djenné"), ("Mopti", "Douentza", "Boni"),
          ("Tombouctou", "Niafunké", "Léré"), ("Tombouctou", "Goundam", "Goundam"),
          ("Gao", "Ansongo", "Tessit"), ("Gao", "Bourem", "Bourem"),
          ("Ségou", "Niono", "Farabougou"), ("Ségou", "Macina", "Macina"),
          ("Ménaka", "Ménaka", "Anderamboukane"), ("Kidal", "Kidal", "Kidal"),
          ("Koulikoro", "Kati", "Kati"), ("Mopti", "Ténenkou", "Dioura")]
EVENTS = ["attack_on_civilians", "abduction", "arbitrary_arrest", "looting", "execution",
          "destruction_of_property", "livestock_theft", "displacement", "ied_landmine",
          "air_drone_strike", "armed_clash", "extortion"]
WORDS = ("hommes armés village marché puits troupeau motos nuit matin habitants fuite "
         "blessés disparus maisons incendiées route convoi mine berger champ école "
         "mosquée foire camion bus checkpoint détenus rançon greniers récolte").split()


def incidents(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(n):
        region, cercle, locality = rng.choice(PLACES)
        year, month, day = rng.randint(2018, 2025), rng.randint(1, 12), rng.randint(1, 28)
        low = rng.randint(0, 40)
        yield {
            "title": f"{rng.choice(WORDS).capitalize()} {locality} {i}",
            "occurred_on": f"{year}-{month:02d}-{day:02d}",
            "region": region, "cercle": cercle, "locality": locality,
            "event_type": rng.choice(EVENTS),
            "perpetrators": [rng.choice(["unknown", "jihadist_group", "armed_forces",
                                          "militia", "foreign_paramilitaries"])],
            "killed_min": low, "killed_max": low + rng.randint(0, 10),
            "description": " ".join(rng.choice(WORDS) for _ in range(45)),
        }
