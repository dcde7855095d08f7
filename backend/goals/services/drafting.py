"""Drafting a performance goal: the goal itself, and its indicators — copies of the unit's
library indicators (keeping the template indicator code and version they came from) or ones
written for this goal alone. Runs in the CURRENT schema (the unit's).

Every write is allowed only while the goal is a draft or was returned (``NOT_EDITABLE``
otherwise: an approved goal changes through an adjustment request, see ``workflow``), and an
edit of a returned goal makes it a draft again. Mandatory template indicators are added when
the goal is created and cannot be removed (``MANDATORY``); a locked indicator keeps its target
and weight (``LOCKED``); a library indicator keeps its code, levels and the province's flags
(``NOT_EDITABLE``).

Optimistic versioning (``backend/core/versioning.py``): every write raises the goal's
``version`` — an indicator's change too, since the goal and its indicators are one form — and
each takes an optional ``expected_version`` (the goal's version the caller read): a different
one is ``STALE`` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Max
from simple_history.utils import bulk_create_with_history

from backend.budgets.models import Project, ProjectKind
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.history import set_history_user
from backend.core.versioning import bump, check_version
from backend.goals.errors import GoalErrorCode
from backend.goals.models import GoalIndicator, GoalStatus, IndicatorSource, PerformanceGoal
from backend.goals.services import edit_policy
from backend.indicators.models import ScoringMethod, ValueType
from backend.indicators.services.validation import (
    FIELD_LABELS,
    INDICATOR_FIELDS,
    clean_indicator_fields,
)
from backend.library.models import AdoptedTemplate, LibraryIndicator, Source

EDITABLE_STATUSES = edit_policy.EDITABLE_STATUSES
# Copied from a library indicator into the goal.
COPIED_FIELDS: tuple[str, ...] = INDICATOR_FIELDS
# Provincial policy: never set on an indicator written for the goal.
POLICY_FIELDS: tuple[str, ...] = edit_policy.POLICY_FIELDS
# What a goal's copy of a library indicator keeps from the library.
LIBRARY_FIXED_FIELDS: tuple[str, ...] = edit_policy.LIBRARY_FIXED_FIELDS
GOAL_FIELDS: tuple[str, ...] = ("overall_goal", "midterm_goal")
GOAL_TEXT_LIMIT = 2000  # characters of the overall or mid-term goal
_GOAL_LABELS = {"overall_goal": "年度总体目标", "midterm_goal": "中期目标"}


# --- helpers ------------------------------------------------------------------------------------


GOAL = "绩效目标"


def _editable_goal(goal_id: int, expected_version: int | None = None) -> PerformanceGoal:
    """The goal's row, locked for the transaction, if it is still at ``expected_version``
    (when given: ``STALE`` otherwise) and may be edited."""
    goal = PerformanceGoal.objects.select_for_update().get(pk=goal_id)
    check_version(goal, expected_version, GOAL)
    refusal = edit_policy.goal_problem(edit_policy.Route.EDIT, goal.status)
    if refusal is not None:
        raise DomainError(refusal)
    return goal


def _back_to_draft(goal: PerformanceGoal, *, user: Any) -> None:
    """An edit of a returned goal makes it a draft again."""
    if goal.status == GoalStatus.RETURNED:
        goal.status = GoalStatus.DRAFT
        set_history_user(goal, user)
        goal.save(update_fields=["status", "updated_at"])
        from backend.goals.services.workflow import publish

        publish(goal)


def _follow(indicator: GoalIndicator, goal: PerformanceGoal) -> None:
    """Let the goal the caller's ``indicator`` holds (if loaded) follow the status and the
    version."""
    if GoalIndicator.goal.is_cached(indicator) and indicator.goal.pk == goal.pk:
        indicator.goal.status = goal.status
        indicator.goal.version = goal.version


def _clean_goal_text(data: Mapping[str, Any]) -> tuple[dict[str, str], list[Problem]]:
    cleaned: dict[str, str] = {}
    problems: list[Problem] = []
    for field, value in data.items():
        if field not in GOAL_FIELDS:
            problems.append(Problem(CoreErrorCode.UNKNOWN_FIELD, f"未知字段“{field}”。", field))
            continue
        text = "" if value is None else str(value).strip()
        if field == "overall_goal" and not text:
            problems.append(Problem(CoreErrorCode.REQUIRED, "年度总体目标不能为空。", field))
            continue
        if len(text) > GOAL_TEXT_LIMIT:
            label = _GOAL_LABELS[field]
            problems.append(
                Problem(
                    CoreErrorCode.TOO_LONG, f"{label}不能超过 {GOAL_TEXT_LIMIT} 个字符。", field
                )
            )
            continue
        cleaned[field] = text
    return cleaned, problems


def _copy(
    goal: PerformanceGoal,
    source: LibraryIndicator,
    *,
    template_code: str,
    template_version: int | None,
) -> GoalIndicator:
    return GoalIndicator(
        goal=goal,
        source=IndicatorSource.LIBRARY,
        library_indicator=source,
        template_code=template_code,
        template_version=template_version,
        **{name: getattr(source, name) for name in COPIED_FIELDS},
    )


def _adopted_template(
    project: Project, template_code: str | None
) -> tuple[AdoptedTemplate | None, list[Problem]]:
    """The template a new goal of ``project`` follows: ``template_code`` (which the unit must
    have adopted), else the adopted template made for the project's kind (``project_kind`` =
    the kind's label; the first by code if several are)."""
    adopted = AdoptedTemplate.objects.select_related("template", "version")
    if template_code:
        found = adopted.filter(template__code=template_code).first()
        if found is None:
            return None, [
                Problem(
                    GoalErrorCode.TEMPLATE_NOT_ADOPTED,
                    f"本院未采用模板“{template_code}”，请先采用后再使用。",
                    "template_code",
                )
            ]
        return found, []
    label = ProjectKind(project.kind).label if project.kind in ProjectKind.values else ""
    if not label:
        return None, []
    return adopted.filter(template__project_kind=label).order_by("template__code").first(), []


