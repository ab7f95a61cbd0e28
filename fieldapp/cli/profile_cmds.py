"""init, passwd, recover, duress, panic."""

from __future__ import annotations

import argparse
import sys

from ..crypto.kdf import DEFAULT_SECONDS
from ..errors import WrongPassphrase
from ..i18n import _
from .context import Context, UsageError, ask_secret, number


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("init", help=_("create a new encrypted profile"))
    p.add_argument("--pseudonym", required=True, metavar=_("NAME"),
                   help=_("the name you sign records with (never your real name)"))
    p.add_argument("--kdf-seconds", type=number, default=DEFAULT_SECONDS,
                   metavar=_("SECONDS"),
                   help=_("time one passphrase check should take (default 0.5)"))
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("passwd", help=_("change the passphrase"))
    p.set_defaults(handler=cmd_passwd)

    p = sub.add_parser("recover", help=_("open with the recovery key and set a new passphrase"))
    p.set_defaults(handler=cmd_recover)

    p = sub.add_parser("duress", help=_("duress passphrase (destroys the data when used)"))
    dsub = p.add_subparsers(dest="duress_command", metavar=_("ACTION"), required=True)
    d = dsub.add_parser("set", help=_("set or replace the duress passphrase"))
    d.set_defaults(handler=cmd_duress_set)

    p = sub.add_parser("panic", help=_("destroy the keys and every file of the profile"))
    p.add_argument("--yes", action="store_true", help=_("do not ask for confirmation"))
    p.set_defaults(handler=cmd_panic)


def cmd_init(ctx: Context, args: argparse.Namespace) -> int:
    pseudonym = args.pseudonym.strip()
    if not pseudonym or len(pseudonym) > 60:
        raise UsageError(_("the pseudonym must be 1 to 60 characters"))
    if args.kdf_seconds < 0:
        raise UsageError(_("--kdf-seconds cannot be negative"))
    passphrase = ask_secret("FIELDAPP_PASSPHRASE", _("New passphrase:"), confirm=True)
    vault, recovery = ctx.profile.create(pseudonym, passphrase, args.kdf_seconds)
    ctx.set_vault(vault)
    ctx.out(_("Profile created in {path}.").format(path=ctx.profile.path))
    ctx.out(_("Recovery key (write it down and keep it apart from this laptop; it is shown "
              "only once):"))
    ctx.out(recovery)
    return 0


def _new_passphrase() -> str:
    return ask_secret("FIELDAPP_NEW_PASSPHRASE", _("New passphrase:"), confirm=True)


def cmd_passwd(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    ctx.profile.change_passphrase(vault, _new_passphrase())
    ctx.out(_("Passphrase changed."))
    return 0


def cmd_recover(ctx: Context, args: argparse.Namespace) -> int:
    key = ask_secret("FIELDAPP_RECOVERY_KEY", _("Recovery key:"))
    vault = ctx.profile.unlock_with_recovery(key)
    ctx.set_vault(vault)
    ctx.profile.change_passphrase(vault, _new_passphrase())
    ctx.out(_("Passphrase changed."))
    return 0


def cmd_duress_set(ctx: Context, args: argparse.Namespace) -> int:
    vault = ctx.vault()
    duress = ask_secret("FIELDAPP_DURESS_PASSPHRASE", _("Duress passphrase:"), confirm=True)
    ctx.profile.set_duress(vault, duress)
    ctx.out(_("Duress passphrase set. Typing it instead of your passphrase destroys this "
              "profile's data and opens an empty one."))
    return 0


def cmd_panic(ctx: Context, args: argparse.Namespace) -> int:
    if not ctx.profile.path.exists():
        ctx.out(_("Nothing to destroy."))
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(_("add --yes to confirm (no terminal to ask)"))
        # TRANSLATORS: the word typed to confirm destroying the profile, in capitals.
        word = _("YES")
        answer = input(_("Destroy every record of this profile for ever? Type {word}:")
                       .format(word=word) + " ")
        if answer.strip().upper() not in {word.upper(), "YES"}:
            ctx.out(_("Nothing destroyed."))
            return 1
    ctx.profile.panic()
    ctx.out(_("Profile destroyed."))
    return 0


__all__ = ["register", "WrongPassphrase"]
