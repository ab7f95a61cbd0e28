"""Looks like an app people trust: one icon set with its licence, empty lists that say what
to do next, a photo viewer fitted to its window with zoom, "New incident" once per screen,
columns as wide as their content, a readable history, identity labels whole and with
colons, a sidebar highlight that follows the page, shortcuts and Qt's file dialog in the
user's language."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractButton, QFileDialog

from fieldapp import i18n
from tests.gui.conftest import PASSPHRASE, visible_texts
from tests.gui.test_main_window import FakeController, incident
from ui import icons


@pytest.fixture
def window(qtbot, vault, ops):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                     controller=FakeController(ops))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def test_one_icon_set_with_its_licence_on_toolbar_and_sidebar(window):
    folder = icons.LUCIDE_DIR
    assert "ISC License" in (folder / "LICENSE").read_text()
    assert "github.com/lucide-icons/lucide" in (folder / "SOURCE.md").read_text()
    for name in icons.NAMES:
        image = icons.pixmap(name, 24).toImage()
        inked = sum(image.pixelColor(x, y).alpha() > 0 for x in range(24) for y in range(24))
        assert inked > 10, name  # drawn, not blank
    for action in window.toolbar.actions():
        if not action.isSeparator():
            assert not action.icon().isNull(), action.text()
    for row in range(window.sidebar.count()):
        assert not window.sidebar.item(row).icon().isNull(), window.sidebar.item(row).text()


def test_empty_lists_say_what_to_do_next(qtbot, vault, window):
    page = window.incidents
    qtbot.waitUntil(lambda: page.table_stack.currentWidget() is page.empty)
    assert page.empty.text.text() == "No incidents yet — New incident (Ctrl+N)"
    window.show_page("testimonies")
    assert window.testimonies.empty.text.text() == \
        "No testimonies yet — New testimony (Ctrl+Shift+N)"
    vault.records.add("incident", incident(1))
    window.show_page("incidents")
    page.model.reload()
    assert page.table_stack.currentWidget() is page.table
    page.search.setText("zzzznothing")
    page.apply_search()
    assert page.table_stack.currentWidget() is page.empty
    assert page.empty.text.text().startswith("Nothing matches")


def test_new_incident_once_per_screen(window):
    for page, words in (("incidents", "New incident"), ("testimonies", "New testimony")):
        window.show_page(page)
        shown = [b for b in window.findChildren(QAbstractButton)
                 if b.isVisible() and b.text().replace("&", "") == words]
        assert len(shown) == 1, (page, shown)


def test_columns_as_wide_as_their_content(qtbot, vault, window):
    vault.records.add_many("incident", [incident(n, region="Tombouctou")
                                        for n in range(5)])
    page = window.incidents
    page.model.reload()
    header = page.table.horizontalHeader()
    for column in (1, 2, 4):  # date, region, status: short words, shown whole
        assert header.sectionSize(column) >= page.table.sizeHintForColumn(column), column


def test_history_shows_both_versions_readably(qtbot, vault, window):
    record_id = vault.records.add("incident", incident(1))
    vault.records.edit(record_id, {"title": "Attaque du marché 1 (corrigé)"})
    dialog = window.show_history(record_id)
    qtbot.waitExposed(dialog)
    header = dialog.table.horizontalHeader()
    old, new = header.sectionSize(1), header.sectionSize(2)
    assert abs(old - new) <= 2, (old, new)
    assert old >= dialog.table.viewport().width() // 4
    assert dialog.table.horizontalHeaderItem(1).text() == "Version 1"
    assert not dialog.table.verticalHeader().isVisible()
    dialog.close()


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_identity_labels_whole_and_with_colons(qtbot, window, lang):
    i18n.set_language(lang)
    editor = window.new_record("testimony")
    qtbot.waitExposed(editor)
    editor.scroll.ensureWidgetVisible(editor.identity)
    for label in editor.identity.labels.values():
        text = label.text().replace("&", "")
        assert text.endswith(":"), text
        assert label.width() >= label.fontMetrics().horizontalAdvance(text), text
    editor.discard_draft()


def test_the_sidebar_highlight_follows_the_page(qtbot, window):
    sidebar = window.sidebar
    window.show_page("outbox")
    settings_row = sidebar.count() - 1
    rect = sidebar.visualItemRect(sidebar.item(settings_row))
    qtbot.mouseClick(sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    outbox_row = [spec.key for spec in window.page_specs].index("outbox")
    qtbot.waitUntil(lambda: [sidebar.row(i) for i in sidebar.selectedItems()] == [outbox_row])
    assert window.controller.calls == ["settings"]
    assert window.current_page() is window.outbox


def test_shortcut_text_follows_the_language(qtbot, shell_factory, existing_profile):
    folder, _key = existing_profile
    shell = shell_factory(folder)
    window = shell.start()
    i18n.set_language("fr")
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        window.passphrase.setText(PASSPHRASE)
        window.submit()
    qtbot.waitUntil(lambda: shell.main_window is not None)
    dialog = shell.open_settings()
    assert dialog.shortcut.text() == "Ctrl+Maj+L"
    assert "Ctrl+Maj+N" in shell.main_window.new_testimony_action.toolTip()
    shell.controller.set_language("en")
    assert dialog.shortcut.text() == "Ctrl+Shift+L"
    assert "Ctrl+Shift+N" in shell.main_window.new_testimony_action.toolTip()
    assert "Ctrl+Shift+L" in shell.main_window.panic_action.toolTip()


def test_qt_file_dialog_is_french_in_french(qtbot, shell_factory, tmp_path):
    shell = shell_factory(tmp_path / "home" / "profile")
    shell.controller.set_language("fr")
    (tmp_path / "a folder").mkdir()
    dialog = QFileDialog(None, "x", str(tmp_path))
    dialog.setOption(QFileDialog.Option.DontUseNativeDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    texts = " | ".join(visible_texts(dialog))
    for english in ("Look in", "Files of type", "File name", "Cancel"):
        assert english not in texts, (english, texts)
    assert "&Voir dans" in texts and "Fichiers de &type" in texts
    from PySide6.QtWidgets import QTreeView

    view = dialog.findChild(QTreeView, "treeView")
    qtbot.waitUntil(lambda: view.model().rowCount(view.rootIndex()) > 0, timeout=5000)
    kind = view.model().index(0, 2, view.rootIndex()).data()
    assert kind == "Dossier", kind
    shell.controller.set_language("en")
    dialog.close()


def test_photo_viewer_opens_fitted_with_zoom(qtbot):
    from ui.attachments import ImageViewer

    out = io.BytesIO()
    Image.new("RGB", (3000, 2000), (90, 120, 160)).save(out, "JPEG")
    viewer = ImageViewer(out.getvalue(), "grand.jpg")
    qtbot.addWidget(viewer)
    viewer.show()
    qtbot.waitExposed(viewer)
    room = viewer.scroll.viewport().size()
    shown = viewer.image.pixmap().size()
    assert shown.width() <= room.width() and shown.height() <= room.height()
    assert viewer.zoom < 1.0 and viewer.zoom_label.text().endswith("%")
    fitted = viewer.zoom
    viewer.zoom_in_button.click()
    assert viewer.zoom > fitted and viewer.image.pixmap().width() > shown.width()
    viewer.fit_button.click()
    assert viewer.zoom == pytest.approx(fitted)
    area = viewer.screen().availableGeometry()
    assert area.contains(viewer.frameGeometry())
