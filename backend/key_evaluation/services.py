"""Writes of key evaluation (重点评价) and sampling re-review (抽查复核). Public schema.

State machines:

- ``KeyEvaluation``: ``selected`` → ``evaluating`` (evaluators assigned) → ``finalised``.
- ``EvaluatorAssignment``: ``assigned`` (the evaluator records scores, as often as they like)
  → ``submitted`` (frozen).

Who (``backend.accounts.policy``): the issuer's managers (``Op.KEY_EVALUATION_MANAGE`` granted
at the issuer or above, or platform staff) select, assign, draw and finalise; only the assigned
evaluator (``Op.KEY_EVALUATION_SCORE``) records and submits their own scores. Anything else is a
``DomainError``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.accounts import policy as role_table
from backend.accounts.models import Membership, User
from backend.accounts.policy import Op
from backend.benchmarking.models import ProjectFact
from backend.core import cleaning
from backend.core.errors import DomainError, PermissionDenied, Problem
from backend.core.numbers import VALUE
from backend.evaluation import scoring
from backend.feedback.services import open_for_overrated_self_evaluation
from backend.key_evaluation import rules, sampling
from backend.key_evaluation.models import (
    AssignmentStatus,
    EvaluatorAssignment,
    EvaluatorScore,
    KeyEvaluation,
    KeyEvaluationKind,
    KeyEvaluationStatus,
    KeyIndicator,
    SamplingDraw,
)
from backend.oversight.models import KeyScoreRule, ProvincePolicy
from backend.oversight.selectors import policy_for
from tenants.models import Procuratorate, UnitLevel

ISSUER_LEVELS = (UnitLevel.PROVINCE, UnitLevel.CITY)
DEFAULT_SHARE = Decimal(15)

Actor = User | AnonymousUser | None


# --- access ------------------------------------------------------------------------------------


def is_manager(actor: Actor, issuer: Procuratorate) -> bool:
    """Whether ``actor`` may act for ``issuer``: platform staff, or ``Op.KEY_EVALUATION_MANAGE``
    granted at the issuer or at a unit above it (a province_admin at the province, a
    city_reviewer at a city)."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(
        actor.is_staff or role_table.console_access(actor).covers(Op.KEY_EVALUATION_MANAGE, issuer)
    )


def _require_manager(actor: Actor, issuer: Procuratorate) -> None:
    if not is_manager(actor, issuer):
        raise PermissionDenied("只有本院（或上级院）的管理员、审核人可以组织重点评价。")


def _require_issuer(issuer: Procuratorate) -> None:
    if issuer.level not in ISSUER_LEVELS:
        raise DomainError.single("INVALID_ISSUER", "只有省级院或市级院可以组织重点评价。", "issuer")


def _under(unit: Procuratorate, issuer: Procuratorate) -> bool:
    """``unit`` lies strictly below ``issuer``."""
    return unit.pk != issuer.pk and unit.path.startswith(issuer.path)


# --- selection ---------------------------------------------------------------------------------

_INDICATOR_FIELDS = (
    "code",
    "level1",
    "level2",
    "name",
    "value_type",
    "direction",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "template_code",
    "sort_order",
)
_SELF_FIELDS = {
    "actual_value": "self_actual_value",
    "actual_text": "self_actual_text",
    "band": "self_band",
    "band_score": "self_band_score",
    "explanation": "self_explanation",
    "deviation_cause": "deviation_cause",
    "deviation_reason": "deviation_reason",
    "computed_score": "self_computed_score",
    "override_score": "self_override_score",
    "override_reason": "self_override_reason",
    "final_score": "self_score",
    "computation": "self_computation",
    "flags": "self_flags",
}


def _snapshot(unit: Procuratorate, project_id: int, fiscal_year: int) -> dict[str, Any] | None:
    """The unit's finalised self-evaluation of the project, read on its schema and fully
    evaluated inside the block (design.md §7): the evaluation's fields and its indicators'."""
    from backend.evaluation.models import EvaluationStatus, SelfEvaluation

    with schema_context(unit.schema_name):
        evaluation = (
            SelfEvaluation.objects.filter(
                project_id=project_id,
                fiscal_year=fiscal_year,
                status=EvaluationStatus.FINALISED,
            )
            .select_related("project")
            .first()
        )
        if evaluation is None:
            return None
        indicators = list(
            evaluation.indicators.order_by("sort_order", "id").values(
                "id", *_INDICATOR_FIELDS, *_SELF_FIELDS
            )
        )
        project = evaluation.project
        return {
            "evaluation": evaluation,
            "project_code": project.code,
            "project_name": project.name,
            "indicators": indicators,
        }


