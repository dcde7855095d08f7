"""The monitoring rules (pure, no database): every rule just below, at and just above its
thresholds; stable keys; evidence with the numbers; Decimal only; properties of the rates and
the forecast."""

from __future__ import annotations

import ast
import dataclasses
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend.monitoring import rules
from backend.monitoring.rules import (
    Finding,
    IndicatorProgress,
    Policy,
    ProjectSnapshot,
    alert_key,
    execution_finding,
    execution_rate,
    execution_ratio,
    forecast_finding,
    forecast_rate,
    gap_finding,
    indicator_findings,
    policy_from,
    project_findings,
    recent_pace,
    silent_finding,
    time_progress,
)

D = Decimal
BUDGET = D("10000.00")  # 1 yuan = 0.01 points of execution: spent 3999 → 39.99 %
HALF_BUDGET = D("5000")
HUNDRED = D("100")
RANK = {None: 0, rules.WARNING: 1, rules.SERIOUS: 2}


def indicator(
    indicator_id: int = 101,
    *,
    code: str = "cases",
    value_type: str = "quantitative",
    direction: str = "gte",
    target: Decimal | None = HUNDRED,
    value: Decimal | None = HUNDRED,
    likelihood: str = "certain",
) -> IndicatorProgress:
    return IndicatorProgress(
        indicator_id=indicator_id,
        code=code,
        value_type=value_type,
        direction=direction,
        target_value=target,
        value_to_date=value,
        likelihood=likelihood,
    )


def snapshot(
    *,
    month: int = 6,
    spent: Decimal = HALF_BUDGET,
    budget: Decimal = BUDGET,
    monthly: dict[int, Decimal] | None = None,
    indicators: tuple[IndicatorProgress, ...] = (),
    project_id: int = 7,
) -> ProjectSnapshot:
    if monthly is None:  # evenly spread, the remainder in the last month
        share = (spent / month).quantize(D("0.01"), rounding=ROUND_DOWN)
        monthly = {m: share for m in range(1, month + 1)}
        monthly[month] += spent - share * month
    return ProjectSnapshot(
        project_id=project_id,
        project_code=f"XM-{project_id}",
        month=month,
        full_budget=budget,
        spent_to_date=spent,
        monthly_spent=monthly,
        indicators=indicators,
    )


def severity(found: Finding | None) -> str | None:
    return None if found is None else found.severity


def assert_no_float(value: Any) -> None:
    """No float anywhere in a finding (or its evidence); numbers in evidence parse as
    Decimal strings."""
    assert not isinstance(value, float)
    if dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            assert_no_float(getattr(value, f.name))
    elif isinstance(value, dict):
        for k, v in value.items():
            assert isinstance(k, str)
            assert isinstance(v, str)


# --- the module -----------------------------------------------------------------------------


def test_rules_module_imports_no_django() -> None:
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            imported.add(node.module.split(".")[0])
    assert imported <= {"__future__", "collections", "dataclasses", "datetime", "decimal", "typing"}


def test_constants_match_the_models() -> None:
    from backend.indicators.models import Direction, ValueType
    from backend.monitoring.models import AlertKind, Likelihood, Severity
    from backend.oversight.models import ExecutionRule

    assert set(rules.KINDS) == set(AlertKind.values)
    assert set(rules.SEVERITIES) == set(Severity.values)
    assert set(rules.EXECUTION_RULES) == set(ExecutionRule.values)
    assert rules.QUANTITATIVE in ValueType.values
    assert rules.GTE in Direction.values
    assert rules.IMPOSSIBLE in Likelihood.values


# --- rates ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("month", "expected"),
    [(1, "8.33"), (2, "16.67"), (3, "25.00"), (6, "50.00"), (7, "58.33"), (12, "100.00")],
)
def test_time_progress(month: int, expected: str) -> None:
    assert time_progress(month) == D(expected)
    assert str(time_progress(month)) == expected


@pytest.mark.parametrize("month", [0, 13, -1])
def test_time_progress_refuses_months_out_of_range(month: int) -> None:
    with pytest.raises(ValueError):
        time_progress(month)


def test_execution_rate_rounds_half_up_to_two_places() -> None:
    assert execution_rate(D("1"), D("8")) == D("12.50")
    assert execution_rate(D("1"), D("3")) == D("33.33")
    assert execution_rate(D("2"), D("3")) == D("66.67")
    assert execution_rate(D("0.125"), D("100")) == D("0.13")  # half-up, not half-even
    assert execution_rate(D("0.115"), D("100")) == D("0.12")
    assert execution_rate(D("15000"), BUDGET) == D("150.00")  # not capped


