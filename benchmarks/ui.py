"""Desktop app benchmark with 100k incidents: start-up, unlock to a filled list, search,
scrolling, and peak memory.

Prints: time from process start to the unlock window shown (a real ``fieldapp`` start in
a child process), from unlock (passphrase accepted) to a filled list, from a search to
its results shown, the cost of fetching one more page while scrolling, and peak RSS.
Targets (issue 4): < 1 s, < 1 s, < 200 ms, RSS < 300 MB. Then (issue 14) the dashboard's
counts and the offline map: 100k incidents clustered and drawn (< 500 ms), pan and zoom
frames (< 50 ms), on the bench's places and on 100k points each at its own spot.

The profile is built once into ``benchmarks/out/ui-profile-<n>/`` (git-ignored) with
`RecordStore.add_many` in batches; later runs reuse it.

``--frozen`` measures the frozen app instead (`make package`, built if needed): from
spawning its ``fieldapp`` program to the unlock window shown (the moment the window's
screenshot is written, FIELDAPP_SCREENSHOT), run from a copy outside the source tree
(target < 1.5 s; the unlock window does not open the database, so a small profile does).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui.py [--records 100000]
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/ui.py --frozen
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from benchmarks._data import incidents  # noqa: E402
from fieldapp.profile import Profile  # noqa: E402

PASSPHRASE = "benchmark passphrase for the ui"
BATCH = 5000
QUERIES = ("ogossagou", "hommes armés", "puits nuit", "marche", "lere", "troupeau motos")
TARGETS = {"start_to_unlock_s": 1.0, "unlock_to_list_s": 1.0, "search_ms": 200.0,
           "peak_rss_mb": 300.0,
           # issue 14: 100k incidents drawn < 500 ms, pan/zoom frames < 50 ms
           "map_places_draw_ms": 500.0, "map_places_pan_ms_max": 50.0,
           "map_places_zoom_ms_max": 50.0, "map_scattered_draw_ms": 500.0,
           "map_scattered_pan_ms_max": 50.0, "map_scattered_zoom_ms_max": 50.0}

CHILD = """
import os, sys, time, resource, json
sys.path.insert(0, {root!r})
os.environ["FIELDAPP_EXIT_AFTER_SHOW"] = "1"
from ui.app import run
code = run(profile_dir={profile!r})
print(json.dumps({{"shown_at": time.time(), "code": code,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}))
"""


def build_profile(folder: Path, n: int) -> Profile:
    """The cached 100k profile (built once, a few minutes)."""
    profile = Profile(folder)
    marker = folder / "complete"
    if profile.exists() and marker.is_file():
        return profile
    if folder.exists():
        import shutil
        shutil.rmtree(folder)
    print(f"building a profile with {n} incidents in {folder} (once)…", flush=True)
    start = time.perf_counter()
    vault, _recovery = profile.create("Bench-1", PASSPHRASE)
    data = incidents(n)
    store = vault.records
    for done in range(0, n, BATCH):
        store.add_many("incident", [next(data) for _ in range(min(BATCH, n - done))])
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    vault.close()
    marker.write_text(str(n))
    print(f"  built in {time.perf_counter() - start:.1f} s", flush=True)
    return profile


def start_to_unlock_window(profile: Profile) -> tuple[float, float]:
    """(seconds from spawning a fresh ``fieldapp`` process to its unlock window shown,
    that process's peak RSS in MB)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(QT_QPA_PLATFORM="offscreen", FIELDAPP_LANG="fr", PYTHONPATH=str(ROOT))
    code = CHILD.format(root=str(ROOT), profile=str(profile.path))
    best, rss = float("inf"), 0.0
    for _ in range(3):  # the first run warms the OS file cache, like a second start
        start = time.time()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env,
                             cwd=ROOT, timeout=120, check=True).stdout.decode()
        result = json.loads(out.strip().splitlines()[-1])
        best = min(best, result["shown_at"] - start)
        rss = max(rss, result["rss_kb"] / 1024)
    return best, rss


def frozen_start_to_unlock(runs: int = 5) -> tuple[float, float, float]:
    """(best, median, CPU seconds of the best) from spawning the frozen app to its unlock
    window shown, on a copy of the folder in a temporary directory."""
    import shutil
    import tempfile

    sys.path.insert(0, str(ROOT / "packaging"))
    import build_app

    built = build_app.build(quiet=True)
    with tempfile.TemporaryDirectory(prefix="fieldapp-frozen-bench-") as tmp:
        folder = Path(tmp) / "fieldapp"
        shutil.copytree(built, folder, symlinks=True)
        profile = Profile(Path(tmp) / "home" / "profile")
        profile.create("Bench-1", PASSPHRASE, kdf_seconds=0)[0].close()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("FIELDAPP_", "QT_"))}
        env.update(QT_QPA_PLATFORM="offscreen", FIELDAPP_LANG="fr",
                   FIELDAPP_PROFILE=str(profile.path), FIELDAPP_EXIT_AFTER_SHOW="1",
                   FIELDAPP_LOG_DIR=str(Path(tmp) / "logs"))
        times, cpu = [], {}
        for i in range(runs + 1):  # the first run warms the OS file cache
            shot = Path(tmp) / f"shot-{i}.png"
            env["FIELDAPP_SCREENSHOT"] = str(shot)
            before = os.times()
            start = time.time()
            subprocess.run([str(folder / "fieldapp")], env=env, cwd=tmp, check=True,
                           capture_output=True, timeout=120)
            after = os.times()
            if i:
                elapsed = shot.stat().st_mtime - start
                times.append(elapsed)
                cpu[elapsed] = (after.children_user - before.children_user
                                + after.children_system - before.children_system)
        best = min(times)
        return best, statistics.median(times), cpu[best]


