"""The CJK font every printout embeds (no empty boxes for Chinese text), in
one place: the household file, the wall chart, the contact cards and the
period report all take it from here.

    pdf = FPDF(format="A4")
    add_cjk_font(pdf)
    pdf.set_font(FONT, size=10)
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from fpdf import FPDF

FONT = "jiayuan-cjk"


@cache
def font_file() -> tuple[str, int]:
    """(path, index in collection). PDF_FONT_PATH overrides the locked package."""
    if settings.PDF_FONT_PATH:
        return str(settings.PDF_FONT_PATH), int(settings.PDF_FONT_INDEX)
    import noto_cjk_sans_otc

    path = Path(noto_cjk_sans_otc.__file__).parent / "NotoSansCJK-Regular.ttc"
    # Collection order in Noto Sans CJK: JP, KR, SC, TC, HK. SC covers both
    # scripts' characters; glyph shapes follow mainland conventions.
    return str(path), 2


def add_cjk_font(pdf: FPDF) -> None:
    """Register the CJK font on `pdf` as FONT (embedded, subset, on output)."""
    path, index = font_file()
    pdf.add_font(FONT, "", path, collection_font_number=index)


def cjk_pdf(orientation: str = "portrait", page_format: str = "A4") -> FPDF:
    """A new document with the CJK font registered as FONT."""
    pdf = FPDF(orientation=orientation, format=page_format)
    add_cjk_font(pdf)
    return pdf
