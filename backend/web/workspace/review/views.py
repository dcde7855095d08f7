"""审核: the review inboxes of a unit's host. The unit leader's (待审核 / 已审核: goals and
adjustment requests awaiting the unit's review) and, for the city reviewer above a county, the
same for the city's stage. Each item opens the goal as the reviewer sees it — project, texts,
indicators with last year's actuals and the warnings — with the grade and comments, overall
and per indicator; decisions go through ``backend.goals.services.workflow``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.goals import selectors
from backend.goals.models import (
    AdjustmentRequest,
    AdjustmentStatus,
    GoalStatus,
    PerformanceGoal,
    ReviewStage,
)
from backend.goals.services import checks, workflow
from backend.web.access import unit_page
from backend.web.forms import run_service
from backend.web.requests import UnitRequest
from backend.web.workspace.goals import formats, sheet
from backend.web.workspace.goals.views import annotate_history
from backend.web.workspace.review.forms import (
    AdjustmentDecisionForm,
    HandForm,
    ReviewForm,
    review_goal,
)

PER_PAGE = 25


@dataclass(frozen=True)
class Stage:
    """One review stage as its pages see it."""

    key: str  # ReviewStage
    op: Op
    goal_status: str  # the status of the goals it waits on
    adjustment_status: str
    urls: str  # URL name prefix
    title: str

    @property
    def inbox_url(self) -> str:
        return f"ws:{self.urls}"

    @property
    def goal_url(self) -> str:
        return f"ws:{self.urls}-goal"

    @property
    def decide_url(self) -> str:
        return f"ws:{self.urls}-decide"

    @property
    def adjustment_url(self) -> str:
        return f"ws:{self.urls}-adjustment"

    @property
    def adjustment_decide_url(self) -> str:
        return f"ws:{self.urls}-adjustment-decide"


UNIT = Stage(
    ReviewStage.UNIT,
    Op.GOAL_APPROVE,
    GoalStatus.SUBMITTED,
    AdjustmentStatus.SUBMITTED,
    "review",
    "审核",
)
CITY = Stage(
    ReviewStage.CITY,
    Op.GOAL_CITY_REVIEW,
    GoalStatus.UNIT_APPROVED,
    AdjustmentStatus.UNIT_APPROVED,
    "review-city",
    "市院审核",
)


def _url(stage: Stage, name: str, *args: Any) -> str:
    suffix = f"-{name}" if name else ""
    return reverse(f"ws:{stage.urls}{suffix}", args=args)


def _goal(goal_id: int) -> PerformanceGoal:
    try:
        return selectors.goal_page(goal_id)
    except PerformanceGoal.DoesNotExist as exc:
        raise Http404("没有该绩效目标。") from exc


def _adjustment(adjustment_id: int) -> AdjustmentRequest:
    try:
        return selectors.adjustment_page(adjustment_id)
    except AdjustmentRequest.DoesNotExist as exc:
        raise Http404("没有该调整申请。") from exc


def _inbox(request: HttpRequest, stage: Stage) -> HttpResponse:
    tab = "done" if request.GET.get("tab") == "done" else "todo"
    goals = selectors.goals_awaiting(stage.goal_status)
    adjustments = selectors.adjustments_awaiting(stage.adjustment_status)
    context: dict[str, Any] = {
        "stage": stage,
        "tab": tab,
        "goal_count": goals.count(),
        "adjustment_count": adjustments.count(),
        "base": _url(stage, ""),
    }
    if tab == "todo":
        context["goals"] = Paginator(goals, PER_PAGE).get_page(request.GET.get("page"))
        context["adjustments"] = Paginator(adjustments, PER_PAGE).get_page(request.GET.get("apage"))
    else:
        context["reviews"] = Paginator(selectors.reviews_at(stage.key), PER_PAGE).get_page(
            request.GET.get("page")
        )
    return render(request, "web/workspace/review/inbox.html", context)


def _hand_form(
    request: UnitRequest, stage: Stage, goal: PerformanceGoal, data: Any = None
) -> HandForm | None:
    """移交审核, for the goal's declaring leader (or the one it was handed to) while it awaits
    the unit's review; None for anyone else."""
    if stage.key != ReviewStage.UNIT or goal.status != GoalStatus.SUBMITTED:
        return None
    if request.user.pk not in (goal.created_by_id, goal.approver_id):
        return None
    unit = request.unit
    return HandForm(data, leaders=selectors.leaders_to_hand_to(goal, unit, request.user))


def _goal_page(
    request: UnitRequest,
    stage: Stage,
    goal: PerformanceGoal,
    form: ReviewForm | None = None,
    hand_form: HandForm | None = None,
) -> HttpResponse:
    indicators = list(goal.indicators.all())
    # The unit's review is for the leader it was handed to, else anyone but its declarer
    # (workflow refuses the others: SELF_APPROVAL, APPROVAL_HANDED): no form for them.
    reviewer = goal.approver_id or None
    blocked = stage.key == ReviewStage.UNIT and (
        request.user.pk != reviewer if reviewer else request.user.pk == goal.created_by_id
    )
    awaiting = goal.status == stage.goal_status and not blocked
    if awaiting and form is None:
        form = ReviewForm(indicators=indicators)
    rows = sheet.review_rows(
        indicators,
        selectors.last_year_actuals(goal),
        checks.last_year_warnings(goal, indicators),
        form if awaiting else None,
    )
    reviews, _adjustments = annotate_history(goal)
    context = {
        "stage": stage,
        "goal": goal,
        "project": goal.project,
        "blocks": sheet.arrange(rows),
        "totals": checks.weight_totals(indicators),
        "form": form,
        "awaiting": awaiting,
        "reviews": reviews,
        "submitted_warnings": goal.warnings or [],
        "names": {i.code: i.name for i in indicators},
        "hand_form": hand_form or _hand_form(request, stage, goal),
        "blocked": blocked and goal.status == stage.goal_status,
    }
    return render(request, "web/workspace/review/goal.html", context)


