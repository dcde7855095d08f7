"""The consistency findings (pure, no database): each code with worked numbers, the Chinese
messages, the precision of a written rate, and properties (a sheet the engine scored has no
finding but the ones people's overrides can cause)."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings

from backend.evaluation import consistency as c
from backend.evaluation import scoring
from tests.evaluation.test_scoring import projects

D = Decimal


def codes(sheet: c.Sheet) -> list[str]:
    return [f.code for f in c.find(sheet)]


def test_no_django_import() -> None:
    tree = ast.parse(Path(c.__file__).read_text())
    imported = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)] + [
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    ]
    assert not [m for m in imported if m.startswith("django")]


def test_a_consistent_sheet_has_no_finding() -> None:
    sheet = c.Sheet(
        lines=[c.Line("a", D(50), D(45), met=False), c.Line("b", D(40), D(40), met=True)],
        total=D("94.5"),
        grade="优",
        full_budget=D("1000000"),
        executed=D("955000"),
        execution_rate=D("95.5"),
        execution_score=D("9.5"),
        execution_weight=D(10),
    )
    assert c.find(sheet) == []


def test_total_not_the_sum() -> None:
    # one real table: lines 30 + 25 + 15 + 10 = 80, total written 24
    lines = [c.Line(k, D(w), D(w)) for k, w in (("a", 30), ("b", 25), ("c", 15), ("d", 10))]
    [finding] = c.find(c.Sheet(lines=lines, total=D(24)))
    assert finding == c.Finding(c.TOTAL_NOT_SUM, "总分24分与各项得分之和80分不符（相差-56分）")


def test_a_line_above_its_weight() -> None:
    sheet = c.Sheet(
        lines=[c.Line("a", D(10), D(12), name="办案数量")],
        execution_score=D(11),
        execution_weight=D(10),
    )
    assert [(f.code, f.message, f.indicator) for f in c.find(sheet)] == [
        (c.SCORE_ABOVE_WEIGHT, "预算执行率得分11分超过分值10分", ""),
        (c.SCORE_ABOVE_WEIGHT, "指标“办案数量”得分12分超过分值10分", "a"),
    ]


def test_grade_not_matching_the_total() -> None:
    [finding] = c.find(c.Sheet(total=D("89.99"), grade="优"))
    assert finding.message == "等级填写为“优”，总分89.99分应为“良”"
    assert codes(c.Sheet(total=D(90), grade=" 优 ")) == []


def test_achieved_with_zero() -> None:
    line = c.Line("s", D(10), D(0), met=True, achieved=True, name="群众满意度")
    [finding] = c.find(c.Sheet(lines=[line]))
    assert (finding.code, finding.message) == (
        c.ACHIEVED_ZERO_SCORE,
        "指标“群众满意度”完成情况为“达成”，得分却为0（分值10分）",
    )


def test_rate_not_following_from_the_budget() -> None:
    # 72 900 of 100 000 is 72.9 %: written 72.9, 73 and 72.90 are right; 0.729 and 75 are not
    base = {"full_budget": D(100000), "executed": D(72900)}
    for rate in ("72.9", "73", "72.90"):
        assert codes(c.Sheet(execution_rate=D(rate), **base)) == [], rate
    [fraction] = c.find(c.Sheet(execution_rate=D("0.729"), **base))
    assert fraction.message == (
        "预算执行率填写为0.729%，按执行数72900元 ÷ 预算数100000元应为72.9%（疑似把比例写成了小数）"
    )
    assert codes(c.Sheet(execution_rate=D(75), **base)) == [c.RATE_MISMATCH]
    # without the figures nothing is checked
    assert codes(c.Sheet(execution_rate=D(75))) == []
    funding = [
        c.Funding("财政拨款", D(800), D(760), D(95)),
        c.Funding("其他资金", D(200), D(0), D(5)),
    ]
    [finding] = c.find(c.Sheet(funding=funding))
    assert finding.message == "资金来源“其他资金”执行率填写为5%，按执行数0元 ÷ 预算数200元应为0%"


def test_full_marks_with_a_target_missed() -> None:
    sheet = c.Sheet(lines=[c.Line("q", D(20), D(20), met=False), c.Line("r", D(5), D(5))])
    [finding] = c.find(sheet)
    assert (finding.code, finding.indicator, finding.message) == (
        c.FULL_MARKS_TARGET_MISSED,
        "q",
        "指标“q”未完成目标，却得满分20分",
    )


def test_every_code_in_order() -> None:
    sheet = c.Sheet(
        lines=[
            c.Line("a", D(10), D(11)),
            c.Line("b", D(10), D(0), achieved=True),
            c.Line("c", D(10), D(10), met=False),
        ],
        total=D(50),
        grade="良",
        full_budget=D(100),
        executed=D(50),
        execution_rate=D(60),
    )
    assert codes(sheet) == [
        c.TOTAL_NOT_SUM,
        c.SCORE_ABOVE_WEIGHT,
        c.GRADE_MISMATCH,
        c.ACHIEVED_ZERO_SCORE,
        c.RATE_MISMATCH,
        c.FULL_MARKS_TARGET_MISSED,
    ]
    assert set(c.LABELS) == set(c.CODES)


def sheet_of(project: scoring.ProjectInput) -> c.Sheet:
    scored = scoring.score_project(project)
    by_code = {i.code: i for i in project.indicators}
    return c.Sheet(
        lines=[
            c.Line(
                s.code,
                s.weight,
                s.final,
                met=scoring.is_met(by_code[s.code]),
                achieved=by_code[s.code].band == scoring.ACHIEVED,
            )
            for s in scored.indicators
        ],
        total=scored.total,
        grade=scored.grade,
        full_budget=project.full_budget,
        executed=project.executed,
        execution_rate=scored.execution_rate,
        execution_score=scored.execution_score,
        execution_weight=project.execution_weight,
    )


@settings(max_examples=200, deadline=None)
@given(projects())
def test_an_engine_sheet_is_consistent_but_for_overrides(project: scoring.ProjectInput) -> None:
    """The engine's arithmetic never contradicts itself: only a person's override can give 0
    to a 达成, and full marks to a missed target come from an override or from rounding a
    near-miss half-up to the cent (99.99 of 100 on a weight of 10 is 10.00)."""
    findings = c.find(sheet_of(project))
    overridden = {i.code for i in project.indicators if i.override is not None}
    for finding in findings:
        assert finding.code in (c.FULL_MARKS_TARGET_MISSED, c.ACHIEVED_ZERO_SCORE), finding
        if finding.code == c.ACHIEVED_ZERO_SCORE:
            assert finding.indicator in overridden
