"""The scoring engine (pure, no database): every rule of domain.md "Scoring a self-evaluation"
with worked numbers to the cent, the flags, both layouts, the grade boundaries, and properties
(bounds, monotonicity, parts add up, Decimal only)."""

from __future__ import annotations

import ast
import dataclasses
import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.evaluation import scoring
from backend.evaluation.scoring import (
    DEDUCTION_WITHOUT_REASON,
    MISSING_ACTUAL,
    MISSING_DEVIATION_REASON,
    NOT_CREDIBLE,
    OVERRIDE_WITHOUT_REASON,
    TARGET_TOO_LOW,
    WEIGHTS_MISMATCH,
    IndicatorInput,
    ProjectInput,
    ScoreSheet,
    execution_rate,
    execution_score,
    grade,
    is_met,
    score_indicator,
    score_project,
)
from backend.indicators import system

D = Decimal
FAST = settings(max_examples=200, deadline=None)


def quant(
    direction: str,
    target: str,
    actual: str | None,
    weight: str = "10",
    *,
    code: str = "Q",
    level1: str = "产出指标",
    **kw: Any,
) -> IndicatorInput:
    return IndicatorInput(
        code=code,
        level1=level1,
        value_type="quantitative",
        direction=direction,  # type: ignore[arg-type]
        target=D(target),
        weight=D(weight),
        actual=None if actual is None else D(actual),
        **kw,
    )


def qual(
    band: str | None,
    score: str | None,
    weight: str = "10",
    *,
    code: str = "L",
    level1: str = "效益指标",
    **kw: Any,
) -> IndicatorInput:
    return IndicatorInput(
        code=code,
        level1=level1,
        value_type="qualitative",
        direction="",
        target=None,
        weight=D(weight),
        band=band,  # type: ignore[arg-type]
        band_score=None if score is None else D(score),
        **kw,
    )


def computed(ind: IndicatorInput) -> Decimal:
    return score_indicator(ind).computed


def codes(ind: IndicatorInput) -> list[str]:
    return [f.code for f in score_indicator(ind).flags]


# --- purity ------------------------------------------------------------------------------


def test_no_django_import() -> None:
    """The engine and the pure module it imports never import Django."""
    for module in (scoring, system):
        path = Path(str(module.__file__))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "django" or n.startswith("django.") for n in names), path


# --- budget execution --------------------------------------------------------------------


def test_execution_score_worked() -> None:
    # 175 000 of 200 000 = 87.50 % → 87.50 % × 10 = 8.75
    assert execution_rate(D(175000), D(200000)) == D("87.50")
    assert execution_score(D("87.50")) == D("8.75")
    # 1 234.56 of 3 000 = 41.152 % → 41.15 % → 4.115 → 4.12 (half-up, from the rounded rate)
    assert execution_rate(D("1234.56"), D(3000)) == D("41.15")
    assert execution_score(D("41.15")) == D("4.12")
    # over-spending is capped at 100 %
    assert execution_score(execution_rate(D(110), D(100))) == D("10.00")
    # another weight
    assert execution_score(D("87.50"), D(20)) == D("17.50")


def test_execution_refuses_bad_budget() -> None:
    with pytest.raises(ValueError):
        execution_rate(D(1), D(0))
    with pytest.raises(ValueError):
        ProjectInput(full_budget=D(100), executed=D(-1))


# --- quantitative ------------------------------------------------------------------------


def test_gte() -> None:
    assert computed(quant("gte", "120", "120")) == D("10.00")
    assert computed(quant("gte", "120", "150")) == D("10.00")  # never more than the weight
    assert computed(quant("gte", "120", "100")) == D("8.33")  # 10 × 100 ÷ 120 = 8.333…
    assert computed(quant("gte", "8", "7", "5")) == D("4.38")  # 5 × 7 ÷ 8 = 4.375 → half-up
    assert computed(quant("gte", "0", "0")) == D("10.00")
    s = score_indicator(quant("gte", "120", "100", deviation_reason="案源减少"))
    assert s.rule == "gte"
    assert "10 × 100 ÷ 120 = 8.33" in s.explanation


def test_lte() -> None:
    assert computed(quant("lte", "3", "3")) == D("10.00")
    assert computed(quant("lte", "3", "0")) == D("10.00")
    assert computed(quant("lte", "3", "4")) == D("7.50")  # 10 × 3 ÷ 4
    assert computed(quant("lte", "2", "3", "7")) == D("4.67")  # 7 × 2 ÷ 3 = 4.666…
    s = score_indicator(quant("lte", "500", "520", "15"))
    assert s.computed == D("14.42")  # 15 × 500 ÷ 520 = 14.423…
    assert "15 × 500 ÷ 520 = 14.42" in s.explanation


