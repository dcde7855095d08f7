"""The PDF reports, rendered with ReportLab from the dataclasses of ``selectors.py``:

- ``project_report_pdf``: 项目支出绩效自评报告 (one project's self-evaluation);
- ``unit_report_pdf``: 部门整体支出绩效自评报告 (the unit's department-wide evaluation and the
  list of its project evaluations).

No ORM. Every text is set in a font cut for the document from the full CJK font
(``fonts.document_font``: every character it uses, embedded as a TrueType subset) and escaped
before it reaches ReportLab's paragraph markup. Output is byte-for-byte reproducible
(``invariant``: no creation date or random document id)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from backend.budgets.services import fmt_money
from backend.reports.fonts import document_font
from backend.reports.selectors import (
    GroupLine,
    IndicatorLine,
    ProjectReport,
    UnitReport,
)

MARGIN = 18 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
GRID = colors.HexColor("#9ca3af")
HEAD_FILL = colors.HexColor("#eef2f7")
MUTED = colors.HexColor("#6b7280")
NONE = "—"


class _Styles:
    """The paragraph styles of one document in its font, and the one way text enters it
    (``p``). Without a font the styles only collect the text (the first pass: the document's
    font is then cut to exactly these characters, see ``fonts.document_font``)."""

    def __init__(self, font: str | None) -> None:
        self.collecting = font is None
        self.seen: list[str] = []
        base = {"fontName": font or "Helvetica", "wordWrap": "CJK"}
        self.title = ParagraphStyle(
            "title", fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=2, **base
        )
        self.subtitle = ParagraphStyle(
            "subtitle", fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=8, **base
        )
        self.heading = ParagraphStyle(
            "heading",
            fontSize=12,
            leading=18,
            spaceBefore=10,
            spaceAfter=4,
            keepWithNext=1,
            **base,
        )
        self.body = ParagraphStyle("body", fontSize=10, leading=15, **base)
        self.cell = ParagraphStyle("cell", fontSize=8, leading=11, **base)
        self.number = ParagraphStyle("number", fontSize=8, leading=11, alignment=TA_RIGHT, **base)
        self.cell_head = ParagraphStyle(
            "cell_head", fontSize=8, leading=11, alignment=TA_CENTER, **base
        )
        self.total = ParagraphStyle("total", fontSize=13, leading=20, **base)

    def p(self, text: str, style: ParagraphStyle) -> Any:
        """A paragraph of plain text (escaped; line breaks kept)."""
        if self.collecting:
            self.seen.append(text)
            return Spacer(0, 0)
        return Paragraph(escape(text).replace("\n", "<br/>"), style)


def _points(value: Decimal | None) -> str:
    return NONE if value is None else f"{value:.2f}"


def _money(value: Decimal | None) -> str:
    return NONE if value is None else fmt_money(value)


def _percent(value: Decimal | None) -> str:
    return NONE if value is None else f"{value:.2f}%"


def _table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    styles: _Styles,
    *,
    header_rows: int = 1,
    numeric: Sequence[int] = (),
    extra: Sequence[tuple[Any, ...]] = (),
) -> Table:
    """A ruled table; strings become wrapped paragraphs (header rows shaded and centred, the
    ``numeric`` columns right-aligned)."""

    def style(r: int, c: int) -> ParagraphStyle:
        if r < header_rows:
            return styles.cell_head
        return styles.number if c in numeric else styles.cell

    cells = [
        [styles.p(v, style(r, c)) if isinstance(v, str) else v for c, v in enumerate(row)]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=list(widths), repeatRows=header_rows)
    commands: list[tuple[Any, ...]] = [
        ("GRID", (0, 0), (-1, -1), 0.5, GRID),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
    ]
    if header_rows:
        commands.append(("BACKGROUND", (0, 0), (-1, header_rows - 1), HEAD_FILL))
    commands.extend(extra)
    table.setStyle(TableStyle(commands))
    return table


def _info_table(pairs: Sequence[tuple[str, str]], styles: _Styles) -> Table:
    """Label/value pairs, two pairs a row."""
    rows: list[list[str]] = []
    for i in range(0, len(pairs), 2):
        row: list[str] = []
        for label, value in pairs[i : i + 2]:
            row += [label, value or NONE]
        rows.append(row + [""] * (4 - len(row)))
    width = CONTENT_WIDTH
    return _table(
        rows,
        [width * 0.18, width * 0.32, width * 0.18, width * 0.32],
        styles,
        header_rows=0,
        extra=[
            ("BACKGROUND", (0, 0), (0, -1), HEAD_FILL),
            ("BACKGROUND", (2, 0), (2, -1), HEAD_FILL),
        ],
    )


def _budget_table(
    report: ProjectReport | UnitReport, styles: _Styles, *, initial: Decimal | None
) -> Table:
    head = ["全年预算数（元）", "全年执行数（元）", "执行率", "分值", "得分"]
    values = [
        _money(report.full_budget),
        _money(report.executed),
        _percent(report.execution_rate),
        _points(report.execution_weight),
        _points(report.execution_score),
    ]
    if initial is not None:
        head.insert(0, "年初预算数（元）")
        values.insert(0, _money(initial))
    width = CONTENT_WIDTH / len(head)
    return _table([head, values], [width] * len(head), styles, numeric=tuple(range(len(head))))


def _indicator_table(lines: Sequence[IndicatorLine], styles: _Styles) -> Table | Paragraph:
    if not lines:
        return styles.p("未设置绩效指标。", styles.body)
    head = ["一级指标", "二级指标", "三级指标", "指标值", "实际完成值", "分值", "得分", "计分说明"]
    rows: list[list[str]] = [head]
    for line in lines:
        notes = [n for n in (line.computation, line.override, line.deviation) if n]
        if line.deviation:
            notes[-1] = f"偏差原因：{line.deviation}"
        rows.append(
            [
                line.level1,
                line.level2,
                line.name,
                line.target or NONE,
                line.actual or NONE,
                _points(line.weight),
                _points(line.final),
                "\n".join(notes) or NONE,
            ]
        )
    fractions = (0.09, 0.10, 0.16, 0.11, 0.12, 0.065, 0.065, 0.29)
    return _table(rows, [CONTENT_WIDTH * f for f in fractions], styles, numeric=(5, 6))


def _score_table(
    report: ProjectReport | UnitReport, groups: Sequence[GroupLine], styles: _Styles
) -> Table:
    rows = [["评分项目", "分值", "得分"], ["预算执行率", _points(report.execution_weight)]]
    rows[1].append(_points(report.execution_score))
    weight_total = report.execution_weight
    for group in groups:
        rows.append([f"{group.label}指标", _points(group.weight), _points(group.score)])
        weight_total += group.weight
    rows.append(["合计", _points(weight_total), _points(report.total)])
    width = CONTENT_WIDTH
    return _table(
        rows,
        [width * 0.4, width * 0.3, width * 0.3],
        styles,
        numeric=(1, 2),
        extra=[("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), HEAD_FILL)],
    )


def _verdict(report: ProjectReport | UnitReport, styles: _Styles) -> Paragraph:
    if report.total is None:
        return styles.p("尚未计分。", styles.total)
    return styles.p(
        f"自评总分：{report.total:.2f} 分    等级：{report.grade or NONE}", styles.total
    )


def _text_block(text: str, styles: _Styles) -> Paragraph:
    return styles.p(text.strip() or "无。", styles.body)


def _flag_block(flags: Sequence[str], styles: _Styles) -> list[Any]:
    if not flags:
        return [styles.p("无。", styles.body)]
    return [styles.p(f"{i}. {flag}", styles.body) for i, flag in enumerate(flags, start=1)]


def _render(
    make_story: Callable[[_Styles], list[Any]], *, title: str, author: str, footer: str
) -> bytes:
    """Two passes: the story's text, collected, decides the document's font (cut from the full
    CJK font to exactly the characters used, see ``fonts.document_font``); then the story is
    built in that font and laid out."""
    collector = _Styles(None)
    make_story(collector)
    text = "".join([*collector.seen, title, author, footer, "第页0123456789"])
    with document_font(text) as font:
        return _build(
            make_story(_Styles(font)), font=font, title=title, author=author, footer=footer
        )


def _build(story: list[Any], *, font: str, title: str, author: str, footer: str) -> bytes:
    buffer = io.BytesIO()

    def on_page(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(MARGIN, 10 * mm, footer)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=title,
        author=author,
        subject=title,
        creator="绩效 · 预算绩效管理平台",
        invariant=1,
    )
    document.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()


def project_report_pdf(report: ProjectReport) -> bytes:
    """项目支出绩效自评报告 of one project."""
    title = f"{report.fiscal_year} 年度项目支出绩效自评报告"
    footer = f"{report.unit_name} · {report.project_name} · 生成日期 {report.generated_on:%Y-%m-%d}"
    return _render(
        lambda s: _project_story(report, title, s),
        title=f"{title} · {report.project_name}",
        author=report.unit_name,
        footer=footer,
    )


def _project_story(report: ProjectReport, title: str, s: _Styles) -> list[Any]:
    return [
        s.p(title, s.title),
        s.p(report.unit_name, s.subtitle),
        _info_table(
            [
                ("项目名称", report.project_name),
                ("项目编码", report.project_code),
                ("主管部门", report.department),
                ("项目负责人", report.person_in_charge),
                ("评价年度", f"{report.fiscal_year} 年"),
                ("自评状态", report.status),
            ],
            s,
        ),
        s.p("一、预算执行情况", s.heading),
        _budget_table(report, s, initial=report.initial_budget),
        s.p("二、绩效目标完成情况", s.heading),
        _info_table(
            [("年度总体目标", report.overall_goal), ("全年实际完成情况", report.achieved_summary)],
            s,
        ),
        s.p("三、绩效指标完成及评分情况", s.heading),
        _indicator_table(report.indicators, s),
        Spacer(1, 4 * mm),
        KeepTogether([s.p("四、评分汇总", s.heading), _score_table(report, report.groups, s)]),
        Spacer(1, 3 * mm),
        _verdict(report, s),
        s.p("五、提示事项", s.heading),
        *_flag_block(report.flags, s),
        s.p("六、偏差原因分析", s.heading),
        _text_block(report.deviation_analysis, s),
        s.p("七、改进措施", s.heading),
        _text_block(report.improvement_measures, s),
    ]


def unit_report_pdf(report: UnitReport) -> bytes:
    """部门整体支出绩效自评报告 of the unit, with its project evaluations."""
    title = f"{report.fiscal_year} 年度部门整体支出绩效自评报告"
    footer = f"{report.unit_name} · 部门整体 · 生成日期 {report.generated_on:%Y-%m-%d}"
    return _render(
        lambda s: _unit_story(report, title, s), title=title, author=report.unit_name, footer=footer
    )


def _unit_story(report: UnitReport, title: str, s: _Styles) -> list[Any]:
    projects_head = [
        "项目编码",
        "项目名称",
        "全年预算数（元）",
        "全年执行数（元）",
        "执行率",
        "自评得分",
        "等级",
        "状态",
    ]
    project_rows: list[list[str]] = [projects_head] + [
        [
            p.code,
            p.name,
            _money(p.full_budget),
            _money(p.executed),
            _percent(p.execution_rate),
            _points(p.total),
            p.grade or NONE,
            p.status,
        ]
        for p in report.projects
    ]
    fractions = (0.12, 0.24, 0.14, 0.14, 0.09, 0.09, 0.07, 0.11)
    projects: Any = (
        _table(project_rows, [CONTENT_WIDTH * f for f in fractions], s, numeric=(2, 3, 4, 5))
        if report.projects
        else s.p("本年度尚无项目自评。", s.body)
    )
    return [
        s.p(title, s.title),
        s.p(report.unit_name, s.subtitle),
        _info_table(
            [
                ("评价单位", report.unit_name),
                ("评价年度", f"{report.fiscal_year} 年"),
                ("自评状态", report.status),
                ("已定稿项目数", f"{report.evaluated_projects} 个"),
                ("已定稿项目预算", f"{_money(report.evaluated_budget)} 元"),
                (
                    "项目加权平均分",
                    f"{_points(report.project_score)}（{report.project_grade or NONE}）",
                ),
            ],
            s,
        ),
        s.p("一、部门预算执行情况", s.heading),
        _budget_table(report, s, initial=None),
        s.p("二、部门整体绩效指标完成及评分情况", s.heading),
        _indicator_table(report.indicators, s),
        Spacer(1, 4 * mm),
        KeepTogether([s.p("三、评分汇总", s.heading), _score_table(report, report.groups, s)]),
        Spacer(1, 3 * mm),
        _verdict(report, s),
        s.p("四、项目支出绩效自评情况", s.heading),
        projects,
        s.p("五、提示事项", s.heading),
        *_flag_block(report.flags, s),
        s.p("六、总体评价", s.heading),
        _text_block(report.summary, s),
        s.p("七、改进措施", s.heading),
        _text_block(report.improvement_measures, s),
    ]