def test_execution_rate_of_no_budget_is_zero() -> None:
    assert execution_rate(D("0"), D("0")) == D("0.00")
    assert execution_rate(D("50"), D("0")) == D("0.00")


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        execution_rate(0.5, D("1"))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        forecast_rate({1: D(1), 2: 2.0}, D("100"), 2)  # type: ignore[dict-item]
    with pytest.raises(TypeError):
        Policy(lag_warning_points=10.0)  # type: ignore[arg-type]


def test_results_are_decimals_with_two_places() -> None:
    for value in (
        time_progress(5),
        execution_rate(D("1234.56"), D("9876.54")),
        execution_ratio(D("40"), D("50")),
        forecast_rate({1: D("10"), 2: D("20"), 3: D("35")}, D("1000"), 3),
    ):
        assert type(value) is Decimal
        assert value.as_tuple().exponent == -2


# --- execution lag: points form ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "lag", "expected"),
    [
        ("4001", "9.99", None),
        ("4000", "10.00", None),  # "by more than 10 points": exactly 10 is no alert
        ("3999", "10.01", "warning"),
        ("3001", "19.99", "warning"),
        ("3000", "20.00", "warning"),  # exactly 20 is still yellow
        ("2999", "20.01", "serious"),
        ("0", "50.00", "serious"),
        ("9000", "-40.00", None),  # ahead of time
    ],
)
def test_points_form_thresholds(spent: str, lag: str, expected: str | None) -> None:
    # Month 6: time progress 50.00; budget 10000 → spent 3999 is 39.99 %.
    found = execution_finding(snapshot(month=6, spent=D(spent)), Policy())
    assert severity(found) == expected
    if found is not None:
        assert found.kind == "execution_lag"
        assert found.evidence["lag_points"] == lag
        assert found.evidence["time_progress"] == "50.00"
        assert found.evidence["execution_rate"] == str(D(50) - D(lag))
        assert found.evidence["rule"] == "points"
        assert lag in found.message and "50.00" in found.message
        assert found.project_id == 7 and found.indicator_id is None


def test_points_form_uses_the_province_thresholds() -> None:
    policy = Policy(lag_warning_points=D(5), lag_serious_points=D(15))
    snap = snapshot(month=6, spent=D("4400"))  # lag 6.00
    assert severity(execution_finding(snap, policy)) == "warning"
    assert severity(execution_finding(snap, Policy())) is None
    assert severity(execution_finding(snapshot(month=6, spent=D("3499")), policy)) == "serious"


# --- execution lag: ratio form ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "ratio", "expected"),
    [
        ("5999", "59.99", "serious"),
        ("6000", "60.00", "warning"),  # "red below 60 %": exactly 60 is yellow
        ("6001", "60.01", "warning"),
        ("7999", "79.99", "warning"),
        ("8000", "80.00", None),  # "yellow below 80 %": exactly 80 is no alert
        ("8001", "80.01", None),
    ],
)
def test_ratio_form_thresholds(spent: str, ratio: str, expected: str | None) -> None:
    # Month 12: time progress 100.00, so the ratio equals the execution rate.
    found = execution_finding(snapshot(month=12, spent=D(spent)), Policy(execution_rule="ratio"))
    assert severity(found) == expected
    if found is not None:
        assert found.evidence["ratio"] == ratio
        assert found.evidence["ratio_red"] == "60"
        assert found.evidence["ratio_yellow"] == "80"
        assert ratio in found.message


def test_ratio_form_mid_year_and_rounding() -> None:
    policy = Policy(execution_rule="ratio")
    # Month 6 (50.00): 30.00 % is a ratio of exactly 60.00 → yellow; 29.99 % → 59.98 → red.
    assert severity(execution_finding(snapshot(month=6, spent=D("3000")), policy)) == "warning"
    assert severity(execution_finding(snapshot(month=6, spent=D("2999")), policy)) == "serious"
    # Month 7 (58.33): 35.00 / 58.33 = 60.003… → 60.00; 34.99 / 58.33 = 59.986… → 59.99.
    assert execution_ratio(D("35.00"), time_progress(7)) == D("60.00")
    assert severity(execution_finding(snapshot(month=7, spent=D("3500")), policy)) == "warning"
    assert severity(execution_finding(snapshot(month=7, spent=D("3499")), policy)) == "serious"


