"""The dashboard and the offline map on a real vault, with real clicks: a bar filters the
incident list; a point opens its incident; nothing on the map reaches for a network."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt

from tests.conftest import ROOT
from tests.gui.test_main_window import FakeController

INCIDENTS = [
    {"title": "Pillage à Gao", "occurred_on": "2023-02-10", "region": "Gao",
     "locality": "Gao", "event_type": "looting", "perpetrators": ["jihadist_group"],
     "killed_min": 1, "killed_max": 3},
    {"title": "Arrestations à Kayes", "occurred_on": "2023-03-05", "region": "Kayes",
     "latitude": 14.45, "longitude": -11.44, "geo_precision": "exact",
     "event_type": "arbitrary_arrest", "perpetrators": ["armed_forces"]},
    {"title": "Frappe à Kidal", "occurred_on": "2023-03-20", "region": "Kidal",
     "locality": "Kidal", "event_type": "air_drone_strike",
     "perpetrators": ["armed_forces", "foreign_paramilitaries"], "killed_min": 2},
    {"title": "Sans lieu", "occurred_on": "2023-04-01", "event_type": "other"},
]


@pytest.fixture
def window(qtbot, vault, ops):
    from ui.main_window import MainWindow

    ids = [vault.records.add("incident", body) for body in INCIDENTS]
    win = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                     controller=FakeController(ops))
    qtbot.addWidget(win)
    win.resize(1024, 600)
    win.show()
    win.ids = ids
    yield win
    win.close()


def test_dashboard_counts_and_a_bar_click_filters_the_list(qtbot, window) -> None:
    page = window.dashboard
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        window.show_page("dashboard")
    assert page.stats.total == 4
    assert page.stats.by_perpetrator[0] == ("armed_forces", 2)
    chart = page.charts["regions"]
    gao = [k for k, _n in page.stats.by_region].index("Gao")
    spot = chart.bar_position(gao).toPoint()
    with qtbot.waitSignal(window.incidents.results_shown, timeout=20_000):
        qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    assert window.current_page() is window.incidents
    assert window.incidents.region.currentText() == "Gao"
    assert window.incidents.model.total == 1
    assert window.incidents.model.summary(0).title == "Pillage à Gao"


def test_a_perpetrator_bar_filters_by_perpetrator(qtbot, window) -> None:
    page = window.dashboard
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        window.show_page("dashboard")
    chart = page.charts["perpetrators"]
    spot = chart.bar_position(0).toPoint()          # armed forces: two incidents
    qtbot.mouseClick(chart.viewport(), Qt.MouseButton.LeftButton, pos=spot)
    qtbot.waitUntil(lambda: window.current_page() is window.incidents, timeout=10_000)
    assert window.incidents.perpetrator.value() == "armed_forces"
    titles = {window.incidents.model.summary(r).title
              for r in range(window.incidents.model.rowCount())}
    assert titles == {"Arrestations à Kayes", "Frappe à Kidal"}


def test_dashboard_filters_apply(qtbot, window) -> None:
    page = window.dashboard
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        window.show_page("dashboard")
    with qtbot.waitSignal(page.refreshed, timeout=20_000):
        page.filters.set_values({"event_type": "looting"})
    assert page.stats.total == 1 and page.stats.victims["killed"] == (1, 3)


def test_a_click_on_a_point_opens_its_incident(qtbot, window) -> None:
    page = window.map
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        window.show_page("map")
    assert len(page.points) == 3 and page.unplaced == 1
    page.canvas.fit()
    qtbot.waitUntil(lambda: bool(page.canvas._drawn), timeout=5000)
    spot = page.canvas.screen_point(-11.44, 14.45).toPoint()     # Kayes, own coordinates
    with qtbot.waitSignal(page.record_shown, timeout=5000) as shown:
        qtbot.mouseClick(page.canvas, Qt.MouseButton.LeftButton, pos=spot)
    assert shown.args == [window.ids[1]]
    assert page.view.record.body["title"] == "Arrestations à Kayes"
    with qtbot.waitSignal(window.editor_opened, timeout=5000):
        qtbot.mouseClick(page.view.edit_button, Qt.MouseButton.LeftButton)


def test_pan_and_zoom_move_the_map(qtbot, window) -> None:
    page = window.map
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        window.show_page("map")
    canvas = page.canvas
    canvas.fit()
    before = canvas.screen_point(0.0, 16.27)
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    qtbot.mouseMove(canvas, QPoint(260, 230))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(260, 230))
    after = canvas.screen_point(0.0, 16.27)
    assert (after - before).manhattanLength() > 50
    scale = canvas.scale
    qtbot.mouseClick(page.zoom_in, Qt.MouseButton.LeftButton)
    assert canvas.scale == pytest.approx(scale * 2)
    qtbot.keyClick(canvas, Qt.Key.Key_Home)
    assert canvas.scale == pytest.approx(scale)


def test_a_click_on_a_cluster_zooms_in(qtbot, window, vault) -> None:
    page = window.map
    for n in range(3):   # three incidents near Mopti, a few km apart
        vault.records.add("incident", {"title": f"Près de Mopti {n}",
                                       "occurred_on": "2023-05-01",
                                       "latitude": 14.49 + n * 0.05, "longitude": -4.18,
                                       "event_type": "looting"})
    with qtbot.waitSignal(page.loaded, timeout=20_000):
        window.show_page("map")
    page.canvas.fit()
    qtbot.waitUntil(lambda: bool(page.canvas._drawn), timeout=5000)
    cluster = [d for d in page.canvas._drawn if d[5][0] == 3]
    assert cluster, "the three points should be one cluster at the country's scale"
    x, y = cluster[0][0], cluster[0][1]
    scale = page.canvas.scale
    qtbot.mouseClick(page.canvas, Qt.MouseButton.LeftButton, pos=QPoint(int(x), int(y)))
    assert page.canvas.scale == pytest.approx(scale * 4)


MAP_MODULES = ["ui/map/canvas.py", "ui/map/page.py", "ui/map/clusters.py",
               "fieldapp/map_data.py", "ui/dashboard.py"]
NETWORK_MODULES = ("PySide6.QtNetwork", "PySide6.QtWebEngineCore", "PySide6.QtPositioning",
                   "PySide6.QtLocation", "httpx", "urllib", "socket", "requests", "sync")


def test_map_code_imports_nothing_that_talks_to_a_network() -> None:
    for name in MAP_MODULES:
        tree = ast.parse((ROOT / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                         else [node.module or ""])
                for imported in names:
                    assert not imported.startswith(NETWORK_MODULES), (name, imported)


NO_NETWORK = """
import socket, sys
def refuse(*a, **k):
    raise AssertionError("network access from the map")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from PySide6.QtWidgets import QApplication
