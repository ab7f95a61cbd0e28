"""Words of the desk: states of an assignment and of a field, languages."""

from __future__ import annotations

from fieldapp import model
from fieldapp.i18n import N_, _

ASSIGNMENT_STATES = {"assigned": N_("Assigned"), "in progress": N_("In progress"),
                     "done": N_("Done")}
FIELD_STATES = {"todo": N_("To do"), "draft": N_("Draft"), "done": N_("Done")}


def language_name(code: str | None) -> str:
    if not code:
        return _("Unknown language")
    return _(model.LANGUAGE_LABELS[code]) if code in model.LANGUAGE_LABELS else code


def state_name(state: str) -> str:
    return _(ASSIGNMENT_STATES.get(state, state))


def field_state_name(state: str) -> str:
    return _(FIELD_STATES.get(state, state))
