"""What the project and the department evaluations share: the roles, the state checks, the
validation of reported results, the engine call and the saving with history.

Field names in problems: an input row is named by its position and camelCase field
(``indicators[3].bandScore``); a blocking problem found at submission by the indicator's code
(``indicators.cf-arrest-cases.deviationReason``)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.utils import timezone

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.history import set_history_user
from backend.core.numbers import DecimalSize
from backend.documents.models import Document
from backend.evaluation import scoring
from backend.evaluation.errors import EvaluationErrorCode
from backend.evaluation.models import (
    Band,
    EvaluationStatus,
    IndicatorResultFields,
    ScoreSheetFields,
)
from backend.indicators.models import ValueType
from backend.monitoring.models import DeviationCause
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate

AnyUser = User | AnonymousUser

VALUE_LIMIT = Decimal(10) ** 12
TEXT_LIMITS = {"actual_text": 500}
# Input keys of a reported indicator result, and their camelCase names in problems.
RESULT_KEYS = {
    "actual_value": "actualValue",
    "actual_text": "actualText",
    "band": "band",
    "band_score": "bandScore",
    "explanation": "explanation",
    "deviation_cause": "deviationCause",
    "deviation_reason": "deviationReason",
    "override_score": "overrideScore",
    "override_reason": "overrideReason",
    "manual_score": "manualScore",
    "manual_reason": "manualReason",
    "evidence_ids": "evidenceIds",
}
# Flag codes that never block a submission (they are for the reviewer).
SHEET_ONLY_FLAGS = {scoring.TARGET_TOO_LOW, scoring.WEIGHTS_MISMATCH, scoring.NOT_CREDIBLE}
MISSING_EXECUTED = "missing_executed"


def current_unit() -> Procuratorate:
    return unit_selectors.current_unit()


def require_preparer(user: AnyUser, unit: Procuratorate) -> None:
    """``Op.EVALUATION_PREPARE``: the unit's finance or leader (a reviewer above reads, but
    does not write)."""
    role_table.require(user, Op.EVALUATION_PREPARE, unit)


def require_leader(user: AnyUser, unit: Procuratorate) -> None:
    role_table.require(user, Op.EVALUATION_FINALISE, unit)


def invalid(status: str, action: str) -> DomainError:
    label = EvaluationStatus(status).label
    return DomainError.single(
        CoreErrorCode.INVALID_TRANSITION, f"绩效自评当前状态为“{label}”，不能{action}。", "status"
    )


def require_status(instance: Any, status: str, action: str) -> None:
    if instance.status != status:
        raise invalid(instance.status, action)


def lock(instance: models.Model) -> None:
    """Reload under a row lock: the state it moves from is the current one."""
    instance.refresh_from_db(from_queryset=type(instance)._default_manager.select_for_update())


def save(instance: models.Model, user: AnyUser, reason: str) -> None:
    """Save with the acting user and a change reason in the history record."""
    set_history_user(instance, user if getattr(user, "is_authenticated", False) else None, reason)
    instance.save()


def number(value: Decimal | None) -> str:
    if value is None:
        return ""
    if value.is_zero():
        return "0"
    return format(value.normalize(), "f")


# --- validating reported results ------------------------------------------------------------


to_decimal = cleaning.to_decimal


def clean_number(
    value: Any, field: str, label: str, *, places: int, limit: Decimal = VALUE_LIMIT
) -> tuple[Decimal | None, Problem | None]:
    """A non-negative number with at most ``places`` decimals below ``limit`` (a power of
    ten), or the problem with it. ``None`` and "" are None."""
    size: DecimalSize = {"max_digits": limit.adjusted() + places, "decimal_places": places}
    return cleaning.decimal(value, field, label, size=size, negative=False)


def band_range(weight: Decimal, band: str) -> tuple[Decimal, Decimal]:
    low, high = scoring.BANDS[band]
    return weight * low / 100, weight * high / 100


def cited_documents(rows: Sequence[Mapping[str, Any]]) -> set[int]:
    """Which of the document ids the result rows cite (``evidence_ids``) exist in this unit's
    schema: one query, none when nothing is cited."""
    wanted = {int(i) for row in rows for i in (row.get("evidence_ids") or [])}
    if not wanted:
        return set()
    return set(Document.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def validate_results(
    rows: Sequence[Mapping[str, Any]],
    indicators: Mapping[str, IndicatorResultFields],
    *,
    documents: set[int],
) -> tuple[list[tuple[IndicatorResultFields, dict[str, Any]]], list[Problem]]:
    """Check every input row against the indicator it names (by ``code``): returns the
    cleaned changes per indicator and every problem found. ``documents`` are the ids of the
    unit's documents the rows may cite as evidence."""
    problems: list[Problem] = []
    cleaned: list[tuple[IndicatorResultFields, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, row in enumerate(rows):
        prefix = f"indicators[{index}]"
        code = str(row.get("code") or "").strip()
        indicator = indicators.get(code)
        if indicator is None:
            problems.append(
                Problem(
                    CoreErrorCode.UNKNOWN_INDICATOR, f"没有编码为“{code}”的指标。", f"{prefix}.code"
                )
            )
            continue
        if code in seen:
            problems.append(
                Problem(
                    EvaluationErrorCode.DUPLICATE_INDICATOR,
                    f"指标“{code}”填报了两次。",
                    f"{prefix}.code",
                )
            )
            continue
        seen.add(code)
        changes, row_problems = _clean_row(row, indicator, prefix, documents)
        problems += row_problems
        cleaned.append((indicator, changes))
    return cleaned, problems


def _clean_row(
    row: Mapping[str, Any], indicator: IndicatorResultFields, prefix: str, documents: set[int]
) -> tuple[dict[str, Any], list[Problem]]:
    problems: list[Problem] = []
    changes: dict[str, Any] = {}
    label = f"指标“{indicator.name or indicator.code}”"

    def field(key: str) -> str:
        return f"{prefix}.{RESULT_KEYS[key]}"

    quantitative = indicator.value_type == ValueType.QUANTITATIVE
    if "actual_value" in row:
        value, problem = clean_number(
            row["actual_value"], field("actual_value"), f"{label}的实际完成值", places=4
        )
        if problem:
            problems.append(problem)
        elif value is not None and not quantitative:
            problems.append(
                Problem(
                    CoreErrorCode.NOT_QUANTITATIVE,
                    f"{label}为定性指标，请选择完成档次而非填写数值。",
                    field("actual_value"),
                )
            )
        else:
            changes["actual_value"] = value
    for key in (
        "actual_text",
        "explanation",
        "deviation_reason",
        "override_reason",
        "manual_reason",
    ):
        if key in row:
            text, problem = cleaning.text(
                row[key], field(key), f"{label}的内容", max_length=TEXT_LIMITS.get(key)
            )
            if problem:
                problems.append(problem)
            else:
                changes[key] = text
    if "deviation_cause" in row:
        cause = str(row["deviation_cause"] or "").strip()
        if cause and cause not in DeviationCause.values:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"{label}的偏差原因须为经费、制度、人员、硬件条件或其他保障。",
                    field("deviation_cause"),
                )
            )
        else:
            changes["deviation_cause"] = cause
    weight = indicator.weight
    if "band" in row or "band_score" in row:
        band = str(row.get("band", indicator.band) or "").strip()
        score, problem = clean_number(
            row.get("band_score", indicator.band_score),
            field("band_score"),
            f"{label}的档内得分",
            places=2,
        )
        if problem:
            problems.append(problem)
        elif band and quantitative:
            problems.append(
                Problem(
                    CoreErrorCode.NOT_QUALITATIVE,
                    f"{label}为定量指标，请填写实际完成值。",
                    field("band"),
                )
            )
        elif band and band not in Band.values:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"{label}的完成档次须为达成、部分达成或未达成。",
                    field("band"),
                )
            )
        elif band and score is None:
            problems.append(
                Problem(
                    EvaluationErrorCode.BAND_SCORE_REQUIRED,
                    f"{label}须在所选档次内打分。",
                    field("band_score"),
                )
            )
        elif band and score is not None:
            low, high = band_range(weight, band)
            if not low <= score <= high:
                problems.append(
                    Problem(
                        EvaluationErrorCode.BAND_SCORE_OUT_OF_RANGE,
                        f"{label}选择“{Band(band).label}”，得分须在 {number(low)}–"
                        f"{number(high)} 分之间（填写了 {number(score)}）。",
                        field("band_score"),
                    )
                )
            else:
                changes["band"], changes["band_score"] = band, score
        elif not band and score is not None:
            problems.append(
                Problem(
                    EvaluationErrorCode.BAND_REQUIRED,
                    f"{label}须先选择完成档次再打分。",
                    field("band"),
                )
            )
        else:  # clearing the band
            changes["band"], changes["band_score"] = "", None
    if "manual_score" in row:
        score, problem = clean_number(
            row["manual_score"], field("manual_score"), f"{label}的评价人打分", places=2
        )
        reason = str(row.get("manual_reason", indicator.manual_reason) or "").strip()
        if problem:
            problems.append(problem)
        elif score is not None and indicator.scoring_method != scoring.MANUAL:
            problems.append(
                Problem(
                    EvaluationErrorCode.NOT_MANUAL,
                    f"{label}不是评价人打分指标，请填写实际完成值或完成档次。",
                    field("manual_score"),
                )
            )
        elif score is not None and score > weight:
            problems.append(
                Problem(
                    EvaluationErrorCode.MANUAL_SCORE_OUT_OF_RANGE,
                    f"{label}的评价人打分须在 0–{number(weight)} 分之间"
                    f"（填写了 {number(score)}）。",
                    field("manual_score"),
                )
            )
        elif score is not None and not reason:
            problems.append(
                Problem(
                    EvaluationErrorCode.MANUAL_REASON_REQUIRED,
                    f"{label}由评价人打分，须说明打分理由。",
                    field("manual_reason"),
                )
            )
        else:
            changes["manual_score"] = score
    if "override_score" in row:
        score, problem = clean_number(
            row["override_score"], field("override_score"), f"{label}的调整后得分", places=2
        )
        reason = str(row.get("override_reason", indicator.override_reason) or "").strip()
        # A deduction (below the score the rule gives a met indicator) is accepted without a
        # reason: the engine marks it 未说明原因 and flags it (issue 16).
        deduction = (
            score is not None
            and indicator.computed_score is not None
            and score < indicator.computed_score
            and bool(scoring.is_met(indicator_input(indicator)))
        )
        if problem:
            problems.append(problem)
        elif score is not None and score > weight:
            problems.append(
                Problem(
                    EvaluationErrorCode.OVERRIDE_OUT_OF_RANGE,
                    f"{label}的调整后得分须在 0–{number(weight)} 分之间。",
                    field("override_score"),
                )
            )
        elif score is not None and not reason and not deduction:
            problems.append(
                Problem(
                    EvaluationErrorCode.OVERRIDE_REASON_REQUIRED,
                    f"{label}人工调整得分须说明理由。",
                    field("override_reason"),
                )
            )
        else:
            changes["override_score"] = score
            if score is None:
                changes["override_reason"] = ""
    if "evidence_ids" in row:
        ids = [int(i) for i in row["evidence_ids"] or []]
        unknown = [i for i in ids if i not in documents]
        if unknown:
            problems.append(
                Problem(
                    EvaluationErrorCode.UNKNOWN_DOCUMENT,
                    f"{label}引用的佐证材料不存在：{'、'.join(map(str, unknown))}。",
                    field("evidence_ids"),
                )
            )
        else:
            changes["evidence_ids"] = ids
    return changes, problems


