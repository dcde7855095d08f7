"""CJK fonts for the reports.

**PDF** (``document_font``): every report is set in a TrueType font cut for that document
from a *full* CJK font — by default Noto Sans CJK SC, face 2 of Debian's
``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`` (package ``fonts-noto-cjk``; settings
``JIXIAO_CJK_FONT`` and ``JIXIAO_CJK_FONT_INDEX``). Noto's outlines are CFF, which ReportLab
cannot embed, so the glyphs the document uses are subset with fontTools and their cubic
outlines converted to TrueType quadratic curves (``cu2qu``, within 1 unit of 1000): about
0.3 s for a report, cached per character set. Every character of a unit's or a person's name
that the full font has (珺喆堃赟璟镕垚, the extension blocks of the 通用规范汉字表) renders; the
shipped GB2312 subset had blank boxes for them. docs/reports.md says why this and not a
TrueType CJK font from a package.

Without the full font (a developer's machine without ``fonts-noto-cjk``) the shipped subset
(``backend/core/fonts``) is used, with a warning in the log.

**Charts** (``chart_font_family``): matplotlib keeps the shipped subset (chart labels are unit
names and fixed words)."""

from __future__ import annotations

import hashlib
import io
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache, lru_cache
from pathlib import Path

from django.conf import settings
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont as FontToolsFont
from fontTools.ttLib import newTable
from matplotlib import font_manager
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from backend.core.fonts import CJK_FONT_NAME, CJK_FONT_PATH

logger = logging.getLogger(__name__)
logging.getLogger("fontTools.subset").setLevel(logging.WARNING)  # one INFO line per table

DEFAULT_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
DEFAULT_FONT_INDEX = 2  # Noto Sans CJK SC in the collection (JP, KR, SC, TC, HK, ...)
MAX_ERROR = 1.0  # cu2qu: the largest distance between a cubic and its quadratics, font units
# Always in a document's font: printable ASCII and the usual full-width punctuation.
BASE_CHARACTERS = "".join(chr(c) for c in range(0x20, 0x7F)) + "，。：；、（）“”‘’《》—…·％"


_BEYOND_BMP = re.compile(r"^(<[0-9A-F]{2}>) <([0-9A-F]{5,6})>$", re.M)


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """ReportLab's ToUnicode CMap with characters beyond the BMP (CJK extensions B–G: 𬌗)
    written as UTF-16 surrogate pairs, as the PDF reference asks; ReportLab writes the bare
    code point (``<17> <2C317>``), which readers cannot map back, so such a character printed
    but could not be copied or searched."""

    def pair(match: re.Match[str]) -> str:
        code = chr(int(match.group(2), 16)).encode("utf-16-be").hex().upper()
        return f"{match.group(1)} <{code}>"

    return _BEYOND_BMP.sub(pair, _reportlab_to_unicode_cmap(fontname, subset))


_reportlab_to_unicode_cmap = ttfonts.makeToUnicodeCMap
ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def source_font() -> tuple[Path, int]:
    """The full CJK font the documents' fonts are cut from (path, face index in a
    collection); the shipped subset when it is missing."""
    path = Path(getattr(settings, "JIXIAO_CJK_FONT", "") or DEFAULT_FONT)
    index = int(getattr(settings, "JIXIAO_CJK_FONT_INDEX", DEFAULT_FONT_INDEX))
    if path.is_file():
        return path, index
    _warn_missing(path)
    return CJK_FONT_PATH, 0


@cache
def _warn_missing(path: Path) -> None:
    logger.warning(
        "CJK font %s not found (apt-get install fonts-noto-cjk): PDF reports use the shipped "
        "GB2312 subset, and characters outside it print as blank boxes",
        path,
    )


def _to_truetype(font: FontToolsFont) -> None:
    """Replace the CFF outlines of ``font`` by TrueType ones (quadratic curves)."""
    order = font.getGlyphOrder()
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, MAX_ERROR, reverse_direction=True))
        glyphs[name] = pen.glyph()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    font["glyf"] = glyf
    font["loca"] = newTable("loca")
    del font["CFF "]
    maxp = newTable("maxp")
    maxp.tableVersion = 0x00010000
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    font["maxp"] = maxp  # the other counts are recomputed when the font is saved
    font["post"].formatType = 3.0  # no glyph names needed
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\x00\x01\x00\x00"


@lru_cache(maxsize=32)
def font_bytes(path: str, index: int, characters: str) -> bytes:
    """A TrueType font holding the glyphs of ``characters`` (and .notdef), cut from the face
    ``index`` of the font at ``path``."""
    font = FontToolsFont(path, fontNumber=index, lazy=True)
    options = subset.Options()
    options.layout_features = []
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    options.drop_tables += ["VORG", "vhea", "vmtx", "BASE", "GSUB", "GPOS", "GDEF", "DSIG"]
    cutter = subset.Subsetter(options)
    cutter.populate(text=characters)
    cutter.subset(font)
    if "CFF " in font:
        _to_truetype(font)
    buffer = io.BytesIO()
    font.save(buffer)
    return buffer.getvalue()


@contextmanager
def document_font(text: str) -> Iterator[str]:
    """A ReportLab font name for one document whose text is ``text``: registered for the
    ``with`` block, removed after it (each document has its own, so concurrent renders never
    share one)."""
    path, index = source_font()
    characters = "".join(sorted(set(text) | set(BASE_CHARACTERS)))
    data = font_bytes(str(path), index, characters)
    face = f"{CJK_FONT_NAME}-{hashlib.sha1(data).hexdigest()[:10]}"
    name = f"{face}-{uuid.uuid4().hex[:8]}"
    font = TTFont(name, io.BytesIO(data))
    # The face name is what the PDF shows (a prefix + it): from the font's content, so the
    # same report gives the same bytes.
    font.face.name = face.encode()
    pdfmetrics.registerFont(font)
    try:
        yield name
    finally:
        font.unregister()


@cache
def chart_font_family() -> str:
    """The matplotlib family name of the shipped CJK font, added to matplotlib's font manager
    on first use ("WenQuanYi Micro Hei")."""
    font_manager.fontManager.addfont(str(CJK_FONT_PATH))
    return font_manager.FontProperties(fname=str(CJK_FONT_PATH)).get_name()
