"""What a goal must satisfy to be submitted (domain.md, "The indicator system" and "Scoring a
self-evaluation"). No writes; a constant number of queries (the indicators unless prefetched,
the template when the indicators come from one, last year's actuals).

The per-indicator and weight rules are those of a template version
(``backend.indicators.services.validation.validate_version``), applied to the goal's
indicators with the template's layout and split when they come from one template, else the
default 10/50/30/10 (satisfaction points going to the effect group when the goal has no
satisfaction indicator). On top of them a goal requires a target value on every quantitative
indicator, and warns of a ``≥`` target below last year's actual value of the same indicator
code. Every problem names its indicator (``indicators.<code>.<field>``) or the goal's
indicators as a whole (``indicators``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import cast

from backend.core.errors import CoreErrorCode, Problem
from backend.goals import selectors
from backend.goals.errors import GoalErrorCode
from backend.goals.models import GoalIndicator, PerformanceGoal
from backend.indicators import system
from backend.indicators.models import Direction, Layout, Template, TemplateIndicator, ValueType
from backend.indicators.services.validation import GROUP_LABELS, fmt, validate_version
from backend.indicators.system import ScoringGroup

TARGET_BELOW_LAST_YEAR = GoalErrorCode.TARGET_BELOW_LAST_YEAR


def submission_problems(
    goal: PerformanceGoal, indicators: Sequence[GoalIndicator] | None = None
) -> tuple[list[Problem], list[Problem]]:
    """``(errors, warnings)`` of ``goal`` as it stands: errors block a submission, warnings
    are shown to the reviewer. Uses ``goal.indicators`` as prefetched when it is, or
    ``indicators`` (unsaved ones too: what an import would make of the goal)."""
    indicators = list(goal.indicators.all() if indicators is None else indicators)
    if not indicators:
        return [
            Problem(CoreErrorCode.NO_INDICATORS, "绩效目标至少需要一个三级指标。", "indicators")
        ], []
    template = scoring_template(indicators)
    # validate_version reads only the IndicatorFields a GoalIndicator shares with a template's.
    as_template = cast("Sequence[TemplateIndicator]", indicators)
    errors = [_for_goal(p, template, indicators) for p in validate_version(template, as_template)]
    for indicator in indicators:
        if indicator.value_type == ValueType.QUANTITATIVE and indicator.target_value is None:
            errors.append(
                Problem(
                    GoalErrorCode.TARGET_REQUIRED,
                    f"指标“{indicator.name or indicator.code}”为定量指标，须填写指标值。",
                    f"indicators.{indicator.code}.target_value",
                )
            )
    return errors, last_year_warnings(goal, indicators)


def scoring_template(indicators: Sequence[GoalIndicator]) -> Template:
    """The template whose layout and split the weights follow: the one every template-linked
    indicator comes from, else an unsaved ``Template`` with the defaults (split layout,
    execution 10, groups 50/30/10). At most one query."""
    codes = {i.template_code for i in indicators if i.template_code}
    if len(codes) == 1:
        template = Template.objects.filter(code=codes.pop()).first()
        if template is not None:
            return template
    return Template()


def _group_members(
    group: ScoringGroup | None, indicators: Sequence[GoalIndicator]
) -> list[GoalIndicator]:
    if group is None:
        return list(indicators)
    return [i for i in indicators if system.GROUP_OF_LEVEL1.get(i.level1) == group]


def _for_goal(problem: Problem, template: Template, indicators: Sequence[GoalIndicator]) -> Problem:
    """A template-version problem as a goal's: weight sums name the indicators they add up
    (field ``indicators``) and say which scoring structure they follow."""
    if not (problem.field or "").startswith("weights") and problem.field != "group_weights":
        return problem
    group: ScoringGroup | None = None
    if problem.field and problem.field.startswith("weights.") and problem.field != "weights.total":
        group = ScoringGroup(problem.field.removeprefix("weights."))
    members = _group_members(group, indicators)
    listed = "、".join(f"{i.code} {fmt(i.weight or Decimal(0))}" for i in members)
    basis = f"按模板“{template.name}”的计分结构" if template.pk else "按默认计分结构"
    message = problem.message.rstrip("。")
    return Problem(problem.code, f"{message}（{basis}；{listed}）。", "indicators")


def _number(value: Decimal) -> str:
    """A value as users read it: no trailing zeros (120.0000 → 120, 95.5000 → 95.5)."""
    return format(value.normalize(), "f")


def last_year_warnings(
    goal: PerformanceGoal, indicators: Sequence[GoalIndicator] | None = None
) -> list[Problem]:
    """A warning for each ``≥`` quantitative target below last year's actual value of the
    same indicator code (same project code, previous fiscal year). One query."""
    if indicators is None:
        indicators = list(goal.indicators.all())
    candidates = [
        i
        for i in indicators
        if i.value_type == ValueType.QUANTITATIVE
        and i.direction == Direction.GTE
        and i.target_value is not None
    ]
    if not candidates:
        return []
    actuals = selectors.last_year_actuals(goal)
    warnings = []
    for indicator in candidates:
        actual = actuals.get(indicator.code)
        target = indicator.target_value  # not None: a candidate has a target
        if actual is not None and target is not None and target < actual:
            warnings.append(
                Problem(
                    TARGET_BELOW_LAST_YEAR,
                    f"目标值低于上年实际完成值（上年 {_number(actual)}）",
                    f"indicators.{indicator.code}.target_value",
                )
            )
    return warnings


@dataclass(frozen=True)
class GroupTotal:
    """The declared weights of one scoring group against what they must add up to."""

    group: str  # a ScoringGroup value
    label: str
    declared: Decimal
    expected: Decimal

    @property
    def balanced(self) -> bool:
        return self.declared == self.expected


@dataclass(frozen=True)
class WeightTotals:
    """Weights per scoring group and in total, as the submission checks count them."""

    groups: list[GroupTotal]
    declared: Decimal
    expected: Decimal
    basis: str  # which scoring structure the expectations follow

    @property
    def balanced(self) -> bool:
        return self.declared == self.expected and all(g.balanced for g in self.groups)


def weight_totals(indicators: Sequence[GoalIndicator]) -> WeightTotals:
    """What the weights of ``indicators`` add up to, per group (split layout) and in total,
    beside what the goal's scoring structure asks (``validate_version``'s rule: the template's
    split, satisfaction points to the effect group when there is no satisfaction indicator,
    100 minus the execution weight in total). At most one query (the template)."""
    template = scoring_template(indicators)
    execution = template.execution_weight
    if execution is None:
        execution = system.DEFAULT_EXECUTION_WEIGHT
    declared = sum((i.weight or Decimal(0) for i in indicators), Decimal(0))
    groups: list[GroupTotal] = []
    if template.layout != Layout.POOLED:
        has_satisfaction = any(i.level1 == system.SATISFACTION for i in indicators)
        try:
            expected = system.group_weights(
                template.group_weights, has_satisfaction=has_satisfaction
            )
        except (ValueError, TypeError, InvalidOperation):
            expected = system.group_weights(None, has_satisfaction=has_satisfaction)
        for group, target in expected.items():
            members = _group_members(group, indicators)
            label = GROUP_LABELS[group]
            if group == ScoringGroup.EFFECT and not has_satisfaction:
                label = f"{label}（含满意度分值）"
            groups.append(
                GroupTotal(
                    group=group.value,
                    label=label,
                    declared=sum((i.weight or Decimal(0) for i in members), Decimal(0)),
                    expected=target,
                )
            )
    basis = f"按模板“{template.name}”的计分结构" if template.pk else "按默认计分结构"
    return WeightTotals(
        groups=groups,
        declared=declared,
        expected=Decimal(100) - Decimal(execution),
        basis=basis,
    )
