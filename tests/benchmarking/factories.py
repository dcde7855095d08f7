"""Public fact rows written straight (the benchmarks read only these tables)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import factory
from django.db.models import F
from django.utils import timezone

from backend.benchmarking.models import (
    BudgetFact,
    ExecutionFact,
    IndicatorFact,
    ProjectFact,
    UnitStatistics,
    UnitYearFact,
)
from backend.feedback.models import RectificationRequest
from backend.oversight.models import AlertRecord
from tenants.models import Procuratorate

YEAR = 2026


class ProjectFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjectFact

    fiscal_year = YEAR
    project_id = factory.Sequence(lambda n: 10_000 + n)
    project_code = factory.Sequence(lambda n: f"p{n:04}")
    project_name = factory.Sequence(lambda n: f"项目{n}")
    category = "project"
    kind = "case_funds"
    initial_budget = Decimal("1000000.00")
    full_budget = factory.SelfAttribute("initial_budget")
    goal_id = factory.SelfAttribute("project_id")
    goal_grade = "excellent"
    approved_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def budget(obj: ProjectFact, create: bool, extracted: object, **kwargs: object) -> None:
        """A project with an approved goal is a project of its year: it counts in the unit's
        budget fact as ``budgets.services`` would have recorded it (``budget=False``: not)."""
        if not create or extracted is False:
            return
        fact, _ = BudgetFact.objects.get_or_create(unit=obj.unit, fiscal_year=obj.fiscal_year)
        BudgetFact.objects.filter(pk=fact.pk).update(
            projects=F("projects") + 1,
            initial_budget=F("initial_budget") + obj.initial_budget,
            full_budget=F("full_budget") + obj.full_budget,
        )


class IndicatorFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorFact

    fiscal_year = YEAR
    project_id = factory.Sequence(lambda n: 20_000 + n)
    goal_id = factory.SelfAttribute("project_id")
    template_code = "tpl-case"
    template_version = 1
    indicator_code = "closure-rate"
    level1 = "产出指标"
    level2 = "质量指标"
    name = "办结率"
    value_type = "quantitative"
    direction = "gte"
    unit_of_measure = "%"
    target_value = Decimal("95.0000")
    weight = Decimal("10.00")


class ExecutionFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExecutionFact

    fiscal_year = YEAR
    month = 6
    projects = 1
    full_budget = Decimal("1000000.00")
    spent = Decimal("500000.00")
    execution_rate = Decimal("50.00")
    time_progress = factory.LazyAttribute(lambda o: Decimal(o.month * 100) / 12)


class UnitYearFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitYearFact

    fiscal_year = YEAR
    evaluated_projects = 1


class UnitStatisticsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitStatistics

    fiscal_year = YEAR
    staff = 60
    procurators = 20
    cases = 800


class AlertRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRecord

    alert_id = factory.Sequence(lambda n: 30_000 + n)
    kind = "execution_lag"
    severity = "warning"
    status = "open"
    fiscal_year = YEAR
    month = 6
    message = "预算执行滞后"
    raised_at = factory.LazyFunction(timezone.now)
    answer_due = factory.LazyFunction(lambda: timezone.localdate())


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RectificationRequest

    issuer = factory.SelfAttribute("unit")
    fiscal_year = YEAR
    origin = "reviewer"
    title = "整改事项"
    requirement = "按期整改"
    due_on = factory.LazyFunction(lambda: timezone.localdate())


def registry_counties(parents: Sequence[Procuratorate], prefix: str, n: int) -> list[Procuratorate]:
    """``n`` counties as registry rows only (no schema: benchmarks never open one), coded
    ``<prefix>-<i>``, under ``parents`` in turn."""
    return Procuratorate.objects.bulk_create(
        [
            Procuratorate(
                code=f"{prefix}-{i}",
                schema_name=f"{prefix}_{i}",
                name=f"附加{i}院",
                level="county",
                parent=parent,
                path=f"{parent.path}{prefix}-{i}/",
                depth=2,
            )
            for i, parent in ((i, parents[i % len(parents)]) for i in range(n))
        ]
    )
