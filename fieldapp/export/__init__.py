"""Exports: JSON (the full backup), CSV in ACLED's columns, GeoJSON, HURIDOCS ESF.

An export is plaintext by nature. `export` refuses to overwrite a file or to write into
the profile folder, writes 0600 atomically, and appends an ``export`` entry (format,
count, SHA-256 of the file) to the audit log. Identity sections only ever go into the
JSON export, in their own marked section, and into the ESF export only when a
coordinator asks for them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import audit, membership
from ..errors import InvalidInput, UnsafePath
from ..fsutil import atomic_write, create_private
from ..records import transaction
from . import acled_csv, esf, geojson, json_export
from .locate import user_points
from .selection import Selection, select

FORMATS = ("json", "csv", "geojson", "esf")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    count: int
    sha256: str
    left_out: int = 0  # GeoJSON: nothing places them; CSV: only their year is known
    contains_identity: bool = False


def incidents(conn: Any) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(id, head body, status) of every incident, oldest event first."""
    for item in select(conn):
        yield item.id, item.body, item.status


def check_destination(path: Path, profile_dir: Path) -> Path:
    """The output path, or `UnsafePath` when it exists, is in the profile folder, or
    its folder does not exist."""
    path = Path(path).expanduser()
    if os.path.lexists(path):
        raise UnsafePath(path=str(path), reason="exists")
    parent = path.parent.resolve()
    profile = Path(profile_dir).expanduser().resolve()
    if parent == profile or profile in parent.parents:
        raise UnsafePath(path=str(path), reason="inside the profile folder")
    if not parent.is_dir():
        raise UnsafePath(path=str(path), reason="no such folder")
    return parent / path.name


def render(conn: Any, fmt: str, *, exported_by: str, exported_at: str,
           include_identity: bool = True) -> tuple[bytes, int, int, bool]:
    """(file bytes, records written, incidents left out, whether identities are in it)
    for one format."""
    if fmt == "json":
        data, count, identity = json_export.render(conn, exported_by=exported_by,
                                                   exported_at=exported_at,
                                                   include_identity=include_identity)
        return data, count, 0, identity
    if fmt == "esf":
        data, count, identity = esf.render(conn, exported_by=exported_by,
                                           exported_at=exported_at,
                                           include_identity=include_identity)
        return data, count, 0, identity
    typed: Mapping[str, tuple[float, float]] = user_points(conn)
    if fmt == "csv":
        data, count, left_out = acled_csv.render(
            ((i.id, i.body, i.updated_at) for i in select(conn)), typed)
        return data, count, left_out, False
    if fmt == "geojson":
        return (*geojson.render(incidents(conn), typed), False)
    raise InvalidInput(field="format", reason="not one of the allowed values",
                       value=str(fmt)[:40])


__all__ = ["FORMATS", "ExportResult", "Selection", "export", "render", "select"]


def identity_allowed(conn: Any) -> None:
    """`RoleRequired` unless this profile is a coordinator's: only coordinators may put
    identities into an ESF export (a monitor's or translator's export never has them)."""
    membership.require_role(conn, "coordinator")  # NotJoined when in no project


def export(vault: Any, fmt: str, out: Path | str, *,
           include_identity: bool | None = None) -> ExportResult:
    """Write one export file and record it in the audit log (both, or neither).

    ``include_identity``: JSON has identities unless False; ESF has them only when True,
    and only on a coordinator's profile; CSV and GeoJSON never have them."""
    if fmt not in FORMATS:
        raise InvalidInput(field="format", reason="not one of the allowed values",
                           value=str(fmt)[:40])
    if fmt == "esf" and include_identity:
        identity_allowed(vault.conn)
    path = check_destination(Path(out), vault.profile.path)
    wanted = (include_identity is not False) if fmt == "json" else \
        bool(include_identity) if fmt == "esf" else False
    data, count, left_out, identity = render(
        vault.conn, fmt, exported_by=vault.pseudonym, exported_at=audit.now(),
        include_identity=wanted)
    digest = hashlib.sha256(data).hexdigest()
    try:  # claim the name first (O_EXCL): a file that appeared meanwhile is never replaced
        os.close(create_private(path))
    except FileExistsError:
        raise UnsafePath(path=str(path), reason="exists") from None
    except OSError:  # a read-only folder or medium, no permission
        raise UnsafePath(path=str(path), reason="not writable") from None
    try:
        atomic_write(path, data)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    try:
        with transaction(vault.conn):
            audit.append(vault.conn, vault.pseudonym, "export", None,
                         {"format": fmt, "count": count, "sha256": digest,
                          "identity": identity})
    except BaseException:
        path.unlink(missing_ok=True)  # an export the log does not know must not remain
        raise
    return ExportResult(path, fmt, count, digest, left_out, identity)
