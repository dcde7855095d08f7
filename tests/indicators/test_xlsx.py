from __future__ import annotations

import hashlib
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from backend.core.errors import DomainError
from backend.indicators import selectors
from backend.indicators.models import (
    Direction,
    Polarity,
    ScoringMethod,
    TargetBasis,
    Template,
    TemplateIndicator,
    TemplateVersion,
    VersionStatus,
)
from backend.indicators.services import authoring, xlsx
from tests import hostile_xlsx as hostile
from tests import sheet_layout as layout
from tests.indicators.factories import effect, qualitative, quantity, satisfaction

pytestmark = pytest.mark.django_db

FIELDS = ("code", *TemplateIndicator.CONTENT_FIELDS)


def varied() -> list[dict[str, Any]]:
    """Indicators exercising every column and choice (and passing the default split)."""
    return [
        quantity(
            "arrests",
            "12.5",
            name="审查逮捕案件数",
            target_value=Decimal("200"),
            target_basis=TargetBasis.HISTORY,
            guidance="以检察业务应用系统统计为准。\n含退回补充侦查。",
            mandatory=True,
        ),
        quantity(
            "closure-rate",
            "12.5",
            level2="质量指标",
            name="案件办结率",
            unit="%",
            target_value=Decimal("95.25"),
            target_basis=TargetBasis.SECTOR,
            mandatory=True,
            locked=True,
        ),
        quantity(
            "vehicles",
            5,
            name="办案用车购置数量",
            direction=Direction.LTE,
            polarity=Polarity.REVERSE,
            unit="辆",
            target_value=Decimal("1"),
        ),
        quantity(
            "on-time",
            10,
            level2="时效指标",
            name="按期完成",
            direction=Direction.EQ,
            unit="%",
            target_value=None,
            scoring_method=ScoringMethod.MANUAL,
            target_basis=TargetBasis.OTHER,
        ),
        quantity(
            "cost",
            10,
            level2="成本指标",
            name="案均成本",
            direction=Direction.LTE,
            polarity=Polarity.REVERSE,
            unit="万元",
            target_value=Decimal("0.0125"),
        ),
        effect(
            "pil-rectified", 15, name="诉前检察建议整改率", unit="%", target_value=Decimal("90")
        ),
        qualitative("mechanism", 15, level2="可持续影响指标", target_text="长效机制健全并有效运行"),
        satisfaction("satisfied", "9.75", name="当事人满意度"),
        satisfaction("public", "0.25", name="群众满意度", locked=True),
    ]


def published_template(code: str = "xlsx-test") -> tuple[Template, TemplateVersion]:
    template = authoring.create_template(code=code, name="表格测试模板", user=None)
    version = selectors.draft_of(template)
    for data in varied():
        authoring.add_indicator(version, data)
    return template, authoring.publish_version(version, user=None, changelog="首次发布")


def values(version: TemplateVersion) -> list[dict[str, Any]]:
    return [{f: getattr(i, f) for f in FIELDS} for i in selectors.indicators_of(version)]


