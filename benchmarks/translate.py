"""The translator's desk benchmark (issue 11): a translation-memory lookup among 50,000
sentences (target < 50 ms), and the side-by-side editor opening a 20,000-word testimony
(target < 300 ms, until its window is shown and laid out). Also what an assignment costs
the coordinator's app: finding the project memory's pairs for the assigned sentences
(`memory.shared_for`, bounded by its time budget), for a 1,000-word and a 20,000-word text.

The memory is built from 50,000 generated French sentences and their "translations";
lookups are sentences near one of them (fuzzy), equal to one (exact) and unlike any.
The editor opens on a real vault (a temporary profile) holding one testimony of 20,000
words in 200 paragraphs, assigned to this device.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/translate.py
"""

from __future__ import annotations

import json
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from fieldapp.memory import TranslationMemory  # noqa: E402

TARGETS = {"memory_lookup_ms_median": 50.0, "editor_open_ms": 300.0}
WORDS = ("les hommes armés sont arrivés au marché de village nuit matin soldats "
         "boutiques pillé brûlé déplacés internes cercle région famille enfants femmes "
         "puits troupeau motos route convoi mine école centre santé chef témoin").split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def memory_figures(report: dict[str, float]) -> None:
    rng = random.Random(11)
    units = [(f"{sentence(rng, rng.randint(4, 30))[:-1]} {i}.", f"Translated sentence {i}.")
             for i in range(50_000)]
    started = time.perf_counter()
    memory = TranslationMemory(units)
    report["memory_build_s"] = round(time.perf_counter() - started, 2)
    probes = []
    for i in range(30):
        source = units[rng.randrange(len(units))][0]
        words = source.split()
        words[rng.randrange(len(words) - 1)] = rng.choice(WORDS)
        probes.append(" ".join(words))                 # near one (fuzzy)
        probes.append(units[rng.randrange(len(units))][0])   # exact
        probes.append("Rien à voir avec ces phrases, vraiment rien du tout " + str(i))
    times, found = [], 0
    for probe in probes:
        started = time.perf_counter()
        found += bool(memory.lookup(probe))
        times.append((time.perf_counter() - started) * 1000)
    report["memory_sentences"] = len(memory)
    report["memory_lookup_ms_median"] = round(statistics.median(times), 2)
    report["memory_lookup_ms_max"] = round(max(times), 2)
    report["load_average_1min"] = round(os.getloadavg()[0], 2)
    report["memory_lookups_with_a_suggestion"] = found
    shared_figures(report, memory, rng)


def shared_figures(report: dict[str, float], memory: TranslationMemory,
                   rng: random.Random) -> None:
    from fieldapp.memory import SHARED_BUDGET_S, shared_for

    for words in (1_000, 20_000):
        # the text reuses a few of the memory's sentences, as a real one does
        paragraphs = []
        for _ in range(words // 100):
            row = [sentence(rng, 10) for _ in range(9)]
            row.append(memory._units[rng.randrange(len(memory))][0])
            paragraphs.append(" ".join(row))
        started = time.perf_counter()
        pairs = shared_for(memory, ["\n".join(paragraphs)])
        key = f"assign_shared_{words}_words"
        report[f"{key}_s"] = round(time.perf_counter() - started, 2)
        report[f"{key}_pairs"] = len(pairs)
    report["assign_shared_budget_s"] = SHARED_BUDGET_S


def editor_figures(report: dict[str, float]) -> None:
    from PySide6.QtWidgets import QApplication

    from fieldapp import translations
    from fieldapp.profile import Profile
    from ui.ops import Ops
    from ui.translate.access import DeskAccess
    from ui.translate.editor import TranslationEditor

    app = QApplication.instance() or QApplication([])
    rng = random.Random(7)
    text = "\n".join(" ".join(sentence(rng, 10) for _ in range(10)) for _ in range(200))
    with tempfile.TemporaryDirectory() as tmp:
        vault, _key = Profile(Path(tmp) / "p").create("Trad-1", "benchmark passphrase",
                                                      kdf_seconds=0)
        rid = vault.records.add("testimony", {"witness_code": "T-1", "text": text,
                                              "language": "fr"})
        vault.conn.execute(
            "INSERT INTO assignment (id, record_id, translator, translator_device, "
            "target_lang, fields, assigned_by, created_at) VALUES (?, ?, 'Trad-1', "
            "'0000000000000000', 'en', '[\"text\"]', 'Coord-1', '2024-06-01T10:00:00Z')",
            ("01900000-0000-7000-8000-000000000001", rid))
        vault.close()
        vault = Profile(Path(tmp) / "p").unlock("benchmark passphrase",
                                                check_same_thread=False)
        ops = Ops()
        from ui.models.vault_access import VaultAccess

        access = VaultAccess(vault, ops)
        desk = DeskAccess(access)
        [assignment] = translations.assignments(desk.reader)
        times = []
        for _run in range(5):
            started = time.perf_counter()
            editor = TranslationEditor(desk, assignment)
            editor.show()
            app.processEvents()
            times.append((time.perf_counter() - started) * 1000)
            editor.close()
            editor.deleteLater()
            app.processEvents()
        report["editor_words"] = len(text.split())
        report["editor_paragraphs"] = 200
        report["editor_open_ms"] = round(statistics.median(times), 1)
        report["editor_open_ms_first"] = round(times[0], 1)
        access.close()
        ops.shutdown(wait_ms=10_000)
        vault.close()


def main() -> int:
    report: dict[str, float] = {}
    memory_figures(report)
    editor_figures(report)
    print(json.dumps(report, indent=2))
    failed = [k for k, limit in TARGETS.items() if report[k] > limit]
    for key in failed:
        print(f"over target: {key} = {report[key]} (target < {TARGETS[key]})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
