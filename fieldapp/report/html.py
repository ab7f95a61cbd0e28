"""The report document as HTML in the subset Qt's rich text understands (QTextDocument):
tables, headings, page breaks before each part, images for charts.

Everything user-typed is escaped. Hashes are printed in two halves of 32 characters so a
table cell never overflows the page.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from .document import Chart, FileLine, IncidentSection, ReportDocument, Row

CSS = """
body { font-size: 10pt; }
h1 { font-size: 20pt; margin-bottom: 6pt; }
h2 { font-size: 15pt; margin-top: 14pt; margin-bottom: 6pt; }
h3 { font-size: 12pt; margin-top: 10pt; margin-bottom: 4pt; }
h4 { font-size: 10.5pt; margin-top: 8pt; margin-bottom: 3pt; }
td, th { padding: 3px 6px; vertical-align: top; }
th { background-color: #e8e8e8; text-align: left; }
.label { color: #444444; font-weight: bold; }
.confidential { color: #9b1c1c; font-weight: bold; font-size: 12pt; }
.identity { background-color: #fff3e0; }
.note { color: #555555; font-size: 9pt; }
.hash { font-family: 'DejaVu Sans Mono', monospace; font-size: 7.5pt; }
.text { margin-left: 8pt; }
"""

BREAK = "<div style='page-break-before: always'></div>"


def _text(value: str) -> str:
    return escape(value).replace("\n", "<br/>")


def _hash(value: str) -> str:
    return f"<span class='hash'>{escape(value[:32])}<br/>{escape(value[32:])}</span>"


def _rows(rows: list[Row], css: str = "") -> str:
    cells = "".join(f"<tr><td class='label' width='30%'>{escape(r.label)}</td>"
                     f"<td>{_text(r.text)}</td></tr>" for r in rows)
    return f"<table width='100%' cellspacing='0' class='{css}'>{cells}</table>"


def _files(lines: list[FileLine], words: dict[str, str]) -> str:
    if not lines:
        return ""
    body = "".join(f"<tr><td>{escape(f.name)}<br/><span class='note'>{escape(f.kind)}, "
                   f"{escape(f.size)}</span></td><td>{_hash(f.sha256_original)}</td>"
                   f"<td>{_hash(f.sha256_stored)}</td></tr>" for f in lines)
    return (f"<h4>{escape(words['files'])}</h4><table width='100%' border='1' "
            f"cellspacing='0' style='border-color:#bbbbbb; border-style: solid'>"
            f"<tr><th>{escape(words['file'])}</th><th>{escape(words['sha_original'])}</th>"
            f"<th>{escape(words['sha_stored'])}</th></tr>{body}</table>")


def _incident(section: IncidentSection, words: dict[str, str]) -> str:
    heading = words["incident"].format(n=section.number)
    parts = [f"<h2>{escape(heading)} — {escape(section.title)}</h2>", _rows(section.rows)]
    if section.description:
        parts.append(f"<h4>{escape(words['description'])}</h4>"
                     f"<p class='text'>{_text(section.description)}</p>")
    parts.append(_files(section.files, words))
    if section.people:
        parts.append(f"<h3>{escape(words['people'])}</h3>")
        for person in section.people:
            parts.append(f"<h4>{escape(person.code)}</h4>{_rows(person.rows)}")
            if person.identity:
                parts.append(f"<p class='confidential'>{escape(words['identity'])}</p>"
                             f"{_rows(person.identity, 'identity')}")
    if section.testimonies:
        parts.append(f"<h3>{escape(words['testimonies'])}</h3>")
        for item in section.testimonies:
            parts.append(f"<h4>{escape(words['testimony'].format(code=item.code))}</h4>")
            parts.append(_rows(item.rows))
            if item.identity:
                parts.append(f"<p class='confidential'>{escape(words['identity'])}</p>"
                             f"{_rows(item.identity, 'identity')}")
            parts.append(f"<p class='text'>{_text(item.text)}</p>")
            if item.translation:
                parts.append(f"<p class='note'>{escape(words['translation'])}</p>"
                             f"<p class='text'>{_text(item.translation)}</p>")
            parts.append(_files(item.files, words))
    return "".join(parts)


def _chart(chart: Chart, src: Callable[[Chart], str], width: int) -> str:
    # The title is drawn inside the image, so a page break never parts them.
    note = f"<p class='note'>{escape(chart.note)}</p>" if chart.note else ""
    return f"<p><img src='{escape(src(chart))}' width='{width}'/></p>{note}"


def render(doc: ReportDocument, chart_src: Callable[[Chart], str],
           chart_width: int = 600) -> str:
    """The whole report as one HTML string; ``chart_src(chart)`` names each chart image
    (the renderer registers the images under those names)."""
    w = doc.words
    out = [f"<html><head><style>{CSS}</style></head><body>",
           f"<p class='confidential'>{escape(w['confidential'])}</p>",
           f"<h1>{escape(doc.title)}</h1><p>{escape(doc.generated)}</p>",
           f"<h2>{escape(w['selection'])}</h2>{_rows(doc.selection)}",
           f"<h2>{escape(w['redaction'])}</h2><ul>",
           "".join(f"<li>{escape(line)}</li>" for line in doc.redaction), "</ul>",
           BREAK, f"<h2>{escape(w['summary'])}</h2>",
           "<table width='100%' border='1' cellspacing='0' "
           "style='border-color:#bbbbbb; border-style: solid; font-size: 8pt'><tr>",
           "".join(f"<th width='{24 if i == 0 else 12}%'>{escape(h)}</th>"
                   for i, h in enumerate(doc.summary_header)), "</tr>"]
    for row in doc.summary_rows:
        out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
    out.append("</table>")
    if doc.charts:
        out.append(f"<h2>{escape(w['charts'])}</h2>")
        out.extend(_chart(chart, chart_src, chart_width) for chart in doc.charts)
    out.append(BREAK + f"<h1>{escape(w['incidents'])}</h1>")
    if not doc.incidents:
        out.append(f"<p>{escape(w['no_incidents'])}</p>")
    for number, section in enumerate(doc.incidents):
        if number:
            out.append("<hr/>")
        out.append(_incident(section, w))
    if doc.custody:
        out.append(BREAK + f"<h1>{escape(w['custody'])}</h1>"
                   f"<p class='note'>{escape(w['custody_note'])}</p>")
        rows = "".join(
            f"<tr><td>{escape(f.owner)}</td><td>{escape(f.name)}</td>"
            f"<td>{_hash(f.sha256_original)}</td><td>{_hash(f.sha256_stored)}</td>"
            f"<td>{escape(w['yes'] if f.original_kept else w['no'])}</td></tr>"
            for f in doc.custody)
        out.append(f"<table width='100%' border='1' cellspacing='0' "
                   f"style='border-color:#bbbbbb; border-style: solid'><tr>"
                   f"<th>{escape(w['record'])}</th><th>{escape(w['file'])}</th>"
                   f"<th>{escape(w['sha_original'])}</th><th>{escape(w['sha_stored'])}</th>"
                   f"<th>{escape(w['kept'])}</th></tr>{rows}</table>")
    out.append("</body></html>")
    return "".join(out)