def frozen_main() -> int:
    best, median, cpu = frozen_start_to_unlock()
    target = 1.5
    print(f"{'frozen app: process start → unlock window shown (best of 5)':<62} "
          f"{best:10.3f} s  target < {target} s: {'MET' if best < target else 'NOT MET'}")
    print(f"{'frozen app: the same, median of 5':<62} {median:10.3f} s")
    print(f"{'frozen app: CPU time of the best run (user + system)':<62} {cpu:10.3f} s")
    return 0 if best < target else 1


def in_app(profile: Profile, report: dict[str, float]) -> None:
    from PySide6.QtWidgets import QApplication

    from fieldapp import i18n
    from ui.controller import AppController
    from ui.main_window import MainWindow
    from ui.ops import Ops

    i18n.set_language("fr")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    ops = Ops()
    controller = AppController(ops, profile)

    start = time.perf_counter()
    vault = profile.unlock(PASSPHRASE, check_same_thread=False)
    report["kdf_unlock_s"] = time.perf_counter() - start
    controller.vault = vault

    start = time.perf_counter()
    window = MainWindow(vault=vault, profile=profile, ops=ops, controller=controller)
    window.show()
    page = window.incidents
    while page.model.rowCount() == 0:
        app.processEvents()
    app.processEvents()
    window.repaint()
    report["unlock_to_list_s"] = time.perf_counter() - start
    report["total_records"] = page.model.total

    times = []
    for query in QUERIES * 3:
        page.search.blockSignals(True)
        page.search.setText(query)
        page.search.blockSignals(False)
        start = time.perf_counter()
        page.apply_search()
        app.processEvents()
        page.table.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
    report["search_ms_p50"] = statistics.median(times)
    report["search_ms"] = max(times)
    report["search_debounce_ms"] = 250

    page.search.setText("")
    page.apply_search()
    app.processEvents()
    steps = []
    for _ in range(50):
        start = time.perf_counter()
        page.table.scrollToBottom()
        app.processEvents()
        page.table.viewport().repaint()
        steps.append((time.perf_counter() - start) * 1000)
    report["scroll_page_ms_p50"] = statistics.median(steps)
    report["scroll_page_ms_max"] = max(steps)
    report["rows_after_scrolling"] = page.model.rowCount()

    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    map_figures(app, window, vault, report)
    window.close()
    ops.shutdown()
    vault.close()
    report["peak_rss_map_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _frames(app, canvas, moves) -> list[float]:
    times = []
    for move in moves:
        start = time.perf_counter()
        move()
        canvas.repaint()
        app.processEvents()
        times.append((time.perf_counter() - start) * 1000)
    return times


def map_figures(app, window, vault, report: dict[str, float]) -> None:
    """The dashboard's counts and the map over every incident: points read and placed,
    clustered and drawn (the vault's incidents share the bench's 14 places), then the
    same number of points scattered over Mali, each at its own spot (the worst case for
    clustering); pan and zoom frames on both."""

    from ui.dashboard import read_statistics
    from ui.map.clusters import ClusterIndex
    from ui.map.page import read_points

    start = time.perf_counter()
    stats = read_statistics(vault.conn, vault.pseudonym, {})
    report["dashboard_stats_s"] = time.perf_counter() - start
    report["dashboard_total"] = stats.total

    start = time.perf_counter()
    points, _unplaced, _index = read_points(vault.conn, vault.pseudonym, {})
    report["map_read_s"] = time.perf_counter() - start
    report["map_points"] = len(points)

    window.show_page("map")
    page = window.map
    canvas = page.canvas
    while page._job is not None or not page.points:
        app.processEvents()
    canvas.fit()
    for name, xs, ys, kinds in _map_cases(points):
        start = time.perf_counter()
        index = ClusterIndex(xs, ys, kinds)
        canvas.set_points(index)
        canvas.repaint()
        app.processEvents()
        report[f"map_{name}_draw_ms"] = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        index.build_all()
        report[f"map_{name}_levels_s"] = time.perf_counter() - start
        pans = _frames(app, canvas, [lambda: canvas.pan(15, 7)] * 60)
        zooms = _frames(app, canvas, [lambda: canvas.zoom(1.25)] * 16 +
                        [lambda: canvas.zoom(0.8)] * 16)
        report[f"map_{name}_pan_ms_p50"] = statistics.median(pans)
        report[f"map_{name}_pan_ms_max"] = max(pans)
        report[f"map_{name}_zoom_ms_p50"] = statistics.median(zooms)
        report[f"map_{name}_zoom_ms_max"] = max(zooms)
        canvas.fit()


def _map_cases(points):
    import random

    from ui.map.clusters import project

    placed = [project(p.longitude, p.latitude) for p in points]
    kinds = [hash(p.event_type) % 16 for p in points]
    yield "places", [x for x, _y in placed], [y for _x, y in placed], kinds
    rng = random.Random(3)
    scattered = [project(rng.uniform(-11.5, 3.5), rng.uniform(11, 24)) for _ in points]
    yield "scattered", [x for x, _y in scattered], [y for _x, y in scattered], kinds


def desk_profile(folder: Path, n: int, unreviewed: int) -> Profile:
    """The 100k profile seen from a coordinator's device: every incident received from
    a monitor's device (a remote head version), all but ``unreviewed`` reviewed."""
    marker = folder / "desk-complete"
    if marker.is_file():
        return Profile(folder)
    profile = build_profile(folder, n)
    print(f"making {n} incidents received, {n - unreviewed} reviewed (once)…", flush=True)
    vault = profile.unlock(PASSPHRASE)
    conn = vault.conn
    with conn:
        conn.execute(
            "INSERT INTO version (hash, record_id, parent, kind, author, created_at, body, "
            "origin) SELECT 'r' || substr(v.hash, 2), v.record_id, v.hash, v.kind, "
            "'Sahel-7', v.created_at, v.body, 'remote' FROM record r JOIN version v "
            "ON v.hash = r.head")
        conn.execute("UPDATE record SET head = 'r' || substr(head, 2), "
                     "updated_by = 'Sahel-7'")
        conn.execute(
            "INSERT INTO review (id, record_id, version_hash, status, confidence, note, "
            "reviewer, created_at) SELECT 'review-' || r.id, r.id, r.head, 'verified', "
            "'high', '', 'Bench-1', r.updated_at FROM record r ORDER BY r.rowid LIMIT ?",
            (n - unreviewed,))
        conn.execute("UPDATE record SET status = 'verified' WHERE id IN "
                     "(SELECT record_id FROM review)")
    vault.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    vault.close()
    marker.write_text(str(unreviewed))
    return profile


def desk_figures(profile: Profile, report: dict[str, float]) -> None:
    """Issue 10: the review queue shown after a click (< 300 ms), and the duplicate
    candidates of one record (< 200 ms; core query, and the tab filled and painted)."""
    from PySide6.QtWidgets import QApplication

    from fieldapp import duplicates, i18n
    from ui.desk.review_queue import ReviewQueuePage
    from ui.models.vault_access import VaultAccess
    from ui.ops import Ops

    i18n.set_language("fr")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    ops = Ops()
    vault = profile.unlock(PASSPHRASE, check_same_thread=False)
    access = VaultAccess(vault, ops)
    page = ReviewQueuePage(access)
    page.resize(1200, 800)
    page.show()
    app.processEvents()
    times, cpu = [], []
    for _ in range(5):  # a click on "Review queue": refresh, the table painted
        start, start_cpu = time.perf_counter(), time.process_time()
        page.refresh()
        app.processEvents()
        page.table.viewport().repaint()
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    report["queue_cpu_ms_p50"] = statistics.median(cpu)
    report["queue_total"] = page.model.total
    report["queue_shown_ms"] = max(times)
    report["queue_shown_ms_p50"] = statistics.median(times)
    ids = [page.model.summary(r).id for r in range(0, 200, 10)]
    core, shown = [], []
    core_cpu = []
    for record_id in ids:
        start, start_cpu = time.perf_counter(), time.process_time()
        found = duplicates.candidates(access.reader.conn, record_id)
        core.append((time.perf_counter() - start) * 1000)
        core_cpu.append((time.process_time() - start_cpu) * 1000)
    report["duplicates_cpu_ms_p50"] = statistics.median(core_cpu)
    page.panel.tabs.setCurrentWidget(page.panel.dup_page)
    for row in range(0, 200, 10):
        start = time.perf_counter()
        page.select_row(row)  # the tab shown ranks the candidates, fills and compares
        app.processEvents()
        page.panel.dup_table.viewport().repaint()
        shown.append((time.perf_counter() - start) * 1000)
    report["duplicates_ms"] = max(core)
    report["duplicates_ms_p50"] = statistics.median(core)
    report["duplicates_shown_ms"] = max(shown)
    report["duplicates_found_last"] = len(found)
    page.close()
    access.close()
    ops.shutdown()
    vault.close()


def desk_main(n: int, unreviewed: int) -> int:
    folder = ROOT / "benchmarks" / "out" / f"ui-desk-{n}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    profile = desk_profile(folder, n, unreviewed)
    report: dict[str, float] = {}
    desk_figures(profile, report)
    print(f"records: {n}; in the review queue: {int(report['queue_total'])}; "
          f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    targets = {"queue_shown_ms": 300.0, "duplicates_ms": 200.0,
               "duplicates_shown_ms": 200.0}
    for key, label in (
            ("queue_shown_ms", "review queue: click → rows painted (worst of 5)"),
            ("queue_shown_ms_p50", "review queue: click → rows painted, median"),
            ("queue_cpu_ms_p50", "review queue: CPU time of this process, median"),
            ("duplicates_ms", "duplicate candidates of one record (worst of 20)"),
            ("duplicates_ms_p50", "duplicate candidates of one record, median"),
            ("duplicates_cpu_ms_p50", "duplicate candidates: CPU time, median"),
            ("duplicates_shown_ms", "duplicates tab: record chosen → candidates shown")):
        target = targets.get(key)
        verdict = "" if target is None else "  target < {t} ms: {ok}".format(
            t=target, ok="MET" if report[key] < target else "NOT MET")
        print(f"{label:<62} {report[key]:10.3f} ms{verdict}")
    return 0 if all(report[k] < t for k, t in targets.items()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--frozen", action="store_true",
                        help="measure the frozen app's start instead (make package)")
    parser.add_argument("--desk", action="store_true",
                        help="measure the coordinator's review queue and duplicates only")
    parser.add_argument("--unreviewed", type=int, default=10_000)
    args = parser.parse_args()
    if args.frozen:
        return frozen_main()
    if args.desk:
        return desk_main(args.records, args.unreviewed)
    folder = ROOT / "benchmarks" / "out" / f"ui-profile-{args.records}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    profile = build_profile(folder, args.records)

    report: dict[str, float] = {}
    report["start_to_unlock_s"], report["child_peak_rss_mb"] = start_to_unlock_window(profile)
    in_app(profile, report)

    print(f"records: {int(report['total_records'])}")
    lines = (
        ("start_to_unlock_s", "process start → unlock window shown", "s"),
        ("kdf_unlock_s", "Argon2id + open (not a target: calibrated ~0.5 s)", "s"),
        ("unlock_to_list_s", "unlock → list filled and painted", "s"),
        ("search_ms", "search → results shown (worst of 18; debounce 250 ms extra)", "ms"),
        ("search_ms_p50", "search → results shown, median", "ms"),
        ("scroll_page_ms_p50", "scroll to the end: fetch + paint one page, median", "ms"),
        ("scroll_page_ms_max", "scroll to the end: worst page", "ms"),
        ("dashboard_stats_s", "dashboard: counts over every incident (db lane)", "s"),
        ("map_read_s", "map: incidents read and placed (db lane)", "s"),
        ("map_places_draw_ms", "map, bench places: clustered + first frame drawn", "ms"),
        ("map_places_levels_s", "map, bench places: every zoom level (cpu lane)", "s"),
        ("map_places_pan_ms_p50", "map, bench places: pan frame, median", "ms"),
        ("map_places_pan_ms_max", "map, bench places: pan frame, worst", "ms"),
        ("map_places_zoom_ms_p50", "map, bench places: zoom frame, median", "ms"),
        ("map_places_zoom_ms_max", "map, bench places: zoom frame, worst", "ms"),
        ("map_scattered_draw_ms", "map, each point its own spot: clustered + drawn", "ms"),
        ("map_scattered_levels_s", "map, each point its own spot: every level (cpu)", "s"),
        ("map_scattered_pan_ms_p50", "map, own spots: pan frame, median", "ms"),
        ("map_scattered_pan_ms_max", "map, own spots: pan frame, worst", "ms"),
        ("map_scattered_zoom_ms_p50", "map, own spots: zoom frame, median", "ms"),
        ("map_scattered_zoom_ms_max", "map, own spots: zoom frame, worst", "ms"),
        ("child_peak_rss_mb", "peak RSS of the start-up process", "MB"),
        ("peak_rss_mb", "peak RSS with 100k records listed and searched", "MB"),
        ("peak_rss_map_mb", "peak RSS after the dashboard and both maps of 100k", "MB"),
    )
    for key, label, unit in lines:
        value = report[key]
        target = TARGETS.get(key)
        verdict = ""
        if target is not None:
            verdict = "  target < {t} {u}: {ok}".format(
                t=target, u=unit, ok="MET" if value < target else "NOT MET")
        print(f"{label:<62} {value:10.3f} {unit}{verdict}")
    print(f"rows fetched after 50 scroll steps: {int(report['rows_after_scrolling'])}")
    return 0 if all(report[k] < t for k, t in TARGETS.items()) else 1


if __name__ == "__main__":
    sys.exit(main())