# --- scoring ------------------------------------------------------------------------------------


def indicator_input(row: IndicatorResultFields) -> scoring.IndicatorInput:
    """The engine's view of a stored indicator result (an override raising a score always has
    a reason here, the services refuse one without; a deduction may have none). A row the
    engine cannot take (a negative target written before drafting refused them, a
    quantitative indicator without a target) is a typed ``INVALID_INDICATOR`` naming it, never
    a crash of the scoring."""
    try:
        return _indicator_input(row)
    except ValueError:
        label = f"指标“{row.name or row.code}”"
        target = "" if row.target_value is None else f"（目标值 {number(row.target_value)}）"
        raise DomainError.single(
            EvaluationErrorCode.INVALID_INDICATOR,
            f"{label}的目标值或分值无效{target}，无法计分：请先通过目标调整更正。",
            f"indicators.{row.code}.targetValue",
        ) from None


def _indicator_input(row: IndicatorResultFields) -> scoring.IndicatorInput:
    qualitative = row.value_type == ValueType.QUALITATIVE
    manual = row.scoring_method == scoring.MANUAL
    # The arg-type ignores below: a CharField with choices holds one of the engine's Literal
    # values, but django-stubs type it as a plain str.
    return scoring.IndicatorInput(
        code=row.code,
        level1=row.level1,
        value_type=row.value_type,  # type: ignore[arg-type]
        direction="" if qualitative else row.direction,  # type: ignore[arg-type]
        target=None if qualitative or (manual and row.target_value is None) else row.target_value,
        weight=row.weight,
        actual=None if qualitative else row.actual_value,
        band=(row.band or None) if qualitative else None,  # type: ignore[arg-type]
        band_score=row.band_score if qualitative and row.band else None,
        override=row.override_score,
        override_reason=row.override_reason,
        deviation_reason=row.deviation_reason,
        scoring_method=scoring.MANUAL if manual else "",
        manual_score=row.manual_score if manual else None,
        manual_reason=row.manual_reason,
        deduction_reason=row.explanation if qualitative else None,
    )