def test_lte_target_zero() -> None:
    assert computed(quant("lte", "0", "0")) == D("10.00")
    assert computed(quant("lte", "0", "1")) == D("0.00")
    assert computed(quant("lte", "0", "0.01")) == D("0.00")


def test_eq_both_sides() -> None:
    assert computed(quant("eq", "100", "100")) == D("10.00")
    assert computed(quant("eq", "100", "90")) == D("9.00")  # 10 × (1 − 10 ÷ 100)
    assert computed(quant("eq", "100", "110")) == D("9.00")  # the same distance above
    assert computed(quant("eq", "8", "7", "6")) == D("5.25")  # 6 × (1 − 1 ÷ 8)
    assert computed(quant("eq", "8", "9", "6")) == D("5.25")
    assert computed(quant("eq", "100", "250")) == D("0.00")  # not below 0
    assert computed(quant("eq", "100", "200")) == D("0.00")
    assert computed(quant("eq", "100", "0")) == D("0.00")
    assert computed(quant("eq", "3", "2")) == D("6.67")  # 10 × (1 − 1 ÷ 3) = 6.666…


def test_eq_target_zero() -> None:
    assert computed(quant("eq", "0", "0")) == D("10.00")
    assert computed(quant("eq", "0", "1")) == D("0.00")


def test_over_achievement_flag() -> None:
    assert TARGET_TOO_LOW not in codes(quant("gte", "100", "150"))  # exactly 1.5 ×: no flag
    flagged = score_indicator(quant("gte", "100", "150.01"))
    assert flagged.computed == D("10.00")
    assert [f.code for f in flagged.flags] == [TARGET_TOO_LOW]
    assert "目标可能设置偏低" in flagged.flags[0].message
    assert TARGET_TOO_LOW not in codes(quant("lte", "100", "151"))  # only on ≥
    assert TARGET_TOO_LOW not in codes(quant("gte", "0", "5"))  # target 0: no ratio


def test_quantitative_input_errors() -> None:
    with pytest.raises(ValueError):
        quant("", "10", "5")
    with pytest.raises(ValueError):
        quant("gte", "10", "-1")
    with pytest.raises(ValueError):
        quant("gte", "-10", "1")
    with pytest.raises(ValueError):
        IndicatorInput("X", "产出指标", "quantitative", "gte", None, D(10), D(1))
    with pytest.raises(ValueError):
        quant("gte", "10", "5", level1="其他指标")
    with pytest.raises(ValueError):
        quant("gte", "10", "5", weight="-1")


# --- qualitative -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("band", "score", "expected"),
    [
        ("achieved", "8", "8.00"),
        ("achieved", "10", "10.00"),
        ("achieved", "8.555", "8.56"),  # half-up
        ("partly", "6", "6.00"),
        ("partly", "8", "8.00"),
        ("partly", "7.2", "7.20"),
        ("not_achieved", "0", "0.00"),
        ("not_achieved", "6", "6.00"),
        ("not_achieved", "3.125", "3.13"),
    ],
)
def test_band_inside(band: str, score: str, expected: str) -> None:
    s = score_indicator(qual(band, score, deviation_reason="原因"))
    assert s.computed == D(expected)
    assert s.rule == "band"


@pytest.mark.parametrize(
    ("band", "score"),
    [
        ("achieved", "7.99"),
        ("achieved", "10.01"),
        ("partly", "5.99"),
        ("partly", "8.01"),
        ("not_achieved", "6.01"),
        ("not_achieved", "-0.01"),
    ],
)
def test_band_outside_refused(band: str, score: str) -> None:
    with pytest.raises(ValueError):
        score_indicator(qual(band, score))


def test_band_other_weight_and_explanation() -> None:
    s = score_indicator(qual("partly", "3.5", "5", deviation_reason="部分完成"))
    assert s.computed == D("3.50")
    assert "部分达成" in s.explanation and "3–4分" in s.explanation
    with pytest.raises(ValueError):
        score_indicator(qual("partly", "4.01", "5"))


def test_band_errors() -> None:
    with pytest.raises(ValueError):
        qual("excellent", "9")
    with pytest.raises(ValueError):
        qual("achieved", None)


