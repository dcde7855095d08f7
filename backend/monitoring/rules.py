"""The in-year monitoring rules (domain.md, "In-year monitoring"): which numbers raise which
alert. Pure: no Django, no database; the sweep (``monitoring.services``) builds the snapshots,
calls these functions and stores what they find.

Conventions:

- Every number is a ``Decimal``; floats are refused (``TypeError``).
- Percentages are points of 100 rounded half-up to 2 places (``37.50`` means 37.5 %), and every
  comparison is made on the rounded figures the user sees, so that an alert can always be checked
  by hand against the numbers in its evidence.
- "By more than N points" and "below N %" are strict: a lag of exactly 10.00 points is not an
  alert at a threshold of 10, a ratio of exactly 60.00 % is yellow (not red) at a red threshold
  of 60, and a ratio of exactly 80.00 % is no alert at a yellow threshold of 80.
- A finding's ``key`` names what it is about (kind, project, indicator, month), never the
  numbers or the severity: the same situation in the same round always gives the same key, so
  re-running the rules updates an alert instead of raising it twice.

docs/monitoring.md explains every rule and the year-end forecast with a worked example.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

# Values of backend.monitoring.models.AlertKind / Severity (kept in step by a test).
EXECUTION_LAG: Final = "execution_lag"
INDICATOR_RISK: Final = "indicator_risk"
ACHIEVEMENT_GAP: Final = "achievement_gap"
SILENT_UNIT: Final = "silent_unit"
FORECAST: Final = "forecast"
KINDS: Final = (EXECUTION_LAG, INDICATOR_RISK, ACHIEVEMENT_GAP, SILENT_UNIT, FORECAST)

WARNING: Final = "warning"
SERIOUS: Final = "serious"
SEVERITIES: Final = (WARNING, SERIOUS)

# Values of backend.oversight.models.ExecutionRule.
RULE_POINTS: Final = "points"
RULE_RATIO: Final = "ratio"
RULE_FLOOR: Final = "floor"
EXECUTION_RULES: Final = (RULE_POINTS, RULE_RATIO, RULE_FLOOR)

# Values of backend.indicators.models.ValueType / Direction and monitoring.models.Likelihood.
QUANTITATIVE: Final = "quantitative"
GTE: Final = "gte"
IMPOSSIBLE: Final = "impossible"

HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
MONTHS: Final = 12
# Weights of the last three months in the forecast pace, the latest month first.
PACE_WEIGHTS: Final[tuple[Decimal, ...]] = (Decimal(3), Decimal(2), Decimal(1))
# How far below the forecast threshold a forecast becomes serious (points).
FORECAST_SERIOUS_MARGIN: Final = Decimal(20)

DEFAULT_FLOORS: Final[Mapping[int, Decimal]] = {
    4: Decimal(25),
    6: Decimal(40),
    8: Decimal(60),
    10: Decimal(80),
}


# --- numbers -------------------------------------------------------------------------------


def _dec(value: Any, name: str = "value") -> Decimal:
    """``value`` as a Decimal: Decimals, ints (not bools) and numeric strings (JSON) are
    accepted; floats are refused, so no binary fraction ever enters a comparison."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")


def quantize(value: Decimal) -> Decimal:
    """A percentage rounded half-up to 2 places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _s(value: Decimal) -> str:
    """A Decimal as a plain string, never in exponent form (``Decimal("1E+2")`` → ``"100"``)."""
    return format(value, "f")


def _n(value: Decimal) -> str:
    """A measured value for a message: trailing zeros dropped (``120.0000`` → ``120``)."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def _check_month(month: int) -> int:
    if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= MONTHS:
        raise ValueError(f"month must be an int from 1 to 12, not {month!r}")
    return month


def time_progress(month: int) -> Decimal:
    """Time progress at the end of ``month``: month ÷ 12, as a percentage (6 → ``50.00``)."""
    return quantize(Decimal(_check_month(month)) * HUNDRED / MONTHS)


def execution_rate(spent: Decimal, budget: Decimal) -> Decimal:
    """Spent ÷ full-year budget as a percentage (``37.50``). A budget of 0 (or less) gives
    ``0.00``: there is nothing to execute, and the rules skip such projects."""
    spent = _dec(spent, "spent")
    budget = _dec(budget, "budget")
    if budget <= 0:
        return Decimal("0.00")
    return quantize(spent * HUNDRED / budget)