# --- execution lag: floor form ----------------------------------------------------------------


@pytest.mark.parametrize(("month", "floor"), [(4, 25), (6, 40), (8, 60), (10, 80)])
def test_floor_form_at_each_checkpoint(month: int, floor: int) -> None:
    policy = Policy(execution_rule="floor")

    def at(rate: Decimal) -> Finding | None:
        return execution_finding(snapshot(month=month, spent=rate * 100), policy)

    f = D(floor)
    assert severity(at(f + D("0.01"))) is None
    assert severity(at(f)) is None  # reaching the floor is enough
    below = at(f - D("0.01"))
    assert severity(below) == "warning"
    assert below is not None
    assert below.evidence["floor"] == str(floor)
    assert below.evidence["shortfall_points"] == "0.01"
    assert f"{floor}%" in below.message
    # Serious: more than (20 − 10) = 10 points below the floor.
    assert severity(at(f - D("9.99"))) == "warning"
    assert severity(at(f - D("10.00"))) == "warning"
    assert severity(at(f - D("10.01"))) == "serious"


@pytest.mark.parametrize("month", [1, 2, 3, 5, 7, 9, 11, 12])
def test_floor_form_is_silent_between_checkpoints(month: int) -> None:
    found = execution_finding(snapshot(month=month, spent=D("0")), Policy(execution_rule="floor"))
    assert found is None


def test_floor_form_with_the_province_floors() -> None:
    policy = policy_from(SimpleNamespace(execution_rule="floor", execution_floors={"9": 70}))
    assert policy.floors == {9: D(70)}
    assert severity(execution_finding(snapshot(month=9, spent=D("6999")), policy)) == "warning"
    assert execution_finding(snapshot(month=9, spent=D("7000")), policy) is None
    assert execution_finding(snapshot(month=6, spent=D("0")), policy) is None  # no floor


def test_no_budget_no_execution_alert() -> None:
    for rule in rules.EXECUTION_RULES:
        snap = snapshot(month=6, spent=D("0"), budget=D("0"), monthly={})
        assert execution_finding(snap, Policy(execution_rule=rule)) is None


# --- indicators -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("30.01", None), ("30", None), ("29.99", "warning"), ("10", "warning")],
)
def test_indicator_lag_threshold(value: str, expected: str | None) -> None:
    # Month 6 (50.00), target 100: value 30 is 30.00 %, a lag of exactly 20.00 → no alert.
    snap = snapshot(month=6, indicators=(indicator(value=D(value), likelihood="possible"),))
    found = indicator_findings(snap, Policy())
    assert [f.severity for f in found] == ([expected] if expected else [])
    if found:
        (f,) = found
        assert f.kind == "indicator_risk"
        assert f.indicator_id == 101 and f.project_id == 7
        assert f.evidence["progress"] == str(D(value).quantize(D("0.01")))
        assert f.evidence["lag_points"] == str(D(50) - D(value).quantize(D("0.01")))
        assert f.evidence["lag_threshold_points"] == "20"
        assert "cases" in f.message and "50.00" in f.message


def test_indicator_impossible_is_serious_whatever_the_progress() -> None:
    ahead = indicator(value=D("90"), likelihood="impossible")
    qualitative = indicator(
        102,
        code="quality",
        value_type="qualitative",
        target=None,
        value=None,
        likelihood="impossible",
    )
    found = indicator_findings(snapshot(month=6, indicators=(ahead, qualitative)), Policy())
    assert [(f.indicator_id, f.severity) for f in found] == [(101, "serious"), (102, "serious")]
    assert "90.00%" in found[0].message and "落后" not in found[0].message
    assert all("完全不可能" in f.message for f in found)
    assert found[1].evidence["likelihood"] == "impossible"


def test_indicator_impossible_and_lagging_is_one_serious_finding() -> None:
    both = indicator(value=D("10"), likelihood="impossible")
    (found,) = indicator_findings(snapshot(month=6, indicators=(both,)), Policy())
    assert found.severity == "serious"
    assert found.evidence["lag_points"] == "40.00"
    assert "落后时间进度50.00%达40.00个百分点" in found.message