def test_missing_actual_is_flagged_and_zero() -> None:
    s = score_indicator(quant("gte", "10", None))
    assert (s.computed, s.rule) == (D("0.00"), "missing")
    assert [f.code for f in s.flags] == [MISSING_ACTUAL]
    s = score_indicator(qual(None, None))
    assert s.computed == D("0.00") and [f.code for f in s.flags] == [MISSING_ACTUAL]


# --- deviation reasons, overrides --------------------------------------------------------


def test_missed_indicator_needs_deviation_reason() -> None:
    assert codes(quant("gte", "120", "100")) == [MISSING_DEVIATION_REASON]
    assert codes(quant("gte", "120", "100", deviation_reason="   ")) == [MISSING_DEVIATION_REASON]
    assert codes(quant("gte", "120", "100", deviation_reason="案源减少")) == []
    assert codes(quant("gte", "120", "120")) == []
    assert codes(qual("partly", "7")) == [MISSING_DEVIATION_REASON]
    assert codes(qual("achieved", "8")) == []


def test_override_keeps_both() -> None:
    s = score_indicator(quant("gte", "100", "100", override=D(9), override_reason="资料不全"))
    assert (s.computed, s.final) == (D("10.00"), D("9.00"))
    assert s.overridden
    assert "人工调整为9.00（计算得分10.00），理由：资料不全" in s.explanation
    # at the bounds
    assert score_indicator(quant("gte", "100", "50", override=D(0), override_reason="x")).final == (
        D("0.00")
    )
    assert score_indicator(
        quant("gte", "100", "50", override=D(10), override_reason="x", deviation_reason="y")
    ).final == D("10.00")


@pytest.mark.parametrize("value", ["10.01", "-0.01", "11"])
def test_override_out_of_bounds(value: str) -> None:
    with pytest.raises(ValueError):
        quant("gte", "100", "100", override=D(value), override_reason="理由")


def test_override_without_reason() -> None:
    # a deduction on a met indicator without a reason: accepted, 未说明原因, flagged
    deducted = score_indicator(quant("gte", "100", "100", override=D(9)))
    assert deducted.final == D("9.00") and deducted.unexplained
    assert deducted.explanation.endswith("人工调整为9.00（计算得分10.00），未说明原因")
    assert [f.code for f in deducted.flags] == [DEDUCTION_WITHOUT_REASON]
    assert "未说明原因" in deducted.flags[0].message
    # raising a missed indicator's score without a reason is refused when a person enters it
    with pytest.raises(ValueError):
        score_indicator(quant("gte", "100", "50", override=D(9), deviation_reason="x"))
    with pytest.raises(ValueError):
        score_indicator(
            quant("gte", "100", "50", override=D(9), override_reason="  ", deviation_reason="x")
        )
    # an imported table: flagged, not refused
    met = score_indicator(quant("gte", "100", "100", override=D(9)), strict=False)
    assert met.final == D("9.00") and [f.code for f in met.flags] == [DEDUCTION_WITHOUT_REASON]
    missed = score_indicator(
        quant("gte", "100", "50", override=D(6), deviation_reason="x"), strict=False
    )
    assert [f.code for f in missed.flags] == [OVERRIDE_WITHOUT_REASON]
    # an override equal to the computed score changes nothing and needs no reason
    same = score_indicator(quant("gte", "100", "100", override=D(10)))
    assert same.final == same.computed and not same.overridden


# --- whole project -----------------------------------------------------------------------


def standard_indicators(*, satisfaction: bool = True) -> list[IndicatorInput]:
    effect_weight = "15" if satisfaction else "20"
    inds = [
        quant("gte", "1200", "1100", "20", code="O1", deviation_reason="案源减少"),
        quant("gte", "95", "97", "15", code="O2"),
        quant("lte", "500", "520", "15", code="C1", level1="成本指标", deviation_reason="涨价"),
        qual("achieved", "13.5" if satisfaction else "18", effect_weight, code="E1"),
        quant(
            "eq", "10", "9", effect_weight, code="E2", level1="效益指标", deviation_reason="延期"
        ),
    ]
    if satisfaction:
        inds.append(
            quant("gte", "90", "85", "10", code="S1", level1="满意度指标", deviation_reason="x")
        )
    return inds


