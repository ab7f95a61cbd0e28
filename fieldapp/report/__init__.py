"""Reports: a filtered selection of incidents as a document (PDF), redacted by default.

- `selection`: the list filters, checked; `stats`: the counts the report and the
  dashboard share; `redact`: masking names; `document`: the report in words, redactions
  applied; `html`: the document as Qt rich text.
- The PDF itself is drawn by the desktop layer (`ui.report_pdf.render_pdf`, Qt's
  QTextDocument and QPdfWriter): the core has no Qt. `write_report` takes that drawing
  function as an argument, so the core decides what goes in and writes the file and the
  audit entry, and the caller only lays it out.

A report is a plaintext export: like the others it refuses to overwrite a file or to
write inside the profile folder, writes 0600 atomically, and appends an ``export`` entry
(format ``pdf``, count, SHA-256, whether identities are in it, the redaction choices —
never the names masked) to the audit log.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import audit
from ..errors import UnsafePath
from ..export import ExportResult, check_destination
from ..fsutil import atomic_write, create_private
from ..records import transaction
from .document import REPORT_LIMIT, Options, ReportDocument, build

__all__ = ["REPORT_LIMIT", "Options", "ReportDocument", "build", "save", "write_report"]


def save(vault: Any, out: Path | str, data: bytes, doc: ReportDocument,
         options: Options) -> ExportResult:
    """Write a drawn report and record it in the audit log (both, or neither)."""
    path = check_destination(Path(out), vault.profile.path)
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
    count = len(doc.incidents)
    try:
        with transaction(vault.conn):
            audit.append(vault.conn, vault.pseudonym, "export", None,
                         {"format": "pdf", "count": count, "sha256": digest,
                          "identity": doc.contains_identity,
                          "redaction": options.audit_detail()})
    except BaseException:
        path.unlink(missing_ok=True)  # a report the log does not know must not remain
        raise
    return ExportResult(path, "pdf", count, digest, 0, doc.contains_identity)


def write_report(vault: Any, out: Path | str, options: Options,
                 draw: Callable[[ReportDocument], bytes]) -> ExportResult:
    """Check the destination, build the document, draw it with ``draw``, write it."""
    check_destination(Path(out), vault.profile.path)
    doc = build(vault, options)
    return save(vault, out, draw(doc), doc, options)
