"""A period report as a PDF (fpdf2, CJK font embedded): the same tables and
charts as the screen."""

from __future__ import annotations

from jiayuan.reports.report import Report


def render(report: Report) -> bytes:
    raise NotImplementedError("the printout's part: to be built")