def execution_ratio(rate: Decimal, progress: Decimal) -> Decimal:
    """Execution rate ÷ time progress as a percentage (the ratio form of the lag rule)."""
    rate = _dec(rate, "rate")
    progress = _dec(progress, "progress")
    if progress <= 0:
        raise ValueError("time progress must be positive")
    return quantize(rate * HUNDRED / progress)


def recent_pace(monthly_spent: Mapping[int, Decimal], month: int) -> Decimal:
    """The spending pace used by the forecast: the weighted mean of the spending of the last
    three months up to ``month`` (weights 3, 2, 1, the latest month heaviest; in month 2 only
    two months exist, weights 3 and 2). A month missing from ``monthly_spent`` spent 0. A
    negative mean (net refunds) counts as 0. Not rounded."""
    _check_month(month)
    total = Decimal(0)
    weights = Decimal(0)
    for offset, weight in enumerate(PACE_WEIGHTS):
        m = month - offset
        if m < 1:
            break
        total += weight * _dec(monthly_spent.get(m, Decimal(0)), f"monthly_spent[{m}]")
        weights += weight
    return max(total / weights, Decimal(0))


def forecast_rate(
    monthly_spent: Mapping[int, Decimal], full_budget: Decimal, month: int
) -> Decimal | None:
    """The projected year-end execution rate (%): the spending to date (the months 1..month of
    ``monthly_spent``) plus the remaining ``12 − month`` months at ``recent_pace``, over the
    full-year budget. No December surge factor and no cap at 100 % (docs/monitoring.md says
    why). ``None`` in month 1 (one month is no trajectory) and when the budget is 0."""
    _check_month(month)
    budget = _dec(full_budget, "full_budget")
    if month < 2 or budget <= 0:
        return None
    spent = sum(
        (_dec(v, f"monthly_spent[{m}]") for m, v in monthly_spent.items() if 1 <= m <= month),
        Decimal(0),
    )
    projected = spent + recent_pace(monthly_spent, month) * (MONTHS - month)
    return quantize(projected * HUNDRED / budget)


# --- inputs and outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class Policy:
    """The province's monitoring settings (oversight.ProvincePolicy); the defaults are
    domain.md's. Percentages and points are Decimal points of 100. ``floors`` maps a checkpoint
    month to the minimum execution rate at its end."""

    execution_rule: str = RULE_POINTS
    lag_warning_points: Decimal = Decimal(10)
    lag_serious_points: Decimal = Decimal(20)
    ratio_yellow: Decimal = Decimal(80)
    ratio_red: Decimal = Decimal(60)
    floors: Mapping[int, Decimal] = field(default_factory=lambda: dict(DEFAULT_FLOORS))
    indicator_lag_points: Decimal = Decimal(20)
    gap_points: Decimal = Decimal(15)
    silent_days: int = 10
    forecast_threshold: Decimal = Decimal(90)

    def __post_init__(self) -> None:
        if self.execution_rule not in EXECUTION_RULES:
            raise ValueError(f"execution_rule must be one of {EXECUTION_RULES}")
        for name in (
            "lag_warning_points",
            "lag_serious_points",
            "ratio_yellow",
            "ratio_red",
            "indicator_lag_points",
            "gap_points",
            "forecast_threshold",
        ):
            object.__setattr__(self, name, _dec(getattr(self, name), name))
        floors = {int(m): _dec(v, f"floors[{m}]") for m, v in dict(self.floors).items()}
        object.__setattr__(self, "floors", floors)
        if isinstance(self.silent_days, bool) or not isinstance(self.silent_days, int):
            raise TypeError("silent_days must be an int")