app = QApplication([])
from fieldapp.profile import Profile
from ui.ops import Ops
from ui.models.vault_access import VaultAccess
from ui.map.page import MapPage
vault, _ = Profile(sys.argv[1]).create("Carto-1", "correct horse battery staple",
                                       kdf_seconds=0)
vault.records.add("incident", {"title": "x", "occurred_on": "2023-01-01",
                               "event_type": "looting", "locality": "Gao", "region": "Gao"})
ops = Ops()
page = MapPage(VaultAccess(vault, ops))
page.resize(900, 600)
page.show()
page.refresh()
while ops.busy or not page.points:
    app.processEvents()
page.canvas.zoom(3.0)
page.canvas.pan(40, 10)
page.canvas.grab()
ops.shutdown()
loaded = sorted(m for m in sys.modules if m.startswith(("PySide6.QtNetwork", "httpx",
                                                          "PySide6.QtWebEngine")))
print("LOADED", loaded)
"""


def test_the_map_page_runs_with_the_network_refused(tmp_path: Path) -> None:
    """A fresh process: sockets refuse to connect, and Qt's network module is never
    loaded (so no QNetworkAccessManager can exist) while the map loads and draws."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT),
               FIELDAPP_LOG_DIR=str(tmp_path / "logs"))
    result = subprocess.run([sys.executable, "-c", NO_NETWORK, str(tmp_path / "p")],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "LOADED []" in result.stdout
