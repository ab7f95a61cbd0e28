"""The registry of main screens, for the screenshot and pseudo-locale tests.

Each entry builds one top-level widget, filled and ready to be shown, from a
`ScreenContext` (an unlocked demo vault with ~30 records, the Ops helper, the controller).
Append your screens with ``@screen("name")``; builders import their module lazily so this
file stays cheap to import. ``tests/gui/test_screenshots.py`` shows each one in French and
English (and at 200 % scale), writes a PNG, and in the pseudo-locale fails on any visible
string that escaped gettext.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from PySide6.QtWidgets import QWidget

    from fieldapp.profile import Profile, Vault

    from .controller import AppController
    from .ops import Ops


@dataclass
class ScreenContext:
    """What a screen builder gets: everything is real (a demo vault on disk)."""

    ops: Ops
    controller: AppController
    profile: Profile
    vault: Vault
    tmp: Path
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Screen:
    name: str
    build: Callable[[ScreenContext], QWidget]
    #: visible strings allowed to stay untranslated in the pseudo-locale (user data, ids)
    allow: tuple[str, ...] = ()


SCREENS: list[Screen] = []


def screen(name: str, allow: tuple[str, ...] = ()) -> Callable[
        [Callable[[ScreenContext], QWidget]], Callable[[ScreenContext], QWidget]]:
    """Register a screen builder under ``name`` (a file-name-safe word)."""
    def register(build: Callable[[ScreenContext], QWidget]) -> Callable[[ScreenContext],
                                                                       QWidget]:
        SCREENS.append(Screen(name, build, allow))
        return build
    return register


# --- the shell's screens (U1) -------------------------------------------------------------
@screen("first_run")
def _first_run(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    return FirstRunWindow(ctx.tmp / "new-profile", ctx.ops, kdf_seconds=0)


@screen("first_run_create")
def _first_run_create(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    window = FirstRunWindow(ctx.tmp / "new-profile-2", ctx.ops, kdf_seconds=0)
    window.show_create()
    return window


@screen("first_run_join")
def _first_run_join(ctx: ScreenContext) -> QWidget:
    from .first_run import FirstRunWindow

    window = FirstRunWindow(ctx.tmp / "new-profile-3", ctx.ops, kdf_seconds=0)
    window.show_join()
    return window


@screen("unlock")
def _unlock(ctx: ScreenContext) -> QWidget:
    from .unlock import UnlockWindow

    return UnlockWindow(ctx.profile, ctx.ops)


@screen("unlock_recovery")
def _unlock_recovery(ctx: ScreenContext) -> QWidget:
    from .unlock import UnlockWindow

    window = UnlockWindow(ctx.profile, ctx.ops)
    window.show_recovery()
    return window


@screen("settings", allow=("Français", "English", "Ctrl+Shift+L"))
def _settings(ctx: ScreenContext) -> QWidget:
    from .settings import SettingsDialog

    return SettingsDialog(ctx.controller)


@screen("panic_confirm")
def _panic(ctx: ScreenContext) -> QWidget:
    from .panic import PanicDialog

    return PanicDialog()


# --- the main window's screens (U2) append below -----------------------------------------
def _main_window(ctx: ScreenContext, page: str = "incidents") -> Any:
    from .main_window import MainWindow

    window = MainWindow(vault=ctx.vault, profile=ctx.profile, ops=ctx.ops,
                        controller=ctx.controller)
    window.show_page(page)
    current = window.current_page()
    table = getattr(current, "table", None)
    if table is not None and table.model().rowCount():
        table.selectRow(0)
    return window


def _first_id(ctx: ScreenContext, kind: str) -> str:
    return ctx.vault.records.list(kind, limit=1)[0].id


@screen("main_incidents")
def _main_incidents(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "incidents")


@screen("main_testimonies")
def _main_testimonies(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "testimonies")


@screen("main_outbox")
def _main_outbox(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "outbox")


@screen("main_audit")
def _main_audit(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "audit")


@screen("incident_editor")
def _incident_editor(ctx: ScreenContext) -> QWidget:
    window = _main_window(ctx)
    editor = window.edit_record(_first_id(ctx, "incident"))
    editor.keep_alive = window  # the window owns the editor's vault connections
    return editor


@screen("testimony_editor")
def _testimony_editor(ctx: ScreenContext) -> QWidget:
    window = _main_window(ctx)
    editor = window.new_record("testimony", _first_id(ctx, "incident"))
    editor.keep_alive = window
    return editor


@screen("history")
def _history(ctx: ScreenContext) -> QWidget:
    record_id = _first_id(ctx, "incident")
    if len(ctx.vault.records.history(record_id)) < 2:
        title = ctx.vault.records.get(record_id).body["title"]
        ctx.vault.records.edit(record_id, {"title": f"{title} (2)"})
    window = _main_window(ctx)
    dialog = window.show_history(record_id)
    dialog.keep_alive = window
    return dialog


@screen("person_editor")
def _person_editor(ctx: ScreenContext) -> QWidget:
    window = _main_window(ctx, "people")
    editor = window.new_record("person", _first_id(ctx, "incident"))
    editor.keep_alive = window
    return editor


# --- dashboard, map and PDF report (issue 14) ---------------------------------------------
def _sized(window: Any, size: tuple[int, int] | None) -> Any:
    if size is not None:
        window.resize(*size)
    return window


@screen("main_dashboard")
def _main_dashboard(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "dashboard")


@screen("main_dashboard_1024x600")
def _main_dashboard_small(ctx: ScreenContext) -> QWidget:
    return _sized(_main_window(ctx, "dashboard"), (1024, 600))


@screen("main_map")
def _main_map(ctx: ScreenContext) -> QWidget:
    return _main_window(ctx, "map")


@screen("main_map_1024x600")
def _main_map_small(ctx: ScreenContext) -> QWidget:
    return _sized(_main_window(ctx, "map"), (1024, 600))


@screen("report_dialog", allow=("Français", "English"))
def _report_dialog(ctx: ScreenContext) -> QWidget:
    window = _main_window(ctx)
    window.write_report({"region": "Mopti"})
    dialog = window.report_dialog
    dialog.keep_alive = window
    return dialog


# --- the coordinator's project panel, joining from Settings (issue 10) --------------------
SAMPLE_PRINT = "30551 45657 20681 78686 46771 18093"
PROJECT_ALLOW = ("Coord-1", "Sahel-7", "Kidal-2", "Tombouctou-3", "Gao 2024", SAMPLE_PRINT)


def _sample_devices() -> list[Any]:
    from .project.bridge import Device

    return [Device("a" * 16, "Kidal-2", "monitor", "pending", "11802 94431 50276 33109 "
                   "84520 66173", None),
            Device("b" * 16, "Coord-1", "coordinator", "approved", SAMPLE_PRINT,
                   "2024-06-01T14:05:00Z", own=True),
            Device("c" * 16, "Sahel-7", "monitor", "approved", "70215 38846 12990 45071 "
                   "23368 90412", "2024-06-02T09:30:00Z"),
            Device("d" * 16, "Tombouctou-3", "translator", "revoked", "52209 71364 08815 "
                   "29947 61530 37726", "2024-05-20T08:00:00Z")]


def _project_page(ctx: ScreenContext) -> Any:
    from .models.vault_access import VaultAccess
    from .project.bridge import Project
    from .project.panel import ProjectPage

    access = VaultAccess(ctx.vault, ctx.ops)
    page = ProjectPage(access)
    page.keep_alive = access
    page.shown_project = Project("Gao 2024", "coordinator", "approved", SAMPLE_PRINT)
    page.show_devices(_sample_devices())
    page.retranslate()
    page.resize(900, 560)
    return page


@screen("project_panel", allow=PROJECT_ALLOW)
def _project_panel(ctx: ScreenContext) -> QWidget:
    page = _project_page(ctx)
    page.select("Kidal-2")
    return page


@screen("project_approve", allow=PROJECT_ALLOW)
def _project_approve(ctx: ScreenContext) -> QWidget:
    from .project.dialogs import ApproveDialog

    dialog = ApproveDialog(_sample_devices()[0])
    dialog.code.setText("11802 94431 50276 33109 84520 66174")
    return dialog


@screen("project_invite", allow=PROJECT_ALLOW)
def _project_invite(ctx: ScreenContext) -> QWidget:
    import json
    import time

    from .project.bridge import MadeInvite
    from .project.dialogs import InviteDialog

    dialog = InviteDialog()
    text = json.dumps({"format": "sample", "token": "x" * 40, "pad": "y" * 900})
    dialog.show_made(MadeInvite(ctx.tmp / "monitor.invite", "monitor",
                                int(time.time()) + 7 * 86400, text, SAMPLE_PRINT))
    return dialog


@screen("project_revoke", allow=PROJECT_ALLOW)
def _project_revoke(ctx: ScreenContext) -> QWidget:
    from .project.dialogs import confirm_revoke

    return confirm_revoke(_sample_devices()[2])


@screen("join_project", allow=PROJECT_ALLOW)
def _join_project(ctx: ScreenContext) -> QWidget:
    from .project.join import JoinDialog

    return JoinDialog(ctx.vault, ctx.ops)


@screen("join_project_waiting", allow=PROJECT_ALLOW)
def _join_project_waiting(ctx: ScreenContext) -> QWidget:
    from .project.bridge import Project
    from .project.join import JoinDialog

    dialog = JoinDialog(ctx.vault, ctx.ops)
    dialog._joined(Project("Gao 2024", "monitor", "pending", SAMPLE_PRINT))
    return dialog


@screen("conflicts", allow=PROJECT_ALLOW)
def _conflicts(ctx: ScreenContext) -> QWidget:
    from fieldapp.records import RecordStore, transaction

    first, second = ctx.vault.records.list("incident", limit=2)
    record = ctx.vault.records.get(first.id)
    other = ctx.vault.records.get(second.id).body
    body = {**record.body, "title": other["title"], "region": other.get("region", "Mopti")}
    with transaction(ctx.vault.conn):  # a second head, as if written offline elsewhere
        parent = ctx.vault.conn.execute("SELECT parent FROM version WHERE hash = ?",
                                        (record.head,)).fetchone()[0]
        RecordStore(ctx.vault.conn, "Kidal-2")._write_version(
            first.id, "incident", parent, body)
    from .models.vault_access import VaultAccess
    from .project.conflicts import ConflictsPage

    access = VaultAccess(ctx.vault, ctx.ops)
    page = ConflictsPage(access)
    page.keep_alive = access
    page.refresh()
    page.resize(1000, 560)
    return page


# --- the coordinator's review desk (issue 10) ------------------------------------------------
def _received(ctx: ScreenContext) -> None:
    """Make some demo records look received from a monitor's device, with reviews from a
    coordinator on two of them (the demo profile is in no project)."""
    from fieldapp import audit
    from fieldapp.records import RecordStore, transaction
    from fieldapp.text import uuid7

    conn = ctx.vault.conn
    if ctx.vault.setting("screens_received"):
        return
    store = RecordStore(conn, "Sahel-7")
    first = ctx.vault.records.list("incident", limit=1)[0].id
    copy = dict(ctx.vault.records.get(first).body)
    copy["title"] = f"{copy['title']} (2)"
    store.add("incident", copy)  # a likely duplicate, as two monitors may send
    with transaction(conn):
        chosen = [s.id for s in ctx.vault.records.list("incident", limit=12)]
        chosen += [s.id for s in ctx.vault.records.list("testimony", limit=3)]
        for record_id in chosen:
            record = ctx.vault.records.get(record_id)
            head = conn.execute("SELECT head FROM record WHERE id = ?",
                                (record_id,)).fetchone()[0]
            store._write_version(record_id, record.kind, head, dict(record.body),
                                 origin="remote")
        for record_id, status, note, duplicate_of in (
                (chosen[0], "needs-info", "Combien de victimes ? Précisez l'heure.", None),
                (chosen[1], "duplicate", "", chosen[2])):
            head = conn.execute("SELECT head FROM record WHERE id = ?",
                                (record_id,)).fetchone()[0]
            conn.execute(
                "INSERT INTO review (id, record_id, version_hash, status, duplicate_of, "
                "confidence, note, reviewer, created_at, origin) VALUES "
                "(?, ?, ?, ?, ?, 'medium', ?, 'Coord-1', ?, 'remote')",
                (uuid7(), record_id, head, status, duplicate_of, note, audit.now()))
        ctx.vault.set_setting("screens_received", "1")


def _desk_page(ctx: ScreenContext, make: Callable[[Any], QWidget]) -> Any:
    from .models.vault_access import VaultAccess

    _received(ctx)
    access = VaultAccess(ctx.vault, ctx.ops)
    page = make(access)
    page.keep_alive = access  # type: ignore[attr-defined]
    page.resize(1000, 580)  # fits 1024x600 with its frame
    page.refresh()  # type: ignore[attr-defined]
    return page


def _review_queue(ctx: ScreenContext) -> Any:
    from .desk.review_queue import ReviewQueuePage

    page = _desk_page(ctx, ReviewQueuePage)
    rows = range(page.model.rowCount())
    page.select_row(next((r for r in rows if page.model.summary(r).kind == "incident"), 0))
    return page


@screen("review_queue", allow=("Sahel-7",))
def _review_queue_screen(ctx: ScreenContext) -> QWidget:
    page = _review_queue(ctx)
    page.choose_status("needs-info")
    page.panel.form.note.setPlainText("Combien de victimes ?")
    return page


@screen("review_duplicates", allow=("Sahel-7",))
def _review_duplicates(ctx: ScreenContext) -> QWidget:
    page = _review_queue(ctx)
    rows = range(page.model.rowCount())
    copy = next((r for r in rows if page.model.summary(r).title.endswith("(2)")), None)
    if copy is not None:
        page.select_row(copy)
    page.choose_status("duplicate")
    return page


@screen("review_queue_1024x600", allow=("Sahel-7",))
def _review_queue_small(ctx: ScreenContext) -> QWidget:
    return _sized(_review_queue(ctx), (1024 - 190, 580))  # beside the sidebar


@screen("notes_from_coordinators", allow=("Sahel-7",))
def _notes(ctx: ScreenContext) -> QWidget:
    from .desk.notes_page import NotesPage

    page = _desk_page(ctx, NotesPage)
    page.table.selectRow(0)
    return page


# --- the translator's desk and the coordinator's assignments (issue 11) -------------------
def _desk(ctx: ScreenContext) -> tuple[Any, Any]:
    """The main window and its desk, over the demo with two assignments, an earlier
    translation (the memory) and the usual glossary."""
    from fieldapp import glossary, translations
    from fieldapp.text import uuid7

    from .translate.access import DeskAccess

    conn = ctx.vault.conn
    if not conn.execute("SELECT 1 FROM assignment").fetchone():
        found = [s.id for s in ctx.vault.records.list("testimony", limit=100)]
        ids = ([i for i in found if ctx.vault.records.get(i).body.get("language") == "fr"]
               + found)[:2]
        for n, record_id in enumerate(ids):
            conn.execute(
                "INSERT INTO assignment (id, record_id, translator, translator_device, "
                "target_lang, fields, assigned_by, created_at) VALUES (?, ?, ?, ?, 'en', "
                "'[\"text\"]', ?, '2024-06-0{0}T10:00:00Z')".replace("{0}", str(n + 1)),
                (uuid7(), record_id, "Traductrice-2", "0" * 16, ctx.vault.pseudonym))
        text = ctx.vault.records.get(ids[1]).body.get("text") or "Texte."
        translations.add_translation(conn, ctx.vault.pseudonym, ids[1], "text", "en",
                                     "English: " + text)
        glossary.add_starter_terms(conn, ctx.vault.pseudonym)
    window = _main_window(ctx)
    return window, DeskAccess(window.access)


@screen("translator_assignments")
def _translator_assignments(ctx: ScreenContext) -> QWidget:
    from .translate.pages import MyAssignmentsPage

    window, _desk_access = _desk(ctx)
    page = MyAssignmentsPage(window.access, only_mine=False)
    page.keep_alive = window
    page.refresh()
    page.resize(900, 500)
    return page


def _editor(ctx: ScreenContext) -> Any:
    from .translate.editor import TranslationEditor

    window, desk = _desk(ctx)
    editor = TranslationEditor(desk, desk.assignments()[-1])
    editor.keep_alive = window
    section = editor.sections[0]
    from fieldapp.memory import sentences

    first = sentences(section.sources[0])[0]
    words = first.split()
    words[len(words) // 2] = "vieux"  # a sentence translated before, one word apart
    editor.memory.add(" ".join(words), "They searched the houses and took the young men.")
    editor._row_focused(section, 0)
    return editor


@screen("translation_editor")
def _translation_editor(ctx: ScreenContext) -> QWidget:
    return _editor(ctx)


@screen("coordinator_assignments")
def _coordinator_assignments(ctx: ScreenContext) -> QWidget:
    from .translate.pages import AssignmentsPage

    window, _desk_access = _desk(ctx)
    page = AssignmentsPage(window.access)
    page.keep_alive = window
    page.refresh()
    page.resize(900, 500)
    return page


@screen("assign_dialog")
def _assign_dialog(ctx: ScreenContext) -> QWidget:
    from .translate.dialogs import AssignDialog

    window, desk = _desk(ctx)
    dialog = AssignDialog(desk)
    dialog.keep_alive = window
    dialog.choose([a.record_id for a in desk.assignments()])
    return dialog


@screen("glossary_dialog")
def _glossary_dialog(ctx: ScreenContext) -> QWidget:
    from .translate.dialogs import GlossaryDialog

    window, desk = _desk(ctx)
    dialog = GlossaryDialog(desk)
    dialog.keep_alive = window
    return dialog


@screen("translation_compare")
def _translation_compare(ctx: ScreenContext) -> QWidget:
    from .translate.compare import CompareDialog, translations_html

    window, desk = _desk(ctx)
    chosen = desk.assignments()[0]

    def render() -> str:
        record = window.access.reader.get(chosen.record_id)
        return translations_html(record, desk.translations_of(record.id),
                                 desk.assignments(record_id=record.id))
    dialog = CompareDialog(render, chosen.title)
    dialog.keep_alive = window
    return dialog
