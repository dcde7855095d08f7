"""Writes of a unit's budget projects. Every function runs in the CURRENT schema, which must be
the unit's (the request's tenant, ``schema_context``, or a task's schema).

- ``create_project`` / ``update_project``: the project's facts and its initial budget;
- ``add_adjustment``: a change to the full-year budget, which is always recomputed as the
  initial budget plus the sum of the adjustments (never typed);
- ``record_expenditure`` / ``set_monthly_spending``: money spent, as dated payments or as one
  total per month.

Money is ``Decimal`` yuan with two places, never float. Every problem of an input is reported
together (``DomainError``); the acting user is recorded in the history (``_history_user``).
"""

from __future__ import annotations

import calendar
import datetime
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum

from backend.budgets.errors import BudgetErrorCode
from backend.budgets.models import (
    BudgetAdjustment,
    Category,
    Expenditure,
    FundingSource,
    Project,
    ProjectKind,
)
from backend.core import cleaning
from backend.core.cleaning import column_length
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.history import set_history_user
from backend.goals.models import GoalStatus, PerformanceGoal

CENT = Decimal("0.01")
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+\Z")

# What update_project may change (initial_budget only while no goal is approved).
PROJECT_FIELDS = (
    "name",
    "department",
    "person_in_charge",
    "funding_source",
    "category",
    "kind",
    "initial_budget",
)
_TEXT_LIMITS = {
    "code": column_length(Project, "code"),
    "name": column_length(Project, "name"),
    "department": column_length(Project, "department"),
    "person_in_charge": column_length(Project, "person_in_charge"),
    "reason": column_length(BudgetAdjustment, "reason"),
    "description": column_length(Expenditure, "description"),
}
_LABELS = {
    "code": "项目编码",
    "name": "项目名称",
    "category": "支出类别",
    "kind": "项目类型",
    "fiscal_year": "预算年度",
    "department": "主管部门/处室",
    "person_in_charge": "项目负责人",
    "funding_source": "资金来源",
    "initial_budget": "年初预算数",
    "amount": "金额",
    "date": "日期",
    "reason": "调整原因",
    "description": "摘要",
    "month": "月份",
}
_CHOICES: dict[str, type[Any]] = {
    "category": Category,
    "kind": ProjectKind,
    "funding_source": FundingSource,
}


def fmt_money(value: Decimal) -> str:
    """Yuan as users read them: thousands separators and two places."""
    return f"{value:,.2f}"


# --- field checks -------------------------------------------------------------------------------


def clean_money(
    field: str, value: Any, *, allow_negative: bool = False, allow_zero: bool = True
) -> tuple[Decimal | None, Problem | None]:
    """``value`` as Decimal yuan with two places, or the problem with it (the one cleaner,
    ``backend.core.cleaning.money``)."""
    return cleaning.money(
        value, field, _LABELS.get(field, field), negative=allow_negative, zero=allow_zero
    )


def _clean_text(field: str, value: Any, *, required: bool) -> tuple[str, Problem | None]:
    limit = _TEXT_LIMITS.get(field)
    return cleaning.text(
        value, field, _LABELS.get(field, field), max_length=limit, required=required
    )


def _clean_choice(field: str, value: Any) -> tuple[str, Problem | None]:
    choices = _CHOICES[field]
    text = "" if value is None else str(value).strip()
    if text in choices.values:
        return text, None
    allowed = "、".join(f"{v}（{label}）" for v, label in choices.choices)
    return text, Problem(
        CoreErrorCode.INVALID_CHOICE, f"{_LABELS[field]}“{text}”无效，应为 {allowed} 之一。", field
    )


def _clean_date(
    value: Any, *, year: int | None = None
) -> tuple[datetime.date | None, Problem | None]:
    """A date; with ``year``, one inside that fiscal year (``DATE_OUTSIDE_YEAR``)."""
    day, problem = cleaning.date(value, "date", "日期")
    if day is not None and year is not None and day.year != year:
        return None, Problem(
            BudgetErrorCode.DATE_OUTSIDE_YEAR,
            f"日期 {day.isoformat()} 不在项目的预算年度 {year} 年内。",
            "date",
        )
    return day, problem


