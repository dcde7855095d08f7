"""项目: the unit's budget projects — the list with filters and totals, a project's page with its
tabs, and the forms that create and edit projects and record adjustments, payments and
monthly totals (``backend.budgets.services``, the API's services)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.budgets import selectors, services
from backend.budgets.models import Project
from backend.monitoring.selectors import execution_curve
from backend.web.access import unit_page
from backend.web.forms import run_service
from backend.web.requests import UnitRequest
from backend.web.workspace.home.charts import execution_options
from backend.web.workspace.home.links import page
from backend.web.workspace.projects.forms import (
    AdjustmentForm,
    ExpenditureForm,
    MonthlySpendingForm,
    ProjectEditForm,
    ProjectFilterForm,
    ProjectForm,
)
from backend.workspace import selectors as workspace

PER_PAGE = 25
ALL_YEARS = "all"

# The project page's tabs: key → label.
TABS = {
    "info": "基本信息",
    "budget": "预算与支出",
    "goal": "绩效目标",
    "monitoring": "运行监控",
    "evaluation": "绩效自评",
    "results": "整改与反馈",
    "history": "历史",
}


def _can_edit(request: UnitRequest) -> bool:
    return request.unit_access.allows(Op.PROJECT_EDIT)


def _paginate(request: HttpRequest, rows: Any, param: str = "page") -> Any:
    return Paginator(rows, PER_PAGE).get_page(request.GET.get(param))


def _project_or_404(project_id: int) -> Project:
    try:
        return selectors.project(project_id)
    except Project.DoesNotExist:
        raise Http404("没有这个项目。") from None


def _detail_url(project: Project, tab: str = "info") -> str:
    url = reverse("ws:project-detail", kwargs={"project_id": project.pk})
    return url if tab == "info" else f"{url}?tab={tab}"


# --- the list -----------------------------------------------------------------------------------


@unit_page()
def project_list(request: UnitRequest) -> HttpResponse:
    filters = ProjectFilterForm(request.GET)
    current = {k: filters.value(k) for k in ("department", "status", "funding", "category", "q")}
    choices = selectors.filter_choices()
    year_param = filters.value("year")
    if not year_param:
        this_year = timezone.localdate().year
        default = this_year if this_year in choices.years or not choices.years else None
        year = default if default is not None else choices.years[0]
    elif year_param == ALL_YEARS:
        year = None
    else:
        year = int(year_param) if year_param.isdigit() and len(year_param) == 4 else None
    rows = selectors.project_list(
        fiscal_year=year,
        department=current["department"] or None,
        goal_status=current["status"] or None,
        funding_source=current["funding"] or None,
        category=current["category"] or None,
        search=current["q"] or None,
    )
    return render(
        request,
        "web/workspace/projects/list.html",
        {
            "filters": filters,
            "current": current,
            "choices": choices,
            "year": year,
            "year_value": str(year) if year is not None else ALL_YEARS,
            "page": _paginate(request, rows),
            "totals": selectors.project_totals(rows),
            "can_edit": _can_edit(request),
            "filtered": any(current.values()),
        },
    )


# --- create and edit ----------------------------------------------------------------------------


@unit_page(Op.PROJECT_EDIT)
def project_create(request: UnitRequest) -> HttpResponse:
    departments = selectors.filter_choices().departments
    if request.method == "POST":
        form = ProjectForm(request.POST, departments=departments)
        if form.is_valid():
            project = run_service(
                form, lambda: services.create_project(user=request.user, **form.cleaned_data)
            )
            if project is not None:
                messages.success(request, f"已创建项目“{project.name}”。")
                return redirect(_detail_url(project))
    else:
        form = ProjectForm(
            initial={"fiscal_year": timezone.localdate().year}, departments=departments
        )
    return render(request, "web/workspace/projects/form.html", {"form": form, "project": None})


@unit_page(Op.PROJECT_EDIT)
def project_edit(request: UnitRequest, project_id: int) -> HttpResponse:
    project = _project_or_404(project_id)
    departments = selectors.filter_choices().departments
    if request.method == "POST":
        form = ProjectEditForm(request.POST, departments=departments)
        if form.is_valid():
            saved = run_service(
                form,
                lambda: services.update_project(project, form.cleaned_data, user=request.user),
            )
            if saved is not None:
                messages.success(request, f"已保存项目“{saved.name}”。")
                return redirect(_detail_url(saved))
    else:
        form = ProjectEditForm(
            initial={f: getattr(project, f) for f in services.PROJECT_FIELDS},
            departments=departments,
        )
    return render(
        request,
        "web/workspace/projects/form.html",
        {"form": form, "project": project, "frozen": services.initial_budget_frozen(project)},
    )


# --- the project's page -------------------------------------------------------------------------


def _tab_context(request: UnitRequest, project: Project, tab: str) -> dict[str, Any]:
    """What the tab shows: a read-only summary from the selectors, plus the budget forms."""
    unit = request.unit
    if tab == "budget":
        return {
            "budget": selectors.budget_summary(project),
            "adjustments": _paginate(request, selectors.adjustments(project), "apage"),
            "expenditures": _paginate(
                request, selectors.expenditures(project).order_by("-date", "-id"), "epage"
            ),
        }
    if tab == "goal":
        goals = workspace.project_goals(project)
        return {
            "goals": goals,
            "goal_create_url": page("ws:goal-create", project_id=project.pk),
            "goal_urls": {g.pk: page("ws:goal-detail", goal_id=g.pk) for g in goals},
        }
    if tab == "monitoring":
        entries = workspace.project_entries(project)
        curve = execution_curve(project)
        return {
            "entries": entries,
            "entry_urls": {e.pk: page("ws:monitoring-entry", entry_id=e.pk) for e in entries},
            "alerts": (alerts := _paginate(request, workspace.project_alerts(project))),
            "alert_urls": {a.pk: page("ws:alert-detail", alert_id=a.pk) for a in alerts},
            "curve": curve,
            "chart": execution_options(curve, compact=True),
            "monitoring_url": page("ws:monitoring"),
        }
    if tab == "evaluation":
        evaluations = workspace.project_evaluations(project)
        return {
            "evaluations": evaluations,
            "evaluation_urls": {
                e.pk: page("ws:evaluation-detail", evaluation_id=e.pk) for e in evaluations
            },
            "evaluations_url": page("ws:evaluations"),
        }
    if tab == "results":
        results = workspace.project_results(unit, project)
        return {
            "results": results,
            "rectification_urls": {
                r.pk: page("ws:rectification-detail", rectification_id=r.pk)
                for r in results.rectifications
            },
            "results_url": page("ws:results"),
        }
    if tab == "history":
        return {"history": _paginate(request, selectors.project_history(project))}
    return {}


def _render_detail(request: UnitRequest, project: Project, tab: str, **forms: Any) -> HttpResponse:
    can_edit = _can_edit(request)
    context: dict[str, Any] = {
        "project": project,
        "tab": tab,
        "tabs": TABS,
        "can_edit": can_edit,
        "detail_url": _detail_url(project),
        "today": timezone.localdate(),
        **_tab_context(request, project, tab),
    }
    if tab == "budget" and can_edit:
        context["adjustment_form"] = forms.get("adjustment_form") or AdjustmentForm(
            auto_id="adj_%s"
        )
        context["expenditure_form"] = forms.get("expenditure_form") or ExpenditureForm(
            auto_id="exp_%s"
        )
        context["monthly_form"] = forms.get("monthly_form") or MonthlySpendingForm(auto_id="mon_%s")
    if request.htmx and request.method == "GET":
        return render(request, "web/workspace/projects/_tab.html", context)
    return render(request, "web/workspace/projects/detail.html", context)


@unit_page()
def project_detail(request: UnitRequest, project_id: int) -> HttpResponse:
    project = _project_or_404(project_id)
    tab = request.GET.get("tab", "info")
    if tab not in TABS:
        tab = "info"
    return _render_detail(request, project, tab)


# --- money: adjustments, payments, monthly totals ------------------------------------------------


@unit_page(Op.PROJECT_EDIT)
@require_POST
def adjustment_add(request: UnitRequest, project_id: int) -> HttpResponse:
    project = _project_or_404(project_id)
    form = AdjustmentForm(request.POST, auto_id="adj_%s")
    if form.is_valid():
        adjustment = run_service(
            form,
            lambda: services.add_adjustment(
                project,
                date=form.cleaned_data["date"],
                amount=form.signed_amount(),
                reason=form.cleaned_data["reason"],
                user=request.user,
            ),
        )
        if adjustment is not None:
            kind = "追加" if adjustment.amount > 0 else "追减"
            messages.success(
                request,
                f"已登记预算{kind} {abs(adjustment.amount):,.2f} 元，"
                f"全年预算数为 {project.full_budget:,.2f} 元。",
            )
            return redirect(_detail_url(project, "budget"))
    return _render_detail(request, project, "budget", adjustment_form=form)


@unit_page(Op.PROJECT_EDIT)
@require_POST
def expenditure_add(request: UnitRequest, project_id: int) -> HttpResponse:
    project = _project_or_404(project_id)
    form = ExpenditureForm(request.POST, auto_id="exp_%s")
    if form.is_valid():
        expenditure = run_service(
            form,
            lambda: services.record_expenditure(
                project,
                date=form.cleaned_data["date"],
                amount=form.cleaned_data["amount"],
                description=form.cleaned_data["description"],
                user=request.user,
            ),
        )
        if expenditure is not None:
            messages.success(
                request,
                f"已登记 {expenditure.date.month} 月 {expenditure.date.day} 日支出 "
                f"{expenditure.amount:,.2f} 元。",
            )
            return redirect(_detail_url(project, "budget"))
    return _render_detail(request, project, "budget", expenditure_form=form)


@unit_page(Op.PROJECT_EDIT)
@require_POST
def monthly_spending(request: UnitRequest, project_id: int) -> HttpResponse:
    project = _project_or_404(project_id)
    form = MonthlySpendingForm(request.POST, auto_id="mon_%s")
    if form.is_valid():
        row = run_service(
            form,
            lambda: services.set_monthly_spending(
                project,
                month=form.cleaned_data["month"],
                amount=form.cleaned_data["amount"],
                user=request.user,
            ),
        )
        if row is not None:
            messages.success(request, f"已设置 {row.date.month} 月支出合计 {row.amount:,.2f} 元。")
            return redirect(_detail_url(project, "budget"))
    return _render_detail(request, project, "budget", monthly_form=form)
