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


COORDINATORS = frozenset({"coordinator"})
TRANSLATORS = frozenset({"translator"})
MONITORS = frozenset({"monitor"})

PAGES: tuple[PageSpec, ...] = (
    PageSpec("incidents", N_("Incidents"), "incidents"),
    PageSpec("testimonies", N_("Testimonies"), "testimonies"),
    PageSpec("people", N_("People"), "people"),
    PageSpec("dashboard", N_("Dashboard"), "dashboard"),
    PageSpec("map", N_("Map"), "map"),
    PageSpec("review", N_("Review queue"), "view", COORDINATORS),
    PageSpec("notes", N_("Notes from coordinators"), "empty", MONITORS),
    PageSpec("outbox", N_("Outbox"), "outbox"),
    PageSpec("audit", N_("Audit log"), "audit"),
    PageSpec("conflicts", N_("Conflicts"), "history", roles=COORDINATORS),
    PageSpec("project", N_("Project"), "new_person", roles=COORDINATORS),
    PageSpec("settings", N_("Settings"), "settings"),
)


def pages_for(role: str | None) -> list[PageSpec]:
    """The pages a device with ``role`` (None: not in a project) sees, in sidebar order."""
    return [p for p in PAGES if p.roles is None or (role is not None and role in p.roles)]
