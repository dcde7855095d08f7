"""The benchmark renderers: XLSX cells, SVG and PNG charts (pure, no database)."""

from __future__ import annotations

import io
import struct
import xml.etree.ElementTree as ET
from decimal import Decimal

from openpyxl import load_workbook

from backend.benchmarking.selectors import BenchmarkTable, Distribution
from backend.reports.benchmark_xlsx import benchmark_xlsx
from backend.reports.charts import (
    benchmark_bars_png,
    benchmark_bars_svg,
    benchmark_box_png,
    benchmark_box_svg,
)
from tests import sheet_layout as layout
from tests.hostile_xlsx import formulas, text_cells
from tests.reports.benchmark_data import UNITS, table

SVG = "{http://www.w3.org/2000/svg}"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(content: bytes) -> tuple[int, int]:
    assert content[:8] == PNG_SIGNATURE
    assert content[12:16] == b"IHDR"
    return struct.unpack(">II", content[16:24])


def by_id(root: ET.Element, prefix: str) -> list[ET.Element]:
    return [e for e in root.iter() if (e.get("id") or "").startswith(prefix)]


def texts(root: ET.Element) -> list[str]:
    return [("".join(t.itertext())).strip() for t in root.iter(f"{SVG}text")]


# --- XLSX ----------------------------------------------------------------------------------


def test_xlsx_holds_the_ranked_rows_as_numbers_and_the_distribution() -> None:
    workbook = load_workbook(io.BytesIO(benchmark_xlsx(table())))
    sheet = workbook["基准对比"]
    assert sheet["A1"].value == "自评得分 基准对比"
    terms = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(2, 7)}
    assert terms == {
        "指标": "自评得分",
        "指标代码": "self_score",
        "期间": "2026 年",
        "计量单位": "分",
        "排名方向": "数值越高排名越前",
    }
    header = [sheet.cell(8, c).value for c in range(1, 6)]
    assert header == ["排名", "单位", "所属市院", "数值（分）", "百分位"]
    rows = [[sheet.cell(r, c).value for c in range(1, 6)] for r in range(9, 16)]
    # numbers come back from the file as numbers (openpyxl reads them as float)
    assert rows[0] == [1, "新化县人民检察院", "娄底市人民检察院", 95.1, 100]
    # the tie shares rank 2, ordered by code; the unit without a value comes last, empty
    assert [r[0] for r in rows] == [1, 2, 2, 4, 5, 6, None]
    assert [r[1] for r in rows[1:3]] == ["长沙市天心区人民检察院", "冷水江市人民检察院"]
    assert rows[-1] == [None, "娄底市娄星区人民检察院", "娄底市人民检察院", None, None]
    for r in range(9, 15):
        assert sheet.cell(r, 1).data_type == "n"
        assert sheet.cell(r, 4).data_type == "n" and sheet.cell(r, 4).number_format == "#,##0.00"
        assert sheet.cell(r, 5).data_type == "n" and sheet.cell(r, 5).number_format == "0.0"
    assert sheet.freeze_panes == "A9"

    assert sheet.cell(17, 1).value == "分布"
    stats = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(18, 25)}
    assert {k: Decimal(str(v)) for k, v in stats.items()} == {
        "样本数": Decimal(6),
        "最小值": Decimal("70.25"),
        "下四分位数": Decimal("82"),
        "中位数": Decimal("90.25"),
        "上四分位数": Decimal("92.5"),
        "最大值": Decimal("95.1"),
        "平均值": Decimal("86.39"),
    }
    assert all(sheet.cell(r, 2).data_type == "n" for r in range(18, 25))


def test_xlsx_of_an_in_year_lower_is_better_table() -> None:
    in_year = BenchmarkTable(
        metric="open_alerts",
        label="未关闭预警数",
        unit_of_measure="",
        higher_is_better=False,
        fiscal_year=2026,
        month=7,
        rows=(),
        distribution=Distribution(0, None, None, None, None, None, None),
    )
    sheet = load_workbook(io.BytesIO(benchmark_xlsx(in_year)))["基准对比"]
    assert sheet["B4"].value == "2026 年 1–7 月"
    assert sheet["B5"].value == "—"
    assert sheet["B6"].value == "数值越低排名越前"
    assert sheet.cell(8, 4).value == "数值"
    assert sheet.cell(10, 1).value == "分布"
    assert sheet.cell(11, 2).value == 0 and sheet.cell(12, 2).value is None


# --- charts --------------------------------------------------------------------------------