def workbook(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(BytesIO(content))


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_export_writes_the_standard_sheet() -> None:
    _, version = published_template()
    book = workbook(xlsx.export_version(version))
    assert book.sheetnames == ["指标库", "模板信息"]
    sheet = book["指标库"]
    assert [c.value for c in sheet[1]] == [
        "指标编码",
        "一级指标",
        "二级指标",
        "三级指标",
        "指标性质",
        "运算符",
        "指标方向",
        "计量单位",
        "指标值",
        "分值",
        "评分方法",
        "目标值依据",
        "指标解释",
        "必选",
        "锁定",
    ]
    assert sheet.max_row == 1 + len(varied())
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["closure-rate"] == (
        "closure-rate",
        "产出指标",
        "质量指标",
        "案件办结率",
        "定量",
        "≥",
        "正向",
        "%",
        95.25,
        12.5,
        "比例计分",
        "行业标准",
        None,
        "是",
        "是",
    )
    assert rows["vehicles"][5:9] == ("≤", "反向", "辆", 1)
    mechanism = rows["mechanism"]
    assert (mechanism[4], mechanism[5], mechanism[8], mechanism[10]) == (
        "定性",
        None,
        "长效机制健全并有效运行",
        "分档计分",
    )
    info = dict(book["模板信息"].iter_rows(values_only=True))
    assert info["模板编码"] == "xlsx-test" and info["模板名称"] == "表格测试模板"
    assert (info["版本号"], info["状态"], info["变更说明"]) == (1, "已发布", "首次发布")
    assert info["计分结构"].startswith("10/50/30/10")


def test_round_trip_gives_the_same_indicators() -> None:
    template, v1 = published_template()
    content = xlsx.export_version(v1)
    v2 = xlsx.import_version(template, content, user=None, changelog="表格导入")
    assert (v2.number, v2.status, v2.changelog) == (2, VersionStatus.DRAFT, "表格导入")
    before, after = values(v1), values(v2)
    assert len(after) == len(before) == len(varied())
    for old, new in zip(before, after, strict=True):
        for field in FIELDS:
            assert new[field] == old[field], (old["code"], field)
    # and it publishes as it is
    authoring.publish_version(v2, user=None)


def test_three_bad_cells_are_all_named_and_nothing_is_created() -> None:
    template, v1 = published_template()
    book = workbook(xlsx.export_version(v1))
    sheet = book["指标库"]
    sheet["J3"] = "十分"  # weight
    sheet["E5"] = "半定量"  # value type
    sheet["N7"] = "可能"  # mandatory
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    problems = {p.field: p for p in caught.value.problems}
    assert set(problems) == {"指标库!J3", "指标库!E5", "指标库!N7"}
    assert (
        problems["指标库!J3"].code == "INVALID_NUMBER" and "分值" in problems["指标库!J3"].message
    )
    assert problems["指标库!E5"].code == "INVALID_CHOICE"
    assert "指标性质" in problems["指标库!E5"].message
    assert (
        problems["指标库!N7"].code == "INVALID_BOOLEAN" and "必选" in problems["指标库!N7"].message
    )
    assert all("第 " in p.message for p in problems.values())
    assert list(template.versions.values_list("number", flat=True)) == [1]
    assert TemplateIndicator.objects.filter(version__template=template).count() == len(varied())


def test_cell_checks_follow_the_field_rules() -> None:
    template, v1 = published_template()
    book = workbook(xlsx.export_version(v1))
    sheet = book["指标库"]
    sheet["A3"] = "arrests"  # duplicate of row 2
    sheet["A4"] = "bad code"
    sheet["C5"] = "社会效益指标"  # not under 产出指标
    sheet["D6"] = None  # name required
    sheet["I2"] = "两百"  # not a number for a quantitative indicator
    sheet["F8"] = "≈"
    sheet["J9"] = -1
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("DUPLICATE_CODE", "指标库!A3"),
        ("INVALID_CODE", "指标库!A4"),
        ("INVALID_LEVEL", "指标库!C5"),
        ("REQUIRED", "指标库!D6"),
        ("INVALID_NUMBER", "指标库!I2"),
        ("INVALID_CHOICE", "指标库!F8"),
        ("INVALID_WEIGHT", "指标库!J9"),
    }
    duplicate = next(p for p in caught.value.problems if p.field == "指标库!A3")
    assert "第 2 行" in duplicate.message


