"""The PDF as a reader gets it: drawn by Qt, read back with pdftotext (poppler-utils).

Redacted by default (no identity marker in the text), identities only for a coordinator
who asks, French headings in a French report, and the command line's errors and audit.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

from fieldapp import audit
from fieldapp.report import Options, write_report
from tests.conftest import run_cli
from tests.report.conftest import IDENTITY_MARKERS, PERSON_NAME, member, pdf_text


def draw(doc) -> bytes:
    from ui.report_pdf import render_pdf

    return render_pdf(doc)


def test_redacted_pdf_has_no_identity(qapp, filled, tmp_path: Path) -> None:
    out = tmp_path / "rapport.pdf"
    result = write_report(filled.vault, out, Options(lang="en"), draw)
    assert out.read_bytes().startswith(b"%PDF-")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = pdf_text(out)
    for marker in (*IDENTITY_MARKERS, PERSON_NAME):
        assert marker not in text
    assert "T-MPT-101" in text and "V-MPT-007" in text
    assert filled.sha256[:32] in text and filled.sha256[32:] in text
    assert "Identities of witnesses and victims: left out" in text
    assert result.count == 3 and not result.contains_identity


def test_a_coordinators_pdf_with_identities_names_them(qapp, filled, tmp_path) -> None:
    member(filled.vault, "coordinator")
    out = tmp_path / "rapport.pdf"
    result = write_report(filled.vault, out, Options(lang="en", with_identities=True), draw)
    text = pdf_text(out)
    for marker in (*IDENTITY_MARKERS, PERSON_NAME):
        assert marker in text, marker
    assert result.contains_identity
    entry = audit.entries(filled.vault.conn, limit=1)[0]
    assert entry["action"] == "export"
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(
        entry["detail"])
    assert detail["format"] == "pdf" and detail["identity"] is True


def test_french_report_speaks_french(qapp, filled, tmp_path) -> None:
    out = tmp_path / "rapport.pdf"
    write_report(filled.vault, out, Options(lang="fr", coarsen_places=True,
                                            mask_names=True), draw)
    text = pdf_text(out)
    for heading in ("Rapport d’incidents", "Sélection", "Caviardage", "Résumé",
                    "Témoignages", "Chaîne de conservation", "Graphiques"):
        assert heading in text, heading
    for english in ("Incident report", "Summary", "Chain of custody", "Testimonies"):
        assert english not in text, english
    assert "Sévaré-Marqueur" not in text and "Aminata" not in text
    assert "Page 1 sur" in text


def test_cli_report_writes_audits_and_refuses_overwrite(filled, profile_dir, tmp_path):
    filled.vault.close()
    out = tmp_path / "report.pdf"
    result = run_cli(profile_dir, "report", "--out", str(out), "--lang", "fr",
                     "--region", "Mopti", "--mask", "Moussa Traoré")
    assert result.code == 0, result.err
    assert "plaintext" not in result.err and "texte en clair" in result.err
    text = pdf_text(out)
    assert "Moussa" not in text and "Arrestations au marché" in text
    assert "Village pillé" not in text            # another region
    again = run_cli(profile_dir, "report", "--out", str(out))
    assert again.code == 2 and len(again.err.strip().splitlines()) == 1
    shown = run_cli(profile_dir, "audit", "show", "--json")
    exports = [e for e in json.loads(shown.out) if e["action"] == "export"]
    assert len(exports) == 1
    verified = run_cli(profile_dir, "audit", "verify")
    assert verified.code == 0, verified.err


def test_cli_report_bad_input_is_one_line(filled, profile_dir, tmp_path) -> None:
    filled.vault.close()
    for args, code in ((["--from", "2024-13"], 2), (["--type", "picnic"], 2),
                       (["--with-identities"], 1)):
        result = run_cli(profile_dir, "report", "--out", str(tmp_path / "r.pdf"), *args)
        assert result.code == code, (args, result.err)
        assert len(result.err.strip().splitlines()) == 1, result.err
        assert "Traceback" not in result.err
    assert not (tmp_path / "r.pdf").exists()