def test_bars_svg_has_a_bar_and_a_label_per_unit_in_rank_order_and_the_median_line() -> None:
    document = benchmark_bars_svg(table())
    root = ET.fromstring(document)
    assert root.tag == f"{SVG}svg"
    bars = by_id(root, "bar-")
    ranked = [u for u in UNITS if u[4] is not None]
    assert [b.get("id") for b in bars] == [
        "bar-xinhua",
        "bar-changsha-tianxin",  # the tie at rank 2, by code
        "bar-lengshuijiang",
        "bar-lianyuan",
        "bar-changsha-furong",
        "bar-shuangfeng",
    ]
    labels = texts(root)
    for _code, name, *_rest in ranked:
        assert any(name in t for t in labels), name
    assert "1. 新化县人民检察院" in labels and "6. 双峰县人民检察院" in labels
    assert "2. 冷水江市人民检察院" in labels and "2. 长沙市天心区人民检察院" in labels
    assert "中位数 90.25" in labels
    assert "5 个单位" not in document and "6 个单位，1 个单位无数据未列入" in "".join(labels)
    assert "娄底市娄星区人民检察院" not in document  # no value, no bar
    (median,) = by_id(root, "median-line")
    assert median.iter(f"{SVG}path")
    assert "WenQuanYi Micro Hei" in document  # the text stays text, in the shipped font


def test_box_svg_has_one_box_per_city() -> None:
    root = ET.fromstring(benchmark_box_svg(table()))
    assert [b.get("id") for b in by_id(root, "box-")] == ["box-changsha", "box-loudi"]
    labels = " ".join(texts(root))
    assert "长沙市人民检察院" in labels and "(n=2)" in labels
    assert "娄底市人民检察院" in labels and "(n=4)" in labels
    assert "全体中位数 90.25" in labels
    assert by_id(root, "median-line")


def test_charts_are_reproducible_and_pngs_are_sane() -> None:
    t = table()
    assert benchmark_bars_svg(t) == benchmark_bars_svg(t)
    assert benchmark_box_svg(t) == benchmark_box_svg(t)
    bars = benchmark_bars_png(t)
    assert bars == benchmark_bars_png(t)
    width, height = png_size(bars)
    assert 500 <= width <= 2000 and 400 <= height <= 1200
    assert 10_000 < len(bars) < 500_000
    box_width, box_height = png_size(benchmark_box_png(t))
    assert 500 <= box_width <= 2000 and 400 <= box_height <= 1200
    assert "<dc:date>" not in benchmark_bars_svg(t)


def test_charts_of_an_empty_table_say_so() -> None:
    empty = table([])
    assert "暂无数据" in benchmark_bars_svg(empty)
    assert "暂无数据" in benchmark_box_svg(empty)
    png_size(benchmark_bars_png(empty))


def test_a_national_table_stays_a_bounded_picture() -> None:
    many = [
        (
            f"u{i:04d}",
            f"单位{i}",
            f"c{i % 40:02d}",
            f"市院{i % 40}",
            str(50 + i % 50),
            i + 1,
            "50.0",
        )
        for i in range(400)
    ]
    t = table(many)
    width, height = png_size(benchmark_bars_png(t))
    assert width <= 4200 and height <= 1200
    svg = benchmark_bars_svg(t)
    assert len(by_id(ET.fromstring(svg), "bar-")) == 400
    assert "单位过多，未逐一标注名称" in svg
    assert len(by_id(ET.fromstring(benchmark_box_svg(t)), "box-")) == 40


def test_xlsx_writes_unit_names_as_text_never_as_formulas() -> None:
    names = ['=HYPERLINK("http://example.org","点击")', "=cmd|' /C calc'!A0", "+1", "-1", "@A1"]
    units = [
        (f"u{i}", name, "loudi", "#N/A", "90.00", i + 1, "50.0") for i, name in enumerate(names)
    ]
    content = benchmark_xlsx(table(units))
    assert formulas(content) == [] and text_cells(content) == {}
    sheet = load_workbook(io.BytesIO(content))["基准对比"]
    assert [sheet.cell(r, 2).value for r in range(9, 9 + len(names))] == names
    assert sheet.cell(9, 3).value == "#N/A" and sheet.cell(9, 4).value == 90


def test_the_table_prints_like_an_official_form() -> None:
    """A4 portrait one page wide, header frozen and printed on every page, merged title and
    terms; every cell is computed, so the whole sheet is protected."""
    sheet = layout.load(benchmark_xlsx(table()), "基准对比")
    layout.assert_official_form(
        sheet,
        header_row=8,
        orientation="portrait",
        columns=5,
        merged=["A1:E1", "B2:E2", "B6:E6"],
        locked=["A1", "B2", "A9", "D9", "E9"],
    )
    assert not any(
        not cell.protection.locked for row in sheet.iter_rows() for cell in row if cell.value
    )