@pytest.mark.parametrize(
    "item",
    [
        indicator(direction="lte", value=D("0")),
        indicator(direction="eq", value=D("0")),
        indicator(value_type="qualitative", value=D("0")),
        indicator(target=D("0"), value=D("0")),
        indicator(target=None, value=D("0")),
        indicator(value=None),
    ],
)
def test_indicator_lag_needs_a_quantitative_gte_indicator_with_a_target_and_a_value(
    item: IndicatorProgress,
) -> None:
    assert indicator_findings(snapshot(month=6, indicators=(item,)), Policy()) == []


def test_indicator_threshold_is_the_province_setting() -> None:
    snap = snapshot(month=6, indicators=(indicator(value=D("35")),))  # lag 15.00
    assert indicator_findings(snap, Policy()) == []
    assert len(indicator_findings(snap, Policy(indicator_lag_points=D("14.99")))) == 1


# --- achievement vs execution -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("spent", "gap", "expected"),
    [
        ("3501", "14.99", None),
        ("3500", "15.00", None),  # "by more than 15": exactly 15 is no alert
        ("3499", "15.01", "warning"),  # achievement ahead of spending
        ("6499", "14.99", None),
        ("6500", "15.00", None),
        ("6501", "15.01", "warning"),  # spending ahead of achievement
    ],
)
def test_gap_thresholds(spent: str, gap: str, expected: str | None) -> None:
    snap = snapshot(month=6, spent=D(spent), indicators=(indicator(value=D("50")),))
    found = gap_finding(snap, Policy())
    assert severity(found) == expected
    if found is not None:
        assert found.kind == "achievement_gap"
        assert found.evidence["gap_points"] == gap
        assert found.evidence["mean_progress"] == "50.00"
        assert found.evidence["indicator_progress"] == "cases=50.00"
        assert gap in found.message and "50.00" in found.message


def test_gap_uses_the_mean_of_measurable_indicators_each_capped_at_100() -> None:
    items = (
        indicator(101, code="a", value=D("40")),
        indicator(102, code="b", value=D("60")),
        indicator(103, code="c", direction="lte", value=D("0")),  # not measurable: ignored
    )
    found = gap_finding(snapshot(month=6, spent=D("3000"), indicators=items), Policy())
    assert found is not None
    assert found.evidence["mean_progress"] == "50.00"
    assert found.evidence["indicators"] == "2"
    assert found.evidence["indicator_progress"] == "a=40.00; b=60.00"
    # 300 % of target counts as 100 %: mean 100 vs execution 90 → 10 points, no alert.
    over = (indicator(value=D("300")),)
    assert gap_finding(snapshot(month=6, spent=D("9000"), indicators=over), Policy()) is None
    capped = gap_finding(snapshot(month=6, spent=D("8000"), indicators=over), Policy())
    assert capped is not None
    assert capped.evidence["indicator_progress"] == "cases=300.00→100.00"
    assert capped.evidence["mean_progress"] == "100.00"
    assert capped.evidence["gap_points"] == "20.00"


def test_evidence_names_the_indicators_not_their_codes() -> None:
    """Issue 16: what users read names the indicator; the code stays beside it."""
    named = (
        dataclasses.replace(indicator(101, code="a", value=D("40")), name="办理案件数"),
        dataclasses.replace(indicator(102, code="b", value=D("60")), name="结案率"),
    )
    found = gap_finding(snapshot(month=6, spent=D("3000"), indicators=named), Policy())
    assert found is not None
    assert found.evidence["indicator_progress"] == "办理案件数=40.00; 结案率=60.00"
    lagging = (dataclasses.replace(indicator(value=D("10")), name="办理案件数"),)
    project = dataclasses.replace(snapshot(month=6, indicators=lagging), project_name="办案经费")
    (risk,) = indicator_findings(project, Policy())
    assert (risk.evidence["indicator"], risk.evidence["indicator_code"]) == ("办理案件数", "cases")
    assert risk.message.startswith("项目“办案经费”（XM-7）指标“办理案件数”（cases）")


def test_gap_needs_indicators_and_a_budget() -> None:
    assert gap_finding(snapshot(month=6, spent=D("0")), Policy()) is None
    snap = snapshot(month=6, spent=D("0"), budget=D("0"), indicators=(indicator(),))
    assert gap_finding(snap, Policy()) is None


# --- forecast ---------------------------------------------------------------------------------


