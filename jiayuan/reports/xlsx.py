"""A period report as an Excel workbook (XlsxWriter): a table per section and
native Excel charts, the same figures as the screen."""

from __future__ import annotations

from jiayuan.reports.report import Report


def write(report: Report) -> bytes:
    raise NotImplementedError("the workbook's part: to be built")
