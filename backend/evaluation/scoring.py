"""The self-evaluation scoring engine (domain.md, "Scoring a self-evaluation" and "Grade").
Pure: no Django, no database; the self-evaluation, import and key-evaluation services build a
``ProjectInput``, call ``score_project`` and store the ``ScoreSheet`` it returns.

Conventions:

- Every number is a ``Decimal``; floats are refused (``TypeError``), ints and numeric strings
  are converted. NaN and infinities are refused (``ValueError``).
- Scores are points. The execution rate is a percentage rounded half-up to 2 places
  (``87.50`` means 87.5 %) and the execution score is computed from that rounded rate, so the
  reviewer can check it against the rate shown. Every indicator score is rounded half-up to
  2 places; group subtotals and the total are sums of the rounded scores (never re-rounded).
- A qualitative indicator's ``band_score`` is in **points** (not a fraction of the weight), as in
  the published tables ("8.5 of 10"); it must lie inside its band, edges included: for a weight
  of 10, 达成 accepts 8–10, 部分达成 6–8, 未达成 0–6 (an edge belongs to both bands).
- Input that cannot be scored raises ``ValueError`` (unknown group, direction or band, a score
  outside its band, an override outside 0..weight, a negative figure, a missing target).
  Findings a reviewer must look at are ``Flag``s, never exceptions: weights that do not add up,
  a target possibly set too low, a missing deviation reason, an incredible total, a missing
  actual value, and (with ``strict=False``) an override without a reason.
- Messages are Chinese, like everything the user reads.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal, cast

from backend.indicators.system import (
    DEFAULT_DEPARTMENT_WEIGHTS,
    DEFAULT_GROUP_WEIGHTS,
    DEPARTMENT_GROUP_OF_LEVEL1,
    GROUP_OF_LEVEL1,
    DepartmentGroup,
    ScoringGroup,
)

# Values of backend.indicators.models.ValueType / Direction / Layout.
QUANTITATIVE: Final = "quantitative"
QUALITATIVE: Final = "qualitative"
VALUE_TYPES: Final = (QUANTITATIVE, QUALITATIVE)
GTE: Final = "gte"
LTE: Final = "lte"
EQ: Final = "eq"
DIRECTIONS: Final = (GTE, LTE, EQ)
SPLIT: Final = "split"
POOLED: Final = "pooled"
DEPARTMENT: Final = "department"  # 投入 / 过程 / 产出 / 效果 (department-wide evaluation)
LAYOUTS: Final = (SPLIT, POOLED, DEPARTMENT)
# Values of backend.indicators.models.ScoringMethod ("" = by value type).
PROPORTIONAL: Final = "proportional"
BANDS_METHOD: Final = "bands"
MANUAL: Final = "manual"
SCORING_METHODS: Final = ("", PROPORTIONAL, BANDS_METHOD, MANUAL)

# Qualitative bands: name -> (lowest, highest) share of the weight, in points of 100.
ACHIEVED: Final = "achieved"
PARTLY: Final = "partly"
NOT_ACHIEVED: Final = "not_achieved"
BANDS: Final[Mapping[str, tuple[Decimal, Decimal]]] = {
    ACHIEVED: (Decimal(80), Decimal(100)),
    PARTLY: (Decimal(60), Decimal(80)),
    NOT_ACHIEVED: (Decimal(0), Decimal(60)),
}
BAND_LABELS: Final[Mapping[str, str]] = {
    ACHIEVED: "达成",
    PARTLY: "部分达成并具有一定效果",
    NOT_ACHIEVED: "未达成且效果较差",
}

# Flag codes.
WEIGHTS_MISMATCH: Final = "weights_mismatch"  # weights do not add up
TARGET_TOO_LOW: Final = "target_too_low"  # target possibly set too low
MISSING_ACTUAL: Final = "missing_actual"
MISSING_DEVIATION_REASON: Final = "missing_deviation_reason"
DEDUCTION_WITHOUT_REASON: Final = "deduction_without_reason"  # deducted, no reason (未说明原因)
OVERRIDE_WITHOUT_REASON: Final = "override_without_reason"  # not met, overridden, no reason
NOT_CREDIBLE: Final = "not_credible"
MANUAL_WITHOUT_REASON: Final = "manual_without_reason"  # evaluator's score, no reason
FUNDING_MISMATCH: Final = "funding_mismatch"  # funding sub-rows do not add up to the budget
UNEXPLAINED: Final = "未说明原因"

# Rule codes of an IndicatorScore.
RULE_GTE: Final = "gte"
RULE_LTE: Final = "lte"
RULE_EQ: Final = "eq"
RULE_BAND: Final = "band"
RULE_MISSING: Final = "missing"
RULE_MANUAL: Final = "manual"

HUNDRED: Final = Decimal(100)
CENT: Final = Decimal("0.01")
ZERO: Final = Decimal("0.00")
DEFAULT_EXECUTION_WEIGHT: Final = Decimal(10)
OVER_ACHIEVEMENT_FACTOR: Final = Decimal("1.5")
CREDIBLE_TOTAL: Final = Decimal(90)  # a total at or above this ...
CREDIBLE_RATE: Final = Decimal(60)  # ... with an execution rate below this is not credible

GRADE_EXCELLENT: Final = "优"
GRADE_GOOD: Final = "良"
GRADE_FAIR: Final = "中"
GRADE_POOR: Final = "差"
GROUP_LABELS: Final[Mapping[str, str]] = {
    ScoringGroup.OUTPUT: "产出",
    ScoringGroup.EFFECT: "效益",
    ScoringGroup.SATISFACTION: "满意度",
    DepartmentGroup.INPUT: "投入",
    DepartmentGroup.PROCESS: "过程",
    DepartmentGroup.OUTCOME: "效果",
}

ValueType = Literal["quantitative", "qualitative"]
Direction = Literal["gte", "lte", "eq", ""]
Band = Literal["achieved", "partly", "not_achieved"]
Layout = Literal["split", "pooled", "department"]


# --- numbers -------------------------------------------------------------------------------


def _dec(value: Any, name: str = "value") -> Decimal:
    """``value`` as a finite Decimal: Decimals, ints (not bools) and numeric strings are
    accepted; floats are refused so no binary fraction ever enters a score."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        result = Decimal(value)
    else:
        raise TypeError(f"{name} must be a Decimal, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    return result


def _opt_dec(value: Any, name: str) -> Decimal | None:
    return None if value is None else _dec(value, name)


def quantize(value: Decimal) -> Decimal:
    """A score or percentage rounded half-up to 2 places."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _n(value: Decimal) -> str:
    """A figure for a message: trailing zeros dropped, never in exponent form."""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


def _s(value: Decimal) -> str:
    """A score for a message, as stored (``8.50``)."""
    return format(value, "f")


def grade(total: Decimal) -> str:
    """The grade of a total: 优 ≥ 90; 良 80 to < 90; 中 60 to < 80; 差 < 60."""
    total = _dec(total, "total")
    if total >= 90:
        return GRADE_EXCELLENT
    if total >= 80:
        return GRADE_GOOD
    if total >= 60:
        return GRADE_FAIR
    return GRADE_POOR


# --- inputs and outputs ------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorInput:
    """One level-3 indicator with its declared target and its year-end result.

    ``level1`` is a level-1 name (产出指标, 成本指标, 效益指标, 满意度指标) or a scoring group
    value (``output``, ``effect``, ``satisfaction``). Quantitative indicators need ``direction``
    and ``target``; ``actual`` ``None`` means not yet reported (scores 0, flagged).
    Qualitative indicators need ``band`` and ``band_score`` (points, inside the band); ``band``
    ``None`` means not yet assessed (scores 0, flagged). ``override`` is a person's replacement
    of the computed score (points, 0..weight) and needs ``override_reason``, except a
    deduction (an override below the computed score of a met indicator), which is accepted
    without one, marked 未说明原因 and flagged.

    ``scoring_method`` ``"manual"`` (评价人打分): the score is ``manual_score`` (points,
    0..weight) with ``manual_reason``; ``None`` means not yet scored (0, flagged). The actual
    value or band, when given, only tells whether the target was met.

    ``deduction_reason`` is the written explanation of a met qualitative indicator scored below
    its weight (the 完成情况说明); ``None`` means the caller does not check it."""

    code: str
    level1: str
    value_type: ValueType
    direction: Direction
    target: Decimal | None
    weight: Decimal
    actual: Decimal | None = None
    band: Band | None = None
    band_score: Decimal | None = None
    override: Decimal | None = None
    override_reason: str = ""
    deviation_reason: str = ""
    scoring_method: str = ""
    manual_score: Decimal | None = None
    manual_reason: str = ""
    deduction_reason: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "weight", _dec(self.weight, f"{self.code}.weight"))
        for name in ("target", "actual", "band_score", "override", "manual_score"):
            set_(self, name, _opt_dec(getattr(self, name), f"{self.code}.{name}"))
        if self.weight < 0:
            raise ValueError(f"{self.code}: weight must not be negative")
        self.group  # noqa: B018 - an unknown level-1 name raises here, not when scoring
        if self.value_type not in VALUE_TYPES:
            raise ValueError(f"{self.code}: value_type must be one of {VALUE_TYPES}")
        if self.scoring_method not in SCORING_METHODS:
            raise ValueError(f"{self.code}: scoring_method must be one of {SCORING_METHODS}")
        if self.manual_score is not None and not 0 <= self.manual_score <= self.weight:
            raise ValueError(
                f"{self.code}: manual score {_n(self.manual_score)} outside 0..{_n(self.weight)}"
            )
        if self.manual:
            if self.value_type == QUANTITATIVE and self.actual is not None and self.actual < 0:
                raise ValueError(f"{self.code}: actual must not be negative")
            if self.band is not None and self.band not in BANDS:
                raise ValueError(f"{self.code}: band must be one of {tuple(BANDS)}")
        elif self.value_type == QUANTITATIVE:
            if self.direction not in DIRECTIONS:
                raise ValueError(f"{self.code}: direction must be one of {DIRECTIONS}")
            if self.target is None:
                raise ValueError(f"{self.code}: a quantitative indicator needs a target")
            if self.target < 0:
                raise ValueError(f"{self.code}: target must not be negative")
            if self.actual is not None and self.actual < 0:
                raise ValueError(f"{self.code}: actual must not be negative")
        elif self.band is not None:
            if self.band not in BANDS:
                raise ValueError(f"{self.code}: band must be one of {tuple(BANDS)}")
            if self.band_score is None:
                raise ValueError(f"{self.code}: a band needs the evaluator's score in it")
        if self.override is not None and not 0 <= self.override <= self.weight:
            raise ValueError(
                f"{self.code}: override {_n(self.override)} outside 0..{_n(self.weight)}"
            )

    @property
    def manual(self) -> bool:
        return self.scoring_method == MANUAL

    @property
    def group(self) -> str:
        """The scoring group the indicator's weight counts in: a ``ScoringGroup`` for the
        project layouts' level-1 names, a ``DepartmentGroup`` for 投入/过程/效果."""
        if self.level1 in GROUP_OF_LEVEL1:
            return GROUP_OF_LEVEL1[self.level1]
        if self.level1 in DEPARTMENT_GROUP_OF_LEVEL1:
            return DEPARTMENT_GROUP_OF_LEVEL1[self.level1]
        for kind in (ScoringGroup, DepartmentGroup):
            try:
                return kind(self.level1)
            except ValueError:
                pass
        raise ValueError(f"{self.code}: unknown level-1 indicator {self.level1!r}")

    def group_in(self, layout: str) -> str:
        """The group in ``layout``: in the department layout 效益 and 满意度 count under 效果."""
        if layout != DEPARTMENT:
            return str(self.group)
        if self.level1 in DEPARTMENT_GROUP_OF_LEVEL1:
            return str(DEPARTMENT_GROUP_OF_LEVEL1[self.level1])
        group = str(self.group)
        if group in (ScoringGroup.EFFECT, ScoringGroup.SATISFACTION):
            return str(DepartmentGroup.OUTCOME)
        return group


@dataclass(frozen=True)
class FundingSource:
    """A funding-source sub-row of the budget block (财政拨款, 其他资金): its own full-year
    budget and spending (yuan)."""

    name: str
    budget: Decimal
    executed: Decimal

    def __post_init__(self) -> None:
        for attr in ("budget", "executed"):
            value = _dec(getattr(self, attr), f"{self.name}.{attr}")
            if value < 0:
                raise ValueError(f"{self.name}: {attr} must not be negative")
            object.__setattr__(self, attr, value)
        if not self.name.strip():
            raise ValueError("a funding source needs a name")

    @property
    def rate(self) -> Decimal | None:
        """Its execution rate in percent (2 places); ``None`` without a budget."""
        return execution_rate(self.executed, self.budget) if self.budget > 0 else None


@dataclass(frozen=True)
class ProjectInput:
    """A project's year-end figures. ``group_weights`` (keys ``output``/``effect``/
    ``satisfaction``) is the template's split for the ``split`` layout; ``None`` is domain.md's
    50/30/10. It is ignored by the ``pooled`` layout (execution + one pool of indicators).

    The ``department`` layout (部门整体: 投入 / 过程 / 产出 / 效果) takes ``group_weights`` keyed
    ``input``/``process``/``output``/``outcome`` (the province's policy; ``None`` is
    15/55/20/10); the execution weight counts inside 过程, so the 过程 indicators add up to
    its weight less the execution weight.

    ``funding`` are the budget block's funding-source sub-rows (财政拨款 / 其他资金); when given
    they must add up to the budget and the spending (else ``funding_mismatch``)."""

    full_budget: Decimal
    executed: Decimal
    layout: Layout = SPLIT
    execution_weight: Decimal = DEFAULT_EXECUTION_WEIGHT
    group_weights: Mapping[str, Decimal] | None = None
    indicators: Sequence[IndicatorInput] = ()
    funding: Sequence[FundingSource] = ()

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for name in ("full_budget", "executed", "execution_weight"):
            set_(self, name, _dec(getattr(self, name), name))
        if self.full_budget <= 0:
            raise ValueError("full_budget must be positive")
        if self.executed < 0:
            raise ValueError("executed must not be negative")
        if not 0 <= self.execution_weight <= HUNDRED:
            raise ValueError("execution_weight must be within 0..100")
        if self.layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")
        if self.group_weights is not None:
            kind = DepartmentGroup if self.layout == DEPARTMENT else ScoringGroup
            weights = {
                kind(k): _dec(v, f"group_weights[{k}]") for k, v in dict(self.group_weights).items()
            }
            set_(self, "group_weights", weights)
        set_(self, "indicators", tuple(self.indicators))
        set_(self, "funding", tuple(self.funding))
        names = [f.name for f in self.funding]
        if len(set(names)) != len(names):
            raise ValueError("funding source names must be unique")
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes must be unique")


@dataclass(frozen=True)
class Flag:
    """A finding for the reviewer: a stable ``code``, a Chinese ``message`` with the numbers,
    and the ``indicator`` code it is about ("" for the project)."""

    code: str
    message: str
    indicator: str = ""


@dataclass(frozen=True)
class IndicatorScore:
    """One indicator's score: ``computed`` by the rule, ``final`` after a person's override
    (equal to ``computed`` without one); ``explanation`` is the arithmetic, in Chinese."""

    code: str
    group: str
    weight: Decimal
    computed: Decimal
    final: Decimal
    rule: str
    explanation: str
    flags: tuple[Flag, ...] = ()
    unexplained: bool = False  # a deduction without a written reason (未说明原因)

    @property
    def overridden(self) -> bool:
        return self.final != self.computed


@dataclass(frozen=True)
class FundingRate:
    """A funding-source sub-row as scored: its figures and its execution rate (percent)."""

    name: str
    budget: Decimal
    executed: Decimal
    rate: Decimal | None


@dataclass(frozen=True)
class ScoreSheet:
    """The scored self-evaluation. ``groups`` maps a scoring group to the sum of its
    indicators' final scores; ``total`` = ``execution_score`` + the group subtotals. ``flags``
    holds every flag, the project's and the indicators'."""

    execution_rate: Decimal
    execution_score: Decimal
    indicators: tuple[IndicatorScore, ...]
    groups: dict[str, Decimal]
    total: Decimal
    grade: str
    flags: tuple[Flag, ...] = field(default=())
    funding: tuple[FundingRate, ...] = field(default=())

    def flag_codes(self) -> list[str]:
        return [f.code for f in self.flags]


# --- rules -------------------------------------------------------------------------------


def execution_rate(executed: Decimal, full_budget: Decimal) -> Decimal:
    """Executed ÷ full-year budget as a percentage rounded half-up (``87.50``)."""
    executed = _dec(executed, "executed")
    full_budget = _dec(full_budget, "full_budget")
    if full_budget <= 0:
        raise ValueError("full_budget must be positive")
    return quantize(executed * HUNDRED / full_budget)


def execution_score(rate: Decimal, weight: Decimal = DEFAULT_EXECUTION_WEIGHT) -> Decimal:
    """min(rate, 100 %) × weight, rounded half-up (rate 87.50, weight 10 → ``8.75``)."""
    rate = _dec(rate, "rate")
    weight = _dec(weight, "weight")
    return quantize(min(rate, HUNDRED) * weight / HUNDRED)


def _quantitative(ind: IndicatorInput) -> tuple[Decimal, str, str, bool]:
    """(score, rule, explanation, met) of a quantitative indicator with an actual value."""
    w, t, a = ind.weight, ind.target, ind.actual
    assert t is not None and a is not None
    full = quantize(w)
    if ind.direction == GTE:
        if a >= t:
            return full, RULE_GTE, f"实际值{_n(a)} ≥ 目标值{_n(t)}，得满分{_s(full)}", True
        score = quantize(w * a / t)
        text = f"实际值{_n(a)} < 目标值{_n(t)}：{_n(w)} × {_n(a)} ÷ {_n(t)} = {_s(score)}"
        return score, RULE_GTE, text, False
    if ind.direction == LTE:
        if a <= t:
            return full, RULE_LTE, f"实际值{_n(a)} ≤ 目标值{_n(t)}，得满分{_s(full)}", True
        if t.is_zero():
            text = f"目标值为0而实际值{_n(a)}超出，得0.00"
            return ZERO, RULE_LTE, text, False
        score = quantize(w * t / a)
        text = f"实际值{_n(a)} > 目标值{_n(t)}：{_n(w)} × {_n(t)} ÷ {_n(a)} = {_s(score)}"
        return score, RULE_LTE, text, False
    # EQ
    if a == t:
        return full, RULE_EQ, f"实际值{_n(a)} = 目标值{_n(t)}，得满分{_s(full)}", True
    if t.is_zero():
        text = f"目标值为0而实际值为{_n(a)}，得0.00"
        return ZERO, RULE_EQ, text, False
    share = max(Decimal(0), 1 - abs(a - t) / t)
    score = quantize(w * share)
    text = (
        f"实际值{_n(a)} ≠ 目标值{_n(t)}：{_n(w)} × max(0, 1 − |{_n(a)} − {_n(t)}| ÷ {_n(t)})"
        f" = {_s(score)}"
    )
    return score, RULE_EQ, text, False


def _qualitative(ind: IndicatorInput) -> tuple[Decimal, str, str, bool]:
    """(score, rule, explanation, met) of an assessed qualitative indicator."""
    assert ind.band is not None and ind.band_score is not None
    low_pct, high_pct = BANDS[ind.band]
    low, high = ind.weight * low_pct / HUNDRED, ind.weight * high_pct / HUNDRED
    label = BAND_LABELS[ind.band]
    if not low <= ind.band_score <= high:
        raise ValueError(
            f"{ind.code}: score {_n(ind.band_score)} outside the band {label} "
            f"({_n(low)}–{_n(high)})"
        )
    score = quantize(ind.band_score)
    text = (
        f"{label}（权重的{_n(low_pct)}%–{_n(high_pct)}%，即{_n(low)}–{_n(high)}分），"
        f"评价人打分{_n(ind.band_score)}，得{_s(score)}"
    )
    return score, RULE_BAND, text, ind.band == ACHIEVED


def _manual(ind: IndicatorInput, strict: bool) -> tuple[Decimal, str, list[Flag]]:
    """(score, explanation, flags) of an indicator the evaluator scores (评价人打分)."""
    assert ind.manual_score is not None
    score = quantize(ind.manual_score)
    reason = ind.manual_reason.strip()
    flags: list[Flag] = []
    text = f"评价人打分{_n(ind.manual_score)}（分值{_n(ind.weight)}），得{_s(score)}"
    if reason:
        text += f"，理由：{reason}"
    elif strict:
        raise ValueError(f"{ind.code}: a manual score needs a reason")
    else:
        text += f"，{UNEXPLAINED}"
        flags.append(
            Flag(MANUAL_WITHOUT_REASON, f"指标{ind.code}评价人打分{UNEXPLAINED}", ind.code)
        )
    return score, text, flags


def score_indicator(ind: IndicatorInput, *, strict: bool = True) -> IndicatorScore:
    """One indicator's computed and final score with its explanation and flags.

    With ``strict`` (a person entering an override) an override that raises the score without
    a reason raises ``ValueError``; with ``strict=False`` (an imported table) it is flagged
    instead (``override_without_reason``). A deduction without a reason (a met indicator
    overridden below its computed score, or a met qualitative indicator scored below its
    weight without a ``deduction_reason``) is accepted either way: its explanation says
    未说明原因 and it is flagged ``deduction_without_reason``."""
    flags: list[Flag] = []
    group = ind.group
    unexplained = False
    met_value = is_met(ind)
    if ind.manual:
        missing = ind.manual_score is None
    else:
        missing = ind.actual is None if ind.value_type == QUANTITATIVE else ind.band is None
    if missing:
        computed, rule, met = ZERO, RULE_MISSING, False
        if ind.manual:
            explanation = "评价人未打分，得0.00"
            flags.append(Flag(MISSING_ACTUAL, f"指标{ind.code}评价人未打分", ind.code))
        else:
            explanation = "未填写实际完成值，得0.00"
            flags.append(Flag(MISSING_ACTUAL, f"指标{ind.code}未填写实际完成值", ind.code))
    elif ind.manual:
        computed, explanation, manual_flags = _manual(ind, strict)
        rule, met = RULE_MANUAL, bool(met_value)
        flags += manual_flags
    elif ind.value_type == QUANTITATIVE:
        computed, rule, explanation, met = _quantitative(ind)
    else:
        computed, rule, explanation, met = _qualitative(ind)

    if (
        ind.value_type == QUANTITATIVE
        and ind.direction == GTE
        and ind.actual is not None
        and ind.target is not None
        and ind.target > 0
        and ind.actual > OVER_ACHIEVEMENT_FACTOR * ind.target
    ):
        flags.append(
            Flag(
                TARGET_TOO_LOW,
                f"指标{ind.code}实际值{_n(ind.actual)}超过目标值{_n(ind.target)}的1.5倍，"
                "目标可能设置偏低",
                ind.code,
            )
        )
    if (
        not ind.manual
        and ind.value_type == QUALITATIVE
        and met
        and ind.band_score is not None
        and ind.band_score < ind.weight
        and ind.deduction_reason is not None
        and not ind.deduction_reason.strip()
    ):
        unexplained = True
        explanation += f"；扣{_n(ind.weight - ind.band_score)}分，{UNEXPLAINED}"
        flags.append(
            Flag(
                DEDUCTION_WITHOUT_REASON,
                f"指标{ind.code}已达成目标但扣分（得{_s(computed)}，分值{_n(ind.weight)}），"
                f"{UNEXPLAINED}",
                ind.code,
            )
        )
    if not missing and not met and not ind.deviation_reason.strip():
        flags.append(
            Flag(MISSING_DEVIATION_REASON, f"指标{ind.code}未完成目标，缺少偏差原因", ind.code)
        )

    final = computed
    if ind.override is not None:
        final = quantize(ind.override)
        reason = ind.override_reason.strip()
        if final != computed:
            deduction = met and final < computed
            if not reason:
                if strict and not deduction:
                    raise ValueError(f"{ind.code}: an override needs a reason")
                if deduction:
                    unexplained = True
                    flags.append(
                        Flag(
                            DEDUCTION_WITHOUT_REASON,
                            f"指标{ind.code}已完成目标但扣分（{_s(computed)} → {_s(final)}），"
                            f"{UNEXPLAINED}",
                            ind.code,
                        )
                    )
                else:
                    flags.append(
                        Flag(
                            OVERRIDE_WITHOUT_REASON,
                            f"指标{ind.code}人工调整得分（{_s(computed)} → {_s(final)}），"
                            "缺少调整理由",
                            ind.code,
                        )
                    )
            explanation += f"；人工调整为{_s(final)}（计算得分{_s(computed)}）"
            if reason:
                explanation += f"，理由：{reason}"
            elif deduction:
                explanation += f"，{UNEXPLAINED}"
    return IndicatorScore(
        code=ind.code,
        group=str(group),
        weight=ind.weight,
        computed=computed,
        final=final,
        rule=rule,
        explanation=explanation,
        flags=tuple(flags),
        unexplained=unexplained,
    )


def expected_group_weights(project: ProjectInput) -> dict[str, Decimal]:
    """The weight each scoring group's indicators must add up to in the ``split`` layout: the
    template's split (or 50/30/10); without a satisfaction indicator its points go to 效益.
    In the department layout: the policy's split (or 15/55/20/10), 过程 less the execution
    weight."""
    declared = project.group_weights
    if project.layout == DEPARTMENT:
        parts: dict[str, Decimal] = {
            str(g): w for g, w in dict(declared or DEFAULT_DEPARTMENT_WEIGHTS).items()
        }
        parts[DepartmentGroup.PROCESS] = (
            parts.get(DepartmentGroup.PROCESS, Decimal(0)) - project.execution_weight
        )
        return parts
    # __post_init__ keyed declared weights by ScoringGroup (the field is typed by its input).
    weights = cast(dict[ScoringGroup, Decimal], dict(declared or DEFAULT_GROUP_WEIGHTS))
    has_satisfaction = any(i.group == ScoringGroup.SATISFACTION for i in project.indicators)
    if not has_satisfaction:
        weights[ScoringGroup.EFFECT] = weights.get(ScoringGroup.EFFECT, Decimal(0)) + weights.pop(
            ScoringGroup.SATISFACTION, Decimal(0)
        )
    return {str(g): w for g, w in weights.items()}


def weight_flags(project: ProjectInput) -> list[Flag]:
    """``weights_mismatch`` flags: the parts must add up to 100, and in the ``split`` layout
    each group's indicator weights must add up to the group's weight; in ``pooled`` all the
    indicator weights add up to 100 − execution weight."""
    flags: list[Flag] = []
    sums: dict[str, Decimal] = {}
    for ind in project.indicators:
        group = ind.group_in(project.layout)
        sums[group] = sums.get(group, Decimal(0)) + ind.weight
    if project.layout == POOLED:
        expected = HUNDRED - project.execution_weight
        actual = sum(sums.values(), Decimal(0))
        if actual != expected:
            flags.append(
                Flag(
                    WEIGHTS_MISMATCH,
                    f"权重合计不符：指标权重合计{_n(actual)}分，应为{_n(expected)}分",
                )
            )
        return flags
    expected_groups = expected_group_weights(project)
    parts = project.execution_weight + sum(expected_groups.values(), Decimal(0))
    if parts != HUNDRED:
        flags.append(
            Flag(
                WEIGHTS_MISMATCH,
                f"权重合计不符：预算执行{_n(project.execution_weight)}分与各组权重合计"
                f"{_n(parts)}分，应为100分",
            )
        )
    if project.layout == DEPARTMENT and expected_groups[DepartmentGroup.PROCESS] < 0:
        flags.append(
            Flag(
                WEIGHTS_MISMATCH,
                f"权重合计不符：预算执行{_n(project.execution_weight)}分超过过程指标分值",
            )
        )
    for group in [*expected_groups, *(g for g in sums if g not in expected_groups)]:
        want = expected_groups.get(group, Decimal(0))
        have = sums.get(group, Decimal(0))
        if want != have:
            label = GROUP_LABELS.get(group, group)
            flags.append(
                Flag(
                    WEIGHTS_MISMATCH,
                    f"权重合计不符：{label}指标权重合计{_n(have)}分，应为{_n(want)}分",
                )
            )
    return flags


def score_project(project: ProjectInput, *, strict: bool = True) -> ScoreSheet:
    """Score a self-evaluation by domain.md's rules (see ``score_indicator`` for ``strict``)."""
    rate = execution_rate(project.executed, project.full_budget)
    exec_score = execution_score(rate, project.execution_weight)
    scores = tuple(
        dataclasses.replace(score_indicator(ind, strict=strict), group=ind.group_in(project.layout))
        for ind in project.indicators
    )

    if project.layout in (SPLIT, DEPARTMENT):
        groups = {g: Decimal("0.00") for g in expected_group_weights(project)}
    else:
        groups = {}
    for s in scores:
        groups[s.group] = groups.get(s.group, Decimal("0.00")) + s.final
    total = exec_score + sum(groups.values(), Decimal("0.00"))
    assert total == exec_score + sum((s.final for s in scores), Decimal(0)), "parts ≠ total"

    flags: list[Flag] = weight_flags(project)
    funding = tuple(FundingRate(f.name, f.budget, f.executed, f.rate) for f in project.funding)
    flags.extend(funding_flags(project))
    for s in scores:
        flags.extend(s.flags)
    if total >= CREDIBLE_TOTAL and rate < CREDIBLE_RATE:
        flags.append(
            Flag(
                NOT_CREDIBLE,
                f"自评总分{_s(total)}分而预算执行率仅{_s(rate)}%（低于{_n(CREDIBLE_RATE)}%），"
                "自评结果可信度存疑",
            )
        )
    return ScoreSheet(
        execution_rate=rate,
        execution_score=exec_score,
        indicators=scores,
        groups=groups,
        total=total,
        grade=grade(total),
        flags=tuple(flags),
        funding=funding,
    )


def funding_flags(project: ProjectInput) -> list[Flag]:
    """``funding_mismatch`` when the funding-source sub-rows do not add up to the budget or to
    the spending (none without sub-rows)."""
    if not project.funding:
        return []
    flags: list[Flag] = []
    budget = sum((f.budget for f in project.funding), Decimal(0))
    spent = sum((f.executed for f in project.funding), Decimal(0))
    names = "、".join(f.name for f in project.funding)
    if budget != project.full_budget:
        flags.append(
            Flag(
                FUNDING_MISMATCH,
                f"资金来源（{names}）预算数合计{_n(budget)}元，与全年预算数"
                f"{_n(project.full_budget)}元不符",
            )
        )
    if spent != project.executed:
        flags.append(
            Flag(
                FUNDING_MISMATCH,
                f"资金来源（{names}）执行数合计{_n(spent)}元，与全年执行数"
                f"{_n(project.executed)}元不符",
            )
        )
    return flags


# --- results for the fact tables ------------------------------------------------------------

ACHIEVEMENT_LIMIT: Final = Decimal("9999999.99")


def is_met(ind: IndicatorInput) -> bool | None:
    """Whether the indicator reached its target: ``≥`` actual ≥ target, ``≤`` actual ≤ target,
    ``=`` actual = target, qualitative in the band 达成; ``None`` when not yet reported. A
    manual indicator without an actual value or band: its score reaches the 达成 band (80 %
    of the weight)."""
    if ind.manual and (ind.actual if ind.value_type == QUANTITATIVE else ind.band) is None:
        if ind.manual_score is None:
            return None
        return ind.manual_score * HUNDRED >= ind.weight * BANDS[ACHIEVED][0]
    if ind.value_type == QUANTITATIVE:
        if ind.actual is None or ind.target is None:
            return None
        if ind.direction == GTE:
            return ind.actual >= ind.target
        if ind.direction == LTE:
            return ind.actual <= ind.target
        return ind.actual == ind.target
    if ind.band is None:
        return None
    return ind.band == ACHIEVED


def achievement(ind: IndicatorInput) -> Decimal | None:
    """How far the target was reached, in percent rounded half-up (capped at 9,999,999.99):
    ``≥`` and ``=`` actual ÷ target; ``≤`` target ÷ actual (less is better, so beating the
    target gives more than 100), 100 when both are 0; qualitative the band score ÷ weight.
    ``None`` when not reported or undefined (``≥``/``=`` with target 0, ``≤`` with actual 0
    below a positive target, qualitative with weight 0). A manual indicator without an actual
    value or band: its score ÷ weight."""
    if ind.manual and (ind.actual if ind.value_type == QUANTITATIVE else ind.band) is None:
        if ind.manual_score is None or ind.weight.is_zero():
            return None
        return min(quantize(ind.manual_score * HUNDRED / ind.weight), ACHIEVEMENT_LIMIT)
    if ind.value_type == QUANTITATIVE:
        a, t = ind.actual, ind.target
        if a is None or t is None:
            return None
        if ind.direction == LTE:
            if a.is_zero():
                return quantize(HUNDRED) if t.is_zero() else None
            value = t * HUNDRED / a
        else:
            if t.is_zero():
                return None
            value = a * HUNDRED / t
    else:
        if ind.band is None or ind.band_score is None or ind.weight.is_zero():
            return None
        value = ind.band_score * HUNDRED / ind.weight
    return min(quantize(value), ACHIEVEMENT_LIMIT)


def budget_weighted_score(parts: Sequence[tuple[Decimal, Decimal]]) -> Decimal | None:
    """Σ(score × budget) ÷ Σ budget over ``(score, budget)`` pairs, rounded half-up to two
    places; ``None`` without any budget."""
    budget = sum((_dec(b, "budget") for _s_, b in parts), Decimal(0))
    if budget <= 0:
        return None
    weighted = sum((_dec(s, "score") * _dec(b, "budget") for s, b in parts), Decimal(0))
    return quantize(weighted / budget)