def test_forecast_worked_example_of_the_docs() -> None:
    """docs/monitoring.md: budget 1,200,000; Jan–Aug spending; projected 69.44 %."""
    monthly = {
        1: D("20000"),
        2: D("30000"),
        3: D("50000"),
        4: D("60000"),
        5: D("70000"),
        6: D("60000"),
        7: D("70000"),
        8: D("90000"),
    }
    budget = D("1200000")
    assert sum(monthly.values()) == D("450000")
    assert recent_pace(monthly, 8).quantize(D("0.01")) == D("78333.33")
    assert execution_rate(D("450000"), budget) == D("37.50")
    assert forecast_rate(monthly, budget, 8) == D("63.61")
    snap = snapshot(month=8, spent=D("450000"), budget=budget, monthly=monthly)
    found = forecast_finding(snap, Policy())
    assert found is not None and found.severity == "serious"  # below 90 − 20 = 70
    assert found.evidence["pace"] == "78333.33"
    assert found.evidence["forecast_rate"] == "63.61"
    assert found.evidence["remaining_months"] == "4"
    assert "63.61" in found.message and "90" in found.message


def test_forecast_pace_weights() -> None:
    # Month 3+: (3·latest + 2·previous + 1·the one before) / 6.
    assert recent_pace({7: D(60), 8: D(30), 9: D(0)}, 9) == D(20)  # (0 + 60 + 60) / 6
    assert recent_pace({1: D(60), 2: D(30), 3: D(120)}, 3) == D(80)  # (360 + 60 + 60) / 6
    # Month 2: only two months, weights 3 and 2.
    assert recent_pace({1: D(100), 2: D(200)}, 2) == D(160)  # (600 + 200) / 5
    # A missing month spent 0; months after `month` are ignored.
    assert recent_pace({1: D(60), 3: D(60), 4: D(999)}, 3) == D(40)
    # Net refunds do not make a negative pace.
    assert recent_pace({4: D(-500), 5: D(-500), 6: D(-500)}, 6) == D(0)


def test_forecast_is_none_in_month_1_and_without_budget() -> None:
    assert forecast_rate({1: D(1000)}, D("12000"), 1) is None
    assert forecast_rate({1: D(1000), 2: D(1000)}, D("0"), 2) is None
    assert forecast_rate({1: D(1000), 2: D(1000)}, D("12000"), 2) == D("100.00")
    assert forecast_finding(snapshot(month=1, spent=D("0")), Policy()) is None


def test_forecast_is_not_capped_and_december_is_plain() -> None:
    # Month 2 at 1,000 a month on a budget of 6,000: the budget runs out in June → 200 %.
    assert forecast_rate({1: D(1000), 2: D(1000)}, D("6000"), 2) == D("200.00")
    # Month 12: nothing left to project, the forecast is the execution rate.
    monthly = {m: D(500) for m in range(1, 13)}
    assert forecast_rate(monthly, D("10000"), 12) == execution_rate(D("6000"), D("10000"))


@pytest.mark.parametrize(
    ("monthly_amount", "forecast", "expected"),
    [
        ("90010", "90.01", None),
        ("90000", "90.00", None),  # "below 90 %": exactly 90 is no alert
        ("89990", "89.99", "warning"),
        ("70010", "70.01", "warning"),
        ("70000", "70.00", "warning"),  # serious only below 90 − 20 = 70
        ("69990", "69.99", "serious"),
    ],
)
def test_forecast_thresholds(monthly_amount: str, forecast: str, expected: str | None) -> None:
    # The same amount every month for 9 months on 1,200,000: forecast = 12 × amount / 12,000.
    x = D(monthly_amount)
    monthly = {m: x for m in range(1, 10)}
    snap = snapshot(month=9, spent=x * 9, budget=D("1200000"), monthly=monthly)
    assert forecast_rate(monthly, D("1200000"), 9) == D(forecast)
    found = forecast_finding(snap, Policy())
    assert severity(found) == expected
    if found is not None:
        assert found.kind == "forecast"
        assert found.evidence["forecast_rate"] == forecast
        assert found.evidence["serious_below"] == "70"
        assert forecast in found.message