def test_import_accepts_what_people_type() -> None:
    template = authoring.create_template(code="typed", name="手工表格", user=None)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "指标库"
    sheet.append(list(xlsx.HEADERS))
    sheet.append(["q1", "产出指标", "数量指标", "案件数", "定量", ">=", None, "件", 200, 50])
    sheet.append(["rate", "效益指标", "社会效益", "整改率", "定量", "<=", "反向", "%", "5%", 20])
    sheet.append(["pct", "效益指标", "社会效益指标", "回复率", "定量", "≥", "正向", "%", 0.9, 10])
    sheet["I4"].number_format = "0%"
    sheet.append([None] * 15)  # blank rows are skipped
    sheet.append(["good", "满意度指标", "服务对象满意度指标", "评价", "定性", None, None, None])
    sheet["I6"] = "群众认可"
    sheet["J6"] = "10"
    sheet["L6"] = "行业"
    sheet["N6"] = "是"
    # the template's own draft is in the way
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    assert {(p.code, p.field) for p in caught.value.problems} == {("DRAFT_EXISTS", "template")}
    authoring.discard_draft(selectors.draft_of(template))

    version = xlsx.import_version(template, saved(book), user=None, changelog="手工导入")
    assert version.number == 1  # the discarded draft's number is free again
    got = {i.code: i for i in selectors.indicators_of(version)}
    assert list(got) == ["q1", "rate", "pct", "good"]
    assert [i.sort_order for i in got.values()] == [1, 2, 3, 4]
    assert (got["q1"].direction, got["q1"].polarity) == (Direction.GTE, Polarity.POSITIVE)
    assert got["q1"].scoring_method == ScoringMethod.PROPORTIONAL
    assert got["q1"].target_basis == TargetBasis.PLAN
    assert (got["rate"].direction, got["rate"].level2) == (Direction.LTE, "社会效益指标")
    assert got["rate"].target_value == Decimal("5")
    assert got["pct"].target_value == Decimal("90")  # a percentage cell
    good = got["good"]
    assert (good.target_text, good.target_value, good.direction) == ("群众认可", None, "")
    assert good.scoring_method == ScoringMethod.BANDS and good.weight == Decimal("10")
    assert good.target_basis == TargetBasis.SECTOR and good.mandatory and not good.locked
    authoring.publish_version(version, user=None)


def test_unreadable_or_misshapen_files_are_refused() -> None:
    template, v1 = published_template()
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, b"not a spreadsheet", user=None)
    assert [(p.code, p.field) for p in caught.value.problems] == [("INVALID_FILE", "file")]

    book = workbook(xlsx.export_version(v1))
    book["指标库"].title = "Sheet1"
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    assert [p.code for p in caught.value.problems] == ["INVALID_FILE"]

    book = workbook(xlsx.export_version(v1))
    book["指标库"]["J1"] = "权重"
    book["指标库"]["O1"] = None
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("INVALID_HEADER", "指标库!J1"),
        ("INVALID_HEADER", "指标库!O1"),
    }

    book = workbook(xlsx.export_version(v1))
    book["指标库"].delete_rows(2, 100)
    with pytest.raises(DomainError) as caught:
        xlsx.import_version(template, saved(book), user=None)
    assert [p.code for p in caught.value.problems] == ["NO_INDICATORS"]
    assert template.versions.count() == 1


# --- hostile files and formula-looking text --------------------------------------------------


@pytest.mark.slow
def test_hostile_files_are_answered_quickly_with_a_typed_error() -> None:
    template, v1 = published_template()
    exported = xlsx.export_version(v1)

    far = hostile.refused(
        lambda: xlsx.import_version(template, hostile.far_away(exported, "指标库"), user=None)
    )
    assert [(p.code, p.field) for p in far.problems] == [("TOO_MANY_ROWS", "file")]
    assert "XFD1048576" in far.problems[0].message

    bomb = hostile.refused(
        lambda: xlsx.import_version(template, hostile.zip_bomb(exported), user=None)
    )
    assert hostile.codes(bomb) == ["FILE_TOO_LARGE"]
    members = hostile.refused(
        lambda: xlsx.import_version(template, hostile.many_members(exported), user=None)
    )
    assert hostile.codes(members) == ["FILE_TOO_LARGE"]

    # 100,000 bad cells (5,000 rows of 20): the first 100 problems and a count of the rest.
    bad = hostile.grid("指标库", [xlsx.HEADERS], 4_999, lambda i: [f"c{i}"] + ["坏"] * 19)
    many = hostile.refused(lambda: xlsx.import_version(template, bad, user=None))
    assert len(many.problems) == 101
    assert many.problems[-1].code == "TOO_MANY_PROBLEMS"
    assert many.problems[-1].message.startswith("另有 ")
    # One row more than the limit, and the rows are refused before any cell is checked.
    over = hostile.grid("指标库", [xlsx.HEADERS], 5_000, lambda i: [f"c{i}"] + ["坏"] * 19)
    assert hostile.codes(
        hostile.refused(lambda: xlsx.import_version(template, over, user=None))
    ) == ["TOO_MANY_ROWS"]
    assert template.versions.count() == 1