def _create(
    issuer: Procuratorate,
    actor: Actor,
    unit: Procuratorate,
    fact: ProjectFact,
    kind: str,
    draw: SamplingDraw | None = None,
) -> KeyEvaluation:
    snap = _snapshot(unit, fact.project_id, fact.fiscal_year)
    if snap is None or snap["evaluation"].executed is None:
        raise DomainError.single(
            "NOT_FINALISED",
            f"项目{fact.project_code}的自评尚未定稿，不能选为重点评价。",
            "projectId",
        )
    ev = snap["evaluation"]
    key_eval = KeyEvaluation.objects.create(
        unit=unit,
        issuer=issuer,
        kind=kind,
        fiscal_year=fact.fiscal_year,
        draw=draw,
        project_id=fact.project_id,
        project_code=snap["project_code"],
        project_name=snap["project_name"],
        evaluation_id=ev.pk,
        layout=ev.layout,
        execution_weight=ev.execution_weight,
        group_weights=ev.group_weights,
        full_budget=ev.full_budget,
        executed=ev.executed,
        execution_rate=ev.execution_rate
        if ev.execution_rate is not None
        else scoring.execution_rate(ev.executed, ev.full_budget),
        execution_score=ev.execution_score
        if ev.execution_score is not None
        else scoring.execution_score(
            scoring.execution_rate(ev.executed, ev.full_budget), ev.execution_weight
        ),
        self_group_scores=ev.group_scores or {},
        self_score=ev.total if ev.total is not None else Decimal(0),
        self_grade=ev.grade,
        self_flags=ev.flags or [],
        self_finalised_at=ev.finalised_at,
        deviation_analysis=ev.deviation_analysis,
        selected_by=actor if actor is not None and actor.is_authenticated else None,
    )
    KeyIndicator.objects.bulk_create(
        KeyIndicator(
            key_evaluation=key_eval,
            indicator_score_id=row["id"],
            **{name: row[name] for name in _INDICATOR_FIELDS},
            **{target: row[source] for source, target in _SELF_FIELDS.items()},
        )
        for row in snap["indicators"]
    )
    return key_eval


def _finalised_fact(unit: Procuratorate, project_id: int, fiscal_year: int) -> ProjectFact | None:
    """The project's fact if its self-evaluation is finalised, locked: two selections of the
    same project wait for each other, and the second finds the first's key evaluation."""
    return (
        ProjectFact.objects.select_for_update()
        .filter(
            unit=unit, project_id=project_id, fiscal_year=fiscal_year, finalised_at__isnull=False
        )
        .first()
    )


@transaction.atomic
def select_for_key_evaluation(
    issuer: Procuratorate,
    actor: Actor,
    unit: Procuratorate,
    project_id: int,
    fiscal_year: int,
    kind: str = KeyEvaluationKind.KEY,
) -> KeyEvaluation:
    """Select the unit's project for key evaluation (``kind`` ``key``) or re-review
    (``sample``): the issuer is a province or city above the unit, the project has a finalised
    self-evaluation for ``fiscal_year`` and no key evaluation yet. Its self-evaluation is
    copied in (one visit to the unit's schema)."""
    _require_issuer(issuer)
    _require_manager(actor, issuer)
    problems: list[Problem] = []
    if kind not in KeyEvaluationKind.values:
        problems.append(Problem("INVALID_CHOICE", "评价类型无效。", "kind"))
    if not _under(unit, issuer):
        problems.append(Problem("NOT_IN_SUBTREE", "只能选择本院下级单位的项目。", "unit"))
    if problems:
        raise DomainError(*problems)
    fact = _finalised_fact(unit, project_id, fiscal_year)
    if fact is None:
        raise DomainError.single(
            "NOT_FINALISED", "该项目没有已定稿的年度自评，不能选为重点评价。", "projectId"
        )
    if KeyEvaluation.objects.filter(unit=unit, project_id=project_id).exists():
        raise DomainError.single(
            "ALREADY_SELECTED", "该项目已被选为重点评价或抽查复核。", "projectId"
        )
    return _create(issuer, actor, unit, fact, kind)