def test_forecast_threshold_is_the_province_setting() -> None:
    monthly = {m: D(80000) for m in range(1, 10)}
    snap = snapshot(month=9, spent=D(720000), budget=D("1200000"), monthly=monthly)  # 80.00
    assert severity(forecast_finding(snap, Policy())) == "warning"
    assert forecast_finding(snap, Policy(forecast_threshold=D(80))) is None
    assert severity(forecast_finding(snap, Policy(forecast_threshold=D("100.01")))) == "serious"


# --- silent unit ------------------------------------------------------------------------------


def test_silent_unit_at_exactly_silent_days_after_closing() -> None:
    closes_on = date(2026, 8, 15)
    policy = Policy()
    before = silent_finding(
        month=7, closes_on=closes_on, as_of=date(2026, 8, 24), has_entry=False, policy=policy
    )
    assert before is None
    at = silent_finding(
        month=7, closes_on=closes_on, as_of=date(2026, 8, 25), has_entry=False, policy=policy
    )
    assert at is not None
    assert (at.kind, at.severity, at.key) == ("silent_unit", "warning", "silent_unit:7")
    assert at.project_id is None and at.indicator_id is None
    assert at.evidence == {
        "month": "7",
        "closes_on": "2026-08-15",
        "as_of": "2026-08-25",
        "days_overdue": "10",
        "silent_days": "10",
    }
    assert "7月" in at.message and "2026年8月15日" in at.message and "10天" in at.message
    later = silent_finding(
        month=7, closes_on=closes_on, as_of=date(2026, 9, 30), has_entry=False, policy=policy
    )
    assert later is not None and later.key == at.key  # same key, however late


def test_silent_unit_with_an_entry_is_no_alert() -> None:
    found = silent_finding(
        month=7,
        closes_on=date(2026, 8, 15),
        as_of=date(2026, 12, 31),
        has_entry=True,
        policy=Policy(),
    )
    assert found is None


def test_silent_days_is_the_province_setting() -> None:
    policy = Policy(silent_days=3)
    closes_on = date(2026, 3, 31)
    kwargs: dict[str, Any] = {"month": 3, "closes_on": closes_on, "has_entry": False}
    assert silent_finding(as_of=closes_on + timedelta(days=2), policy=policy, **kwargs) is None
    assert silent_finding(as_of=closes_on + timedelta(days=3), policy=policy, **kwargs)


def test_silent_key_with_the_fiscal_year() -> None:
    found = silent_finding(
        month=9,
        closes_on=date(2026, 10, 15),
        as_of=date(2026, 10, 25),
        has_entry=False,
        policy=Policy(),
        fiscal_year=2026,
    )
    assert found is not None
    assert found.key == "silent_unit:2026:9"
    assert found.evidence["fiscal_year"] == "2026"


# --- keys ------------------------------------------------------------------------------------


def test_keys_are_stable_and_name_what_the_alert_is_about() -> None:
    items = (indicator(value=D("50"), likelihood="impossible"),)
    a = project_findings(snapshot(month=6, spent=D("2000"), indicators=items), Policy())
    b = project_findings(snapshot(month=6, spent=D("2000"), indicators=items), Policy())
    assert a == b
    assert [f.key for f in a] == [
        "execution_lag:7:-:6",
        "forecast:7:-:6",
        "indicator_risk:7:101:6",
        "achievement_gap:7:-:6",
    ]
    # Other numbers (another severity), same situation: the same key.
    c = execution_finding(snapshot(month=6, spent=D("3500")), Policy())
    assert c is not None and c.severity == "warning" and c.key == a[0].key
    # The rule form does not change the key either.
    d = execution_finding(snapshot(month=6, spent=D("2000")), Policy(execution_rule="ratio"))
    assert d is not None and d.key == a[0].key
    # Another month, project or indicator: another key.
    e = project_findings(snapshot(month=7, spent=D("2000"), indicators=items), Policy())
    assert len(e) == 4 and {f.key for f in e}.isdisjoint(f.key for f in a)
    f = project_findings(
        snapshot(month=6, spent=D("2000"), indicators=items, project_id=8), Policy()
    )
    assert {x.key for x in f}.isdisjoint(x.key for x in a)
    other = (indicator(102, value=D("10"), likelihood="impossible"),)
    (g,) = indicator_findings(snapshot(month=6, indicators=other), Policy())
    assert g.key == "indicator_risk:7:102:6"
    silent = {
        silent_finding(
            month=m,
            closes_on=date(2026, 8, 15),
            as_of=date(2026, 9, 30),
            has_entry=False,
            policy=Policy(),
        ).key  # type: ignore[union-attr]
        for m in (6, 7)
    }
    assert silent == {"silent_unit:6", "silent_unit:7"}


