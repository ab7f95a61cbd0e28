"""Render every registered screen (ui.screens.SCREENS) to PNG, and find untranslated text.

Used by tests/gui/test_screenshots.py in-process, and as a script for the 200 % run
(QT_SCALE_FACTOR must be set before Qt starts, so that one runs in its own process)::

    QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=2 python -m tests.gui.shots OUT_DIR en
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.conftest import ROOT

NO_LETTERS = re.compile(r"^[\W\d_]*$", re.UNICODE)
ID_LIKE = re.compile(r"^[A-Z0-9]{2,}(-[A-Z0-9]+)+$")


def screenshot_dir() -> Path:
    """FIELDAPP_SCREENSHOTS, else ``screenshots/`` at the repository root (git-ignored)."""
    folder = Path(os.environ.get("FIELDAPP_SCREENSHOTS") or ROOT / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def screen_context(tmp: Path) -> Iterator[object]:
    """A ScreenContext on a fresh demo profile; everything closed afterwards."""
    from fieldapp.demo import DEMO_PASSPHRASE, create_demo_profile
    from fieldapp.profile import Profile
    from ui.controller import AppController
    from ui.ops import Ops
    from ui.screens import ScreenContext

    folder = tmp / "demo" / "profile"
    create_demo_profile(folder).close()
    profile = Profile(folder)
    vault = profile.unlock(DEMO_PASSPHRASE, check_same_thread=False)
    ops = Ops()
    controller = AppController(ops, profile)
    controller.vault = vault
    try:
        yield ScreenContext(ops=ops, controller=controller, profile=profile, vault=vault,
                            tmp=tmp)
    finally:
        ops.shutdown(wait_ms=10_000)
        vault.close()


def settle(widget: object, ops: object, wait_until: Callable[..., None] | None = None) -> None:
    """Let the screen finish its background loading before it is captured."""
    from PySide6.QtWidgets import QApplication

    for _ in range(3):
        QApplication.processEvents()
    if wait_until is not None:
        wait_until(lambda: not ops.busy, timeout=20_000)  # type: ignore[attr-defined]
    else:
        from PySide6.QtCore import QDeadlineTimer, QEventLoop

        deadline = QDeadlineTimer(20_000)
        while ops.busy and not deadline.hasExpired():  # type: ignore[attr-defined]
            QApplication.processEvents(QEventLoop.ProcessEventsFlag.WaitForMoreEvents, 50)
    QApplication.processEvents()


def capture(widget: object, path: Path) -> None:
    pixmap = widget.grab()  # type: ignore[attr-defined]
    if pixmap.isNull() or not pixmap.save(str(path)):
        raise AssertionError(f"could not capture {path.name}")


DATE_LIKE = re.compile(r"^(?:[^\W\d_]{3,10}\.?,? )?(?:\d{1,2},? )?(?:[^\W\d_]{3,10}\.? )?"
                       r"\d{4}(?:,? \d{1,2}:\d{2}(?::\d{2})?(?: ?[AP]M)?)?$")


def _month_names() -> set[str]:
    from babel import Locale

    names = {"am", "pm"}
    for lang in ("en", "fr"):
        months = Locale.parse(lang).months["format"]
        for width in ("wide", "abbreviated"):
            names.update(m.lower().rstrip(".") for m in months[width].values())
    return names


def data_strings(vault: object) -> set[str]:
    """User data visible on screens (record fields, place names, the pseudonym): shown as
    typed, never translated, so the pseudo-locale check exempts exactly these strings."""
    from fieldapp import gazetteer

    found: set[str] = {p["name"] for p in gazetteer.places()}
    found.add(vault.pseudonym)  # type: ignore[attr-defined]
    store = vault.records  # type: ignore[attr-defined]
    for summary in store.list(limit=10_000):
        record = store.get(summary.id)
        for body in (record.body, record.identity or {}):
            for value in body.values():
                if isinstance(value, str):
                    found.add(value.strip())
                elif isinstance(value, list) and all(isinstance(v, str) for v in value):
                    found.update(value)
                    found.add(", ".join(value))
    return found


def untranslated(texts: list[str], allow: tuple[str, ...] | set[str]) -> list[str]:
    """Visible strings that did not go through gettext in the pseudo-locale (user data
    in ``allow``, numbers, ids and dates formatted by Babel excepted)."""
    bad = []
    for text in texts:
        stripped = text.strip()
        if stripped in allow or NO_LETTERS.match(stripped) or ID_LIKE.match(stripped):
            continue
        if DATE_LIKE.match(stripped) and all(
                word.lower().rstrip(".,") in _month_names()
                for word in re.findall(r"[^\W\d_]+\.?", stripped)):
            continue
        if "XXXX-XXXX" in stripped:  # the recovery key's shape, shown as an example
            continue
        if not (stripped.startswith("⟦") and stripped.endswith("⟧")):
            bad.append(stripped)
    return sorted(set(bad))


def main(argv: list[str]) -> int:
    """Render every screen in the given languages into ``argv[0]`` (suffix ``@scale``)."""
    import tempfile

    from PySide6.QtWidgets import QApplication

    from fieldapp import i18n
    from ui.screens import SCREENS

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    langs = argv[1:] or ["en"]
    scale = os.environ.get("QT_SCALE_FACTOR", "1")
    app = QApplication.instance() or QApplication([sys.argv[0]])
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            i18n.set_language(lang)
            for screen in SCREENS:
                sub = Path(tmp) / f"{screen.name}-{lang}"
                sub.mkdir()
                with screen_context(sub) as ctx:
                    try:
                        widget = screen.build(ctx)
                        widget.show()
                        settle(widget, ctx.ops)
                        capture(widget, out / f"{screen.name}-{lang}@{scale}x.png")
                        widget.close()
                        widget.deleteLater()
                    except Exception as exc:  # noqa: BLE001 - report every screen
                        failures += 1
                        sys.stderr.write(f"{screen.name}: {type(exc).__name__}\n")
    app.processEvents()
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
