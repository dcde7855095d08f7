"""Fact rows (public) as the evaluation's finalisation leaves them, for results application."""

from __future__ import annotations

from decimal import Decimal

import factory
from django.utils import timezone

from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.feedback.models import RectificationOrigin, RectificationRequest


class ProjectFactFactory(factory.django.DjangoModelFactory):
    """A project with an approved goal; pass ``self_score``/``self_grade`` (and
    ``finalised_at``) for a finalised self-evaluation."""

    class Meta:
        model = ProjectFact

    fiscal_year = 2026
    project_id = factory.Sequence(lambda n: 10_000 + n)
    project_code = factory.Sequence(lambda n: f"fb-{n}")
    project_name = factory.Sequence(lambda n: f"结果应用项目 {n}")
    category = "project"
    kind = "case_funds"
    initial_budget = Decimal("1000000.00")
    full_budget = factory.LazyAttribute(lambda o: o.initial_budget)
    goal_id = factory.Sequence(lambda n: 20_000 + n)
    goal_grade = "优"
    approved_at = factory.LazyFunction(timezone.now)


def finalised(**kwargs: object) -> ProjectFact:
    """A ProjectFact of a finalised self-evaluation (score, grade, executed)."""
    kwargs.setdefault("finalised_at", timezone.now())
    return ProjectFactFactory(**kwargs)


class UnitYearFactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UnitYearFact

    fiscal_year = 2026


class RectificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RectificationRequest

    fiscal_year = 2026
    origin = RectificationOrigin.REVIEWER
    title = factory.Sequence(lambda n: f"整改事项 {n}")
    requirement = "请按要求整改。"
    due_on = factory.LazyFunction(lambda: timezone.localdate())
