"""Consistency of a self-evaluation table (issue 16): what a table claims checked against
itself. Pure: no Django, no database. The scoring engine computes a sheet from the inputs; this
module takes a sheet as written (an imported table's totals, rates and grade, or a stored
sheet after people's overrides) and reports what does not hold together, as ``Finding``s with
a stable code and a Chinese message naming the indicator and the numbers. Nothing is refused:
findings are for the reviewer, the leader and the province (自评可信度).

Codes:

- ``total_not_sum``: the total is not the execution score plus the sum of the lines;
- ``score_above_weight``: a line (or the execution score) scored above its weight;
- ``grade_mismatch``: the grade is not the grade of the total (优 ≥ 90, 良 ≥ 80, 中 ≥ 60);
- ``achieved_zero_score``: a qualitative line declared 达成 with a score of 0;
- ``rate_mismatch``: an execution rate (the project's or a funding source's) that does not
  follow from its budget and spending, at the precision it is written with;
- ``full_marks_target_missed``: a line with full marks whose target was not reached.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from backend.evaluation.scoring import _dec, _n, _opt_dec, grade

TOTAL_NOT_SUM: Final = "total_not_sum"
SCORE_ABOVE_WEIGHT: Final = "score_above_weight"
GRADE_MISMATCH: Final = "grade_mismatch"
ACHIEVED_ZERO_SCORE: Final = "achieved_zero_score"
RATE_MISMATCH: Final = "rate_mismatch"
FULL_MARKS_TARGET_MISSED: Final = "full_marks_target_missed"
CODES: Final = (
    TOTAL_NOT_SUM,
    SCORE_ABOVE_WEIGHT,
    GRADE_MISMATCH,
    ACHIEVED_ZERO_SCORE,
    RATE_MISMATCH,
    FULL_MARKS_TARGET_MISSED,
)
LABELS: Final = {
    TOTAL_NOT_SUM: "总分与各项得分之和不符",
    SCORE_ABOVE_WEIGHT: "得分超过分值",
    GRADE_MISMATCH: "等级与总分不符",
    ACHIEVED_ZERO_SCORE: "定性指标“达成”却得0分",
    RATE_MISMATCH: "执行率与预算数、执行数不符",
    FULL_MARKS_TARGET_MISSED: "未完成目标却得满分",
}
HUNDRED: Final = Decimal(100)


@dataclass(frozen=True)
class Line:
    """One indicator line as written: ``score`` its points (``None`` when blank), ``met``
    whether its target was reached (``None`` unknown), ``achieved`` a qualitative line written
    as 达成; ``name`` is what the message calls it (the code when empty)."""

    code: str
    weight: Decimal
    score: Decimal | None
    met: bool | None = None
    achieved: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", _dec(self.weight, f"{self.code}.weight"))
        object.__setattr__(self, "score", _opt_dec(self.score, f"{self.code}.score"))

    @property
    def label(self) -> str:
        return f"指标“{self.name or self.code}”"


@dataclass(frozen=True)
class Funding:
    """A funding-source sub-row as written: its budget, spending and claimed rate (percent)."""

    name: str
    budget: Decimal | None
    executed: Decimal | None
    rate: Decimal | None


@dataclass(frozen=True)
class Sheet:
    """A self-evaluation table as written. Every figure may be ``None`` (not written): a check
    that needs it is skipped. Rates are in percent (95.5 means 95.5 %)."""

    lines: Sequence[Line] = ()
    total: Decimal | None = None
    grade: str = ""
    full_budget: Decimal | None = None
    executed: Decimal | None = None
    execution_rate: Decimal | None = None
    execution_score: Decimal | None = None
    execution_weight: Decimal | None = None
    funding: Sequence[Funding] = ()

    def __post_init__(self) -> None:
        for name in (
            "total",
            "full_budget",
            "executed",
            "execution_rate",
            "execution_score",
            "execution_weight",
        ):
            object.__setattr__(self, name, _opt_dec(getattr(self, name), name))
        object.__setattr__(self, "lines", tuple(self.lines))
        object.__setattr__(self, "funding", tuple(self.funding))


@dataclass(frozen=True)
class Finding:
    """An inconsistency: a stable ``code``, a Chinese ``message`` with the numbers, and the
    ``indicator`` code it is about ("" for the sheet)."""

    code: str
    message: str
    indicator: str = ""


def _rate_follows(claimed: Decimal, budget: Decimal, executed: Decimal) -> bool:
    """Whether ``claimed`` (percent) is executed ÷ budget at the precision it is written with
    (95.5 accepts 95.45–95.55; 96 accepts 95.5–96.5; 95.50 only 95.495–95.505), to at most
    two places."""
    exact = executed * HUNDRED / budget
    exponent = claimed.as_tuple().exponent
    places = max(0, min(2, -exponent)) if isinstance(exponent, int) else 2
    step = Decimal(1).scaleb(-places)
    return exact.quantize(step, rounding=ROUND_HALF_UP) == claimed.quantize(step)


def _rate_finding(
    what: str, claimed: Decimal | None, budget: Decimal | None, executed: Decimal | None
) -> Finding | None:
    if claimed is None or budget is None or executed is None or budget <= 0:
        return None
    claimed, budget, executed = (_dec(v) for v in (claimed, budget, executed))
    if _rate_follows(claimed, budget, executed):
        return None
    exact = (executed * HUNDRED / budget).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    hint = "（疑似把比例写成了小数）" if claimed <= 1 and exact > 1 else ""
    return Finding(
        RATE_MISMATCH,
        f"{what}执行率填写为{_n(claimed)}%，按执行数{_n(executed)}元 ÷ 预算数{_n(budget)}元"
        f"应为{_n(exact)}%{hint}",
    )


def find(sheet: Sheet) -> list[Finding]:
    """Every inconsistency of ``sheet``, in the order of the codes above (lines in order)."""
    findings: list[Finding] = []
    scored = [line for line in sheet.lines if line.score is not None]
    if sheet.total is not None and (scored or sheet.execution_score is not None):
        parts = sum((line.score for line in scored if line.score is not None), Decimal(0))
        parts += sheet.execution_score or Decimal(0)
        if parts != sheet.total:
            findings.append(
                Finding(
                    TOTAL_NOT_SUM,
                    f"总分{_n(sheet.total)}分与各项得分之和{_n(parts)}分不符"
                    f"（相差{_n(sheet.total - parts)}分）",
                )
            )
    if (
        sheet.execution_score is not None
        and sheet.execution_weight is not None
        and sheet.execution_score > sheet.execution_weight
    ):
        findings.append(
            Finding(
                SCORE_ABOVE_WEIGHT,
                f"预算执行率得分{_n(sheet.execution_score)}分超过分值"
                f"{_n(sheet.execution_weight)}分",
            )
        )
    for line in scored:
        assert line.score is not None
        if line.score > line.weight:
            findings.append(
                Finding(
                    SCORE_ABOVE_WEIGHT,
                    f"{line.label}得分{_n(line.score)}分超过分值{_n(line.weight)}分",
                    line.code,
                )
            )
    if sheet.total is not None and sheet.grade:
        expected = grade(sheet.total)
        if sheet.grade.strip() != expected:
            findings.append(
                Finding(
                    GRADE_MISMATCH,
                    f"等级填写为“{sheet.grade.strip()}”，总分{_n(sheet.total)}分应为“{expected}”",
                )
            )
    for line in scored:
        if line.achieved and line.score is not None and line.score.is_zero() and line.weight > 0:
            findings.append(
                Finding(
                    ACHIEVED_ZERO_SCORE,
                    f"{line.label}完成情况为“达成”，得分却为0（分值{_n(line.weight)}分）",
                    line.code,
                )
            )
    project_rate = _rate_finding("预算", sheet.execution_rate, sheet.full_budget, sheet.executed)
    if project_rate:
        findings.append(project_rate)
    for source in sheet.funding:
        what = f"资金来源“{source.name}”"
        rate = _rate_finding(what, source.rate, source.budget, source.executed)
        if rate:
            findings.append(rate)
    for line in scored:
        if line.met is False and line.weight > 0 and line.score == line.weight:
            findings.append(
                Finding(
                    FULL_MARKS_TARGET_MISSED,
                    f"{line.label}未完成目标，却得满分{_n(line.weight)}分",
                    line.code,
                )
            )
    return findings
