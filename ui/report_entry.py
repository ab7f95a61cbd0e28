"""The command line's door to the PDF drawing: `render_pdf` loads Qt only when a report is
drawn, so `fieldapp` commands that draw nothing never start Qt. The composition root
(fieldapp/cli/root.py) hands it to `fieldapp report`."""

from __future__ import annotations

from typing import Any


def render_pdf(*args: Any, **kwargs: Any) -> Any:
    """`ui.report_pdf.render_pdf`, Qt loaded on first use."""
    from .report_pdf import render_pdf as draw

    return draw(*args, **kwargs)
