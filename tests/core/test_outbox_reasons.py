"""Why a record waits, in the user's words: every reason the sync stores reads as a phrase
in English and in French, never as an exception name or an English code."""

from __future__ import annotations

import re

import pytest

from fieldapp import i18n
from fieldapp.messages import outbox_reason

STORED = [
    "ServerUnreachable(reason=ConnectError)", "ServerUnreachable(reason=ConnectTimeout)",
    "ServerUnreachable(reason=RemoteProtocolError)", "ServerUnreachable(reason=ReadTimeout)",
    "ServerUnreachable(reason=HTTP 503)", "ServerUnreachable(reason=SomethingNew)",
    "ServerUnreachable", "ServerRefused(status=413, code=too_large)",
    "refused by the server (bad_signature)", "data budget reached",
    "description not sent yet", "no answer for this item",
    "receipt signature does not verify", "TLSPinMismatch",
    "NotFound(kind=attachment, id=0190)", "InvalidInput(field=title, reason=too long)",
    "KeyError", "ValueError",
]
EXCEPTION_LIKE = re.compile(r"[A-Z][a-z]+[A-Z][A-Za-z]*|\w+\(|Error\b|Exception")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_stored_reason_is_a_phrase(lang: str) -> None:
    i18n.set_language(lang)
    for stored in STORED:
        text = outbox_reason(stored)
        assert text and not EXCEPTION_LIKE.search(text), (stored, text)
    if lang == "fr":
        assert outbox_reason("ServerUnreachable(reason=ConnectError)") != \
            "the server could not be reached"
        assert outbox_reason("data budget reached") != "data budget reached"
