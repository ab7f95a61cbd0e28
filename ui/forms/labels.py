"""Words shown for field names and stored codes (translated when shown, never stored)."""

from __future__ import annotations

from fieldapp import model
from fieldapp.i18n import N_, _

FIELD_LABELS: dict[str, str] = {
    "title": N_("Title"),
    "occurred_on": N_("Date of the event"),
    "date_precision": N_("Date precision"),
    "region": N_("Region"),
    "cercle": N_("Cercle"),
    "commune": N_("Commune"),
    "locality": N_("Place (town or village)"),
    "latitude": N_("Latitude"),
    "longitude": N_("Longitude"),
    "geo_precision": N_("Location precision"),
    "event_type": N_("Type of event"),
    "sub_event_type": N_("Details of the event type"),
    "perpetrators": N_("Alleged perpetrators"),
    "perpetrators_detail": N_("Perpetrators, in your words"),
    "killed_min": N_("Killed (minimum)"), "killed_max": N_("Killed (maximum)"),
    "injured_min": N_("Injured (minimum)"), "injured_max": N_("Injured (maximum)"),
    "abducted_min": N_("Abducted (minimum)"), "abducted_max": N_("Abducted (maximum)"),
    "detained_min": N_("Detained (minimum)"), "detained_max": N_("Detained (maximum)"),
    "displaced_min": N_("Displaced (minimum)"), "displaced_max": N_("Displaced (maximum)"),
    "victims_breakdown": N_("Victims by sex and age"),
    "description": N_("Description"),
    "language": N_("Language"),
    "tags": N_("Tags"),
    "source": N_("Source"),
    "witness_code": N_("Witness code"),
    "relation": N_("Relation to the events"),
    "interview_date": N_("Interview date"),
    "interview_place": N_("Interview place"),
    "text": N_("Testimony"),
    "summary": N_("Summary"),
    "consent": N_("Informed consent"),
    "consent_partners": N_("Named partners"),
    "protection_concerns": N_("Protection concerns"),
    "follow_up": N_("Follow-up needed"),
    "incident_ids": N_("Linked incidents"),
    "identity": N_("Identity"),
    "code": N_("Code"),
    "role": N_("Role"),
    "sex": N_("Sex"),
    "age_bracket": N_("Age"),
    "community": N_("Community"),
    # A person's situation (killed, missing…); "Status" is the record's review status.
    "status": N_("Situation"),
    "notes": N_("Notes"),
    "name": N_("Name"),
    "phone": N_("Phone"),
    "home": N_("Exact home"),
    "contact": N_("Other contact"),
}

# Rows of the victim counts (plural, how many people). Their own words: the same codes
# in a person's situation (model.PERSON_STATUSES) are said of ONE person ("Tué(e)").
COUNT_LABELS = model.COUNT_LABELS

REVIEW_STATUSES = model.REVIEW_STATUS_LABELS

LANGUAGES = model.LANGUAGE_LABELS

KIND_LABELS: dict[str, str] = {
    "incident": N_("Incident"), "testimony": N_("Testimony"), "person": N_("Person"),
}

# Vocabularies per field, for showing stored codes in words.
VOCABULARIES: dict[str, dict[str, str]] = {
    "event_type": model.EVENT_TYPES,
    "perpetrators": model.PERPETRATORS,
    "date_precision": model.DATE_PRECISIONS,
    "geo_precision": model.GEO_PRECISIONS,
    "relation": model.RELATIONS,
    "consent": model.CONSENTS,
    "sex": model.SEXES,
    "age_bracket": model.AGE_BRACKETS,
    "role": model.PERSON_ROLES,
    "status": {**REVIEW_STATUSES, **model.PERSON_STATUSES},
    "language": LANGUAGES,
}


def field_label(name: str) -> str:
    """The translated label of a field (its code if unknown, e.g. a breakdown key)."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


def value_text(name: str, value: object) -> str:
    """A stored value in words: vocabulary codes translated, lists joined, flags as yes/no."""
    vocab = VOCABULARIES.get(name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(value_text(name, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{field_label(k) if k in FIELD_LABELS else k}: {v}"
                         for k, v in value.items())
    if vocab is not None and isinstance(value, str) and value in vocab:
        return _(vocab[value])
    if value is None:
        return ""
    return str(value)