def policy_from(obj: object | None) -> Policy:
    """A Policy from anything with ProvincePolicy's attribute names (the model instance, a
    stand-in, or ``None`` for the defaults). Missing or ``None`` attributes take the default;
    the JSON ``execution_floors`` ({"4": 25, ...}) becomes ``floors`` {4: Decimal(25), ...}.
    A float read from anywhere goes through ``str`` so no binary fraction leaks in."""
    default = Policy()

    def get(name: str, fallback: Any) -> Any:
        value = getattr(obj, name, None) if obj is not None else None
        if value is None:
            return fallback
        if isinstance(value, float):
            return Decimal(str(value))
        return value

    floors = get("execution_floors", None)
    if floors is None:
        floors = get("floors", default.floors)
    floors = {
        int(m): Decimal(str(v)) if isinstance(v, float) else _dec(v, f"floors[{m}]")
        for m, v in dict(floors).items()
    }
    return Policy(
        execution_rule=get("execution_rule", default.execution_rule),
        lag_warning_points=get("lag_warning_points", default.lag_warning_points),
        lag_serious_points=get("lag_serious_points", default.lag_serious_points),
        ratio_yellow=get("ratio_yellow", default.ratio_yellow),
        ratio_red=get("ratio_red", default.ratio_red),
        floors=floors,
        indicator_lag_points=get("indicator_lag_points", default.indicator_lag_points),
        gap_points=get("gap_points", default.gap_points),
        silent_days=int(get("silent_days", default.silent_days)),
        forecast_threshold=get("forecast_threshold", default.forecast_threshold),
    )


@dataclass(frozen=True)
class IndicatorProgress:
    """One goal indicator's progress in a monitoring entry."""

    indicator_id: int
    code: str
    value_type: str  # "quantitative" | "qualitative"
    direction: str  # "gte" | "lte" | "eq"
    target_value: Decimal | None
    value_to_date: Decimal | None
    likelihood: str  # "certain" | "possible" | "impossible" | "" (not answered)
    # False for a rate or a level (结案率 ≥ 95 %, 满意度 ≥ 90 %): its value to date is already
    # a year's figure, not a running total, so it has no progress to set against time.
    cumulative: bool = True
    name: str = ""  # the indicator's name, for the message ("" = the code alone)

    @property
    def label(self) -> str:
        """What a message calls it: 指标“办案数量”（cf-cases）, or 指标cf-cases without a name."""
        return f"指标“{self.name}”（{self.code}）" if self.name else f"指标{self.code}"

    @property
    def short(self) -> str:
        """What a list in the evidence calls it: its name, the code only without one."""
        return self.name or self.code


@dataclass(frozen=True)
class ProjectSnapshot:
    """A project's figures at the end of ``month`` (one submitted entry)."""

    project_id: int
    project_code: str
    month: int
    full_budget: Decimal
    spent_to_date: Decimal
    monthly_spent: Mapping[int, Decimal]  # month → that month's spending, months 1..month
    indicators: Sequence[IndicatorProgress]
    project_name: str = ""  # for the message ("" = the code alone)

    @property
    def label(self) -> str:
        """What a message calls it: 项目“案件办理经费”（LSJ-01）, or 项目LSJ-01 without a name."""
        if self.project_name:
            return f"项目“{self.project_name}”（{self.project_code}）"
        return f"项目{self.project_code}"


@dataclass(frozen=True)
class Finding:
    """An alert the rules raise: what it is about (``key``), how bad, and why, in words
    (``message``, Chinese) and in numbers (``evidence``, every number used, as strings)."""

    kind: str
    severity: str
    key: str
    project_id: int | None
    indicator_id: int | None
    message: str
    evidence: dict[str, str]


def alert_key(
    kind: str,
    *,
    month: int,
    project_id: int | None = None,
    indicator_id: int | None = None,
    fiscal_year: int | None = None,
) -> str:
    """The stable key of an alert. Project alerts: ``"{kind}:{project}:{indicator or -}:
    {month}"`` (``"execution_lag:12:-:9"``, ``"indicator_risk:12:345:9"``); a project belongs
    to one fiscal year, so its id already fixes the year. The silent-unit alert:
    ``"silent_unit:{month}"``, or ``"silent_unit:{fiscal_year}:{month}"`` when the year is
    given (keys are unique within a unit's schema across years)."""
    if kind not in KINDS:
        raise ValueError(f"unknown alert kind {kind!r}")
    year = [str(fiscal_year)] if fiscal_year is not None else []
    if project_id is None:
        return ":".join([kind, *year, str(month)])
    indicator = "-" if indicator_id is None else str(indicator_id)
    return ":".join([kind, *year, str(project_id), indicator, str(month)])


# --- project rules -----------------------------------------------------------------------


