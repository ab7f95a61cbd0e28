"""The coordinator's project panel and joining from Settings, against a REAL server process
on 127.0.0.1, everything done in the app as people do it: the coordinator makes an invite
(a file and a QR code), a monitor joins from Settings and reads its fingerprint aloud, the
coordinator types it to approve, then revokes the device, which the server then refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import PASSPHRASE
from tests.gui.test_main_window import FakeController
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, new_vault


def _reopen(path: Path):
    from fieldapp.profile import Profile

    return Profile(path).unlock(PASSPHRASE, check_same_thread=False)


@pytest.fixture
def project(tmp_path: Path, monkeypatch):
    from sync import enroll

    monkeypatch.setenv("FIELDAPP_SYNC_ATTEMPTS", "2")
    monkeypatch.setenv("FIELDAPP_SYNC_BACKOFF", "0.02")
    server = start_server(tmp_path / "server-data")
    vaults = []
    try:
        coord = new_vault(tmp_path, "coord", "Coord-1")
        enroll.create_project(coord, server.url, "Gao 2024", server.bootstrap_token,
                              suite="X25519", settings=fast_settings())
        coord.close()
        new_vault(tmp_path, "monitor", "Sahel-7").close()
        vaults = [_reopen(tmp_path / "coord"), _reopen(tmp_path / "monitor")]
        yield server, vaults[0], vaults[1]
    finally:
        for vault in vaults:
            vault.close()
        server.stop()


def _rows(panel) -> dict[str, str]:
    return {d.pseudonym: d.state for d in panel.devices}


def test_invite_join_approve_revoke_all_in_the_app(qtbot, ops, project, tmp_path):
    from PySide6.QtCore import Qt

    from fieldapp.membership import approval
    from sync import client as sync_client
    from sync.errors import DeviceRevoked
    from ui.controller import AppController
    from ui.main_window import MainWindow
    from ui.settings import SettingsDialog

    server, coord_vault, mon_vault = project
    coord = MainWindow(vault=coord_vault, profile=coord_vault.profile, ops=ops,
                       controller=FakeController(ops))
    qtbot.addWidget(coord)
    coord.show()
    controller = AppController(ops, mon_vault.profile)
    controller.vault = mon_vault
    monitor = MainWindow(vault=mon_vault, profile=mon_vault.profile, ops=ops,
                         controller=controller)
    qtbot.addWidget(monitor)
    try:
        # the coordinator's sidebar has the Project page; the monitor's (not joined) not
        assert "project" in [s.key for s in coord.page_specs]
        assert "project" not in [s.key for s in monitor.page_specs]
        panel = coord.pages["project"]
        with qtbot.waitSignal(panel.devices_loaded, timeout=30_000):
            coord.show_page("project")
        assert _rows(panel) == {"Coord-1": "approved"}
        assert "Gao 2024" in panel.title.text()
        own_print = panel.devices[0].fingerprint
        assert own_print in panel.own.text()

        # 1. an invite: saved to a file, shown as a QR code, with the fingerprint to read
        dialog = panel.make_invite()
        dialog.role.setCurrentIndex(dialog.role.findData("monitor"))
        dialog.target = tmp_path / "sahel.invite"
        with qtbot.waitSignal(panel.invite_made, timeout=30_000):
            qtbot.mouseClick(dialog.make_button, Qt.MouseButton.LeftButton)
        assert dialog.target.is_file()
        assert dialog.qr.isVisible() and not dialog.qr.pixmap().isNull()
        assert dialog.qr.pixmap().width() > 100
        assert dialog.fingerprint.text() == own_print
        assert "sahel.invite" in dialog.result.text()
        dialog.close()

        # 2. the monitor joins from Settings (its profile existed before)
        settings = SettingsDialog(controller, monitor)
        qtbot.addWidget(settings)
        settings.show()
        settings.tabs.setCurrentWidget(settings.project)
        assert settings.project.join_button.isVisible()
        join = settings.project.open_join()
        join.load_file(dialog.target)
        summary = join.summary.text()
        assert "Gao 2024" in summary and "role: monitor" in summary and own_print in summary
        assert "{" not in summary and not join.invite_text.isVisible()  # no raw JSON
        assert not join.join_button.isEnabled()  # fingerprints not compared yet
        join.match.setChecked(True)
        with qtbot.waitSignal(join.joined, timeout=30_000):
            qtbot.mouseClick(join.join_button, Qt.MouseButton.LeftButton)
        spoken = join.own.text()
        assert join.own.isVisible() and len(spoken.replace(" ", "")) >= 10
        assert "waits for a coordinator's approval" in join.summary.text()
        assert approval(mon_vault.conn) == "pending"
        assert not settings.project.join_button.isVisible()
        assert spoken in settings.project.state.text()

        # 3. the coordinator sees it waiting, and approves it only with the right code
        with qtbot.waitSignal(panel.devices_loaded, timeout=30_000):
            qtbot.mouseClick(panel.refresh_button, Qt.MouseButton.LeftButton)
        assert _rows(panel) == {"Coord-1": "approved", "Sahel-7": "pending"}
        panel.select("Sahel-7")
        assert panel.approve_button.isEnabled() and panel.revoke_button.isEnabled()
        approve = panel.approve_selected()
        wrong = "".join("1" if c != "1" else "2" for c in spoken)
        approve.code.setText(wrong)
        assert not approve.approve_button.isEnabled()
        assert "differ" in approve.verdict.text()
        approve.code.setText(spoken)
        assert approve.approve_button.isEnabled()
        with qtbot.waitSignal(panel.devices_loaded, timeout=30_000):
            qtbot.mouseClick(approve.approve_button, Qt.MouseButton.LeftButton)
        assert _rows(panel) == {"Coord-1": "approved", "Sahel-7": "approved"}

        # the monitor's sync now goes through, and it learns it is approved
        with qtbot.waitSignal(monitor.outbox.sync_finished, timeout=60_000) as synced:
            monitor.outbox.sync_now()
        assert synced.args == [True], monitor.outbox.phase.text()
        assert approval(mon_vault.conn) == "approved"

        # 4. revocation, after a confirmation saying what it does and does not do
        panel.select("Sahel-7")
        box = panel.revoke_selected()
        assert "does not erase" in box.text() and "USB bundle" in box.text()
        with qtbot.waitSignal(panel.devices_loaded, timeout=60_000):
            box.revoke_button.click()
        assert _rows(panel) == {"Coord-1": "approved", "Sahel-7": "revoked"}
        assert not panel.revoke_button.isEnabled()

        # the server now refuses the revoked device
        qtbot.waitUntil(lambda: not ops.busy, timeout=10_000)
        with pytest.raises(DeviceRevoked):
            sync_client.sync(mon_vault, settings=fast_settings())
    finally:
        for window in (coord, monitor):
            window.close()
        qtbot.waitUntil(lambda: not ops.busy, timeout=20_000)
