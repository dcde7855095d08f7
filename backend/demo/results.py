"""The demo's results application for last year, run by the province through the services:
a key evaluation (重点评价) of a handful of projects by the three demo evaluators, the sampling
re-review draw, and a feedback batch (反馈意见) with rectification to the units graded 中 or 差.
Deterministic (``random.Random(f"{seed}:results")``) and idempotent: a year that already has
key evaluations is left alone."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.evaluation.models import Band
from backend.feedback import services as feedback
from backend.indicators.models import Direction, ValueType
from backend.key_evaluation import services as key_evaluation
from backend.key_evaluation.models import KeyEvaluation, KeyIndicator
from tenants.models import Procuratorate, UnitLevel

KEY_PROJECTS = 8
WEAK_GRADES = ("中", "差")
CENT = Decimal("0.01")
FEEDBACK_TITLE = "关于{year}年度项目支出绩效自评结果的反馈意见"
FEEDBACK_BODY = (
    "经汇总分析，你院{year}年度部分项目绩效自评结果为“中”或“差”，存在预算执行进度偏慢、"
    "部分绩效指标未完成、偏差原因分析不够具体等问题。请对照本院数据逐项分析原因，"
    "制定整改措施，于整改期限前报送整改情况及佐证材料。"
)


@dataclass(frozen=True)
class ResultsLoaded:
    key_evaluations: int
    sampled: int
    feedback_items: int


def _evaluator_row(indicator: KeyIndicator, rng: random.Random) -> dict[str, object]:
    """An evaluator's own assessment: the unit's actual, checked and usually a little lower."""
    factor = Decimal(str(rng.uniform(0.85, 1.0)))
    if indicator.value_type == ValueType.QUALITATIVE:
        band = indicator.self_band or Band.PARTLY
        low, high = {"achieved": (80, 100), "partly": (60, 80)}.get(band, (0, 60))
        share = Decimal(low + (high - low) * rng.uniform(0.2, 0.9)) / 100
        score = (indicator.weight * share).quantize(CENT, rounding=ROUND_HALF_UP)
        return {"code": indicator.code, "band": band, "band_score": score}
    actual = indicator.self_actual_value or Decimal(0)
    if indicator.direction == Direction.LTE:
        factor = 1 / factor
    value = (actual * factor).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return {"code": indicator.code, "actual_value": value}


@transaction.atomic
def _key_evaluations(
    province: Procuratorate,
    admin: User,
    evaluators: list[User],
    fiscal_year: int,
    rng: random.Random,
) -> int:
    facts = list(
        ProjectFact.objects.filter(
            fiscal_year=fiscal_year,
            finalised_at__isnull=False,
            unit__path__startswith=province.path,
            unit__level=UnitLevel.COUNTY,
        )
        .select_related("unit")
        .order_by("unit__path", "project_code")
    )
    chosen = rng.sample(facts, min(KEY_PROJECTS, len(facts)))
    for fact in chosen:
        item = key_evaluation.select_for_key_evaluation(
            province, admin, fact.unit, fact.project_id, fiscal_year
        )
        key_evaluation.assign_evaluators(item, admin, [e.pk for e in evaluators])
        indicators = list(item.indicators.order_by("sort_order", "id"))
        for assignment in item.assignments.select_related("evaluator").order_by("id"):
            rows = [_evaluator_row(i, rng) for i in indicators]
            key_evaluation.record_evaluator_scores(
                assignment, assignment.evaluator, rows, comment="经现场核查，佐证材料基本齐全。"
            )
            key_evaluation.submit_evaluator_scores(assignment, assignment.evaluator)
        key_evaluation.finalise_key_evaluation(
            item, admin, conclusion="项目总体实施情况与自评基本相符，部分指标完成依据不足。"
        )
    return len(chosen)


def load_results(*, seed: int = 2026, fiscal_year: int | None = None) -> ResultsLoaded:
    """Run last year's results application for the demo province (see the module text)."""
    year = fiscal_year or timezone.localdate().year - 1
    province = Procuratorate.objects.filter(level=UnitLevel.PROVINCE).order_by("path").first()
    if province is None:
        return ResultsLoaded(0, 0, 0)
    admin = User.objects.get(username="admin")
    evaluators = list(
        User.objects.filter(username__startswith=f"{province.code}-evaluator-").order_by("username")
    )
    if KeyEvaluation.objects.filter(issuer=province, fiscal_year=year).exists():
        return ResultsLoaded(0, 0, 0)
    rng = random.Random(f"{seed}:results")
    keyed = _key_evaluations(province, admin, evaluators, year, rng)
    draw = key_evaluation.draw_sample(province, admin, year)
    weak = UnitYearFact.objects.filter(
        fiscal_year=year, project_grade__in=WEAK_GRADES, unit__path__startswith=province.path
    ).exclude(unit=province)
    if not weak.exists():
        return ResultsLoaded(keyed, draw.evaluations.count(), 0)
    batch = feedback.issue_feedback(
        province,
        admin,
        fiscal_year=year,
        title=FEEDBACK_TITLE.format(year=year),
        body=FEEDBACK_BODY.format(year=year),
        filter={"grade": list(WEAK_GRADES)},
        requires_rectification=True,
        due_on=timezone.localdate() + datetime.timedelta(days=45),
    )
    return ResultsLoaded(keyed, draw.evaluations.count(), batch.items.count())