def _base_evidence(snapshot: ProjectSnapshot, rate: Decimal, progress: Decimal) -> dict[str, str]:
    return {
        "month": str(snapshot.month),
        "full_budget": _s(_dec(snapshot.full_budget, "full_budget")),
        "spent_to_date": _s(_dec(snapshot.spent_to_date, "spent_to_date")),
        "execution_rate": _s(rate),
        "time_progress": _s(progress),
    }


def execution_finding(snapshot: ProjectSnapshot, policy: Policy) -> Finding | None:
    """Execution lag, in the form the province chose (``policy.execution_rule``):

    - points: lag = time progress − execution rate; more than ``lag_serious_points`` →
      serious, more than ``lag_warning_points`` → warning;
    - ratio: ratio = execution rate ÷ time progress; below ``ratio_red`` → serious, below
      ``ratio_yellow`` → warning;
    - floor: only at a month with a floor; execution rate below the floor → warning, more than
      (``lag_serious_points`` − ``lag_warning_points``) points below it → serious.

    None when there is no lag, and for a project with no budget."""
    budget = _dec(snapshot.full_budget, "full_budget")
    if budget <= 0:
        return None
    month = snapshot.month
    progress = time_progress(month)
    rate = execution_rate(snapshot.spent_to_date, budget)
    evidence = _base_evidence(snapshot, rate, progress)
    evidence["rule"] = policy.execution_rule
    head = f"{snapshot.label}截至{month}月预算执行率{_s(rate)}%"
    severity: str | None = None
    limit = Decimal(0)

    if policy.execution_rule == RULE_POINTS:
        lag = progress - rate
        evidence.update(
            lag_points=_s(lag),
            warning_points=_s(policy.lag_warning_points),
            serious_points=_s(policy.lag_serious_points),
        )
        if lag > policy.lag_serious_points:
            severity, limit = SERIOUS, policy.lag_serious_points
        elif lag > policy.lag_warning_points:
            severity, limit = WARNING, policy.lag_warning_points
        if severity is None:
            return None
        message = (
            f"{head}，落后时间进度{_s(progress)}%达{_s(lag)}个百分点（超过{_s(limit)}个百分点）"
        )

    elif policy.execution_rule == RULE_RATIO:
        ratio = execution_ratio(rate, progress)
        evidence.update(
            ratio=_s(ratio),
            ratio_yellow=_s(policy.ratio_yellow),
            ratio_red=_s(policy.ratio_red),
        )
        if ratio < policy.ratio_red:
            severity, limit = SERIOUS, policy.ratio_red
        elif ratio < policy.ratio_yellow:
            severity, limit = WARNING, policy.ratio_yellow
        if severity is None:
            return None
        message = f"{head}，仅为时间进度{_s(progress)}%的{_s(ratio)}%（低于{_s(limit)}%）"

    else:  # RULE_FLOOR
        floor = policy.floors.get(month)
        if floor is None:
            return None
        step = policy.lag_serious_points - policy.lag_warning_points
        shortfall = floor - rate
        evidence.update(floor=_s(floor), shortfall_points=_s(shortfall), serious_step=_s(step))
        if shortfall <= 0:
            return None
        severity = SERIOUS if shortfall > step else WARNING
        message = f"{head}，低于{month}月执行率下限{_s(floor)}%，差{_s(shortfall)}个百分点"
        if severity == SERIOUS:
            message += f"（超过{_s(step)}个百分点）"

    return Finding(
        kind=EXECUTION_LAG,
        severity=severity,
        key=alert_key(EXECUTION_LAG, month=month, project_id=snapshot.project_id),
        project_id=snapshot.project_id,
        indicator_id=None,
        message=message,
        evidence=evidence,
    )


def indicator_progress(indicator: IndicatorProgress) -> Decimal | None:
    """A quantitative "≥" indicator's progress to date: value to date ÷ target, as a percentage
    (not capped). None for other indicators (and for rates, which do not accumulate), without a
    positive target or without a value."""
    if indicator.value_type != QUANTITATIVE or indicator.direction != GTE:
        return None
    if not indicator.cumulative:
        return None
    if indicator.target_value is None or indicator.value_to_date is None:
        return None
    target = _dec(indicator.target_value, "target_value")
    if target <= 0:
        return None
    return quantize(_dec(indicator.value_to_date, "value_to_date") * HUNDRED / target)


