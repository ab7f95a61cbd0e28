"""Clean French, no English left: the catalog follows the French rules (narrow no-break
spaces, « fiche », roles in full doublets) and the checker enforces them on every string,
ours and those added later; operating-system errors, reasons, argparse's messages and
metavars come out in French; every option has a translated help line; `fieldapp server`
on a busy port says so in one translated line and exits 1."""

from __future__ import annotations

import argparse
import errno
import os
import re
import socket
from pathlib import Path

import pytest

from fieldapp import i18n, messages
from fieldapp.errors import UnreadableFile
from fieldapp.tools import catalog
from tests.conftest import ROOT, run_cli

NNBSP = "\u202f"


def test_the_catalog_follows_the_french_rules() -> None:
    problems = catalog.problems()
    assert problems == []
    from fieldapp.tools import french  # the rules the check applies

    fr = catalog.po_path("fr").read_text(encoding="utf-8")
    assert fr.count(french.NNBSP) > 150


@pytest.mark.parametrize(("text", "problem"), [
    ("Erreur : {reason}", "narrow no-break space"),
    ("Erreur\u00a0: {reason}", "narrow no-break space"),
    ("Continuer ?", "narrow no-break space"),
    ("Continuer?", "narrow no-break space"),
    ("le fichier « x »", "inside « »"),
    ("Seuls les coordinateurs peuvent lire", "doublets"),
    ("demandez à la coordinatrice", "doublets"),
    ("Tué(e)", "not abbreviated"),
    ("coordinateur·rice", "not abbreviated"),
    ("the file is not here", "English left"),
])
def test_the_checker_names_what_breaks_a_rule(text: str, problem: str) -> None:
    from fieldapp.tools import french

    found = french.typography_problems(text) + french.wording_problems("x", text)
    assert any(problem in line for line in found), (text, found)


@pytest.mark.parametrize("text", [
    f"Erreur{NNBSP}: {{reason}}", f"Continuer{NNBSP}?", f"le fichier «{NNBSP}x{NNBSP}»",
    "https://exemple.org", "à 14:05", "Seuls les coordinateurs et coordinatrices lisent",
    "un coordinateur ou une coordinatrice", "au traducteur ou à la traductrice",
    f"(par défaut{NNBSP}: 20)",
])
def test_the_checker_lets_good_french_through(text: str) -> None:
    from fieldapp.tools import french

    assert french.typography_problems(text) + french.wording_problems("x", text) == []


def test_a_record_is_a_fiche() -> None:
    from fieldapp.tools import french

    assert french.wording_problems("{n} records", "3 enregistrements")
    assert not french.wording_problems("Photos, recordings", "Photos, enregistrements")


def test_fix_puts_the_spaces_right() -> None:
    from fieldapp.tools import french

    fixed = french.fix_typography("Clé : « x » ; ok ? voir https://a.b à 14:05")
    assert fixed == (f"Clé{NNBSP}: «{NNBSP}x{NNBSP}»{NNBSP}; ok{NNBSP}? voir https://a.b "
                     "à 14:05")


def test_operating_system_errors_in_french() -> None:
    i18n.set_language("fr")
    try:
        line = messages.user_message(FileNotFoundError(errno.ENOENT,
                                                       os.strerror(errno.ENOENT), "x"))
        assert "No such file" not in line and "introuvable" in line, line
        line = messages.user_message(UnreadableFile(path="/tmp/x",
                                                    reason=os.strerror(errno.EACCES)))
        assert "Permission denied" not in line and "permission refusée" in line, line
        assert messages.user_message(PermissionError(errno.EPERM, "x")) != ""
    finally:
        i18n.set_language("en")


REASON = re.compile(r"([A-Z][A-Za-z]+)\((?:[^()]|\([^()]*\))*?reason=([\"'])(.+?)\2", re.S)


