"""The PDF font renders every character of unit and person names: each document's font is cut
from the full CJK font (Noto Sans CJK SC), so 珺喆堃赟璟镕垚 — and characters of the extension
blocks — print, where the shipped GB2312 subset printed blank boxes.

Two checks on the PDF itself: pypdf extracts the text, and no character of it is drawn with the
.notdef glyph (each embedded TrueType subset is read with fontTools: its ToUnicode map gives the
characters, its cmap the glyphs)."""

from __future__ import annotations

import datetime
import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader
from pypdf.generic import DictionaryObject, IndirectObject

from backend.reports import fonts, pdf
from backend.reports.selectors import (
    GroupLine,
    IndicatorLine,
    ProjectLine,
    ProjectReport,
    UnitReport,
)

RARE = "珺喆堃赟璟镕垚"
EXTENSIONS = "䶮𬌗"  # CJK Extension A (U+4DAE) and E (U+2C317), both in 通用规范汉字表
NAMES = RARE + EXTENSIONS
D = Decimal


def line(name: str) -> IndicatorLine:
    return IndicatorLine(
        level1="产出指标",
        level2="数量指标",
        name=name,
        target="≥ 120 件",
        actual="96 件",
        weight=D("30"),
        computed=D("24.00"),
        final=D("24.00"),
        computation="实际值96 < 目标值120：30 × 96 ÷ 120 = 24.00",
        override="",
        deviation=f"人员保障：{RARE}同志调离",
    )


def project_report() -> ProjectReport:
    return ProjectReport(
        unit_name=f"{RARE}市人民检察院",
        project_code="ba-2026",
        project_name=f"办案业务经费（{EXTENSIONS}）",
        department="计划财务装备处",
        person_in_charge="李珺、王喆、张堃、赵赟、陈璟、刘镕、周垚、龚䶮",
        fiscal_year=2026,
        status="已定稿",
        initial_budget=D("500000.00"),
        full_budget=D("500000.00"),
        executed=D("450000.00"),
        execution_rate=D("90.00"),
        execution_weight=D("10"),
        execution_score=D("9.00"),
        overall_goal="保障办案工作顺利开展。",
        achieved_summary=f"由{RARE}负责完成。",
        indicators=(line(f"{RARE}办理案件数"),),
        groups=(GroupLine("产出", D("50"), D("24.00")),),
        total=D("33.00"),
        grade="差",
        flags=(f"提示：{NAMES}",),
        deviation_analysis=f"{NAMES}",
        improvement_measures="加强办案力量统筹。",
        generated_on=datetime.date(2027, 1, 20),
    )


def unit_report() -> UnitReport:
    return UnitReport(
        unit_name=f"{RARE}市人民检察院",
        fiscal_year=2026,
        status="自评中",
        full_budget=D("500000.00"),
        executed=D("450000.00"),
        execution_rate=D("90.00"),
        execution_weight=D("10"),
        execution_score=D("9.00"),
        evaluated_projects=1,
        evaluated_budget=D("500000.00"),
        project_score=D("33.00"),
        project_grade="差",
        indicators=(),
        groups=(),
        total=D("33.00"),
        grade="差",
        flags=(),
        summary=f"负责人：{NAMES}",
        improvement_measures="",
        projects=(
            ProjectLine(
                f"p-{EXTENSIONS}", f"{RARE}项目", D("1.00"), None, None, None, "", "自评中"
            ),
        ),
        generated_on=datetime.date(2027, 1, 20),
    )


def text_of(document: bytes) -> str:
    reader = PdfReader(io.BytesIO(document))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def _resolve(value: object) -> object:
    return value.get_object() if isinstance(value, IndirectObject) else value


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """Code → text of a ToUnicode CMap (ReportLab writes bfchar and bfrange entries)."""
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for low, high, start in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            first = ord(bytes.fromhex(start.decode()).decode("utf-16-be"))
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(first + offset)
    return mapping


