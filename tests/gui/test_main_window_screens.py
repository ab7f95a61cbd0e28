"""The main window's screens on a demo vault: built in every language, screenshot-able,
and no text of ours escapes translation (user data is marked ``user_data``)."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel, QWidget

from fieldapp import demo, i18n
from tests.gui.test_main_window import FakeController

MINE = ("main_incidents", "main_testimonies", "main_outbox", "main_audit",
        "incident_editor", "testimony_editor", "person_editor", "history")


@pytest.fixture
def context(qtbot, vault, ops, tmp_path):
    from ui.screens import ScreenContext

    demo.fill_demo(vault)
    return ScreenContext(ops=ops, controller=FakeController(ops), profile=vault.profile,
                         vault=vault, tmp=tmp_path)


def visible_texts(top: QWidget) -> list[str]:
    texts = []
    for widget in (top, *top.findChildren(QWidget)):
        if not widget.isVisibleTo(top) or widget.property("user_data"):
            continue
        if isinstance(widget, QLabel | QAbstractButton):
            texts.append(widget.text())
        elif isinstance(widget, QGroupBox):
            texts.append(widget.title())
    return [t for t in texts if t.strip()]


@pytest.mark.parametrize("lang", ["en", "fr", "qps"])
def test_screens_build_and_translate(qtbot, context, lang, tmp_path):
    from ui.screens import SCREENS

    i18n.set_language(lang)
    try:
        for entry in [s for s in SCREENS if s.name in MINE]:
            widget = entry.build(context)
            owner = getattr(widget, "keep_alive", None)
            widget.show()
            image = widget.grab()
            assert not image.isNull()
            assert image.save(str(tmp_path / f"{entry.name}-{lang}.png"))
            if lang == "qps":
                escaped = [t for t in visible_texts(widget)
                           if "⟦" not in t and t not in entry.allow]
                assert not escaped, (entry.name, escaped)
            widget.close()
            if owner is not None:
                owner.close()
    finally:
        i18n.set_language("en")