def test_split_layout_worked_example() -> None:
    sheet = score_project(
        ProjectInput(full_budget=D(1000000), executed=D(950000), indicators=standard_indicators())
    )
    assert (sheet.execution_rate, sheet.execution_score) == (D("95.00"), D("9.50"))
    finals = {s.code: s.final for s in sheet.indicators}
    # 20×1100÷1200=18.33; 15; 15×500÷520=14.42; 13.5; 15×(1−1÷10)=13.5; 10×85÷90=9.44
    assert finals == {
        "O1": D("18.33"),
        "O2": D("15.00"),
        "C1": D("14.42"),
        "E1": D("13.50"),
        "E2": D("13.50"),
        "S1": D("9.44"),
    }
    assert sheet.groups == {"output": D("47.75"), "effect": D("27.00"), "satisfaction": D("9.44")}
    assert sheet.total == D("93.69")  # 9.50 + 47.75 + 27.00 + 9.44
    assert sheet.grade == "优"
    assert sheet.flags == ()


def test_split_redistribution_without_satisfaction() -> None:
    sheet = score_project(
        ProjectInput(
            full_budget=D(100),
            executed=D(100),
            indicators=standard_indicators(satisfaction=False),
        )
    )
    assert sheet.flags == ()  # 效益 20 + 20 = 40: the satisfaction 10 went to effect
    # 18 + 20×0.9 = 36.00; output 47.75; 10 + 47.75 + 36 = 93.75
    assert sheet.groups == {"output": D("47.75"), "effect": D("36.00")}
    assert sheet.total == D("93.75")
    assert scoring.expected_group_weights(
        ProjectInput(D(1), D(1), indicators=standard_indicators(satisfaction=False))
    ) == {"output": D(50), "effect": D(40)}


def test_split_weights_do_not_add_up() -> None:
    inds = standard_indicators(satisfaction=False)
    inds[3] = qual("achieved", "13.5", "15", code="E1")
    inds[4] = quant("eq", "10", "10", "15", code="E2", level1="效益指标")
    sheet = score_project(ProjectInput(D(100), D(100), indicators=inds))
    mismatch = [f for f in sheet.flags if f.code == WEIGHTS_MISMATCH]
    assert len(mismatch) == 1
    assert mismatch[0].message == "权重合计不符：效益指标权重合计30分，应为40分"
    assert sheet.total == D("86.25")  # 10 + 47.75 + 13.50 + 15.00: scored all the same


def test_split_template_weights() -> None:
    weights = {"output": D(40), "effect": D(40), "satisfaction": D(10)}
    inds = [
        quant("gte", "10", "10", "40", code="O1"),
        quant("gte", "10", "5", "40", code="E1", level1="效益指标", deviation_reason="x"),
        quant("gte", "10", "10", "10", code="S1", level1="满意度指标"),
    ]
    sheet = score_project(ProjectInput(D(100), D(80), group_weights=weights, indicators=inds))
    assert sheet.flags == ()
    assert sheet.total == D("78.00")  # 8 + 40 + 20 + 10
    assert sheet.grade == "中"
    # the template's own split must still make 100 with the execution weight
    bad = {"output": D(50), "effect": D(40), "satisfaction": D(10)}
    sheet = score_project(ProjectInput(D(100), D(80), group_weights=bad, indicators=inds))
    assert any("应为100分" in f.message for f in sheet.flags)


def test_pooled_layout() -> None:
    inds = [
        quant("gte", "10", "10", "45", code="A"),
        quant("lte", "4", "5", "45", code="B", level1="效益指标", deviation_reason="x"),
    ]
    sheet = score_project(ProjectInput(D(100), D(90), layout="pooled", indicators=inds))
    # 9.00 + 45.00 + 45 × 4 ÷ 5 = 36.00
    assert sheet.total == D("90.00")
    assert sheet.groups == {"output": D("45.00"), "effect": D("36.00")}
    assert sheet.flags == ()
    short = [inds[0], quant("lte", "4", "4", "35", code="B", level1="效益指标")]
    sheet = score_project(ProjectInput(D(100), D(90), layout="pooled", indicators=short))
    assert [f.message for f in sheet.flags] == ["权重合计不符：指标权重合计80分，应为90分"]


def test_not_credible() -> None:
    inds = [quant("gte", "1", "1", "90", code="A")]
    sheet = score_project(ProjectInput(D(100), D(55), layout="pooled", indicators=inds))
    assert sheet.total == D("95.50")
    assert [f.code for f in sheet.flags] == [NOT_CREDIBLE]
    assert "55.00%" in sheet.flags[0].message
    # 60.00 % is not below 60 %
    sheet = score_project(ProjectInput(D(100), D(60), layout="pooled", indicators=inds))
    assert sheet.flags == ()
    # a total under 90 is not flagged however low the rate
    inds = [quant("gte", "1", "1", "85", code="A"), qual("not_achieved", "0", "5", code="B")]
    sheet = score_project(ProjectInput(D(100), D(10), layout="pooled", indicators=inds))
    assert sheet.total == D("86.00")
    assert NOT_CREDIBLE not in sheet.flag_codes()


