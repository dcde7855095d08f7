"""审核 in the console: what the units send up for the city or the province.

- the inbox (``console:review``): 待审核 — county goals (and adjustment requests) their leader
  approved for the city's review, rectification answers awaiting acceptance; 已审核 — goals whose
  review is over and the acceptances / returns of rectification answers; filters by city, year
  and (已审核) outcome. Read from the public indexes only (``backend.console.review``).
- a goal (``console:review-goal``): the 绩效目标申报表 read-only from that one unit's schema,
  its review history, and — for the reviewer of the county's own city while it waits — the grade
  form (``workflow.review``, the service the API's ``reviewGoal`` calls); an adjustment request
  waiting for the city is decided on the same page (``workflow.review_adjustment``).
- a rectification (``console:review-rectification``): the requirement, the unit's answers and
  the decisions so far; accept or return it (``feedback.services``).

A unit or item outside the reviewer's subtree answers 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tenants.utils import tenant_context

from backend.accounts import policy
from backend.accounts.policy import Op
from backend.console import review as selectors
from backend.feedback import services as feedback_services
from backend.feedback.models import RectificationEvent, RectificationRequest, RectificationStatus
from backend.goals import selectors as goal_selectors
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    GoalStatus,
    Grade,
    PerformanceGoal,
)
from backend.goals.services import checks, workflow
from backend.oversight.selectors import parent_city
from backend.web.access import console_page, signed_in_user
from backend.web.console.review.forms import (
    ACCEPT,
    AdjustmentDecisionForm,
    Filters,
    RectificationDecisionForm,
    ReviewForm,
)
from backend.web.forms import run_service
from backend.web.requests import ConsoleRequest
from backend.web.workspace.goals import formats, sheet
from backend.web.workspace.goals.views import annotate_history
from backend.web.workspace.review.forms import review_goal
from tenants.models import Procuratorate

PER_PAGE = 25


def _access(request: ConsoleRequest) -> policy.ConsoleAccess:
    return request.console_access


@console_page(Op.REVIEW)
def inbox(request: ConsoleRequest) -> HttpResponse:
    access = _access(request)
    form = Filters(request.GET, cities=selectors.cities(access))
    tab = "done" if form.value("tab") == "done" else "todo"
    filters = selectors.Filters(
        city=str(form.value("city") or ""),
        year=form.chosen_year(),
        status=str(form.value("status") or "") if tab == "done" else "",
    )
    rectifications: QuerySet[RectificationRequest] | QuerySet[RectificationEvent]
    if tab == "todo":
        goals = selectors.goals_awaiting(access, filters)
        rectifications = selectors.rectifications_awaiting(access, filters)
    else:
        goals = selectors.goals_decided(access, filters)
        rectifications = selectors.rectification_decisions(access, filters)
    goal_page = Paginator(goals, PER_PAGE).get_page(request.GET.get("page"))
    rect_page = Paginator(rectifications, PER_PAGE).get_page(request.GET.get("rpage"))
    context = {
        "tab": tab,
        "form": form,
        "goals": goal_page,
        "rectifications": rect_page,
        "filtered": bool(filters.city or filters.year or filters.status),
        "labels": dict(GoalStatus.choices),
        "grades": dict(Grade.choices),
    }
    return render(request, "web/console/review/inbox.html", context)


# --- goals ------------------------------------------------------------------------------------


def _unit(request: ConsoleRequest, code: str) -> Procuratorate:
    unit = selectors.unit_in_scope(_access(request), code)
    if unit is None:
        raise Http404("没有该单位，或不在您的审核范围内。")
    return unit


def _goal(goal_id: int) -> PerformanceGoal:
    """The goal with what its page shows, read on the unit's schema (the caller's context)."""
    try:
        return goal_selectors.goal_page(goal_id)
    except PerformanceGoal.DoesNotExist as exc:
        raise Http404("没有该绩效目标。") from exc


def may_decide(request: HttpRequest, unit: Procuratorate) -> bool:
    """Whether the user is the reviewer of the unit's own city (the service's rule: a role held
    at the parent city itself)."""
    city = parent_city(unit)
    return city is not None and policy.unit_access(request.user, city).allows_here(
        Op.GOAL_CITY_REVIEW
    )


def _awaiting_adjustment(goal: PerformanceGoal) -> AdjustmentRequest | None:
    return next(
        (a for a in goal.adjustments.all() if a.status == AdjustmentStatus.UNIT_APPROVED), None
    )


def _goal_page(
    request: HttpRequest,
    unit: Procuratorate,
    goal: PerformanceGoal,
    form: ReviewForm | None = None,
    adjustment_form: AdjustmentDecisionForm | None = None,
) -> HttpResponse:
    """Rendered on the unit's schema (inside the caller's ``tenant_context``)."""
    indicators = list(goal.indicators.all())
    decides = may_decide(request, unit)
    awaiting = goal.status == GoalStatus.UNIT_APPROVED
    if awaiting and decides and form is None:
        form = ReviewForm(indicators=indicators)
    adjustment = _awaiting_adjustment(goal)
    if adjustment is not None and decides and adjustment_form is None:
        adjustment_form = AdjustmentDecisionForm()
    rows = sheet.review_rows(
        indicators,
        goal_selectors.last_year_actuals(goal),
        checks.last_year_warnings(goal, indicators),
        form if awaiting else None,
    )
    reviews, _adjustments = annotate_history(goal)
    names = {i.code: i.name for i in indicators}
    context = {
        "unit": unit,
        "goal": goal,
        "project": goal.project,
        "blocks": sheet.arrange(rows),
        "totals": checks.weight_totals(indicators),
        "form": form if awaiting and decides else None,
        "awaiting": awaiting,
        "decides": decides,
        "adjustment": adjustment,
        "adjustment_changes": formats.changes(adjustment.changes, names) if adjustment else [],
        "adjustment_form": adjustment_form if adjustment is not None and decides else None,
        "reviews": reviews,
        "submitted_warnings": goal.warnings or [],
        "names": names,
    }
    return render(request, "web/console/review/goal.html", context)


@console_page(Op.REVIEW)
def goal(request: ConsoleRequest, unit: str, goal_id: int) -> HttpResponse:
    target = _unit(request, unit)
    if selectors.submission(target, goal_id) is None:
        raise Http404("没有该绩效目标。")
    with tenant_context(target):
        return _goal_page(request, target, _goal(goal_id))


@console_page(Op.REVIEW)
@require_POST
def decide(request: ConsoleRequest, unit: str, goal_id: int) -> HttpResponse:
    target = _unit(request, unit)
    with tenant_context(target):
        item = _goal(goal_id)
        form = ReviewForm(request.POST, indicators=list(item.indicators.all()))
        if form.is_valid():
            done = review_goal(form, item, request.user, request.POST.get("version"))
            if done is not None:
                item.refresh_from_db()
                messages.success(
                    request,
                    f"已审核{target.name}“{item.project.name}”：{done.get_decision_display()}"
                    f"（等级：{done.get_grade_display()}），目标状态为“{item.get_status_display()}”。",
                )
                return redirect("console:review")
        return _goal_page(request, target, _goal(goal_id), form=form)


@console_page(Op.REVIEW)
@require_POST
def decide_adjustment(request: ConsoleRequest, unit: str, goal_id: int) -> HttpResponse:
    target = _unit(request, unit)
    with tenant_context(target):
        item = _goal(goal_id)
        adjustment = _awaiting_adjustment(item)
        if adjustment is None:
            messages.error(request, "该目标没有等待市院审核的调整申请。")
            return redirect(reverse("console:review-goal", args=[target.code, goal_id]))
        form = AdjustmentDecisionForm(request.POST)
        if form.is_valid():
            done = run_service(
                form,
                lambda: workflow.review_adjustment(
                    adjustment,
                    user=request.user,
                    decision=form.cleaned_data["decision"],
                    comment=form.cleaned_data["comment"],
                ),
            )
            if done is not None:
                messages.success(
                    request,
                    f"已审核{target.name}“{item.project.name}”的调整申请："
                    f"{done.get_decision_display()}。",
                )
                return redirect("console:review")
        return _goal_page(request, target, _goal(goal_id), adjustment_form=form)


# --- rectification answers --------------------------------------------------------------------


def _rectification(request: ConsoleRequest, pk: int) -> Any:
    item = selectors.rectification(_access(request), pk)
    if item is None:
        raise Http404("没有该整改通知，或不在您的审核范围内。")
    return item


def _rectification_page(
    request: ConsoleRequest, item: Any, form: RectificationDecisionForm | None = None
) -> HttpResponse:
    awaiting = item.status == RectificationStatus.RESPONDED
    decides = _access(request).covers(Op.REVIEW, item.issuer)
    if awaiting and decides and form is None:
        form = RectificationDecisionForm()
    context = {
        "item": item,
        "events": list(item.events.all()),
        "awaiting": awaiting,
        "decides": decides,
        "form": form if awaiting and decides else None,
    }
    return render(request, "web/console/review/rectification.html", context)


@console_page(Op.REVIEW)
def rectification(request: ConsoleRequest, pk: int) -> HttpResponse:
    return _rectification_page(request, _rectification(request, pk))


@console_page(Op.REVIEW)
@require_POST
def decide_rectification(request: ConsoleRequest, pk: int) -> HttpResponse:
    item = _rectification(request, pk)
    form = RectificationDecisionForm(request.POST)
    if form.is_valid():
        comment = form.cleaned_data["comment"]
        if form.cleaned_data["decision"] == ACCEPT:
            done = run_service(
                form,
                lambda: feedback_services.accept_rectification(
                    item, signed_in_user(request), comment
                ),
            )
            verb = "验收通过"
        else:
            done = run_service(
                form,
                lambda: feedback_services.reject_rectification(
                    item, signed_in_user(request), comment
                ),
            )
            verb = "退回重新整改"
        if done is not None:
            messages.success(request, f"{item.unit.name}“{item.title}”已{verb}。")
            return redirect("console:review")
    return _rectification_page(request, _rectification(request, pk), form)
