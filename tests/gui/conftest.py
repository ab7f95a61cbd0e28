"""GUI test fixtures: offscreen Qt, one Ops per test (shut down after), a private log dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Crash logs of this test go to its own folder."""
    from ui import crash_log

    folder = tmp_path / "logs"
    monkeypatch.setenv("FIELDAPP_LOG_DIR", str(folder))
    crash_log.set_log_path(None)
    yield folder


@pytest.fixture(autouse=True)
def _close_message_boxes(qapp) -> Iterator[None]:
    yield
    from ui import messages_box

    box = messages_box.current_box()
    if box is not None:
        box.done(0)


@pytest.fixture
def ops(qtbot) -> Iterator[object]:
    from ui.ops import Ops

    helper = Ops()
    yield helper
    helper.shutdown(wait_ms=10_000)
    helper.deleteLater()