def score_sheet(
    sheet: ScoreSheetFields,
    rows: Sequence[IndicatorResultFields],
    *,
    full_budget: Decimal,
    executed: Decimal | None,
    funding: Sequence[scoring.FundingSource] = (),
) -> scoring.ScoreSheet | None:
    """Score with the engine and copy the result onto ``sheet`` and ``rows`` (unsaved). A
    missing final spending scores as 0 and is flagged. Without a positive budget nothing can be
    scored: the sheet is cleared and ``None`` returned. Scored leniently (``strict=False``):
    what a person enters was checked field by field before; what is left (a manual score whose
    reason was cleared) is flagged, never a crash."""
    if full_budget is None or full_budget <= 0:
        sheet.execution_rate = sheet.execution_score = sheet.total = None
        sheet.group_scores, sheet.grade, sheet.flags = {}, "", []
        for row in rows:
            row.computed_score = row.final_score = None
            row.rule = row.computation = ""
            row.flags = []
        return None
    project = scoring.ProjectInput(
        full_budget=full_budget,
        executed=executed if executed is not None else Decimal(0),
        layout=sheet.layout,  # type: ignore[arg-type]  # a Layout, typed str (choices)
        execution_weight=sheet.execution_weight,
        group_weights=sheet.group_weights or None,
        indicators=[indicator_input(r) for r in rows],
        funding=funding,
    )
    result = scoring.score_project(project, strict=False)
    by_code = {s.code: s for s in result.indicators}
    for row in rows:
        scored = by_code[row.code]
        row.computed_score, row.final_score = scored.computed, scored.final
        row.rule, row.computation = scored.rule, scored.explanation
        row.flags = [_flag(f) for f in scored.flags]
    sheet.execution_rate = result.execution_rate
    sheet.execution_score = result.execution_score
    sheet.group_scores = {k: str(v) for k, v in result.groups.items()}
    sheet.total, sheet.grade = result.total, result.grade
    flags = [_flag(f) for f in result.flags]
    if executed is None:
        flags.insert(
            0, {"code": MISSING_EXECUTED, "message": "未填写全年执行数。", "indicator": ""}
        )
    sheet.flags = flags
    sheet.scored_at = timezone.now()
    return result


