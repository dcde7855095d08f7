"""The shipped CJK font (``backend/core/fonts``) registered once for ReportLab and matplotlib,
so Chinese renders the same on any machine, with no system font needed."""

from __future__ import annotations

from functools import cache

from matplotlib import font_manager
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from backend.core.fonts import CJK_FONT_NAME, CJK_FONT_PATH


@cache
def pdf_font() -> str:
    """The ReportLab name of the CJK font (registered on first use; TrueType, embedded as a
    subset of the glyphs each PDF uses)."""
    pdfmetrics.registerFont(TTFont(CJK_FONT_NAME, str(CJK_FONT_PATH)))
    return CJK_FONT_NAME


@cache
def chart_font_family() -> str:
    """The matplotlib family name of the CJK font, added to matplotlib's font manager on first
    use ("WenQuanYi Micro Hei")."""
    font_manager.fontManager.addfont(str(CJK_FONT_PATH))
    return font_manager.FontProperties(fname=str(CJK_FONT_PATH)).get_name()
