"""Words a report prints for fields and codes (the same msgids as the desktop forms, so
one translation serves both; the forms' own table lives in the UI layer)."""

from __future__ import annotations

from .. import model
from ..i18n import N_, Translator

FIELDS: dict[str, str] = {
    "occurred_on": N_("Date of the event"),
    "region": N_("Region"),
    "cercle": N_("Cercle"),
    "commune": N_("Commune"),
    "locality": N_("Place (town or village)"),
    "coordinates": N_("Coordinates"),
    "geo_precision": N_("Location precision"),
    "event_type": N_("Type of event"),
    "sub_event_type": N_("Details of the event type"),
    "perpetrators": N_("Alleged perpetrators"),
    "perpetrators_detail": N_("Perpetrators, in your words"),
    "victims_breakdown": N_("Victims by sex and age"),
    "language": N_("Language"),
    "tags": N_("Tags"),
    "source": N_("Source"),
    "status": N_("Status"),
    "version": N_("Record version (SHA-256)"),
    "relation": N_("Relation to the events"),
    "interview_date": N_("Interview date"),
    "interview_place": N_("Interview place"),
    "summary": N_("Summary"),
    "consent": N_("Informed consent"),
    "consent_partners": N_("Named partners"),
    "protection_concerns": N_("Protection concerns"),
    "follow_up": N_("Follow-up needed"),
    "role": N_("Role"),
    "sex": N_("Sex"),
    "age_bracket": N_("Age"),
    "community": N_("Community"),
    "situation": N_("Situation"),
    "notes": N_("Notes"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "home": N_("Exact home"),
    "contact": N_("Other contact"),
    "women": N_("Women"), "men": N_("Men"), "girls": N_("Girls"), "boys": N_("Boys"),
    "elderly": N_("Elderly"), "unknown": N_("Unknown"),
}

COUNTS = model.COUNT_LABELS

REVIEW_STATUSES = model.REVIEW_STATUS_LABELS

LANGUAGES = model.LANGUAGE_LABELS

VOCABULARIES: dict[str, dict[str, str]] = {
    "event_type": model.EVENT_TYPES,
    "perpetrators": model.PERPETRATORS,
    "geo_precision": model.GEO_PRECISIONS,
    "relation": model.RELATIONS,
    "consent": model.CONSENTS,
    "sex": model.SEXES,
    "age_bracket": model.AGE_BRACKETS,
    "role": model.PERSON_ROLES,
    "situation": model.PERSON_STATUSES,
    "status": REVIEW_STATUSES,
    "language": LANGUAGES,
}


def word(t: Translator, field: str, value: object) -> str:
    """A stored value in words, in the report's language."""
    if isinstance(value, bool):
        return t._("Yes") if value else t._("No")
    if isinstance(value, list):
        return ", ".join(word(t, field, v) for v in value)
    vocabulary = VOCABULARIES.get(field, {})
    if isinstance(value, str) and value in vocabulary:
        return t._(vocabulary[value])
    return "" if value is None else str(value)


def label(t: Translator, field: str) -> str:
    return t._(FIELDS[field]) if field in FIELDS else field