def _flag(flag: scoring.Flag) -> dict[str, str]:
    return {"code": flag.code, "message": flag.message, "indicator": flag.indicator}


SCORED_FIELDS = ("computed_score", "final_score", "rule", "computation", "flags")


def apply_changes(
    cleaned: Iterable[tuple[IndicatorResultFields, dict[str, Any]]],
) -> dict[int, list[int]]:
    """Set the cleaned values on their indicators (unsaved); the evidence to set per
    indicator id is returned, since a many-to-many needs the saved row."""
    evidence: dict[int, list[int]] = {}
    for indicator, changes in cleaned:
        for key, value in changes.items():
            if key == "evidence_ids":
                evidence[indicator.pk] = value
            else:
                setattr(indicator, key, value)
    return evidence


_ROW_FIELD = re.compile(r"^indicators\[(\d+)\]\.")


def without_refused(
    cleaned: Iterable[tuple[IndicatorResultFields, dict[str, Any]]],
    rows: Sequence[Mapping[str, Any]],
    problems: Sequence[Problem],
) -> list[tuple[IndicatorResultFields, dict[str, Any]]]:
    """The cleaned changes of the input rows that have no problem, evidence left out: what a
    preview may apply (a row with a problem keeps its recorded values)."""
    refused = {
        str(rows[int(match.group(1))].get("code") or "").strip()
        for problem in problems
        if (match := _ROW_FIELD.match(problem.field or "")) and int(match.group(1)) < len(rows)
    }
    return [
        (indicator, {k: v for k, v in changes.items() if k != "evidence_ids"})
        for indicator, changes in cleaned
        if indicator.code not in refused
    ]


