"""What every CLI command needs: the profile, the passphrase, output helpers."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path
from typing import Any

import platformdirs

from .. import APP_NAME
from ..errors import NoPassphrase, PassphraseMismatch
from ..i18n import _
from ..profile import Profile, Vault


class UsageError(Exception):
    """Bad usage found after parsing (exit 2); the message is already translated."""


def whole_number(text: str) -> int:
    """argparse type for counts and limits: "invalid int value" said in the user's words."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("a whole number is expected, not “{value}”").format(value=text)) from None


def number(text: str) -> float:
    """argparse type for durations and rates (a comma works as the decimal mark too)."""
    try:
        return float(text.replace(",", "."))
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("a number is expected, not “{value}”").format(value=text)) from None


def default_profile_dir() -> Path:
    env = os.environ.get("FIELDAPP_PROFILE")
    if env:
        return Path(env)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "profile"


def ask_secret(variable: str, prompt: str, *, confirm: bool = False) -> str:
    """A secret from ``variable`` when set, else a hidden prompt on the terminal."""
    value = os.environ.get(variable)
    if value is not None:
        return value
    if not sys.stdin.isatty():
        raise NoPassphrase(variable=variable)
    first = getpass.getpass(prompt + " ")
    if confirm:
        again = getpass.getpass(_("Type it again:") + " ")
        if again != first:
            raise PassphraseMismatch()
    return first


class Context:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.profile = Profile(Path(args.profile) if getattr(args, "profile", None)
                               else default_profile_dir())
        self._vault: Vault | None = None

    def vault(self) -> Vault:
        """The unlocked vault (asks the passphrase once per command)."""
        if self._vault is None:
            if not self.profile.exists():
                self.profile._load_slots()  # raises ProfileMissing / ProfileCorrupt
            passphrase = ask_secret("FIELDAPP_PASSPHRASE", _("Passphrase:"))
            self._vault = self.profile.unlock(passphrase)
        return self._vault

    def set_vault(self, vault: Vault) -> None:
        self._vault = vault

    def close(self) -> None:
        if self._vault is not None:
            self._vault.close()
            self._vault = None

    @staticmethod
    def out(text: str = "") -> None:
        sys.stdout.write(text + "\n")

    @staticmethod
    def err(text: str) -> None:
        sys.stderr.write(text + "\n")

    @staticmethod
    def json(value: Any) -> None:
        sys.stdout.write(json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