def test_a_far_away_cell_without_a_value_is_ignored() -> None:
    template, v1 = published_template()
    book = workbook(xlsx.export_version(v1))
    book["指标库"]["XFD1048576"].number_format = "0.00"  # formatted, empty
    version = xlsx.import_version(template, saved(book), user=None)
    assert values(version) == values(v1)


FORMULA_LIKE = (
    '=HYPERLINK("http://example.org/x","点击查看")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3",
    "@SUM(A1:A2)",
    "#N/A",
)


def test_text_that_looks_like_a_formula_is_exported_as_text_and_imported_back() -> None:
    template = authoring.create_template(code="formula-text", name="公式文本", user=None)
    draft = selectors.draft_of(template)
    rows = varied()
    for data, text in zip(rows, FORMULA_LIKE, strict=False):
        data["guidance"] = text
    rows[0]["name"] = "=72890元"
    for data in rows:
        authoring.add_indicator(draft, data)
    v1 = authoring.publish_version(draft, user=None, changelog="=1+1")
    exported = xlsx.export_version(v1)
    assert hostile.formulas(exported) == []
    assert hostile.text_cells(exported) == {}
    sheet = workbook(exported)["指标库"]
    assert sheet["D2"].value == "=72890元" and sheet["D2"].data_type == "s"

    again = xlsx.import_version(template, exported, user=None)
    assert values(again) == values(v1)  # the same text, the same numbers
    assert [v["guidance"] for v in values(again)][: len(FORMULA_LIKE)] == list(FORMULA_LIKE)


def test_the_sheet_prints_like_the_official_form() -> None:
    """A4 landscape, the header (row 1, as imported) frozen and printed on every page, locked;
    every indicator cell open; the information sheet protected."""
    _, version = published_template("xlsx-layout")
    content = xlsx.export_version(version)
    sheet = layout.load(content, xlsx.SHEET)
    layout.assert_official_form(
        sheet,
        header_row=1,
        orientation="landscape",
        columns=len(xlsx.HEADERS),
        locked=["A1", "O1"],
        open_cells=["A2", "I2", "O2"],
    )
    assert sheet["A2"].number_format == "@"
    info = layout.load(content, xlsx.INFO_SHEET)
    layout.assert_official_form(
        info, header_row=2, orientation="portrait", columns=2, merged=["A1:B1"], locked=["B3"]
    )


def test_the_preview_checks_row_by_row_and_writes_nothing() -> None:
    template, v1 = published_template()
    book = workbook(xlsx.export_version(v1))
    book["指标库"]["J3"] = "很多"
    book["指标库"]["E5"] = "随便"
    preview = xlsx.preview_version(template, saved(book), changelog="表格导入")
    assert not preview.ok and preview.problems == []
    bad = {row.row: [p.field for p in found] for row, found in preview.rows if found}
    assert bad == {3: ["指标库!J3"], 5: ["指标库!E5"]}
    assert len(preview.rows) == len(varied())
    assert TemplateVersion.objects.filter(template=template).count() == 1


def test_the_preview_of_a_good_sheet_names_the_file_and_warns_of_publication() -> None:
    template, v1 = published_template()
    book = workbook(xlsx.export_version(v1))
    book["指标库"]["J2"] = 1  # the group's weights no longer add up
    content = saved(book)
    preview = xlsx.preview_version(template, content)
    assert preview.ok and preview.publish_problems
    assert preview.digest == hashlib.sha256(content).hexdigest()
    # a draft in the way is a problem of no row
    authoring.draft_version(template, user=None)
    blocked = xlsx.preview_version(template, content)
    assert [p.code for p in blocked.problems] == ["DRAFT_EXISTS"] and not blocked.ok