def snapshot(row: models.Model, names: Iterable[str]) -> tuple[Any, ...]:
    return tuple(getattr(row, n) for n in names)


RESULT_FIELDS = (
    "actual_value",
    "actual_text",
    "band",
    "band_score",
    "explanation",
    "deviation_cause",
    "deviation_reason",
    "override_score",
    "override_reason",
    "manual_score",
    "manual_reason",
    *SCORED_FIELDS,
)


def save_rows(
    rows: Sequence[IndicatorResultFields],
    before: Mapping[int, tuple[Any, ...]],
    user: AnyUser,
    reason: str,
) -> None:
    """Save each indicator whose values changed (with history: who, when, before, after)."""
    for row in rows:
        if before.get(row.pk) != snapshot(row, RESULT_FIELDS):
            save(row, user, reason)


def submission_problems(
    rows: Sequence[IndicatorResultFields], *, executed: Decimal | None, executed_field: str
) -> list[Problem]:
    """The blocking problems of a submission: final spending missing, an indicator without its
    actual value or band (a manual one without the evaluator's score and reason), a missed
    indicator without a deviation reason, an override raising a score without a reason. A
    deduction without a reason does not block: it is flagged 未说明原因."""
    problems: list[Problem] = []
    if executed is None:
        problems.append(
            Problem(EvaluationErrorCode.EXECUTED_REQUIRED, "请填写全年执行数。", executed_field)
        )
    for row in rows:
        prefix = f"indicators.{row.code}"
        label = f"指标“{row.name or row.code}”"
        ind = indicator_input(row)
        met = scoring.is_met(ind)
        if ind.manual and row.manual_score is None:
            problems.append(
                Problem(
                    EvaluationErrorCode.MANUAL_SCORE_REQUIRED,
                    f"{label}须由评价人打分。",
                    f"{prefix}.manualScore",
                )
            )
            continue
        if ind.manual and not row.manual_reason.strip():
            problems.append(
                Problem(
                    EvaluationErrorCode.MANUAL_REASON_REQUIRED,
                    f"{label}由评价人打分，须说明打分理由。",
                    f"{prefix}.manualReason",
                )
            )
        if met is None:
            if row.value_type == ValueType.QUALITATIVE:
                problems.append(
                    Problem(
                        EvaluationErrorCode.BAND_REQUIRED,
                        f"{label}未选择完成档次。",
                        f"{prefix}.band",
                    )
                )
            else:
                problems.append(
                    Problem(
                        EvaluationErrorCode.ACTUAL_REQUIRED,
                        f"{label}未填写实际完成值。",
                        f"{prefix}.actualValue",
                    )
                )
            continue
        if not met and not row.deviation_reason.strip():
            problems.append(
                Problem(
                    EvaluationErrorCode.DEVIATION_REASON_REQUIRED,
                    f"{label}未完成目标，须说明偏差原因。",
                    f"{prefix}.deviationReason",
                )
            )
        deduction = (
            met
            and row.override_score is not None
            and row.computed_score is not None
            and row.override_score < row.computed_score
        )
        if row.override_score is not None and not row.override_reason.strip() and not deduction:
            problems.append(
                Problem(
                    EvaluationErrorCode.OVERRIDE_REASON_REQUIRED,
                    f"{label}人工调整得分须说明理由。",
                    f"{prefix}.overrideReason",
                )
            )
        # A met indicator scored below its weight without a written reason is no longer a
        # blocking problem (issue 16): the engine marks it 未说明原因 and flags it.
    return problems
