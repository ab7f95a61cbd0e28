"""Exports: JSON (the full backup), CSV in ACLED-like columns, GeoJSON.

An export is plaintext by nature. `export` refuses to overwrite a file or to write into
the profile folder, writes 0600 atomically, and appends an ``export`` entry (format,
count, SHA-256 of the file) to the audit log. Identity sections only ever go into the
JSON export, in their own marked section.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import audit
from ..errors import UnsafePath
from ..fsutil import atomic_write, create_private
from ..records import transaction
from . import acled_csv, geojson, json_export
from .locate import user_points

FORMATS = ("json", "csv", "geojson")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    count: int
    sha256: str
    left_out: int = 0  # GeoJSON: incidents nothing could place
    contains_identity: bool = False


def incidents(conn: Any) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(id, head body, status) of every incident, oldest event first."""
    rows = conn.execute("SELECT r.id, v.body, r.status FROM record r JOIN version v "
                        "ON v.hash = r.head WHERE r.kind = 'incident' "
                        "ORDER BY r.occurred_on, r.created_at, r.id")
    for record_id, body, status in rows:
        yield record_id, json.loads(body), status


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
    typed: Mapping[str, tuple[float, float]] = user_points(conn)
    if fmt == "csv":
        data, count = acled_csv.render(((i, b) for i, b, _s in incidents(conn)), typed)
        return data, count, 0, False
    if fmt == "geojson":
        return (*geojson.render(incidents(conn), typed), False)
    raise ValueError(fmt)


def export(vault: Any, fmt: str, out: Path | str, *,
           include_identity: bool = True) -> ExportResult:
    """Write one export file and record it in the audit log (both, or neither)."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    path = check_destination(Path(out), vault.profile.path)
    data, count, left_out, identity = render(
        vault.conn, fmt, exported_by=vault.pseudonym, exported_at=audit.now(),
        include_identity=include_identity and fmt == "json")
    digest = hashlib.sha256(data).hexdigest()
    try:  # claim the name first (O_EXCL): a file that appeared meanwhile is never replaced
        os.close(create_private(path))
    except FileExistsError:
        raise UnsafePath(path=str(path), reason="exists") from None
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