def test_alert_key_format() -> None:
    assert alert_key("execution_lag", month=9, project_id=12) == "execution_lag:12:-:9"
    assert (
        alert_key("indicator_risk", month=9, project_id=12, indicator_id=345)
        == "indicator_risk:12:345:9"
    )
    assert alert_key("silent_unit", month=9) == "silent_unit:9"
    with pytest.raises(ValueError):
        alert_key("nonsense", month=9)


# --- all together, Decimal only ---------------------------------------------------------------


def test_project_findings_evidence_is_strings_and_numbers_are_decimals() -> None:
    items = (
        indicator(101, value=D("10"), likelihood="impossible"),
        indicator(102, code="rate", value=D("20.5"), likelihood="possible"),
    )
    for rule in rules.EXECUTION_RULES:
        found = project_findings(
            snapshot(month=6, spent=D("1234.56"), indicators=items), Policy(execution_rule=rule)
        )
        assert found
        for finding in found:
            assert_no_float(finding)
            numbers = set(finding.evidence) - {
                "rule",
                "indicator",
                "indicator_code",
                "likelihood",
                "indicator_progress",
                "monthly_spent",
            }
            for name in numbers:
                Decimal(finding.evidence[name])  # every other evidence value is a number
            assert len(finding.message) <= 500
            assert finding.kind in rules.KINDS and finding.severity in rules.SEVERITIES


def test_nothing_to_say_about_a_project_on_track() -> None:
    items = (indicator(value=D("55")),)
    assert project_findings(snapshot(month=6, spent=D("5000"), indicators=items), Policy()) == []


# --- policy -----------------------------------------------------------------------------------


def test_policy_defaults_are_domain_md() -> None:
    p = Policy()
    assert p.execution_rule == "points"
    assert (p.lag_warning_points, p.lag_serious_points) == (D(10), D(20))
    assert (p.ratio_yellow, p.ratio_red) == (D(80), D(60))
    assert p.floors == {4: D(25), 6: D(40), 8: D(60), 10: D(80)}
    assert (p.indicator_lag_points, p.gap_points, p.silent_days) == (D(20), D(15), 10)
    assert p.forecast_threshold == D(90)


def test_policy_refuses_an_unknown_rule() -> None:
    with pytest.raises(ValueError):
        Policy(execution_rule="percent")


def test_policy_from_none_and_from_the_model() -> None:
    from backend.oversight.models import ProvincePolicy

    assert policy_from(None) == Policy()
    assert policy_from(ProvincePolicy()) == Policy()  # unsaved: no database needed
    model = ProvincePolicy(
        execution_rule="ratio",
        ratio_yellow=D("75.00"),
        ratio_red=D("50.00"),
        execution_floors={"3": 20, "11": "85.5"},
        silent_days=5,
    )
    p = policy_from(model)
    assert (p.execution_rule, p.ratio_yellow, p.ratio_red) == ("ratio", D(75), D(50))
    assert p.floors == {3: D(20), 11: D("85.5")}
    assert p.silent_days == 5


def test_policy_from_a_partial_object_takes_defaults_and_no_floats() -> None:
    p = policy_from(SimpleNamespace(gap_points=12.5, lag_warning_points=None))
    assert p.gap_points == D("12.5") and type(p.gap_points) is Decimal
    assert p.lag_warning_points == D(10)
    assert p.floors == Policy().floors
    q = policy_from(SimpleNamespace(execution_floors={"4": 25.5}))
    assert q.floors == {4: D("25.5")}


# --- properties -------------------------------------------------------------------------------

money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False)
positive_money = st.decimals(
    min_value=D("0.01"), max_value=10**9, places=2, allow_nan=False, allow_infinity=False
)
months = st.integers(min_value=1, max_value=12)


@given(spent=money, budget=positive_money)
def test_execution_rate_is_a_non_negative_two_place_decimal(
    spent: Decimal, budget: Decimal
) -> None:
    rate = execution_rate(spent, budget)
    assert type(rate) is Decimal
    assert rate >= 0
    assert rate.as_tuple().exponent == -2
    assert abs(rate - spent * 100 / budget) <= D("0.005")