def _clean_project_fields(data: Mapping[str, Any]) -> tuple[dict[str, Any], list[Problem]]:
    """Check and coerce project fields given in ``data`` (all of them required when given,
    except department and person in charge)."""
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []
    for field, value in data.items():
        problem: Problem | None
        if field in _CHOICES:
            cleaned[field], problem = _clean_choice(field, value)
        elif field == "initial_budget":
            cleaned[field], problem = clean_money(field, value)
        elif field == "fiscal_year":
            cleaned[field], problem = cleaning.fiscal_year(value, field, _LABELS[field])
        elif field == "code":
            cleaned[field], problem = _clean_text(field, value, required=True)
            if problem is None and not CODE_PATTERN.match(cleaned[field]):
                problem = Problem(
                    CoreErrorCode.INVALID_CODE,
                    f"项目编码“{cleaned[field]}”无效：只能使用字母、数字、连字符和下划线。",
                    field,
                )
        elif field in _TEXT_LIMITS:
            cleaned[field], problem = _clean_text(field, value, required=field == "name")
        else:
            problem = Problem(CoreErrorCode.UNKNOWN_FIELD, f"不能设置字段“{field}”。", field)
        if problem is not None:
            problems.append(problem)
    return cleaned, problems


def _locked(project: Project) -> Project:
    """The project's row, locked for the rest of the transaction (serialises budget writes)."""
    return Project.objects.select_for_update().get(pk=project.pk)


def _adjustments_total(project: Project) -> Decimal:
    total = BudgetAdjustment.objects.filter(project=project).aggregate(total=Sum("amount"))
    return total["total"] or Decimal("0.00")


def _negative_budget(initial: Decimal, adjustments: Decimal) -> Problem:
    return Problem(
        BudgetErrorCode.NEGATIVE_BUDGET,
        f"调整后全年预算数为 {fmt_money(initial + adjustments)} 元，不能为负数"
        f"（年初预算数 {fmt_money(initial)} 元，调整合计 {fmt_money(adjustments)} 元）。",
        "amount",
    )


# --- projects -----------------------------------------------------------------------------------


@transaction.atomic
def create_project(
    *,
    code: str,
    name: str,
    category: str,
    kind: str,
    fiscal_year: int,
    initial_budget: Decimal,
    user: Any,
    department: str = "",
    person_in_charge: str = "",
    funding_source: str = FundingSource.GENERAL,
) -> Project:
    """A new budget project of the unit; its full-year budget starts as the initial budget.
    A code is used once per fiscal year (``CODE_TAKEN``)."""
    cleaned, problems = _clean_project_fields(
        {
            "code": code,
            "name": name,
            "category": category,
            "kind": kind,
            "fiscal_year": fiscal_year,
            "initial_budget": initial_budget,
            "department": department,
            "person_in_charge": person_in_charge,
            "funding_source": funding_source,
        }
    )
    if (
        "code" in cleaned
        and "fiscal_year" in cleaned
        and not {"code", "fiscal_year"} & {p.field for p in problems}
        and Project.objects.filter(
            code=cleaned["code"], fiscal_year=cleaned["fiscal_year"]
        ).exists()
    ):
        problems.append(
            Problem(
                CoreErrorCode.CODE_TAKEN,
                f"{cleaned['fiscal_year']} 年度已有项目编码“{cleaned['code']}”。",
                "code",
            )
        )
    if problems:
        raise DomainError(*problems)
    project = Project(**cleaned, full_budget=cleaned["initial_budget"])
    set_history_user(project, user)
    try:
        # A concurrent request may insert the same code between the check above and here:
        # the unique constraint decides, and the loser gets the same typed error.
        with transaction.atomic():
            project.save()
    except IntegrityError as error:
        if "project_year_code" not in str(error):
            raise
        raise DomainError(
            Problem(
                CoreErrorCode.CODE_TAKEN,
                f"{cleaned['fiscal_year']} 年度已有项目编码“{cleaned['code']}”。",
                "code",
            )
        ) from None
    _publish_budget(project)
    return project