def indicator_findings(snapshot: ProjectSnapshot, policy: Policy) -> list[Finding]:
    """Indicators at risk, one finding at most per indicator:

    - the unit says the indicator cannot be achieved by year end (likelihood ``impossible``) →
      serious;
    - otherwise a quantitative "≥" indicator whose progress to date is below time progress by
      more than ``indicator_lag_points`` → warning.

    When both hold the finding is serious and its evidence carries the lag too."""
    month = snapshot.month
    progress_time = time_progress(month)
    findings: list[Finding] = []
    for indicator in snapshot.indicators:
        progress = indicator_progress(indicator)
        impossible = indicator.likelihood == IMPOSSIBLE
        evidence = {
            "month": str(month),
            "indicator": indicator.short,
            "indicator_code": indicator.code,
            "likelihood": indicator.likelihood,
            "time_progress": _s(progress_time),
            "lag_threshold_points": _s(policy.indicator_lag_points),
        }
        if indicator.target_value is not None:
            evidence["target_value"] = _s(_dec(indicator.target_value, "target_value"))
        if indicator.value_to_date is not None:
            evidence["value_to_date"] = _s(_dec(indicator.value_to_date, "value_to_date"))
        lagging = False
        detail = ""
        if progress is not None:
            lag = progress_time - progress
            evidence.update(progress=_s(progress), lag_points=_s(lag))
            lagging = lag > policy.indicator_lag_points
            detail = (
                f"截至{month}月完成{_n(_dec(indicator.value_to_date))}，"
                f"为目标值{_n(_dec(indicator.target_value))}的{_s(progress)}%"
            )
            if lag > 0:
                detail += f"，落后时间进度{_s(progress_time)}%达{_s(lag)}个百分点"
        if not impossible and not lagging:
            continue
        where = f"{snapshot.label}{indicator.label}"
        if impossible:
            message = f"{where}预计年底完全不可能完成"
            if detail:
                message += f"（{detail}）"
        else:
            message = f"{where}{detail}（超过{_s(policy.indicator_lag_points)}个百分点）"
        findings.append(
            Finding(
                kind=INDICATOR_RISK,
                severity=SERIOUS if impossible else WARNING,
                key=alert_key(
                    INDICATOR_RISK,
                    month=month,
                    project_id=snapshot.project_id,
                    indicator_id=indicator.indicator_id,
                ),
                project_id=snapshot.project_id,
                indicator_id=indicator.indicator_id,
                message=message,
                evidence=evidence,
            )
        )
    return findings


def gap_finding(snapshot: ProjectSnapshot, policy: Policy) -> Finding | None:
    """Achievement vs execution: the mean progress of the project's quantitative "≥" indicators
    (each capped at 100 %, since doing more than the target does not make up for other
    indicators) differs from the execution rate by more than ``gap_points``, either way →
    warning. None when no indicator has a measurable progress or the budget is 0."""
    budget = _dec(snapshot.full_budget, "full_budget")
    if budget <= 0:
        return None
    measured = [
        (indicator, progress)
        for indicator in snapshot.indicators
        if (progress := indicator_progress(indicator)) is not None
    ]
    if not measured:
        return None
    capped = [min(progress, HUNDRED) for _, progress in measured]
    mean = quantize(sum(capped, Decimal(0)) / len(capped))
    month = snapshot.month
    rate = execution_rate(snapshot.spent_to_date, budget)
    diff = abs(mean - rate)
    if diff <= policy.gap_points:
        return None
    evidence = _base_evidence(snapshot, rate, time_progress(month))
    evidence.update(
        indicators=str(len(measured)),
        # "name=progress", with "→100.00" where the cap applied: the mean is checkable by hand.
        indicator_progress="; ".join(
            f"{i.short}={_s(p)}" + (f"→{_s(quantize(HUNDRED))}" if p > HUNDRED else "")
            for i, p in measured
        ),
        mean_progress=_s(mean),
        gap_points=_s(diff),
        gap_threshold_points=_s(policy.gap_points),
    )
    side = "高于" if mean > rate else "低于"
    message = (
        f"{snapshot.label}截至{month}月指标平均完成进度{_s(mean)}%，"
        f"{side}预算执行率{_s(rate)}%达{_s(diff)}个百分点（超过{_s(policy.gap_points)}个百分点）"
    )
    return Finding(
        kind=ACHIEVEMENT_GAP,
        severity=WARNING,
        key=alert_key(ACHIEVEMENT_GAP, month=month, project_id=snapshot.project_id),
        project_id=snapshot.project_id,
        indicator_id=None,
        message=message,
        evidence=evidence,
    )