@given(a=money, b=money, budget=positive_money)
def test_execution_rate_grows_with_spending(a: Decimal, b: Decimal, budget: Decimal) -> None:
    low, high = sorted((a, b))
    assert execution_rate(low, budget) <= execution_rate(high, budget)


def test_time_progress_grows_to_100() -> None:
    values = [time_progress(m) for m in range(1, 13)]
    assert values == sorted(values) and len(set(values)) == 12
    assert values[-1] == D(100)


@given(month=st.integers(min_value=2, max_value=12), data=st.data(), budget=positive_money)
def test_forecast_is_at_least_the_execution_rate_to_date(
    month: int, data: st.DataObject, budget: Decimal
) -> None:
    monthly = {m: data.draw(money, label=f"month {m}") for m in range(1, month + 1)}
    forecast = forecast_rate(monthly, budget, month)
    assert forecast is not None and type(forecast) is Decimal
    assert forecast >= execution_rate(sum(monthly.values(), D(0)), budget)


@given(month=st.integers(min_value=2, max_value=12), amount=money, budget=positive_money)
def test_even_spending_forecasts_twelve_months_of_it(
    month: int, amount: Decimal, budget: Decimal
) -> None:
    monthly = {m: amount for m in range(1, month + 1)}
    assert forecast_rate(monthly, budget, month) == execution_rate(amount * 12, budget)


@given(month=months, a=money, b=money, rule=st.sampled_from(rules.EXECUTION_RULES))
def test_spending_more_never_worsens_the_execution_alert(
    month: int, a: Decimal, b: Decimal, rule: str
) -> None:
    budget = D("1000000")
    low, high = sorted((min(a, budget * 2), min(b, budget * 2)))
    policy = Policy(execution_rule=rule)
    found_low = execution_finding(snapshot(month=month, spent=low, budget=budget), policy)
    found_high = execution_finding(snapshot(month=month, spent=high, budget=budget), policy)
    assert RANK[severity(found_low)] >= RANK[severity(found_high)]
    if found_low is not None and found_high is not None:
        assert found_low.key == found_high.key


@given(month=months, spent=money)
def test_findings_are_deterministic(month: int, spent: Decimal) -> None:
    items = (indicator(value=D("1"), likelihood="possible"),)
    snap = snapshot(month=month, spent=spent, budget=D("1000000"), indicators=items)
    assert project_findings(snap, Policy()) == project_findings(snap, Policy())


def test_rates_have_no_progress_against_time() -> None:
    """结案率 ≥ 95 % at 96 % by September is met, not "ahead of time": a rate is not a running
    total, so neither the indicator-lag rule nor the gap rule reads it."""
    from decimal import Decimal as D

    from backend.monitoring import rules as r

    rate = r.IndicatorProgress(
        indicator_id=1,
        code="closure",
        value_type="quantitative",
        direction="gte",
        target_value=D("95"),
        value_to_date=D("40"),
        likelihood="certain",
        cumulative=False,
    )
    snapshot = r.ProjectSnapshot(
        project_id=1,
        project_code="p",
        month=9,
        full_budget=D("1000"),
        spent_to_date=D("300"),
        monthly_spent={m: D("33.33") for m in range(1, 10)},
        indicators=[rate],
    )
    policy = r.Policy(execution_rule="points")
    assert r.indicator_progress(rate) is None
    assert r.indicator_findings(snapshot, policy) == []
    assert r.gap_finding(snapshot, policy) is None


def test_messages_name_the_project_and_the_indicator() -> None:
    """Issue 16: with their names known, alerts say which project and which indicator in
    words, the code beside it; without, the code alone (as before)."""
    lagging = dataclasses.replace(snapshot(spent=D("100")), project_name="案件办理经费")
    found = rules.execution_finding(lagging, rules.Policy())
    assert found is not None
    assert found.message.startswith("项目“案件办理经费”（XM-7）截至6月预算执行率")
    named = dataclasses.replace(indicator(value=D(1), likelihood="impossible"), name="办理案件数")
    findings = rules.project_findings(
        dataclasses.replace(lagging, indicators=(named,)), rules.Policy()
    )
    assert any(
        f.message.startswith("项目“案件办理经费”（XM-7）指标“办理案件数”（") for f in findings
    ), [f.message for f in findings]
    assert rules.execution_finding(snapshot(spent=D("100")), rules.Policy()).message.startswith(
        "项目XM-7截至"
    )