# --- evaluators --------------------------------------------------------------------------------


def _require_open(key_eval: KeyEvaluation) -> None:
    if key_eval.status == KeyEvaluationStatus.FINALISED:
        raise DomainError.single("ALREADY_FINALISED", "重点评价已定稿，不能再修改。")


@transaction.atomic
def assign_evaluators(
    key_eval: KeyEvaluation, actor: Actor, user_ids: Sequence[int]
) -> list[EvaluatorAssignment]:
    """Make ``user_ids`` the evaluators of the key evaluation: new ones are assigned, ones no
    longer listed are removed (unless they already submitted), listed ones stay as they are.
    Each must hold ``evaluator`` at the issuer or above and no membership at the evaluated unit
    (no one evaluates their own unit)."""
    _require_manager(actor, key_eval.issuer)
    _require_open(key_eval)
    ids = list(dict.fromkeys(user_ids))
    if not ids:
        raise DomainError.single("REQUIRED", "请至少指定一名评价人员。", "userIds")
    issuer = key_eval.issuer
    eligible = set(
        Membership.objects.filter(
            role_table.membership_condition(Op.KEY_EVALUATION_SCORE),
            user_id__in=ids,
            user__is_active=True,
            unit__path__in=issuer.ancestor_paths,
        ).values_list("user_id", flat=True)
    )
    conflicted = set(
        Membership.objects.filter(user_id__in=ids, unit=key_eval.unit).values_list(
            "user_id", flat=True
        )
    )
    problems: list[Problem] = []
    for index, user_id in enumerate(ids):
        if user_id not in eligible:
            problems.append(
                Problem(
                    "NOT_AN_EVALUATOR",
                    "该用户不是本院（或上级院）的评价人员。",
                    f"userIds.{index}",
                )
            )
        elif user_id in conflicted:
            problems.append(
                Problem(
                    "CONFLICT_OF_INTEREST",
                    "评价人员不能评价本人所在单位的项目。",
                    f"userIds.{index}",
                )
            )
    current = {a.evaluator_id: a for a in key_eval.assignments.select_for_update()}
    for user_id, assignment in current.items():
        if user_id not in ids and assignment.status == AssignmentStatus.SUBMITTED:
            problems.append(
                Problem(
                    "EVALUATOR_SUBMITTED",
                    "已提交评分的评价人员不能移除。",
                    "userIds",
                )
            )
    if problems:
        raise DomainError(*problems)
    for user_id, assignment in current.items():
        if user_id not in ids:
            assignment.delete()
    by = actor if actor is not None and actor.is_authenticated else None
    for user_id in ids:
        if user_id not in current:
            EvaluatorAssignment.objects.create(
                key_evaluation=key_eval, evaluator_id=user_id, assigned_by=by
            )
    key_eval.status = KeyEvaluationStatus.EVALUATING
    key_eval.save(update_fields=["status"])
    return list(key_eval.assignments.select_related("evaluator").order_by("id"))


def _require_own(assignment: EvaluatorAssignment, actor: Actor) -> None:
    """The assigned evaluator, still holding the evaluator role (``Op.KEY_EVALUATION_SCORE``)."""
    if (
        actor is None
        or not actor.is_authenticated
        or actor.pk != assignment.evaluator_id
        or not role_table.console_allowed(actor, Op.KEY_EVALUATION_SCORE)
    ):
        raise PermissionDenied("只有被指定的评价人员本人可以评分。")
    _require_open(assignment.key_evaluation)
    if assignment.status == AssignmentStatus.SUBMITTED:
        raise DomainError.single("ALREADY_SUBMITTED", "评分已提交，不能再修改。")


def _decimal(value: Any, field: str, label: str, problems: list[Problem]) -> Decimal | None:
    number, problem = cleaning.decimal(
        value, field, label, size=VALUE, negative=False, negative_code="NEGATIVE"
    )
    if problem is not None:
        problems.append(problem)
    return number


