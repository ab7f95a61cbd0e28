"""Words of the desk: states of an assignment and of a field, languages."""

from __future__ import annotations

from fieldapp import model
from fieldapp.i18n import N_, _
from fieldapp.translations import Assignment

from ..forms.labels import KIND_LABELS

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


def short_text(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def record_label(a: Assignment, about: str = "") -> str:
    """How the desk names an assignment's record: its title (an incident's title, a
    testimony's witness code) where this device has it; else ``about`` (the start of an
    assigned summary: a translator's copy has no witness code); else its kind and the end
    of its id (the start of a time-ordered id is the same for records made the same
    minute, so it would name them all alike)."""
    if a.title:
        return a.title
    if about:
        return short_text(about)
    return _("{kind} {id}").format(kind=_(KIND_LABELS.get(a.kind, a.kind)),
                                   id=a.record_id[-8:])