def _next_sort_order(goal: PerformanceGoal) -> int:
    current = GoalIndicator.objects.filter(goal=goal).aggregate(top=Max("sort_order"))["top"]
    return 0 if current is None else current + 1


def _code_taken(goal: PerformanceGoal, code: str, *, exclude: int | None = None) -> bool:
    qs = GoalIndicator.objects.filter(goal=goal, code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


def _duplicate(code: str) -> Problem:
    return Problem(CoreErrorCode.DUPLICATE_CODE, f"本目标已有指标编码“{code}”。", "code")


def _default_scoring(value_type: str) -> str:
    return (
        ScoringMethod.BANDS if value_type == ValueType.QUALITATIVE else ScoringMethod.PROPORTIONAL
    )


# --- the goal -----------------------------------------------------------------------------------


@transaction.atomic
def create_goal(
    project: Project,
    *,
    overall_goal: str,
    user: Any,
    midterm_goal: str = "",
    template_code: str | None = None,
) -> PerformanceGoal:
    """A draft goal of ``project`` for its fiscal year (one per project and year:
    ``GOAL_EXISTS``), with every current mandatory indicator of its template copied in (the
    template: ``template_code``, else the adopted one made for the project's kind)."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    cleaned, problems = _clean_goal_text(
        {"overall_goal": overall_goal, "midterm_goal": midterm_goal}
    )
    if PerformanceGoal.objects.filter(project=project, fiscal_year=project.fiscal_year).exists():
        problems.append(
            Problem(
                GoalErrorCode.GOAL_EXISTS,
                f"项目“{project.name}”已有 {project.fiscal_year} 年度的绩效目标。",
                "project",
            )
        )
    adopted, template_problems = _adopted_template(project, template_code)
    problems += template_problems
    if problems:
        raise DomainError(*problems)

    goal = PerformanceGoal(
        project=project, fiscal_year=project.fiscal_year, created_by=user, **cleaned
    )
    set_history_user(goal, user)
    goal.save()
    if adopted is not None:
        mandatory = LibraryIndicator.objects.filter(
            source=Source.TEMPLATE,
            template_id=adopted.template_id,
            retired_at__isnull=True,
            mandatory=True,
        ).order_by("sort_order", "id")
        copies = [
            _copy(
                goal,
                source,
                template_code=adopted.template.code,
                template_version=adopted.version.number,
            )
            for source in mandatory
        ]
        if copies:
            bulk_create_with_history(copies, GoalIndicator, default_user=user)
    return goal


@transaction.atomic
def update_goal(
    goal: PerformanceGoal,
    data: Mapping[str, Any],
    *,
    user: Any,
    expected_version: int | None = None,
) -> PerformanceGoal:
    """Change the goal's texts (``overall_goal``, ``midterm_goal``); ``expected_version``:
    the goal's version the caller read (``STALE`` when it changed since)."""
    locked = _editable_goal(goal.pk, expected_version)
    cleaned, problems = _clean_goal_text(data)
    if problems:
        raise DomainError(*problems)
    changes = {k: v for k, v in cleaned.items() if getattr(locked, k) != v}
    if changes:
        for field, value in changes.items():
            setattr(locked, field, value)
        bump(locked)
        if locked.status == GoalStatus.RETURNED:
            locked.status = GoalStatus.DRAFT  # one history record for the edit and the move
        set_history_user(locked, user)
        locked.save()
    goal.status = locked.status
    goal.version = locked.version
    return locked


# --- indicators ---------------------------------------------------------------------------------


@transaction.atomic
def add_library_indicator(
    goal: PerformanceGoal,
    library_indicator: LibraryIndicator,
    *,
    user: Any,
    expected_version: int | None = None,
) -> GoalIndicator:
    """Copy an indicator of the unit's library into the goal (its current values, its code,
    and for a template indicator the template code and version). A retired library indicator
    is refused (``RETIRED``), and so is a code the goal already has (``DUPLICATE_CODE``).
    ``expected_version``: the goal's version the caller read."""
    locked = _editable_goal(goal.pk, expected_version)
    source = LibraryIndicator.objects.select_related("template", "version").get(
        pk=library_indicator.pk
    )
    problems: list[Problem] = []
    if source.retired_at is not None:
        problems.append(
            Problem(
                CoreErrorCode.RETIRED,
                f"指标“{source.name}”已停用，不能加入目标。",
                "library_indicator",
            )
        )
    if _code_taken(locked, source.code):
        problems.append(_duplicate(source.code))
    if problems:
        raise DomainError(*problems)
    indicator = _copy(
        locked,
        source,
        template_code=source.template.code if source.template is not None else "",
        template_version=source.version.number if source.version is not None else None,
    )
    set_history_user(indicator, user)
    indicator.save()
    bump(locked)
    _back_to_draft(locked, user=user)
    goal.status = locked.status
    goal.version = locked.version
    return indicator


@transaction.atomic
def add_goal_indicator(
    goal: PerformanceGoal,
    data: Mapping[str, Any],
    *,
    user: Any,
    expected_version: int | None = None,
) -> GoalIndicator:
    """An indicator written for this goal alone (``source=goal``): ``data`` holds ``code`` and
    the content fields, checked like a template indicator's (``clean_indicator_fields``);
    mandatory and locked are the province's and cannot be set. A qualitative indicator is
    scored by bands unless told otherwise. Cross-field rules (a quantitative indicator needs a
    unit, a direction and a number …) are checked at submission (``checks``).
    ``expected_version``: the goal's version the caller read."""
    locked = _editable_goal(goal.pk, expected_version)
    cleaned, problems = clean_indicator_fields(data)
    problems += _policy_problems(cleaned, {name: False for name in POLICY_FIELDS})
    code = cleaned.get("code")
    if code and _code_taken(locked, code):
        problems.append(_duplicate(code))
    if problems:
        raise DomainError(*problems)
    cleaned.setdefault("scoring_method", _default_scoring(cleaned["value_type"]))
    if "sort_order" not in cleaned:
        cleaned["sort_order"] = _next_sort_order(locked)
    indicator = GoalIndicator(goal=locked, source=IndicatorSource.GOAL, **cleaned)
    set_history_user(indicator, user)
    indicator.save()
    bump(locked)
    _back_to_draft(locked, user=user)
    goal.status = locked.status
    goal.version = locked.version
    return indicator


def _policy_problems(cleaned: Mapping[str, Any], current: Mapping[str, Any]) -> list[Problem]:
    return [
        Problem(
            CoreErrorCode.NOT_EDITABLE,
            f"“{FIELD_LABELS[name]}”由省院模板确定，不能在目标中设置。",
            name,
        )
        for name in POLICY_FIELDS
        if name in cleaned and cleaned[name] != current[name]
    ]


@transaction.atomic
def update_goal_indicator(
    indicator: GoalIndicator,
    data: Mapping[str, Any],
    *,
    user: Any,
    expected_version: int | None = None,
) -> GoalIndicator:
    """Change an indicator of a goal. A library indicator keeps its code, levels, mandatory
    and locked (``NOT_EDITABLE``); a locked one keeps its target and weight (``LOCKED``); an
    indicator written for the goal may change everything but mandatory and locked. A value
    equal to the current one is not a change. Changing the value type without a scoring
    method switches to that type's default (bands / proportional). ``expected_version``: the
    goal's version the caller read (a change raises the goal's version)."""
    given, indicator = indicator, GoalIndicator.objects.select_for_update().get(pk=indicator.pk)
    locked_goal = _editable_goal(indicator.goal_id, expected_version)
    current = {name: getattr(indicator, name) for name in INDICATOR_FIELDS}
    cleaned, problems = clean_indicator_fields(data, partial=True, base=current)
    flags = edit_policy.Flags.of(indicator)
    changes: dict[str, Any] = {}
    for name, value in cleaned.items():
        if value == current[name]:
            continue
        refusal = edit_policy.field_refusal(edit_policy.Route.EDIT, flags, name)
        if refusal is not None:
            problems.append(edit_policy.problem(refusal, label=FIELD_LABELS[name], field=name))
        else:
            changes[name] = value
    code = changes.get("code")
    if code and _code_taken(locked_goal, code, exclude=indicator.pk):
        problems.append(_duplicate(code))
    if problems:
        raise DomainError(*problems)
    if "value_type" in changes and "scoring_method" not in cleaned:
        default = _default_scoring(changes["value_type"])
        if indicator.scoring_method != default:
            changes["scoring_method"] = default
    if changes:
        for name, value in changes.items():
            setattr(indicator, name, value)
        set_history_user(indicator, user)
        indicator.save(update_fields=list(changes))
        bump(locked_goal)
        _back_to_draft(locked_goal, user=user)
        _follow(given, locked_goal)
    indicator.goal = locked_goal
    return indicator


@transaction.atomic
def remove_goal_indicator(
    indicator: GoalIndicator, *, user: Any, expected_version: int | None = None
) -> PerformanceGoal:
    """Remove an indicator from its goal; a mandatory one stays (``MANDATORY``).
    ``expected_version``: the goal's version the caller read. Returns the goal."""
    given, indicator = indicator, GoalIndicator.objects.select_for_update().get(pk=indicator.pk)
    locked_goal = _editable_goal(indicator.goal_id, expected_version)
    if indicator.mandatory:
        raise DomainError.single(
            GoalErrorCode.MANDATORY,
            f"指标“{indicator.name}”为省院模板必选指标，不能删除。",
            f"indicators.{indicator.code}",
        )
    set_history_user(indicator, user)
    indicator.delete()
    bump(locked_goal)
    _back_to_draft(locked_goal, user=user)
    _follow(given, locked_goal)
    return locked_goal
