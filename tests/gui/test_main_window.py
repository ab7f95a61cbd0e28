"""The main window on a real vault: lists, lazy fetching, search, history, languages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, Signal

from fieldapp import i18n


class FakeController(QObject):
    """Stands for the shell's AppController: records what the window asked."""

    language_changed = Signal(str)

    def __init__(self, ops) -> None:
        super().__init__()
        self.ops = ops
        self.calls: list[str] = []

    def lock(self) -> None:
        self.calls.append("lock")

    def panic(self) -> None:
        self.calls.append("panic")

    def open_settings(self) -> None:
        self.calls.append("settings")


def incident(n: int, **extra) -> dict:
    return {"title": f"Attaque du marché {n}", "occurred_on": f"2023-{n % 12 + 1:02d}-15",
            "event_type": "attack_on_civilians", "region": "Mopti" if n % 2 else "Gao",
            "locality": "Léré" if n == 7 else "Douentza", **extra}


@pytest.fixture
def controller(ops):
    return FakeController(ops)


@pytest.fixture
def window(qtbot, vault, ops, controller):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops, controller=controller)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_empty_window_shows_pages_and_toolbar(window, controller):
    assert window.incidents.model.rowCount() == 0
    assert "0 records" in window.incidents.count_label.text()
    window.lock_action.trigger()
    window.panic_action.trigger()
    window.show_page("settings")
    assert controller.calls == ["lock", "panic", "settings"]
    window.show_page("outbox")
    assert "has not joined a project" in window.outbox.joined_label.text()
    assert window.outbox.sync_now() is None
    window.show_page("audit")
    assert window.audit.verify()


def test_list_model_fetches_lazily(qtbot, vault, ops):
    from fieldapp.records import RecordStore
    from ui.models.records import PAGE, RecordTableModel

    store = RecordStore(vault.conn, vault.pseudonym)
    for start in range(0, 2500, 500):
        store.add_many("incident", [incident(n) for n in range(start, start + 500)])
    model = RecordTableModel(store, "incident")
    model.reload()
    assert model.total == 2500
    assert model.rowCount() == PAGE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == 2500
    model.set_filters(region="Gao")
    assert model.total == 1250 and model.rowCount() == PAGE


def test_search_finds_without_accents_in_the_same_view(qtbot, vault, window):
    vault.records.add_many("incident", [incident(n) for n in range(20)])
    window.incidents.model.reload()
    assert window.incidents.model.total == 20
    with qtbot.waitSignal(window.incidents.results_shown, timeout=5000):
        window.focus_search()
        qtbot.keyClicks(window.incidents.search, "lere")
    assert window.incidents.model.rowCount() == 1
    assert window.incidents.model.summary(0).title == "Attaque du marché 7"
    assert "1 result" in window.incidents.count_label.text()
    with qtbot.waitSignal(window.incidents.results_shown, timeout=5000):
        window.incidents.search.clear()
    assert window.incidents.model.rowCount() == 20


def test_edit_then_history_shows_both_versions(qtbot, vault, window):
    record_id = vault.records.add("incident", incident(1))
    window.incidents.model.reload()
    assert window.incidents.select(record_id)
    editor = window.edit_record(record_id)
    assert editor.title_edit.text() == "Attaque du marché 1"
    editor.title_edit.setText("Attaque du marché de Boni")
    with qtbot.waitSignal(editor.saved, timeout=10_000):
        editor.save_button.click()
    history = window.show_history(record_id)
    assert history.left.count() == 2
    rows = {label: (a, b, changed) for label, a, b, changed in history.rows()}
    assert rows["Title"] == (
        "Attaque du marché 1", "Attaque du marché de Boni", True)
    cells = [history.table.item(r, 0).text() for r in range(history.table.rowCount())]
    assert "Title (changed)" in cells
    assert window.incidents.view.record.body["title"] == "Attaque du marché de Boni"