def _clean_row(
    row: Mapping[str, Any], indicator: KeyIndicator, prefix: str, problems: list[Problem]
) -> dict[str, Any]:
    """The fields of one evaluator score, checked against the indicator (every problem)."""
    cleaned: dict[str, Any] = {
        "actual_value": None,
        "actual_text": str(row.get("actual_text") or "")[:500],
        "band": "",
        "band_score": None,
        "override_score": None,
        "override_reason": str(row.get("override_reason") or "").strip(),
        "comment": str(row.get("comment") or ""),
    }
    before = len(problems)
    if indicator.value_type == scoring.QUANTITATIVE:
        cleaned["actual_value"] = _decimal(
            row.get("actual_value"), f"{prefix}actualValue", "实际值", problems
        )
        if row.get("band"):
            problems.append(Problem("NOT_QUALITATIVE", "定量指标不评定档次。", f"{prefix}band"))
    else:
        band = row.get("band") or ""
        band_score = _decimal(row.get("band_score"), f"{prefix}bandScore", "档内得分", problems)
        if band and band not in scoring.BANDS:
            problems.append(Problem("INVALID_CHOICE", "定性档次无效。", f"{prefix}band"))
        elif band:
            if band_score is None:
                problems.append(Problem("REQUIRED", "请填写档内得分。", f"{prefix}bandScore"))
            else:
                low_pct, high_pct = scoring.BANDS[band]
                low = indicator.weight * low_pct / 100
                high = indicator.weight * high_pct / 100
                if not low <= band_score <= high:
                    problems.append(
                        Problem(
                            "OUT_OF_BAND",
                            f"“{scoring.BAND_LABELS[band]}”档的得分应在"
                            f"{scoring.quantize(low)}–{scoring.quantize(high)}之间。",
                            f"{prefix}bandScore",
                        )
                    )
        elif band_score is not None:
            problems.append(Problem("REQUIRED", "请先选择定性档次。", f"{prefix}band"))
        cleaned["band"], cleaned["band_score"] = band, band_score
        if row.get("actual_value") is not None:
            problems.append(
                Problem(
                    "NOT_QUANTITATIVE", "定性指标请评定档次，不填实际值。", f"{prefix}actualValue"
                )
            )
    override = _decimal(row.get("override_score"), f"{prefix}overrideScore", "调整得分", problems)
    if override is not None:
        if override > indicator.weight:
            problems.append(
                Problem(
                    "OUT_OF_RANGE",
                    f"调整得分应在0–{scoring.quantize(indicator.weight)}之间。",
                    f"{prefix}overrideScore",
                )
            )
        if not cleaned["override_reason"]:
            problems.append(
                Problem("REASON_REQUIRED", "调整得分须说明理由。", f"{prefix}overrideReason")
            )
        cleaned["override_score"] = override
    if len(problems) > before:
        return {}
    return cleaned


def _input(indicator: KeyIndicator, score: EvaluatorScore | None) -> scoring.IndicatorInput:
    qualitative = indicator.value_type == scoring.QUALITATIVE
    return scoring.IndicatorInput(
        code=indicator.code,
        level1=indicator.level1,
        value_type=indicator.value_type,  # type: ignore[arg-type]
        direction=indicator.direction,  # type: ignore[arg-type]
        target=indicator.target_value if not qualitative else None,
        weight=indicator.weight,
        actual=score.actual_value if score and not qualitative else None,
        band=(score.band or None) if score and qualitative else None,  # type: ignore[arg-type]
        band_score=score.band_score if score and qualitative else None,
        override=score.override_score if score else None,
        override_reason=score.override_reason if score else "",
        deviation_reason=indicator.deviation_reason,
    )


def _flags(flags: Sequence[scoring.Flag]) -> list[dict[str, str]]:
    return [{"code": f.code, "message": f.message, "indicator": f.indicator} for f in flags]


