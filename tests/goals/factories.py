"""factory_boy factories for budget projects, performance goals and goal indicators. They write
with the ORM directly (no services) and must run inside a unit's schema, e.g.
``with schema_context(unit.schema_name): GoalFactory()``.

``make_goal(...)`` builds a goal whose indicators pass the submission checks: the default split
10/50/30/10 with one quantity, one quality, one effect and one satisfaction indicator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import factory

from backend.budgets.models import Category, FundingSource, Project, ProjectKind
from backend.goals.models import GoalIndicator, GoalStatus, IndicatorSource, PerformanceGoal
from backend.indicators.models import Direction, ScoringMethod, ValueType


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    code = factory.Sequence(lambda n: f"prj-{n}")
    name = factory.Sequence(lambda n: f"测试项目 {n}")
    category = Category.PROJECT
    kind = ProjectKind.CASE_FUNDS
    fiscal_year = 2026
    department = "计划财务装备处"
    person_in_charge = "张三"
    funding_source = FundingSource.GENERAL
    initial_budget = Decimal("500000.00")
    full_budget = factory.LazyAttribute(lambda o: o.initial_budget)


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PerformanceGoal

    project = factory.SubFactory(ProjectFactory)
    fiscal_year = factory.LazyAttribute(lambda o: o.project.fiscal_year)
    overall_goal = "保障办案工作顺利开展，提升办案质效。"
    midterm_goal = ""
    status = GoalStatus.DRAFT


# PerformanceGoalFactory is the long name of the same factory.
PerformanceGoalFactory = GoalFactory


class GoalIndicatorFactory(factory.django.DjangoModelFactory):
    """A goal-only quantitative ``≥`` quantity indicator unless told otherwise."""

    class Meta:
        model = GoalIndicator

    goal = factory.SubFactory(GoalFactory)
    source = IndicatorSource.GOAL
    code = factory.Sequence(lambda n: f"gi-{n}")
    level1 = "产出指标"
    level2 = "数量指标"
    name = factory.Sequence(lambda n: f"目标指标 {n}")
    value_type = ValueType.QUANTITATIVE
    direction = Direction.GTE
    unit = "件"
    target_value = Decimal("100")
    target_text = ""
    weight = Decimal("10")
    scoring_method = factory.LazyAttribute(
        lambda o: (
            ScoringMethod.BANDS
            if o.value_type == ValueType.QUALITATIVE
            else ScoringMethod.PROPORTIONAL
        )
    )
    sort_order = factory.Sequence(lambda n: n)


# A complete, valid default-split indicator set (output 50, effect 30, satisfaction 10).
VALID_INDICATORS: list[dict[str, Any]] = [
    {
        "code": "q1",
        "level1": "产出指标",
        "level2": "数量指标",
        "name": "办理案件数",
        "unit": "件",
        "target_value": Decimal("120"),
        "weight": Decimal("30"),
    },
    {
        "code": "q2",
        "level1": "产出指标",
        "level2": "质量指标",
        "name": "案件质量合格率",
        "unit": "%",
        "target_value": Decimal("95"),
        "weight": Decimal("20"),
    },
    {
        "code": "e1",
        "level1": "效益指标",
        "level2": "社会效益指标",
        "name": "司法公信力提升",
        "value_type": ValueType.QUALITATIVE,
        "direction": "",
        "unit": "",
        "target_value": None,
        "target_text": "明显提升",
        "scoring_method": ScoringMethod.BANDS,
        "weight": Decimal("30"),
    },
    {
        "code": "s1",
        "level1": "满意度指标",
        "level2": "服务对象满意度指标",
        "name": "当事人满意度",
        "unit": "%",
        "target_value": Decimal("90"),
        "weight": Decimal("10"),
    },
]


def make_goal(
    *,
    indicators: list[dict[str, Any]] | None = None,
    project: Project | None = None,
    **goal_fields: Any,
) -> PerformanceGoal:
    """A goal (and project, unless given) with ``indicators`` (default ``VALID_INDICATORS``),
    each a dict of GoalIndicator field values."""
    if project is not None:
        goal_fields["project"] = project
    goal = GoalFactory(**goal_fields)
    rows = VALID_INDICATORS if indicators is None else indicators
    for index, row in enumerate(rows):
        GoalIndicatorFactory(goal=goal, sort_order=index, **row)
    return goal
