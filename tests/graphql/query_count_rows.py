"""Rows for the query-count entries (``tests/graphql/test_query_counts.py``): each builder adds
``n`` root rows with one or two nested rows of every kind the entry's query selects, through
the domains' factories. Tenant builders run in 冷水江's schema, public ones in the public
schema (the test enters it)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from tenants.services import schema_name_for
from tests.goals.factories import GoalFactory, GoalIndicatorFactory, ProjectFactory
from tests.indicators.factories import IndicatorFactory, VersionFactory

DAY = datetime.date(2026, 3, 1)


def schema_of(code: str) -> str:
    return "public" if code == "public" else schema_name_for(code)


def projects(n: int) -> None:
    from backend.budgets.models import BudgetAdjustment, Expenditure
    from backend.goals.models import (
        AdjustmentRequest,
        Decision,
        GoalReview,
        IndicatorComment,
        ReviewStage,
    )

    for _ in range(n):
        project = ProjectFactory()
        BudgetAdjustment.objects.create(
            project=project, date=DAY, amount=Decimal("1000"), reason="追加"
        )
        Expenditure.objects.create(
            project=project, date=DAY, amount=Decimal("200"), description="办案"
        )
        goal = GoalFactory(project=project, warnings=[{"code": "W", "message": "提示"}])
        indicator = GoalIndicatorFactory(goal=goal)
        GoalIndicatorFactory(goal=goal)
        review = GoalReview.objects.create(
            goal=goal,
            stage=ReviewStage.UNIT,
            decision=Decision.APPROVE,
            comment="同意",
            reviewer_unit_code="lengshuijiang",
        )
        IndicatorComment.objects.create(review=review, indicator=indicator, comment="可")
        AdjustmentRequest.objects.create(goal=goal, reason="调整", changes={})


def templates(n: int) -> None:
    from backend.indicators.models import VersionStatus

    for _ in range(n):
        version = VersionFactory(status=VersionStatus.PUBLISHED)
        IndicatorFactory(version=version)
        IndicatorFactory(version=version)
        VersionFactory(template=version.template, number=2)


def template_pushes(n: int) -> None:
    from backend.indicators.models import PushTarget, TemplatePush, VersionStatus
    from tenants.models import Procuratorate

    units = list(Procuratorate.objects.filter(code__in=["loudi", "xinhua"]))
    for _ in range(n):
        push = TemplatePush.objects.create(
            version=VersionFactory(status=VersionStatus.PUBLISHED), targets={"kind": "all"}
        )
        for unit in units:
            PushTarget.objects.create(push=push, unit=unit)


def library(n: int) -> None:
    from backend.library.models import LibraryIndicator, MergeConflict, Source

    version = VersionFactory()
    for index in range(n):
        indicator = LibraryIndicator.objects.create(
            source=Source.LOCAL,
            code=f"lib-{LibraryIndicator.objects.count()}-{index}",
            level1="产出指标",
            level2="数量指标",
            name="本院指标",
            unit="件",
            target_value=Decimal("10"),
            weight=Decimal("10"),
        )
        for field in ("name", "unit"):
            MergeConflict.objects.create(
                indicator=indicator,
                field=field,
                local_value="a",
                upstream_value="b",
                version=version,
            )


def monitoring_entries(n: int) -> None:
    from backend.monitoring.models import EntryIndicator, MonitoringEntry, SpentSource
    from backend.oversight.models import MonitoringRound
    from tenants.models import Procuratorate

    round_, _ = MonitoringRound.objects.get_or_create(
        province=Procuratorate.objects.get(code="hunan"),
        fiscal_year=2026,
        month=6,
        defaults={"opens_on": DAY, "closes_on": DAY},
    )
    for _ in range(n):
        goal = GoalFactory()
        entry = MonitoringEntry.objects.create(
            project=goal.project,
            round=round_,
            month=6,
            full_budget=Decimal("1000"),
            spent_to_date=Decimal("500"),
            spent_source=SpentSource.ENTERED,
            execution_rate=Decimal("50"),
            time_progress=Decimal("50"),
        )
        for _ in range(2):
            EntryIndicator.objects.create(
                entry=entry, goal_indicator=GoalIndicatorFactory(goal=goal)
            )


def alert_records(n: int) -> None:
    from tenants.models import Procuratorate
    from tests.benchmarking.factories import AlertRecordFactory

    unit = Procuratorate.objects.get(code="lengshuijiang")
    AlertRecordFactory.create_batch(n, unit=unit)


def rectifications(n: int) -> None:
    from backend.feedback.models import RectificationEvent
    from tenants.models import Procuratorate
    from tests.benchmarking.factories import RectificationFactory

    unit = Procuratorate.objects.get(code="lengshuijiang")
    for request in RectificationFactory.create_batch(n, unit=unit):
        for kind in (RectificationEvent.Kind.values[0], RectificationEvent.Kind.values[-1]):
            RectificationEvent.objects.create(
                request=request, kind=kind, text="说明", evidence_ids=[1]
            )


def self_evaluations(n: int) -> None:
    from tests.reports.factories import make_evaluation

    for _ in range(n):
        evaluation = make_evaluation(status="draft")
        evaluation.funding = [
            {"name": "财政拨款", "budget": "1000", "executed": "900"},
            {"name": "其他资金", "budget": "100", "executed": "50"},
        ]
        evaluation.save(update_fields=["funding"])


def goal_submissions(n: int) -> None:
    from backend.oversight.models import GoalSubmission
    from tenants.models import Procuratorate

    unit = Procuratorate.objects.get(code="lengshuijiang")
    start = GoalSubmission.objects.count()
    GoalSubmission.objects.bulk_create(
        GoalSubmission(
            unit=unit,
            goal_id=50_000 + start + index,
            project_code=f"gs-{start + index}",
            project_name="项目",
            fiscal_year=2026,
            status="unit_approved",  # awaiting 娄底's city review
        )
        for index in range(n)
    )


def department_indicators(n: int) -> None:
    from backend.evaluation.models import DepartmentEvaluation, DepartmentIndicatorScore
    from backend.indicators.models import ValueType
    from tests.reports.factories import make_department

    department = DepartmentEvaluation.objects.filter(fiscal_year=2026).first()
    department = department or make_department()
    start = department.indicators.count()
    DepartmentIndicatorScore.objects.bulk_create(
        DepartmentIndicatorScore(
            evaluation=department,
            code=f"dx{start + index}",
            level1="产出指标",
            level2="数量指标",
            name="部门重点工作完成数",
            value_type=ValueType.QUANTITATIVE,
            direction="gte",
            unit="项",
            target_value=Decimal("10"),
            weight=Decimal("1"),
            actual_value=Decimal("8"),
            sort_order=start + index,
            deviation_reason="未完成",
        )
        for index in range(n)
    )


def feedback(n: int) -> None:
    from backend.feedback.models import FeedbackBatch, FeedbackItem
    from tenants.models import Procuratorate

    units = {
        u.code: u
        for u in Procuratorate.objects.filter(code__in=["hunan", "lengshuijiang", "xinhua"])
    }
    for _ in range(n):
        batch = FeedbackBatch.objects.create(
            issuer=units["hunan"], fiscal_year=2026, title="评价结果反馈", body="请阅"
        )
        for code in ("lengshuijiang", "xinhua"):
            FeedbackItem.objects.create(batch=batch, unit=units[code], evidence_ids=[1])


def budget_linkages(n: int) -> None:
    from backend.accounts.models import User
    from backend.feedback.models import BudgetLinkage, LinkageAction
    from tenants.models import Procuratorate

    unit = Procuratorate.objects.get(code="lengshuijiang")
    decider = User.objects.order_by("pk").first()
    start = BudgetLinkage.objects.count()
    BudgetLinkage.objects.bulk_create(
        BudgetLinkage(
            unit=unit,
            fiscal_year=2026,
            project_id=60_000 + start + index,
            project_code=f"bl-{start + index}",
            grade="中",
            score=Decimal("70"),
            base_budget=Decimal("1000"),
            suggested_action=LinkageAction.REDUCE,
            suggested_min_pct=Decimal("5"),
            suggested_max_pct=Decimal("10"),
            decided_by=decider,
        )
        for index in range(n)
    )


def alerts(n: int) -> None:
    from django.utils import timezone

    from backend.monitoring.models import Alert, AlertKind, Severity

    start = Alert.objects.count()
    for index in range(n):
        goal = GoalFactory()
        Alert.objects.create(
            key=f"qc-{start + index}",
            kind=AlertKind.INDICATOR_RISK,
            severity=Severity.WARNING,
            fiscal_year=2026,
            month=6,
            project=goal.project,
            goal_indicator=GoalIndicatorFactory(goal=goal),
            message="指标完成风险",
            last_seen_at=timezone.now(),
            answer_due=DAY,
        )


def documents(n: int) -> None:
    from backend.accounts.models import User
    from backend.documents.models import Document

    uploader = User.objects.order_by("pk").first()
    Document.objects.bulk_create(
        Document(title="佐证材料", file=f"docs/qc-{index}.pdf", size=10, uploaded_by=uploader)
        for index in range(n)
    )


def peer_groups(n: int) -> None:
    from backend.benchmarking.models import PeerGroup, PeerGroupKind, PeerGroupMember
    from tenants.models import Procuratorate

    units = {
        u.code: u
        for u in Procuratorate.objects.filter(code__in=["hunan", "loudi", "xinhua", "lianyuan"])
    }
    start = PeerGroup.objects.count()
    for index in range(n):
        group = PeerGroup.objects.create(
            province=units["hunan"],
            code=f"qc-{start + index}",
            name="对标组",
            kind=PeerGroupKind.REGION,
            city=units["loudi"],
        )
        for code in ("xinhua", "lianyuan"):
            PeerGroupMember.objects.create(group=group, unit=units[code])


def key_evaluations(n: int) -> None:
    from backend.accounts.models import User
    from backend.key_evaluation.models import (
        EvaluatorAssignment,
        EvaluatorScore,
        KeyEvaluation,
        KeyEvaluationKind,
        KeyIndicator,
    )
    from tenants.models import Procuratorate

    units = {u.code: u for u in Procuratorate.objects.filter(code__in=["hunan", "lengshuijiang"])}
    evaluator = User.objects.order_by("pk").first()
    start = KeyEvaluation.objects.count()
    for index in range(n):
        evaluation = KeyEvaluation.objects.create(
            unit=units["lengshuijiang"],
            issuer=units["hunan"],
            kind=KeyEvaluationKind.KEY,
            fiscal_year=2025,
            project_id=70_000 + start + index,
            project_code=f"ke-{start + index}",
            project_name="重点项目",
            evaluation_id=70_000 + start + index,
            layout="split",
            execution_weight=Decimal("10"),
            full_budget=Decimal("1000"),
            executed=Decimal("900"),
            execution_rate=Decimal("90"),
            execution_score=Decimal("9"),
            self_score=Decimal("90"),
            self_grade="优",
        )
        indicators = [
            KeyIndicator.objects.create(
                key_evaluation=evaluation,
                code=f"k{order}",
                level1="产出指标",
                level2="数量指标",
                name="办理案件数",
                value_type="quantitative",
                weight=Decimal("10"),
                sort_order=order,
            )
            for order in range(2)
        ]
        assignment = EvaluatorAssignment.objects.create(
            key_evaluation=evaluation, evaluator=evaluator
        )
        for indicator in indicators:
            EvaluatorScore.objects.create(assignment=assignment, indicator=indicator)


def tasks(n: int) -> None:
    """One task a row: a project of this year without a goal, or a goal in draft."""
    for index in range(n):
        if index % 2:
            GoalFactory()
        else:
            ProjectFactory()


QC_CITY = "qc-city"


def registry_units(n: int) -> list:
    """``n`` county units under a city ``qc-city`` of 湖南 (made on first use): registry rows
    only, without schemas (``bench/benchmarking.py`` ``add_units``: ``save()`` of a tenant
    creates its schema, ``bulk_create`` does not). A public list of one row per unit grows
    with these."""
    from bench.benchmarking import add_counties, add_units
    from tenants.models import Procuratorate, UnitLevel

    city = Procuratorate.objects.filter(code=QC_CITY).first()
    if city is None:
        province = Procuratorate.objects.get(code="hunan")
        (city,) = add_units(
            [
                Procuratorate(
                    code=QC_CITY,
                    schema_name=QC_CITY.replace("-", "_"),
                    name="计数市院",
                    level=UnitLevel.CITY,
                    path=f"{province.path}{QC_CITY}/",
                    depth=province.depth + 1,
                    parent=province,
                )
            ]
        )
    # Coded qc<start>-u0000 on: a second call does not repeat the first one's codes.
    return add_counties([city], f"qc{city.children.count()}", n)


def units(n: int) -> None:
    registry_units(n)


def unit_statistics(n: int) -> None:
    from tests.benchmarking.factories import UnitStatisticsFactory

    for unit in registry_units(n):
        UnitStatisticsFactory(unit=unit)


def execution_facts(n: int) -> None:
    from tests.benchmarking.factories import ExecutionFactFactory

    for unit in registry_units(n):
        ExecutionFactFactory(unit=unit)


def unit_year_facts(n: int) -> None:
    from tests.benchmarking.factories import UnitYearFactFactory

    for unit in registry_units(n):
        UnitYearFactFactory(unit=unit)


def _finalised_project_facts(n: int, grade: str) -> None:
    from django.utils import timezone

    from tenants.models import Procuratorate
    from tests.benchmarking.factories import ProjectFactFactory

    unit = Procuratorate.objects.get(code="lengshuijiang")
    ProjectFactFactory.create_batch(
        n, unit=unit, finalised_at=timezone.now(), self_score=Decimal("75"), self_grade=grade
    )


def evaluation_results(n: int) -> None:
    _finalised_project_facts(n, "良")


def suggested_rectifications(n: int) -> None:
    _finalised_project_facts(n, "中")


def key_evaluators(n: int) -> None:
    from backend.accounts.models import Role
    from tenants.models import Procuratorate
    from tests.factories import MembershipFactory, UserFactory

    unit = Procuratorate.objects.get(code="hunan")
    for user in UserFactory.create_batch(n):
        MembershipFactory(user=user, unit=unit, role=Role.EVALUATOR)


def my_assignments(n: int) -> None:
    """``n`` key evaluations assigned to the entry's caller (湖南's evaluator)."""
    from backend.accounts.models import Role, User
    from backend.key_evaluation.models import EvaluatorAssignment, EvaluatorScore, KeyEvaluation

    evaluator = User.objects.get(username=f"qc-hunan-{Role.EVALUATOR}")
    before = KeyEvaluation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    key_evaluations(n)
    for evaluation in KeyEvaluation.objects.filter(pk__gt=before):
        assignment, _ = EvaluatorAssignment.objects.get_or_create(
            key_evaluation=evaluation, evaluator=evaluator
        )
        for indicator in evaluation.indicators.all():
            EvaluatorScore.objects.get_or_create(assignment=assignment, indicator=indicator)


def sampling_draws(n: int) -> None:
    from backend.accounts.models import User
    from backend.key_evaluation.models import SamplingDraw
    from tenants.models import Procuratorate

    unit = Procuratorate.objects.get(code="hunan")
    drawer = User.objects.order_by("pk").first()
    SamplingDraw.objects.bulk_create(
        SamplingDraw(
            issuer=unit,
            fiscal_year=2026,
            share=Decimal("10"),
            seed=f"qc-{index}",
            population_size=10,
            sample_size=1,
            drawn_by=drawer,
        )
        for index in range(n)
    )


def poor_projects(n: int) -> None:
    """``n`` finalised self-evaluations graded 差 behind the year's department evaluation."""
    from backend.evaluation.models import DepartmentEvaluation, SelfEvaluation
    from tests.reports.factories import make_department, make_evaluation

    if not DepartmentEvaluation.objects.filter(fiscal_year=2026).exists():
        make_department()
    made = [make_evaluation().pk for _ in range(n)]
    SelfEvaluation.objects.filter(pk__in=made).update(grade="差", total=Decimal("50"))