def _decide(request: UnitRequest, stage: Stage, goal_id: int) -> HttpResponse:
    goal = _goal(goal_id)
    form = ReviewForm(request.POST, indicators=list(goal.indicators.all()))
    if form.is_valid():
        done = review_goal(form, goal, request.user, request.POST.get("version"))
        if done is not None:
            goal.refresh_from_db()
            messages.success(
                request,
                f"已审核“{goal.project.name}”：{done.get_decision_display()}"
                f"（等级：{done.get_grade_display()}），目标状态为“{goal.get_status_display()}”。",
            )
            return redirect(_url(stage, ""))
    return _goal_page(request, stage, _goal(goal_id), form)


def _adjustment_page(
    request: HttpRequest,
    stage: Stage,
    adjustment: AdjustmentRequest,
    form: AdjustmentDecisionForm | None = None,
) -> HttpResponse:
    awaiting = adjustment.status == stage.adjustment_status
    goal = adjustment.goal
    names = {i.code: i.name for i in goal.indicators.all()}
    context = {
        "stage": stage,
        "adjustment": adjustment,
        "goal": goal,
        "project": goal.project,
        "changes": formats.changes(adjustment.changes, names),
        "awaiting": awaiting,
        "form": form or (AdjustmentDecisionForm() if awaiting else None),
        "reviews": list(adjustment.reviews.all()),
    }
    return render(request, "web/workspace/review/adjustment.html", context)


def _decide_adjustment(request: HttpRequest, stage: Stage, adjustment_id: int) -> HttpResponse:
    adjustment = _adjustment(adjustment_id)
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
                f"已审核“{adjustment.goal.project.name}”的调整申请：{done.get_decision_display()}。",
            )
            return redirect(_url(stage, ""))
    return _adjustment_page(request, stage, _adjustment(adjustment_id), form)


# --- the unit leader ----------------------------------------------------------------------------


@unit_page(Op.GOAL_APPROVE)
def inbox(request: UnitRequest) -> HttpResponse:
    return _inbox(request, UNIT)


@unit_page(Op.GOAL_APPROVE)
def goal(request: UnitRequest, goal_id: int) -> HttpResponse:
    return _goal_page(request, UNIT, _goal(goal_id))


@unit_page(Op.GOAL_APPROVE)
@require_POST
def decide(request: UnitRequest, goal_id: int) -> HttpResponse:
    return _decide(request, UNIT, goal_id)


@unit_page(Op.GOAL_APPROVE)
@require_POST
def hand(request: UnitRequest, goal_id: int) -> HttpResponse:
    """移交审核: the declaring leader hands the unit's review to another leader (one
    transaction, ``workflow.hand_approval``)."""
    goal = _goal(goal_id)
    form = _hand_form(request, UNIT, goal, request.POST)
    if form is None:
        messages.error(request, "只有编制该目标的负责人（或已被移交的负责人）可以移交审核。")
        return redirect(_url(UNIT, "goal", goal.pk))
    if form.is_valid():
        to = form.leaders[form.cleaned_data["approver"]]
        if run_service(form, lambda: workflow.hand_approval(goal, user=request.user, to=to)):
            name = to.full_name or to.get_username()
            messages.success(request, f"已将“{goal.project.name}”的审核移交给{name}。")
            return redirect(_url(UNIT, ""))
    return _goal_page(request, UNIT, _goal(goal_id), hand_form=form)


@unit_page(Op.GOAL_APPROVE)
def adjustment(request: UnitRequest, adjustment_id: int) -> HttpResponse:
    return _adjustment_page(request, UNIT, _adjustment(adjustment_id))


@unit_page(Op.GOAL_APPROVE)
@require_POST
def decide_adjustment(request: UnitRequest, adjustment_id: int) -> HttpResponse:
    return _decide_adjustment(request, UNIT, adjustment_id)


# --- the city reviewer, on a county's host ------------------------------------------------------


@unit_page(Op.GOAL_CITY_REVIEW)
def city_inbox(request: UnitRequest) -> HttpResponse:
    return _inbox(request, CITY)


@unit_page(Op.GOAL_CITY_REVIEW)
def city_goal(request: UnitRequest, goal_id: int) -> HttpResponse:
    return _goal_page(request, CITY, _goal(goal_id))


@unit_page(Op.GOAL_CITY_REVIEW)
@require_POST
def city_decide(request: UnitRequest, goal_id: int) -> HttpResponse:
    return _decide(request, CITY, goal_id)


@unit_page(Op.GOAL_CITY_REVIEW)
def city_adjustment(request: UnitRequest, adjustment_id: int) -> HttpResponse:
    return _adjustment_page(request, CITY, _adjustment(adjustment_id))


@unit_page(Op.GOAL_CITY_REVIEW)
@require_POST
def city_decide_adjustment(request: UnitRequest, adjustment_id: int) -> HttpResponse:
    return _decide_adjustment(request, CITY, adjustment_id)