def test_language_switch_retranslates(qtbot, vault, window):
    vault.records.add("incident", incident(3))
    window.incidents.model.reload()
    editor = window.new_record("incident")
    assert window.sidebar.item(0).text() == "Incidents"
    i18n.set_language("fr")
    window.controller.language_changed.emit("fr")
    try:
        assert window.sidebar.item(1).text() != "Testimonies"
        assert window.new_incident_action.text() != "&New incident"
        header = window.incidents.model.headerData(0, Qt.Orientation.Horizontal)
        assert header == i18n._("Title") != "Title"
        assert editor.windowTitle() == i18n._("New incident") != "New incident"
        assert editor.rows["title"].label.text() != "Title:"
    finally:
        i18n.set_language("en")
        window.controller.language_changed.emit("en")
    assert window.sidebar.item(1).text() == "Testimonies"
    assert editor.windowTitle() == "New incident"
    editor.discard_draft()


def test_pseudo_locale_marks_window_texts(qtbot, window):
    i18n.set_language("qps")
    window.controller.language_changed.emit("qps")
    try:
        texts = [window.sidebar.item(r).text() for r in range(window.sidebar.count())]
        texts += [a.text() for a in window.toolbar.actions() if a.text()]
        texts += [window.incidents.search_label.text(), window.outbox.sync_button.text(),
                  window.audit.verify_button.text()]
        assert texts and all(t.startswith("⟦") for t in texts), texts
    finally:
        i18n.set_language("en")
        window.controller.language_changed.emit("en")


def test_window_closes_connections(qtbot, vault, ops, controller, tmp_path: Path):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops, controller=controller)
    qtbot.addWidget(win)
    win.show()
    win.close()
    assert win.access.closed
    qtbot.waitUntil(lambda: not ops.busy, timeout=5000)


def test_unreachable_banner_is_calm_then_escalates(qtbot, window):
    from sync.errors import ServerUnreachable

    panel = window.outbox
    window.show_page("outbox")
    assert not panel.banner.isVisible()
    panel._sync_failed(ServerUnreachable(reason="ConnectError"))
    assert panel.banner.isVisible()
    assert "safe here" in panel.banner_text.text()
    assert "times in a row" not in panel.banner_text.text()
    calm = panel.banner.styleSheet()
    panel._sync_failed(ServerUnreachable(reason="ConnectError"))
    assert panel.banner.styleSheet() == calm
    panel._sync_failed(ServerUnreachable(reason="ConnectError"))
    assert "3 times in a row" in panel.banner_text.text()
    assert panel.banner.styleSheet() != calm
    from ui.views.outbox_view import SyncOutcome

    panel._synced(SyncOutcome(None))
    assert not panel.banner.isVisible() and panel.failures == 0


def test_outbox_lists_local_records_as_pending(qtbot, vault, window):
    vault.records.add("incident", incident(2))
    window.show_page("outbox")
    model = window.outbox.model
    assert model.rowCount() == 1
    assert model.index(0, 2).data() == "Waiting to be sent"
    window.outbox.text_only.setChecked(True)
    qtbot.waitUntil(lambda: vault.setting("sync_text_only") == "1", timeout=5000)


def test_filters_narrow_the_list(qtbot, vault, window):
    from PySide6.QtCore import QDate

    vault.records.add_many("incident", [incident(n) for n in range(24)])
    page = window.incidents
    page.model.reload()
    assert page.model.total == 24
    with qtbot.waitSignal(page.results_shown, timeout=5000):
        page.region.setEditText("Gao")
    assert page.model.total == 12
    assert {page.model.summary(r).region for r in range(page.model.rowCount())} == {"Gao"}
    with qtbot.waitSignal(page.results_shown, timeout=5000):
        page.date_from.setDate(QDate(2023, 11, 1))
    assert page.model.total == 2   # November in Gao: n = 10 and n = 22
    with qtbot.waitSignal(page.results_shown, timeout=5000):
        page.event_type.set_value("looting")
    assert page.model.total == 0
    assert not window.testimonies.region.isVisibleTo(window.testimonies)