def _rescore(assignment: EvaluatorAssignment) -> EvaluatorAssignment:
    """Score the evaluator's sheet with the engine: their actuals with the project's budget
    and executed amount; indicators they have not assessed score 0 and are flagged."""
    key_eval = assignment.key_evaluation
    indicators = list(key_eval.indicators.order_by("sort_order", "id"))
    scores = {s.indicator_id: s for s in assignment.scores.all()}
    project = scoring.ProjectInput(
        full_budget=key_eval.full_budget,
        executed=key_eval.executed,
        layout=key_eval.layout,  # type: ignore[arg-type]
        execution_weight=key_eval.execution_weight,
        group_weights=key_eval.group_weights,
        indicators=[_input(i, scores.get(i.pk)) for i in indicators],
    )
    sheet = scoring.score_project(project)
    by_code = {s.code: s for s in sheet.indicators}
    changed: list[EvaluatorScore] = []
    for indicator in indicators:
        row = scores.get(indicator.pk)
        if row is None:
            continue
        result = by_code[indicator.code]
        row.computed_score = result.computed
        row.final_score = result.final
        row.rule = result.rule
        row.computation = result.explanation
        row.flags = _flags(result.flags)
        changed.append(row)
    for row in changed:
        row.save()
    assignment.execution_score = sheet.execution_score
    assignment.group_scores = {k: str(v) for k, v in sheet.groups.items()}
    assignment.total = sheet.total
    assignment.grade = sheet.grade
    assignment.flags = _flags(sheet.flags)
    assignment.scored_at = timezone.now()
    return assignment


@transaction.atomic
def record_evaluator_scores(
    assignment: EvaluatorAssignment,
    actor: Actor,
    indicators: Sequence[Mapping[str, Any]] = (),
    comment: str | None = None,
) -> EvaluatorAssignment:
    """The evaluator records (or corrects) their assessment of some indicators, each a mapping
    with ``code`` and ``actual_value`` (quantitative) or ``band`` + ``band_score`` (qualitative,
    points inside the band), optionally ``override_score`` + ``override_reason`` (0..weight) and
    ``comment``. A given indicator's row is replaced as a whole; the others stay. The whole
    sheet is then re-scored. Every problem is reported (``indicators.<i>.<field>``)."""
    _require_own(assignment, actor)
    by_code = {i.code: i for i in assignment.key_evaluation.indicators.all()}
    problems: list[Problem] = []
    cleaned: list[tuple[KeyIndicator, dict[str, Any]]] = []
    seen: set[str] = set()
    for index, row in enumerate(indicators):
        prefix = f"indicators.{index}."
        code = str(row.get("code") or "")
        indicator = by_code.get(code)
        if indicator is None:
            problems.append(Problem("UNKNOWN_INDICATOR", f"指标“{code}”不存在。", f"{prefix}code"))
            continue
        if code in seen:
            problems.append(Problem("DUPLICATE", f"指标“{code}”重复填写。", f"{prefix}code"))
            continue
        seen.add(code)
        fields = _clean_row(row, indicator, prefix, problems)
        if fields:
            cleaned.append((indicator, fields))
    if problems:
        raise DomainError(*problems)
    for indicator, fields in cleaned:
        EvaluatorScore.objects.update_or_create(
            assignment=assignment, indicator=indicator, defaults=fields
        )
    if comment is not None:
        assignment.comment = comment
    _rescore(assignment)
    assignment.save()
    return assignment


@transaction.atomic
def submit_evaluator_scores(assignment: EvaluatorAssignment, actor: Actor) -> EvaluatorAssignment:
    """Submit the evaluator's scores: every indicator must be assessed. Frozen afterwards."""
    _require_own(assignment, actor)
    assessed = {
        s.indicator_id for s in assignment.scores.all() if s.actual_value is not None or s.band
    }
    missing = [i.code for i in assignment.key_evaluation.indicators.all() if i.pk not in assessed]
    if missing:
        raise DomainError(
            *(
                Problem("MISSING_ACTUAL", f"指标“{code}”尚未评分。", f"indicators.{code}")
                for code in missing
            )
        )
    _rescore(assignment)
    assignment.status = AssignmentStatus.SUBMITTED
    assignment.submitted_at = timezone.now()
    assignment.save()
    return assignment


# --- finalising --------------------------------------------------------------------------------


def _policy_values(unit: Procuratorate) -> tuple[str, Decimal]:
    policy = policy_for(unit)
    if policy is None:
        return rules.MEAN, rules.DEFAULT_OVERRATE_POINTS
    return policy.key_score_rule, policy.overrate_points