def _publish_budget(project: Project) -> None:
    """The unit's budget of the year is mirrored in a public fact (the ``budget`` metric,
    every project of the year): refresh it in this same transaction."""
    from backend.benchmarking.services import record_budget_fact
    from tenants.selectors import current_unit

    record_budget_fact(current_unit(), project.fiscal_year)


@transaction.atomic
def update_project(project: Project, data: Mapping[str, Any], *, user: Any) -> Project:
    """Change a project's facts (``PROJECT_FIELDS``). The initial budget changes only while no
    goal of the project is approved (``FROZEN``); the full-year budget follows it. The code and
    fiscal year are fixed. A value equal to the current one is not a change."""
    project = _locked(project)
    problems: list[Problem] = []
    requested: dict[str, Any] = {}
    for field, value in data.items():
        if field in ("code", "fiscal_year", "full_budget"):
            label = {"full_budget": "全年预算数（由预算调整计算）"}.get(field, _LABELS.get(field))
            problems.append(Problem(CoreErrorCode.NOT_EDITABLE, f"{label}不能修改。", field))
        elif field not in PROJECT_FIELDS:
            problems.append(Problem(CoreErrorCode.UNKNOWN_FIELD, f"不能设置字段“{field}”。", field))
        else:
            requested[field] = value
    cleaned, field_problems = _clean_project_fields(requested)
    problems += field_problems
    bad = {p.field for p in field_problems}
    changes = {k: v for k, v in cleaned.items() if k not in bad and getattr(project, k) != v}
    if "initial_budget" in changes:
        if initial_budget_frozen(project):
            problems.append(
                Problem(
                    BudgetErrorCode.FROZEN,
                    "项目绩效目标已批复，年初预算数不能修改；请通过预算调整变更全年预算数。",
                    "initial_budget",
                )
            )
        else:
            adjustments = _adjustments_total(project)
            if changes["initial_budget"] + adjustments < 0:
                problem = _negative_budget(changes["initial_budget"], adjustments)
                problems.append(Problem(problem.code, problem.message, "initial_budget"))
            changes["full_budget"] = changes["initial_budget"] + adjustments
    if problems:
        raise DomainError(*problems)
    if changes:
        for field, value in changes.items():
            setattr(project, field, value)
        set_history_user(project, user)
        project.save(update_fields=list(changes))
        _publish_goals(project)
        if "full_budget" in changes:
            _publish_budget(project)
    return project


def initial_budget_frozen(project: Project) -> bool:
    """Whether the project's initial budget is fixed: a goal of it is approved (the budget
    then changes only through adjustments). One query."""
    return PerformanceGoal.objects.filter(project=project, status=GoalStatus.APPROVED).exists()


def _publish_goals(project: Project) -> None:
    """The project's goals are mirrored in public rows (inbox, facts) that show its budget:
    refresh them in this same transaction."""
    from backend.goals.services.workflow import publish

    for goal in project.goals.all():
        publish(goal)


# --- budget adjustments -------------------------------------------------------------------------


