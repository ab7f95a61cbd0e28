"""fieldapp.demo: a demo profile with about thirty invented records across Mali."""

from __future__ import annotations

import re

from fieldapp.demo import _INCIDENTS, _TESTIMONIES, DEMO_PASSPHRASE, create_demo_profile
from fieldapp.profile import Profile


def test_demo_profile_has_records_across_regions(tmp_path) -> None:
    path = tmp_path / "demo"
    vault = create_demo_profile(path)
    try:
        store = vault.records
        incidents, testimonies = store.count("incident"), store.count("testimony")
        assert 25 <= incidents + testimonies <= 40
        regions = {s.region for s in store.list("incident", limit=100)}
        assert {"Tombouctou", "Gao", "Mopti", "Ségou", "Kidal", "Ménaka", "Koulikoro"} <= regions
        languages = {store.get(s.id).body["language"] for s in store.list(limit=100)}
        assert languages == {"fr", "en"}
        assert [s.title for s in store.search("lere")]  # accent-free search finds Léré
        with_identity = [s for s in store.list("testimony", limit=100)
                         if store.get(s.id).identity]
        assert len(with_identity) == 2
        linked = store.get(store.search("T-TBK-003")[0].id)
        assert linked.body.get("witness_code") == "T-TBK-003"
    finally:
        vault.close()
    reopened = Profile(path).unlock(DEMO_PASSPHRASE)
    assert reopened.records.count("incident") == len(_INCIDENTS)
    reopened.close()


def test_demo_names_no_one() -> None:
    code = re.compile(r"^T-[A-Z]{3}-\d{3}$")
    assert all(code.match(row[0]) for row in _TESTIMONIES)
    identities = [row[-1] for row in _TESTIMONIES if row[-1]]
    assert all("fictif" in i["name"].lower() or "fictional" in i["name"].lower()
               for i in identities)
    dates = [row[1] for row in _INCIDENTS]
    assert all("2019" <= d[:4] <= "2025" for d in dates)
