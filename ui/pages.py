"""The sidebar's pages: which exist, in which order, and for which roles.

A page is a widget with ``refresh()`` (reload what it shows; called when the page is
chosen and after every sync) and ``retranslate()``; a record list also has
``ensure_loaded()``. The coordinator's and translator's desks register their pages here
with the roles that see them; the main window builds the sidebar from `pages_for`.
"""

from __future__ import annotations

from dataclasses import dataclass

from fieldapp.i18n import N_


@dataclass(frozen=True)
class PageSpec:
    key: str
    label: str                              # marked with N_(), translated when shown
    icon: str | None = None                 # a ui.icons name
    roles: frozenset[str] | None = None     # None: everyone, in a project or not
    hidden_from: frozenset[str] = frozenset()  # roles that never see it


COORDINATORS = frozenset({"coordinator"})
TRANSLATORS = frozenset({"translator"})
MONITORS = frozenset({"monitor"})

# A translator's app shows only the translator's desk: no lists of records, no people, no
# identity widget anywhere (the translator's store holds none anyway).
PAGES: tuple[PageSpec, ...] = (
    PageSpec("my_assignments", N_("My assignments"), "testimonies", roles=TRANSLATORS),
    PageSpec("incidents", N_("Incidents"), "incidents", hidden_from=TRANSLATORS),
    PageSpec("testimonies", N_("Testimonies"), "testimonies", hidden_from=TRANSLATORS),
    PageSpec("people", N_("People"), "people", hidden_from=TRANSLATORS),
    PageSpec("review", N_("Review queue"), "view", COORDINATORS),
    PageSpec("notes", N_("Notes from coordinators"), "empty", MONITORS),
    PageSpec("assignments", N_("Assignments"), "testimonies", roles=COORDINATORS),
    PageSpec("dashboard", N_("Dashboard"), "dashboard", hidden_from=TRANSLATORS),
    PageSpec("map", N_("Map"), "map", hidden_from=TRANSLATORS),
    PageSpec("outbox", N_("Outbox"), "outbox"),
    PageSpec("audit", N_("Audit log"), "audit"),
    PageSpec("conflicts", N_("Conflicts"), "history", roles=COORDINATORS),
    PageSpec("project", N_("Project"), "new_person", roles=COORDINATORS),
    PageSpec("settings", N_("Settings"), "settings"),
)


def pages_for(role: str | None) -> list[PageSpec]:
    """The pages a device with ``role`` (None: not in a project) sees, in sidebar order."""
    return [p for p in PAGES if (p.roles is None or (role is not None and role in p.roles))
            and role not in p.hidden_from]
