"""The CLI round trip through real processes and a real SQLCipher profile."""

import json


def test_init_add_show_search(cli, initialised, tmp_path):
    assert len(initialised.replace("-", "")) == 32
    incident = {"title": "Attaque du marché de Léré", "occurred_on": "2024-03-02",
                "region": "Tombouctou", "locality": "Léré",
                "event_type": "attack_on_civilians", "perpetrators": ["unknown"],
                "killed_min": 4, "description": "Des hommes armés ont tiré sur le marché."}
    src = tmp_path / "i.json"
    src.write_text(json.dumps(incident))
    added = cli("incident", "add", "--from", str(src))
    assert added.code == 0, added.err
    record_id = added.out.strip()
    shown = cli("show", record_id, "--json").json()
    assert shown["body"]["locality"] == "Léré"
    found = cli("search", "lere", "--json").json()
    assert [r["id"] for r in found] == [record_id]
    assert cli("search", "LÉRÉ", "--json").json()[0]["id"] == record_id
    assert cli("search", "tombouctou marche", "--json").json()[0]["id"] == record_id
    assert cli("search", "gao", "--json").json() == []