def glyphs_drawn(document: bytes) -> dict[str, str]:
    """Character → the glyph the PDF's embedded fonts draw it with. ReportLab draws a character
    its font lacks with code 0 (.notdef, ToUnicode U+0000); every other code is listed in the
    font's ToUnicode map and mapped to a glyph by its (1, 0) cmap."""
    reader = PdfReader(io.BytesIO(document))
    drawn: dict[str, str] = {}
    seen_fonts = 0
    for page in reader.pages:
        resources = _resolve(page["/Resources"])
        assert isinstance(resources, DictionaryObject)
        for font_ref in _resolve(resources["/Font"]).values():  # type: ignore[union-attr]
            font = _resolve(font_ref)
            if font["/Subtype"] == "/Type1":  # type: ignore[index]
                continue  # ReportLab lists Helvetica on every page; it draws nothing here
            descriptor = _resolve(font["/FontDescriptor"])  # type: ignore[index]
            program = _resolve(descriptor["/FontFile2"]).get_data()  # type: ignore[index,union-attr]
            codes = _to_unicode(_resolve(font["/ToUnicode"]).get_data())  # type: ignore[index,union-attr]
            embedded = TTFont(io.BytesIO(program))
            table = embedded["cmap"].getcmap(1, 0)
            cmap = table.cmap if table is not None else {}
            notdef = embedded.getGlyphOrder()[0]
            for code, text in codes.items():
                if code == 0:
                    continue
                glyph = cmap.get(code, notdef)
                if drawn.get(text, notdef) == notdef:
                    drawn[text] = glyph
            seen_fonts += 1
    assert seen_fonts, "no embedded font"
    return drawn


def notdef_characters(document: bytes, text: str) -> set[str]:
    """The characters of ``text`` that the PDF draws with the .notdef glyph (a blank box)."""
    drawn = glyphs_drawn(document)
    return {c for c in set(text) if not c.isspace() and drawn.get(c, ".notdef") == ".notdef"}


def report_text(report: ProjectReport | UnitReport) -> str:
    """Every string of a report's dataclass, nested ones included."""
    parts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, tuple):
            for item in value:
                walk(item)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:  # type: ignore[union-attr]
                walk(getattr(value, name))

    walk(report)
    return "".join(parts)


@pytest.mark.skipif(
    not fonts.DEFAULT_FONT.is_file(), reason="needs Debian's fonts-noto-cjk (.ci/run installs it)"
)
@pytest.mark.parametrize(
    "render",
    [
        lambda: (project_report(), pdf.project_report_pdf(project_report())),
        lambda: (unit_report(), pdf.unit_report_pdf(unit_report())),
    ],
)
def test_every_character_of_the_names_has_its_glyph(render) -> None:  # type: ignore[no-untyped-def]
    report, document = render()
    text = text_of(document)
    for name in (RARE, EXTENSIONS):
        assert name in text, name
    assert "\x00" not in text
    assert notdef_characters(document, report_text(report)) == set()


def test_the_persons_names_print() -> None:
    text = text_of(pdf.project_report_pdf(project_report()))
    for name in ("李珺", "王喆", "张堃", "赵赟", "陈璟", "刘镕", "周垚", "龚䶮"):
        assert name in text, name


def test_the_check_finds_the_blank_boxes_of_the_old_subset(settings, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The shipped GB2312 subset (the fallback without the full font) lacks the rare names'
    characters: the same check names every one of them, so it can fail."""
    settings.JIXIAO_CJK_FONT = str(tmp_path / "missing.ttc")
    document = pdf.project_report_pdf(project_report())
    assert notdef_characters(document, report_text(project_report())) == set(NAMES)
    assert "\x00" in text_of(document)


def test_a_documents_font_holds_only_its_characters_and_is_truetype() -> None:
    path, index = fonts.source_font()
    data = fonts.font_bytes(str(path), index, "冷水江" + RARE)
    font = TTFont(io.BytesIO(data))
    assert "glyf" in font and "CFF " not in font
    if path == fonts.DEFAULT_FONT:
        assert set(font.getBestCmap()) == {ord(c) for c in "冷水江" + RARE}
        assert len(data) < 40_000
