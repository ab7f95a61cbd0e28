"""Joining from the first-run window through a real invite whose TLS pin does not match
the server that answers (a man in the middle on the invite's address): one calm line,
and the impostor receives nothing after the handshake."""

from __future__ import annotations

from pathlib import Path

from shiboken6 import isValid

from fieldapp.messages import user_message
from sync import enroll
from sync.errors import TLSPinMismatch
from tests.gui.test_first_run import _fill_create
from tests.sync.conftest import start_server
from tests.sync.helpers import fast_settings, new_vault
from tests.sync.tlshelpers import Impostor, make_certificate
from ui import messages_box
from ui.first_run import FirstRunWindow


def test_join_with_a_wrong_pin_shows_one_line(qtbot, shell_factory, tmp_path: Path) -> None:
    server = start_server(tmp_path / "server-data", tls=True)
    try:
        coord = new_vault(tmp_path, "coord", "Coord-1")
        enroll.create_project(coord, server.url, "Gao", server.bootstrap_token,
                              suite="X25519", tls_pin=server.tls_pin,
                              settings=fast_settings())
        invite = tmp_path / "monitor.invite"
        enroll.create_invite(coord, "monitor", invite, settings=fast_settings())
        coord.close()
    finally:
        server.stop()
    cert, key, _pin = make_certificate(tmp_path, "impostor")
    impostor = Impostor(server.port, cert, key)
    try:
        shell = shell_factory()
        window = shell.start()
        assert isinstance(window, FirstRunWindow)
        window.show_join()
        window.load_invite_file(invite)
        assert "Coord-1" in window.fingerprints.text()
        window.fingerprints_match.setChecked(True)
        window.join_next.click()
        _fill_create(qtbot, window)
        window.submit_create()
        qtbot.waitUntil(lambda: window.stack.currentWidget() is window.recovery_page,
                        timeout=20_000)
        qtbot.keyClicks(window.recovery_check, window.recovery_key.text().rsplit("-", 1)[1])
        window.confirm_recovery()
        # the profile opens (joining can be retried later) and the calm box says why
        qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible()
                        and messages_box.current_box() is not None, timeout=60_000)
        box = messages_box.current_box()
        assert box.text() == user_message(TLSPinMismatch())
        assert "does not match its pin" in box.text() and "\n" not in box.text()
        # it outlives the first-run window, which the shell closes and deletes
        qtbot.waitUntil(lambda: not isValid(window), timeout=10_000)
        assert isValid(box) and box.isVisible()
        assert box.text() == user_message(TLSPinMismatch())
        box.done(0)
    finally:
        impostor.stop()
    assert impostor.handshakes >= 1
    assert bytes(impostor.received) == b""