@transaction.atomic
def add_adjustment(
    project: Project, *, date: datetime.date, amount: Decimal | str, reason: str, user: Any
) -> BudgetAdjustment:
    """Record a change of the full-year budget (追加 positive, 追减 negative) with its date
    and reason, and recompute ``project.full_budget`` = initial budget + sum of adjustments in
    the same transaction. A result below zero is refused (``NEGATIVE_BUDGET``). The caller's
    ``project`` object is updated too."""
    locked = _locked(project)
    problems: list[Problem] = []
    day, problem = _clean_date(date, year=locked.fiscal_year)
    if problem:
        problems.append(problem)
    number, problem = clean_money("amount", amount, allow_negative=True, allow_zero=False)
    if problem:
        problems.append(problem)
    text, problem = _clean_text("reason", reason, required=True)
    if problem:
        problems.append(problem)
    if number is not None:
        adjustments = _adjustments_total(locked) + number
        if locked.initial_budget + adjustments < 0:
            problems.append(_negative_budget(locked.initial_budget, adjustments))
    if problems:
        raise DomainError(*problems)
    assert day is not None and number is not None
    adjustment = BudgetAdjustment(
        project=locked, date=day, amount=number, reason=text, created_by=user
    )
    set_history_user(adjustment, user)
    adjustment.save()
    locked.full_budget = locked.initial_budget + adjustments
    set_history_user(locked, user)
    locked.save(update_fields=["full_budget"])
    project.full_budget = locked.full_budget
    _publish_goals(locked)
    _publish_budget(locked)
    return adjustment


# --- spending -----------------------------------------------------------------------------------


def _month_bounds(year: int, month: int) -> tuple[datetime.date, datetime.date]:
    last = calendar.monthrange(year, month)[1]
    return datetime.date(year, month, 1), datetime.date(year, month, last)


@transaction.atomic
def record_expenditure(
    project: Project,
    *,
    date: datetime.date,
    amount: Decimal,
    description: str = "",
    user: Any,
) -> Expenditure:
    """Record one dated payment (amount > 0). A month already given as a monthly total
    (``set_monthly_spending``) takes no dated payments (``MONTHLY_TOTAL_EXISTS``): the two
    would count the same money twice."""
    locked = _locked(project)
    problems: list[Problem] = []
    day, problem = _clean_date(date, year=locked.fiscal_year)
    if problem:
        problems.append(problem)
        day = None
    number, problem = clean_money("amount", amount, allow_zero=False)
    if problem:
        problems.append(problem)
    text, problem = _clean_text("description", description, required=False)
    if problem:
        problems.append(problem)
    if day is not None:
        first, last = _month_bounds(day.year, day.month)
        if Expenditure.objects.filter(
            project=locked, monthly_total=True, date__range=(first, last)
        ).exists():
            problems.append(
                Problem(
                    BudgetErrorCode.MONTHLY_TOTAL_EXISTS,
                    f"{day.year} 年 {day.month} 月已按月度汇总数登记支出，不能再登记单笔支出。",
                    "date",
                )
            )
    if problems:
        raise DomainError(*problems)
    assert day is not None and number is not None
    return Expenditure.objects.create(
        project=locked, date=day, amount=number, description=text, monthly_total=False
    )


@transaction.atomic
def set_monthly_spending(
    project: Project, *, month: int, amount: Decimal, user: Any
) -> Expenditure:
    """Set the total spent in ``month`` (1–12) of the project's fiscal year: one row with
    ``monthly_total=True`` dated the last day of the month, replacing that month's previous
    total. A month with dated payments takes no total (``PAYMENTS_EXIST``)."""
    locked = _locked(project)
    problems: list[Problem] = []
    cleaned_month, problem = cleaning.month(month)
    if problem:
        problems.append(problem)
    number, problem = clean_money("amount", amount)
    if problem:
        problems.append(problem)
    if not problems:
        assert cleaned_month is not None  # no problem: a month
        first, last = _month_bounds(locked.fiscal_year, cleaned_month)
        if Expenditure.objects.filter(
            project=locked, monthly_total=False, date__range=(first, last)
        ).exists():
            problems.append(
                Problem(
                    BudgetErrorCode.PAYMENTS_EXIST,
                    f"{locked.fiscal_year} 年 {cleaned_month} 月已登记单笔支出，"
                    "不能再设置月度汇总数。",
                    "month",
                )
            )
    if problems:
        raise DomainError(*problems)
    assert number is not None
    Expenditure.objects.filter(
        project=locked, monthly_total=True, date__range=(first, last)
    ).delete()
    return Expenditure.objects.create(
        project=locked,
        date=last,
        amount=number,
        description=f"{locked.fiscal_year} 年 {cleaned_month} 月支出合计",
        monthly_total=True,
    )