def test_project_errors() -> None:
    with pytest.raises(ValueError):
        ProjectInput(D(100), D(1), layout="other")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ProjectInput(D(100), D(1), group_weights={"other": D(1)})
    with pytest.raises(ValueError):
        ProjectInput(D(100), D(1), indicators=[quant("gte", "1", "1"), quant("gte", "1", "1")])


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        ("0", "差"),
        ("59.99", "差"),
        ("60", "中"),
        ("60.00", "中"),
        ("79.99", "中"),
        ("80", "良"),
        ("89.99", "良"),
        ("90", "优"),
        ("100", "优"),
    ],
)
def test_grade_boundaries(total: str, expected: str) -> None:
    assert grade(D(total)) == expected


def test_floats_refused() -> None:
    with pytest.raises(TypeError):
        ProjectInput(full_budget=100.0, executed=D(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ProjectInput(D(100), D(1), group_weights={"output": 50.0})  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        IndicatorInput("X", "产出指标", "quantitative", "gte", D(1), 10.0, D(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        quant("gte", "1", "1", override=9.0, override_reason="x")
    with pytest.raises(TypeError):
        grade(90.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        execution_score(50.0)  # type: ignore[arg-type]
    # ints are fine
    assert ProjectInput(full_budget=100, executed=50).executed == D(50)  # type: ignore[arg-type]


# --- properties --------------------------------------------------------------------------

amounts = st.decimals(min_value=0, max_value=10000, places=2, allow_nan=False, allow_infinity=False)
positive = st.decimals(
    min_value=D("0.01"), max_value=10000, places=2, allow_nan=False, allow_infinity=False
)


@st.composite
def partition(draw: st.DrawFn, total: int, n: int) -> list[Decimal]:
    """``total`` points split into ``n`` weights of whole cents."""
    cents = total * 100
    cuts = sorted(draw(st.lists(st.integers(0, cents), min_size=n - 1, max_size=n - 1)))
    bounds = [0, *cuts, cents]
    return [D(b - a) / 100 for a, b in itertools.pairwise(bounds)]


@st.composite
def indicator(draw: st.DrawFn, code: str, level1: str, weight: Decimal) -> IndicatorInput:
    reason = draw(st.sampled_from(["", "原因"]))
    override = None
    if draw(st.booleans()) and draw(st.booleans()):
        override = D(draw(st.integers(0, int(weight * 100)))) / 100
    if draw(st.booleans()):
        band = draw(st.sampled_from(list(scoring.BANDS)))
        low, high = scoring.BANDS[band]
        share = D(draw(st.integers(int(low * 100), int(high * 100)))) / 10000
        return IndicatorInput(
            code,
            level1,
            "qualitative",
            "",
            None,
            weight,
            band=band,
            band_score=weight * share,
            override=override,
            override_reason="调整" if override is not None else "",
            deviation_reason=reason,
        )
    return IndicatorInput(
        code,
        level1,
        "quantitative",
        draw(st.sampled_from(["gte", "lte", "eq"])),
        draw(amounts),
        weight,
        actual=draw(st.none() | amounts),
        override=override,
        override_reason="调整" if override is not None else "",
        deviation_reason=reason,
    )


@st.composite
def projects(draw: st.DrawFn) -> ProjectInput:
    layout = draw(st.sampled_from(["split", "pooled"]))
    with_satisfaction = draw(st.booleans())
    if layout == "pooled":
        plan = [("产出指标", 90)]
    elif with_satisfaction:
        plan = [("产出指标", 50), ("效益指标", 30), ("满意度指标", 10)]
    else:
        plan = [("产出指标", 50), ("效益指标", 40)]
    inds: list[IndicatorInput] = []
    for level1, total in plan:
        n = draw(st.integers(1, 4))
        for weight in draw(partition(total, n)):
            inds.append(draw(indicator(f"I{len(inds)}", level1, weight)))
    return ProjectInput(
        full_budget=draw(positive),
        executed=draw(amounts),
        layout=layout,  # type: ignore[arg-type]
        indicators=inds,
    )


def no_floats(value: Any) -> None:
    assert not isinstance(value, float), value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            no_floats(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            no_floats(k)
            no_floats(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            no_floats(v)


@FAST
@given(projects())
def test_properties_of_a_sheet(project: ProjectInput) -> None:
    sheet: ScoreSheet = score_project(project)
    assert D(0) <= sheet.total <= D(100)
    assert sheet.total == sheet.execution_score + sum(s.final for s in sheet.indicators)
    assert sheet.total == sheet.execution_score + sum(sheet.groups.values())
    assert WEIGHTS_MISMATCH not in sheet.flag_codes()
    for s in sheet.indicators:
        assert D(0) <= s.computed <= s.weight and D(0) <= s.final <= s.weight
        assert s.computed.as_tuple().exponent == -2 and s.final.as_tuple().exponent == -2
    assert sheet.total.as_tuple().exponent == -2
    assert sheet.grade == grade(sheet.total)
    no_floats(sheet)
    no_floats(project)


weights = st.decimals(min_value=0, max_value=100, places=2, allow_nan=False, allow_infinity=False)


@FAST
@given(weights, amounts, amounts, amounts)
def test_better_actual_never_lowers_gte(w: Decimal, t: Decimal, a: Decimal, b: Decimal) -> None:
    low, high = min(a, b), max(a, b)
    assert computed(quant("gte", str(t), str(low), str(w))) <= computed(
        quant("gte", str(t), str(high), str(w))
    )


@FAST
@given(weights, amounts, amounts, amounts)
def test_better_actual_never_lowers_lte(w: Decimal, t: Decimal, a: Decimal, b: Decimal) -> None:
    low, high = min(a, b), max(a, b)
    assert computed(quant("lte", str(t), str(high), str(w))) <= computed(
        quant("lte", str(t), str(low), str(w))
    )


@FAST
@given(weights, amounts, amounts, amounts)
def test_closer_actual_never_lowers_eq(w: Decimal, t: Decimal, a: Decimal, b: Decimal) -> None:
    far, near = (a, b) if abs(a - t) >= abs(b - t) else (b, a)
    assert computed(quant("eq", str(t), str(far), str(w))) <= computed(
        quant("eq", str(t), str(near), str(w))
    )


# --- results for the fact tables (is_met, achievement, budget-weighted score) -----------------


def test_met_and_achievement_worked() -> None:
    def q(direction: str, target: str, actual: str | None) -> IndicatorInput:
        return IndicatorInput(
            "x",
            "产出指标",
            "quantitative",
            direction,
            Decimal(target),
            Decimal(10),
            actual=None if actual is None else Decimal(actual),
        )

    from backend.evaluation.scoring import achievement, budget_weighted_score, is_met

    # ≥: 90 of 120 → 90 ÷ 120 = 75.00 %, missed.
    assert (is_met(q("gte", "120", "90")), achievement(q("gte", "120", "90"))) == (
        False,
        Decimal("75.00"),
    )
    # ≤: target 5, actual 4 → 5 ÷ 4 = 125.00 % (less is better), met; actual 0 is undefined.
    assert (is_met(q("lte", "5", "4")), achievement(q("lte", "5", "4"))) == (
        True,
        Decimal("125.00"),
    )
    assert achievement(q("lte", "5", "0")) is None
    assert achievement(q("lte", "0", "0")) == Decimal("100.00")
    # =: 98 of 100 → 98.00 %, missed; ≥ with target 0 is undefined; not reported → None.
    assert (is_met(q("eq", "100", "98")), achievement(q("eq", "100", "98"))) == (
        False,
        Decimal("98.00"),
    )
    assert achievement(q("gte", "0", "3")) is None
    assert is_met(q("gte", "1", None)) is None
    # Qualitative: 达成 with 27 of 30 → 27 ÷ 30 = 90.00 %, met.
    band = IndicatorInput(
        "b",
        "效益指标",
        "qualitative",
        "",
        None,
        Decimal(30),
        band="achieved",
        band_score=Decimal(27),
    )
    assert (is_met(band), achievement(band)) == (True, Decimal("90.00"))
    # Budget-weighted: (96 × 1,000,000 + 43 × 3,000,000) ÷ 4,000,000 = 56.25; with 1/3 of a
    # cent: (80 × 1 + 81 × 2) ÷ 3 = 80.666… → 80.67 half-up.
    assert budget_weighted_score(
        [(Decimal(96), Decimal(1_000_000)), (Decimal(43), Decimal(3_000_000))]
    ) == Decimal("56.25")
    assert budget_weighted_score([(Decimal(80), Decimal(1)), (Decimal(81), Decimal(2))]) == Decimal(
        "80.67"
    )
    assert budget_weighted_score([]) is None


# --- issue 16: department layout, funding sources, manual scoring, unexplained deductions ----


def department_indicators() -> list[IndicatorInput]:
    return [
        quant("gte", "100", "100", "15", code="IN", level1="投入指标"),
        quant("gte", "100", "80", "45", code="PR", level1="过程", deviation_reason="x"),
        quant("gte", "10", "10", "20", code="OUT", level1="产出指标"),
        qual("achieved", "9", "10", code="EF", level1="效果指标"),
    ]


def test_department_layout_worked_example() -> None:
    # 15/55/20/10 with the execution's 10 points inside 过程 (45 left for its indicators).
    project = ProjectInput(
        full_budget=D("1000000"),
        executed=D("900000"),
        layout="department",
        indicators=department_indicators(),
    )
    sheet = score_project(project)
    assert WEIGHTS_MISMATCH not in sheet.flag_codes()
    assert sheet.execution_score == D("9.00")
    assert sheet.groups == {
        "input": D("15.00"),
        "process": D("36.00"),
        "output": D("20.00"),
        "outcome": D("9.00"),
    }
    assert sheet.total == D("89.00") and sheet.grade == "良"
    assert [s.group for s in sheet.indicators] == ["input", "process", "output", "outcome"]


def test_department_layout_policy_weights_and_effect_names() -> None:
    # A policy of 20/50/20/10; 效益 and 满意度 indicators count under 效果.
    inds = [
        quant("gte", "1", "1", "20", code="IN", level1="投入"),
        quant("gte", "1", "1", "40", code="PR", level1="过程指标"),
        quant("gte", "1", "1", "20", code="OUT", level1="产出"),
        quant("gte", "1", "1", "5", code="EF", level1="效益指标"),
        quant("gte", "1", "1", "5", code="SA", level1="满意度指标"),
    ]
    weights = {"input": D(20), "process": D(50), "output": D(20), "outcome": D(10)}
    sheet = score_project(
        ProjectInput(D(100), D(100), "department", group_weights=weights, indicators=inds)
    )
    assert WEIGHTS_MISMATCH not in sheet.flag_codes()
    assert sheet.groups["outcome"] == D("10.00") and sheet.total == D("100.00")
    # the project layouts do not know 投入: its weight is a mismatch there
    split = score_project(ProjectInput(D(100), D(100), indicators=department_indicators()))
    assert WEIGHTS_MISMATCH in split.flag_codes()


def test_department_layout_weights_mismatch() -> None:
    inds = department_indicators()[:3]
    sheet = score_project(ProjectInput(D(100), D(100), "department", indicators=inds))
    messages = [f.message for f in sheet.flags if f.code == WEIGHTS_MISMATCH]
    assert messages == ["权重合计不符：效果指标权重合计0分，应为10分"]


def test_funding_sources() -> None:
    funding = [
        scoring.FundingSource("财政拨款", D("800000"), D("760000")),
        scoring.FundingSource("其他资金", D("200000"), D("0")),
    ]
    sheet = score_project(ProjectInput(D("1000000"), D("760000"), funding=funding))
    assert [(f.name, f.rate) for f in sheet.funding] == [
        ("财政拨款", D("95.00")),
        ("其他资金", D("0.00")),
    ]
    assert sheet.execution_rate == D("76.00")
    assert scoring.FUNDING_MISMATCH not in sheet.flag_codes()
    # sub-rows that do not add up are flagged, with the figures
    off = score_project(
        ProjectInput(D("1000000"), D("800000"), funding=[*funding[:1]]),
    )
    assert [f.message for f in off.flags if f.code == scoring.FUNDING_MISMATCH] == [
        "资金来源（财政拨款）预算数合计800000元，与全年预算数1000000元不符",
        "资金来源（财政拨款）执行数合计760000元，与全年执行数800000元不符",
    ]
    # a source without budget has no rate; bad figures are refused
    assert scoring.FundingSource("其他资金", D(0), D(0)).rate is None
    with pytest.raises(ValueError):
        scoring.FundingSource("其他资金", D(-1), D(0))
    with pytest.raises(ValueError):
        ProjectInput(D(1), D(1), funding=[funding[0], funding[0]])


def test_manual_scoring() -> None:
    ind = quant(
        "gte",
        "100",
        None,
        "10",
        scoring_method="manual",
        manual_score=D("7.5"),
        manual_reason="抽查",
    )
    scored = score_indicator(ind)
    assert (scored.computed, scored.final, scored.rule) == (D("7.50"), D("7.50"), "manual")
    assert scored.explanation == "评价人打分7.5（分值10），得7.50，理由：抽查"
    # not met (below 80 % of the weight) and no deviation reason: flagged as any miss
    assert codes(ind) == [MISSING_DEVIATION_REASON]
    assert scoring.is_met(ind) is False and scoring.achievement(ind) == D("75.00")
    # the actual value, when given, decides whether the target was met
    met = dataclasses.replace(ind, actual=D(160))
    assert scoring.is_met(met) is True and codes(met) == [TARGET_TOO_LOW]
    # outside the weight: refused; no reason: refused by hand, flagged from a table
    with pytest.raises(ValueError):
        dataclasses.replace(ind, manual_score=D("10.01"))
    with pytest.raises(ValueError):
        score_indicator(dataclasses.replace(ind, manual_reason=""))
    loose = score_indicator(dataclasses.replace(ind, manual_reason=""), strict=False)
    assert scoring.MANUAL_WITHOUT_REASON in [f.code for f in loose.flags]
    assert loose.explanation.endswith("未说明原因")
    # not yet scored: 0, flagged
    unscored = score_indicator(dataclasses.replace(ind, manual_score=None))
    assert unscored.final == D("0.00") and [f.code for f in unscored.flags] == [MISSING_ACTUAL]
    with pytest.raises(ValueError):
        dataclasses.replace(ind, scoring_method="guess")


def test_qualitative_deduction_without_reason() -> None:
    # 达成 scored 9 of 10 with no written explanation: accepted, marked, flagged.
    ind = qual("achieved", "9", "10", deduction_reason="")
    scored = score_indicator(ind)
    assert scored.final == D("9.00") and scored.unexplained
    assert scored.explanation.endswith("扣1分，未说明原因")
    assert codes(ind) == [DEDUCTION_WITHOUT_REASON]
    assert codes(qual("achieved", "9", "10", deduction_reason="个别案件超期")) == []
    assert codes(qual("achieved", "9", "10")) == []  # the caller does not check
    assert codes(qual("achieved", "10", "10", deduction_reason="")) == []


@st.composite
def department_projects(draw: st.DrawFn) -> ProjectInput:
    execution = D(draw(st.integers(0, 20)))
    plan = [("投入指标", 15), ("过程指标", 55 - int(execution)), ("产出指标", 20), ("效果指标", 10)]
    inds: list[IndicatorInput] = []
    for level1, total in plan:
        n = draw(st.integers(1, 3))
        for weight in draw(partition(total, n)):
            inds.append(draw(indicator(f"I{len(inds)}", level1, weight)))
    funding: list[scoring.FundingSource] = []
    budget, executed = draw(positive), draw(amounts)
    if draw(st.booleans()):
        funding = [
            scoring.FundingSource("财政拨款", budget, executed),
            scoring.FundingSource("其他资金", D(0), D(0)),
        ]
    return ProjectInput(
        full_budget=budget,
        executed=executed,
        layout="department",
        execution_weight=execution,
        indicators=inds,
        funding=funding,
    )


@FAST
@given(department_projects())
def test_properties_of_a_department_sheet(project: ProjectInput) -> None:
    sheet = score_project(project)
    assert D(0) <= sheet.total <= D(100)
    assert sheet.total == sheet.execution_score + sum(sheet.groups.values())
    assert set(sheet.groups) == {"input", "process", "output", "outcome"}
    assert WEIGHTS_MISMATCH not in sheet.flag_codes()
    assert scoring.FUNDING_MISMATCH not in sheet.flag_codes()
    assert sheet.grade == grade(sheet.total)
    no_floats(sheet)


@FAST
@given(projects(), st.integers(0, 3))
def test_unexplained_deductions_are_scored_not_refused(project: ProjectInput, n: int) -> None:
    """Removing every override reason never raises for a deduction and never changes a
    score: a deduction without a reason is marked and flagged, nothing else."""
    bare = []
    for ind in project.indicators:
        scored = score_indicator(ind)
        if ind.override is not None and scored.final < scored.computed and is_met(ind):
            ind = dataclasses.replace(ind, override_reason="")
        bare.append(ind)
    before = score_project(project)
    after = score_project(dataclasses.replace(project, indicators=bare))
    assert after.total == before.total
    assert [s.final for s in after.indicators] == [s.final for s in before.indicators]
    for s in after.indicators:
        assert s.unexplained == (DEDUCTION_WITHOUT_REASON in [f.code for f in s.flags])