@transaction.atomic
def finalise_key_evaluation(
    key_eval: KeyEvaluation, actor: Actor, conclusion: str = ""
) -> KeyEvaluation:
    """Combine the submitted evaluators' totals by the province's rule (mean unless set to
    median or trimmed) into the key score and grade; the gap self − key and the overrated flag
    (gap > the province's ``overrate_points``, 10 by default); and, in the same transaction,
    the project's public facts (``ProjectFact.key_score`` / ``key_grade``). Needs at least one
    evaluator and every assigned evaluator's scores submitted."""
    _require_manager(actor, key_eval.issuer)
    _require_open(key_eval)
    assignments = list(key_eval.assignments.select_related("evaluator").order_by("id"))
    if not assignments:
        raise DomainError.single("NO_EVALUATORS", "尚未指定评价人员。")
    pending = [a for a in assignments if a.status != AssignmentStatus.SUBMITTED]
    if pending:
        names = "、".join(a.evaluator.full_name or a.evaluator.username for a in pending)
        raise DomainError.single("PENDING_EVALUATORS", f"以下评价人员尚未提交评分：{names}。")
    rule, overrate_points = _policy_values(key_eval.unit)
    combined = rules.combine([a.total for a in assignments], rule)
    comparison = rules.compare(key_eval.self_score, combined.score, overrate_points)
    per_indicator: dict[int, list[Decimal]] = {}
    for score in EvaluatorScore.objects.filter(assignment__in=assignments):
        if score.final_score is not None:
            per_indicator.setdefault(score.indicator_id, []).append(score.final_score)
    indicators = list(key_eval.indicators.all())
    for indicator in indicators:
        values = per_indicator.get(indicator.pk)
        indicator.key_score = rules.combine(values, rule).score if values else None
    KeyIndicator.objects.bulk_update(indicators, ["key_score"])

    key_eval.key_score = combined.score
    key_eval.key_grade = comparison.grade
    key_eval.gap = comparison.gap
    key_eval.overrated = comparison.overrated
    key_eval.overrate_points = overrate_points
    key_eval.rule = combined.rule
    key_eval.score_explanation = combined.explanation
    key_eval.conclusion = conclusion
    key_eval.status = KeyEvaluationStatus.FINALISED
    key_eval.finalised_at = timezone.now()
    key_eval.finalised_by = actor if actor is not None and actor.is_authenticated else None
    key_eval.save()
    ProjectFact.objects.filter(unit=key_eval.unit, project_id=key_eval.project_id).update(
        key_score=combined.score, key_grade=comparison.grade
    )
    if comparison.overrated:
        # Results application: an overrated self-evaluation is to be corrected (same transaction).
        open_for_overrated_self_evaluation(
            issuer=key_eval.issuer,
            unit=key_eval.unit,
            fiscal_year=key_eval.fiscal_year,
            project_id=key_eval.project_id,
            project_code=key_eval.project_code,
            project_name=key_eval.project_name,
            self_score=key_eval.self_score,
            key_score=combined.score,
            actor=key_eval.finalised_by,
        )
    return key_eval


# --- sampling ----------------------------------------------------------------------------------


