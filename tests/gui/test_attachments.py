"""Attachments through the window: a photo added in the form loses its GPS, shows a
thumbnail and what was removed; decrypted copies only on explicit request."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent

from fieldapp import attachments
from tests.gui.test_main_window import FakeController

SECRET_MAKE = "SecretCam-Serial-4242"


def jpeg_with_gps(path: Path) -> Path:
    """A real JPEG with a camera make and GPS coordinates in its EXIF."""
    image = Image.new("RGB", (640, 480), (180, 120, 60))
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE                    # Make
    gps = {1: "N", 2: (14.0, 21.0, 0.0), 3: "W", 4: (3.0, 36.0, 0.0)}
    exif[0x8825] = gps                            # GPSInfo
    buf = io.BytesIO()
    image.save(buf, "JPEG", exif=exif)
    path.write_bytes(buf.getvalue())
    return path


@pytest.fixture
def window(qtbot, vault, ops):
    from ui.main_window import MainWindow

    win = MainWindow(vault=vault, profile=vault.profile, ops=ops,
                     controller=FakeController(ops))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_incident_with_a_photo_through_the_form(qtbot, vault, window, tmp_path):
    photo = jpeg_with_gps(tmp_path / "marche.jpg")
    editor = window.new_record("incident")
    editor.title_edit.setText("Incendie du marché de Léré")
    editor.date.edit.setText("2024-05-02")
    editor.event_type.set_value("destruction_of_property")
    editor.pending.add_paths([str(photo)])
    assert editor.pending.files() == [(str(photo), False)]
    with qtbot.waitSignal(editor.saved, timeout=20_000) as blocker:
        editor.save_button.click()
    record_id = blocker.args[0]
    stored = attachments.list_for(vault, record_id)
    assert len(stored) == 1 and stored[0].name == "marche.jpg"
    assert SECRET_MAKE.encode() not in attachments.read_bytes(vault, stored[0].id)

    page = window.incidents
    qtbot.waitUntil(lambda: page.model.total == 1, timeout=5000)
    assert page.select(record_id)
    panel = page.view.attachments
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    assert not panel.list.item(0).icon().isNull()          # the thumbnail
    assert "GPS" in panel.details.text() or "location" in panel.details.text().lower()
    assert panel.view_button.isEnabled()

    job = panel.view_selected()
    with qtbot.waitSignal(job.done, timeout=10_000):
        pass
    assert panel.viewer is not None and not panel.viewer.image.pixmap().isNull()

    out = tmp_path / "copie.jpg"
    job = panel.export_selected(str(out), confirmed=True)
    with qtbot.waitSignal(job.done, timeout=10_000):
        pass
    assert out.is_file() and out.stat().st_mode & 0o777 == 0o600
    assert "Delete it when done" in panel.message.text()
    job = panel.export_selected(str(out), confirmed=True)
    with qtbot.waitSignal(job.failed, timeout=10_000):
        pass
    assert "already exists" in panel.message.text()


def test_export_needs_confirmation(qtbot, vault, window, tmp_path, monkeypatch):
    record_id = vault.records.add("incident", {"title": "x", "occurred_on": "2024",
                                               "event_type": "other"})
    attachments.attach(vault, record_id, jpeg_with_gps(tmp_path / "p.jpg"))
    window.incidents.model.reload()
    window.incidents.select(record_id)
    panel = window.incidents.view.attachments
    monkeypatch.setattr(panel, "confirm_export", lambda: False)
    out = tmp_path / "never.jpg"
    assert panel.export_selected(str(out)) is None
    assert not out.exists()


def test_drop_a_file_on_the_panel_attaches_it(qtbot, vault, window, tmp_path):
    record_id = vault.records.add("incident", {"title": "x", "occurred_on": "2024",
                                               "event_type": "other"})
    window.incidents.model.reload()
    window.incidents.select(record_id)
    panel = window.incidents.view.attachments
    photo = jpeg_with_gps(tmp_path / "drop.jpg")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(photo))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.access.attachments_changed, timeout=20_000):
        panel.dropEvent(event)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)


def test_refused_file_is_reported_and_the_record_kept(qtbot, vault, window, tmp_path):
    bad = tmp_path / "fake.jpg"
    bad.write_bytes(b"this is not a picture at all")
    editor = window.new_record("incident")
    editor.title_edit.setText("Attaque")
    editor.date.edit.setText("2024")
    editor.event_type.set_value("other")
    editor.pending.add_paths([str(bad)])
    with qtbot.waitSignal(editor.saved, timeout=20_000):
        editor.save()
    assert "fake.jpg" in editor.message.text()
    assert vault.records.count("incident") == 1
    editor.close()


def test_a_video_dropped_on_the_panel_loses_its_gps(qtbot, vault, window, tmp_path):
    from tests.media import av_samples

    record_id = vault.records.add("incident", {"title": "x", "occurred_on": "2024",
                                               "event_type": "other"})
    window.incidents.model.reload()
    window.incidents.select(record_id)
    panel = window.incidents.view.attachments
    video = av_samples.quicktime(tmp_path, "VID_0001.mp4", "mp4")
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(video))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    with qtbot.waitSignal(window.access.attachments_changed, timeout=30_000):
        panel.dropEvent(event)
    qtbot.waitUntil(lambda: panel.list.count() == 1, timeout=5000)
    assert "location (GPS)" in panel.details.text()
    assert not panel.view_button.isEnabled()          # not an image: export only
    (stored,) = attachments.list_for(vault, record_id)
    data = attachments.read_bytes(vault, stored.id)
    assert [m for m in av_samples.MARKERS if m in data] == []
    assert "VID_0001.mp4" in panel.details.text()
