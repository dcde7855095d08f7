"""What a finalised self-evaluation hands to results application (``apply_evaluation_result``,
inside its transaction): the linkage suggestion, the fact mirror, and the rectification a 差
or an overrated self-evaluation opens automatically."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact
from backend.core.errors import DomainError
from backend.evaluation import scoring
from backend.evaluation.scoring import GRADE_POOR
from backend.feedback.errors import FeedbackErrorCode
from backend.feedback.models import (
    BudgetLinkage,
    RectificationOrigin,
    RectificationRequest,
)
from backend.feedback.services.base import GRADES, money, policy_or_default, province_of
from backend.feedback.services.linkage import unit_score, upsert_linkage
from backend.oversight.models import ProvincePolicy
from tenants.models import Procuratorate


@dataclass(frozen=True)
class EvaluationResult:
    """What a finalised self-evaluation hands to results application."""

    unit: Procuratorate
    fiscal_year: int
    evaluation_id: int
    project_id: int
    project_code: str
    project_name: str
    full_budget: Decimal
    total: Decimal
    grade: str
    actor: User | None = None


@transaction.atomic
def apply_evaluation_result(result: EvaluationResult) -> None:
    """Apply a finalised self-evaluation (idempotent: a re-finalisation updates, never
    duplicates). Upserts the project's and the unit's budget linkage suggestion, mirrors the
    project's suggestion into ``ProjectFact``, and for 差 opens the automatic rectification
    request (once per evaluation). A 中 opens nothing; it shows in
    ``selectors.suggested_rectifications`` until a reviewer opens one."""
    if result.grade not in GRADES:
        raise DomainError.single(
            FeedbackErrorCode.INVALID_GRADE, f"无效的等级：{result.grade}", "grade"
        )
    unit, year = result.unit, result.fiscal_year
    policy = policy_or_default(unit)
    total, budget = money(result.total), money(result.full_budget)
    linkage = upsert_linkage(
        unit,
        year,
        result.project_id,
        project_code=result.project_code,
        project_name=result.project_name,
        score=total,
        grade=result.grade,
        base=budget,
        policy=policy,
        extra_basis={"evaluation_id": result.evaluation_id},
    )
    ProjectFact.objects.filter(unit=unit, project_id=result.project_id).update(
        linkage_suggestion=linkage.suggested_action,
        linkage_decision=linkage.decided_action,
    )
    refresh_unit_linkage(unit, year, overlay=(result.project_id, budget, total), policy=policy)
    if result.grade == GRADE_POOR:
        _open_for_poor_grade(result, policy)


def refresh_unit_linkage(
    unit: Procuratorate,
    fiscal_year: int,
    *,
    overlay: tuple[int, Decimal, Decimal] | None = None,
    policy: ProvincePolicy | None = None,
) -> BudgetLinkage | None:
    """The unit-level suggestion (``project_id`` null) from its budget-weighted score."""
    rolled = unit_score(unit, fiscal_year, overlay=overlay)
    if rolled is None:
        return None
    score, budget, projects = rolled
    return upsert_linkage(
        unit,
        fiscal_year,
        None,
        project_code="",
        project_name="",
        score=score,
        grade=scoring.grade(score),
        base=budget,
        policy=policy or policy_or_default(unit),
        extra_basis={
            "projects": projects,
            "weighting": "按项目全年预算数加权平均（已定稿项目）",
        },
    )


def _open_for_poor_grade(result: EvaluationResult, policy: ProvincePolicy) -> None:
    exists = RectificationRequest.objects.filter(
        unit=result.unit, evaluation_id=result.evaluation_id, origin=RectificationOrigin.GRADE
    ).exists()
    if exists:
        return
    RectificationRequest.objects.create(
        unit=result.unit,
        issuer=province_of(result.unit),
        fiscal_year=result.fiscal_year,
        origin=RectificationOrigin.GRADE,
        project_id=result.project_id,
        project_code=result.project_code,
        project_name=result.project_name,
        evaluation_id=result.evaluation_id,
        title=f"{result.project_name}绩效自评等级为差，限期整改"[:200],
        requirement=(
            f"项目“{result.project_name}”（{result.project_code}）{result.fiscal_year}年度绩效"
            f"自评得分 {money(result.total)}，等级为差。请分析原因，提出并落实整改措施，"
            f"在期限内报送整改情况及佐证材料。"
        ),
        due_on=timezone.localdate() + datetime.timedelta(days=policy.rectification_days),
        created_by=result.actor,
    )


def open_for_overrated_self_evaluation(
    *,
    issuer: Procuratorate,
    unit: Procuratorate,
    fiscal_year: int,
    project_id: int,
    project_code: str,
    project_name: str,
    self_score: Decimal,
    key_score: Decimal,
    actor: User | None,
) -> RectificationRequest:
    """Called in the transaction that finalises a key evaluation which found the unit's
    self-evaluation overrated: a rectification request from the key evaluation's issuer, due
    after the province's ``rectification_days``. Once per project and year (idempotent)."""
    existing = RectificationRequest.objects.filter(
        unit=unit,
        fiscal_year=fiscal_year,
        project_id=project_id,
        origin=RectificationOrigin.KEY_EVALUATION,
    ).first()
    if existing is not None:
        return existing
    policy = policy_or_default(unit)
    return RectificationRequest.objects.create(
        unit=unit,
        issuer=issuer,
        fiscal_year=fiscal_year,
        origin=RectificationOrigin.KEY_EVALUATION,
        project_id=project_id,
        project_code=project_code,
        project_name=project_name,
        title=f"{project_name}绩效自评结果偏高，限期整改"[:200],
        requirement=(
            f"项目“{project_name}”（{project_code}）{fiscal_year}年度绩效自评得分 "
            f"{money(self_score)}，重点评价得分 {money(key_score)}，相差 "
            f"{money(self_score - key_score)} 分。请核实自评依据，分析自评偏高的原因，"
            f"规范自评工作，并在期限内报送整改情况及佐证材料。"
        ),
        due_on=timezone.localdate() + datetime.timedelta(days=policy.rectification_days),
        created_by=actor,
    )