def test_every_reason_in_the_code_is_said_in_french() -> None:
    """Reasons travel as English codes and are put in words by fieldapp.messages: every
    one raised anywhere must come out in French, never as the code (a new reason fails
    here until it is translated)."""
    i18n.set_language("fr")
    try:
        raw = []
        for folder in ("fieldapp", "sync"):
            for path in (ROOT / folder).rglob("*.py"):
                for match in REASON.finditer(path.read_text(encoding="utf-8")):
                    cls, reason = match.group(1), match.group(3)
                    kind = type(cls, (Exception,), {})  # the message is chosen by name
                    probe, error = kind(), kind()
                    probe.params, error.params = {"reason": "zzqq"}, {"reason": reason}
                    shown = messages.user_message(probe)
                    line = messages.user_message(error)
                    if "zzqq" in shown and line == shown.replace("zzqq", reason):
                        raw.append((cls, reason, line))  # the code itself, untranslated
        assert raw == []
    finally:
        i18n.set_language("en")


def _walk(parser: argparse.ArgumentParser, path: str = "fieldapp"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, f"{path} {name}")
        elif not isinstance(action, argparse._HelpAction):
            yield path, action


def _parser(lang: str) -> argparse.ArgumentParser:
    from fieldapp.cli import _translate_argparse, build_parser
    from fieldapp.cli.root import COMMAND_GROUPS

    i18n.set_language(lang)
    _translate_argparse()
    return build_parser(COMMAND_GROUPS)


SAME_IN_FRENCH = {"ID", "N", "URL", "SHA256", "PORT", "DATE", "CODE"}  # French words too


def test_every_option_has_a_translated_help_line_and_metavar() -> None:
    try:
        english = {(p, a.dest): a for p, a in _walk(_parser("en"))}
        found = []
        for path, action in _walk(_parser("fr")):
            name = f"{path} {'/'.join(action.option_strings) or action.dest}"
            if not action.help or action.help == argparse.SUPPRESS:
                found.append(f"{name}: no help line")
            elif action.help == english[(path, action.dest)].help:
                found.append(f"{name}: help not translated")
            takes_value = action.nargs != 0 and not action.choices
            if takes_value and action.metavar is None:
                found.append(f"{name}: no metavar (argparse would show {action.dest!r})")
            elif takes_value and action.metavar not in SAME_IN_FRENCH and \
                    action.metavar == english[(path, action.dest)].metavar:
                found.append(f"{name}: metavar {action.metavar!r} not translated")
            if action.type in (int, float):
                found.append(f"{name}: type {action.type.__name__} says "
                             "“invalid int value” in English; use whole_number or number")
        assert found == []
    finally:
        i18n.set_language("en")


def _fr(tmp_path: Path, *args: str):
    return run_cli(tmp_path / "profile", "--lang", "fr", *args)


def test_french_command_line_errors_have_no_english(tmp_path: Path) -> None:
    bad_number = _fr(tmp_path, "list", "--limit", "beaucoup")
    assert bad_number.code == 2
    assert "nombre entier" in bad_number.err and "invalid" not in bad_number.err
    not_json = tmp_path / "invite.txt"
    not_json.write_text("ceci n'est pas une invitation")
    assert _fr(tmp_path, "init", "--pseudonym", "Sahel-7", "--kdf-seconds", "0").code == 0
    for args in (("join", str(not_json)), ("bundle", "import", str(not_json)),
                 ("attach", "0190", str(tmp_path / "absent.jpg"))):
        result = _fr(tmp_path, *args)
        assert result.code != 0, args
        assert len(result.err.strip().splitlines()) == 1, result.err
        for english in ("not JSON", "not a fieldapp", "No such file", "Traceback"):
            assert english not in result.err, (args, result.err)


def test_french_help_never_leaves_a_lone_mark_on_a_line(tmp_path: Path) -> None:
    for args in ((), ("status",), ("server",)):
        result = _fr(tmp_path, *args, "--help")
        assert result.code == 0
        lone = [line for line in result.out.splitlines() if line.strip() in ("?", ":", ";",
                                                                            "!")]
        assert lone == [], result.out


def test_server_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = _fr(tmp_path, "server", "--data", str(tmp_path / "server"),
                     "--port", str(port))
    assert result.code == 1, (result.code, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and f"port {port} est déjà utilisé" in lines[0], result.err