def forecast_finding(snapshot: ProjectSnapshot, policy: Policy) -> Finding | None:
    """The projected year-end execution rate (``forecast_rate``) below ``forecast_threshold``
    → warning; more than 20 points below it (below threshold − 20) → serious. None when there
    is no forecast (month 1, no budget)."""
    month = snapshot.month
    forecast = forecast_rate(snapshot.monthly_spent, snapshot.full_budget, month)
    if forecast is None or forecast >= policy.forecast_threshold:
        return None
    serious_below = policy.forecast_threshold - FORECAST_SERIOUS_MARGIN
    severity = SERIOUS if forecast < serious_below else WARNING
    budget = _dec(snapshot.full_budget, "full_budget")
    rate = execution_rate(snapshot.spent_to_date, budget)
    pace = recent_pace(snapshot.monthly_spent, month)
    evidence = _base_evidence(snapshot, rate, time_progress(month))
    evidence.update(
        monthly_spent="; ".join(
            f"{m}={_s(_dec(snapshot.monthly_spent.get(m, Decimal(0))))}"
            for m in range(1, month + 1)
        ),
        pace=_s(quantize(pace)),
        remaining_months=str(MONTHS - month),
        forecast_rate=_s(forecast),
        forecast_threshold=_s(policy.forecast_threshold),
        serious_below=_s(serious_below),
    )
    message = (
        f"{snapshot.label}截至{month}月预算执行率{_s(rate)}%，"
        f"按近三个月支出进度（月均{_s(quantize(pace))}元）测算，"
        f"预计全年执行率{_s(forecast)}%，低于{_s(policy.forecast_threshold)}%"
    )
    return Finding(
        kind=FORECAST,
        severity=severity,
        key=alert_key(FORECAST, month=month, project_id=snapshot.project_id),
        project_id=snapshot.project_id,
        indicator_id=None,
        message=message,
        evidence=evidence,
    )


def project_findings(snapshot: ProjectSnapshot, policy: Policy) -> list[Finding]:
    """Every project rule, in a fixed order: execution lag, forecast, indicators, gap."""
    findings: list[Finding] = []
    if (found := execution_finding(snapshot, policy)) is not None:
        findings.append(found)
    if (found := forecast_finding(snapshot, policy)) is not None:
        findings.append(found)
    findings.extend(indicator_findings(snapshot, policy))
    if (found := gap_finding(snapshot, policy)) is not None:
        findings.append(found)
    return findings


# --- unit rule ---------------------------------------------------------------------------


def silent_finding(
    *,
    month: int,
    closes_on: date,
    as_of: date,
    has_entry: bool,
    policy: Policy,
    fiscal_year: int | None = None,
) -> Finding | None:
    """Silent unit: no entry for the round of ``month`` once ``silent_days`` days have passed
    since it closed (``as_of`` ≥ ``closes_on`` + ``silent_days``: closing on the 15th with 10
    days, the alert is due on the 25th) → warning. None when the unit has its entry."""
    _check_month(month)
    if has_entry:
        return None
    due = closes_on + timedelta(days=policy.silent_days)
    if as_of < due:
        return None
    overdue = (as_of - closes_on).days
    evidence = {
        "month": str(month),
        "closes_on": closes_on.isoformat(),
        "as_of": as_of.isoformat(),
        "days_overdue": str(overdue),
        "silent_days": str(policy.silent_days),
    }
    if fiscal_year is not None:
        evidence["fiscal_year"] = str(fiscal_year)
    message = (
        f"{month}月监控填报已于{closes_on.year}年{closes_on.month}月{closes_on.day}日截止，"
        f"逾期{overdue}天仍未填报（满{policy.silent_days}天即预警）"
    )
    return Finding(
        kind=SILENT_UNIT,
        severity=WARNING,
        key=alert_key(SILENT_UNIT, month=month, fiscal_year=fiscal_year),
        project_id=None,
        indicator_id=None,
        message=message,
        evidence=evidence,
    )