@transaction.atomic
def draw_sample(
    issuer: Procuratorate,
    actor: Actor,
    fiscal_year: int,
    share: Decimal | None = None,
    seed: str | None = None,
) -> SamplingDraw:
    """Draw the self-evaluations of ``fiscal_year`` the issuer re-reviews (domain.md
    "Sampling"; method in ``sampling.py``). Population: the finalised self-evaluations of the
    units below the issuer (``ProjectFact.finalised_at`` set). Chosen: ``ceil(share % × N)`` by
    rank of SHA-256(seed, unit, project) — ``share`` defaults to the province's
    ``sampling_share`` (15), ``seed`` to ``"<issuer code>-<year>"`` — plus every flagged one
    (``evaluation_flags`` not empty). The draw is recorded; a ``sample`` key evaluation is
    created for each chosen or flagged project that has none yet, so drawing again creates
    nothing new."""
    _require_issuer(issuer)
    _require_manager(actor, issuer)
    problems: list[Problem] = []
    if share is None:
        policy = policy_for(issuer)
        share = policy.sampling_share if policy else DEFAULT_SHARE
    else:
        try:
            share = Decimal(str(share))
        except (InvalidOperation, ValueError):
            share = Decimal(-1)
        if not share.is_finite() or not Decimal(0) <= share <= Decimal(100):
            problems.append(Problem("OUT_OF_RANGE", "抽查比例应在0–100之间。", "share"))
    seed = (seed or "").strip() or sampling.default_seed(issuer.code, fiscal_year)
    if len(seed) > 100:
        problems.append(Problem("TOO_LONG", "随机种子不能超过100个字符。", "seed"))
    if problems:
        raise DomainError(*problems)
    facts = list(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            finalised_at__isnull=False,
            unit__path__startswith=issuer.path,
        )
        .exclude(unit=issuer)
        .select_related("unit")
        .order_by("unit__path", "project_id")
    )
    by_member = {sampling.Member(f.unit.code, f.project_id): f for f in facts}
    chosen = sampling.choose(by_member, share, seed)
    chosen_members = {m for m, _ in chosen}
    flagged = [m for m, f in by_member.items() if f.evaluation_flags and m not in chosen_members]

    def entry(member: sampling.Member, rank: str | None = None) -> dict[str, Any]:
        fact = by_member[member]
        row: dict[str, Any] = {
            "unit": member.unit_code,
            "project_id": member.project_id,
            "project_code": fact.project_code,
        }
        if rank is not None:
            row["rank"] = rank
        else:
            row["flags"] = list(fact.evaluation_flags)
        return row

    draw = SamplingDraw.objects.create(
        issuer=issuer,
        fiscal_year=fiscal_year,
        share=share,
        seed=seed,
        population_size=len(by_member),
        sample_size=len(chosen),
        chosen=[entry(m, r) for m, r in chosen],
        flagged=[entry(m) for m in flagged],
        drawn_by=actor if actor is not None and actor.is_authenticated else None,
    )
    wanted = [m for m, _ in chosen] + flagged
    # Lock the facts wanted (as a selection does) before looking for existing key evaluations.
    list(
        ProjectFact.objects.select_for_update()
        .filter(pk__in=[by_member[m].pk for m in wanted])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    existing = set(
        KeyEvaluation.objects.filter(
            project_id__in=[m.project_id for m in wanted],
            unit__code__in={m.unit_code for m in wanted},
        ).values_list("unit__code", "project_id")
    )
    created = 0
    for member in sorted(wanted, key=lambda m: (m.unit_code, m.project_id)):
        if (member.unit_code, member.project_id) in existing:
            continue
        fact = by_member[member]
        _create(issuer, actor, fact.unit, fact, KeyEvaluationKind.SAMPLE, draw=draw)
        created += 1
    draw.created = created
    draw.save(update_fields=["created"])
    return draw


# --- settings ----------------------------------------------------------------------------------

_POLICY_LABELS = {
    "sampling_share": "自评抽查比例",
    "overrate_points": "自评虚高阈值",
}


@transaction.atomic
def set_key_evaluation_policy(
    province: Procuratorate,
    actor: Actor,
    *,
    sampling_share: Decimal | None = None,
    key_score_rule: str | None = None,
    overrate_points: Decimal | None = None,
) -> ProvincePolicy:
    """Change the province's key-evaluation settings (only those given): the sampling share
    (0–100 %), the rule combining evaluators' scores (mean, median, trimmed) and the points by
    which a self-score may exceed the key score before it is flagged (0–100). A
    ``province_admin`` of that province, or platform staff."""
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single("NOT_A_PROVINCE", "只有省级院可以进行此项设置。", "province")
    if not (
        actor is not None
        and actor.is_authenticated
        and (actor.is_staff or role_table.console_access(actor).at(Op.POLICY_MANAGE, province))
    ):
        raise PermissionDenied("只有本省的省院管理员可以修改重点评价设置。")
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for name, value in (("sampling_share", sampling_share), ("overrate_points", overrate_points)):
        if value is None:
            continue
        field = "samplingShare" if name == "sampling_share" else "overratePoints"
        try:
            number = Decimal(str(value))
        except (InvalidOperation, ValueError):
            number = Decimal("NaN")
        if not number.is_finite() or not Decimal(0) <= number <= Decimal(100):
            problems.append(
                Problem("OUT_OF_RANGE", f"{_POLICY_LABELS[name]}应在0–100之间。", field)
            )
        else:
            values[name] = number.quantize(Decimal("0.01"))
    if key_score_rule is not None:
        if key_score_rule not in KeyScoreRule.values:
            problems.append(Problem("INVALID_CHOICE", "重点评价得分口径无效。", "keyScoreRule"))
        else:
            values["key_score_rule"] = key_score_rule
    if problems:
        raise DomainError(*problems)
    policy, _ = ProvincePolicy.objects.get_or_create(province=province)
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by = actor if actor.is_authenticated else None
    policy.save()
    return policy
