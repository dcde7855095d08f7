"""运行监控: the rounds and the projects' entries, the entry form (late entries included), the
alerts and their answers, the execution curves. Thin: a form, one service or selector, a
template."""

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
from backend.budgets.models import Project
from backend.monitoring import selectors, services
from backend.monitoring.models import Alert, AlertStatus, EntryStatus, Likelihood, MonitoringEntry
from backend.oversight import selectors as rounds
from backend.oversight.models import ExecutionRule, MonitoringRound
from backend.oversight.selectors import RoundState
from backend.web.access import unit_page
from backend.web.forms import run_service
from backend.web.requests import UnitRequest
from backend.web.templatetags.jixiao import yuan
from backend.web.workspace.monitoring.charts import curve_options
from backend.web.workspace.monitoring.forms import AnswerForm, EntryForm, StartForm

PAGE_SIZE = 25
ALERT_FILTERS = (("", "全部"), *AlertStatus.choices)


def year_of(request: HttpRequest, default: int) -> int:
    """The ``year`` of the query string when it is a plausible fiscal year, else ``default``."""
    value = request.GET.get("year", "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else default


def page_number(request: HttpRequest, name: str = "page") -> int:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 100_000 else 1


def _pick_round(request: HttpRequest, year_rounds: list[MonitoringRound]) -> MonitoringRound | None:
    """The round asked for, else the open one, else the latest that opened, else the first."""
    today = timezone.localdate()
    wanted = request.GET.get("round", "")
    for round in year_rounds:
        if str(round.pk) == wanted:
            return round
    opened = [r for r in year_rounds if r.opens_on <= today]
    for round in opened:
        if rounds.round_state(round, today) == RoundState.OPEN:
            return round
    if opened:
        return opened[-1]
    return year_rounds[0] if year_rounds else None


@unit_page()
def index(request: UnitRequest) -> HttpResponse:
    """The year's rounds; the projects and their entries for one round; the alerts; the unit's
    execution curve."""
    unit = request.unit
    today = timezone.localdate()
    all_rounds = list(rounds.rounds_for(unit))
    years = sorted({r.fiscal_year for r in all_rounds}, reverse=True)
    default_year = today.year if (today.year in years or not years) else years[0]
    year = year_of(request, default_year)
    year_rounds = [r for r in all_rounds if r.fiscal_year == year]
    current = _pick_round(request, year_rounds)
    state = rounds.round_state(current, today) if current else None

    projects = Paginator(Project.objects.filter(fiscal_year=year).order_by("code", "id"), PAGE_SIZE)
    project_page = projects.get_page(page_number(request))
    entries = selectors.entries_of_round(current, [p.pk for p in project_page]) if current else {}
    rows = [(project, entries.get(project.pk)) for project in project_page]
    missing = selectors.projects_without_submission(current) if current else 0

    status = request.GET.get("alerts", "")
    status = status if status in AlertStatus.values else ""
    alert_page = Paginator(
        selectors.alerts(fiscal_year=year, status=status or None), PAGE_SIZE
    ).get_page(page_number(request, "alerts_page"))

    return render(
        request,
        "web/workspace/monitoring/index.html",
        {
            "year": year,
            "years": years or [year],
            "rounds": [(r, rounds.round_state(r, today)) for r in year_rounds],
            "current": current,
            "state": state,
            "project_page": project_page,
            "rows": rows,
            "missing": missing,
            "alert_page": alert_page,
            "alert_status": status,
            "alert_filters": ALERT_FILTERS,
            "curve": curve_options(selectors.unit_execution_curve(fiscal_year=year)),
            "can_enter": request.unit_access.allows(Op.MONITORING_ENTER),
            "today": today,
        },
    )


def _round_of(request: UnitRequest, pk: Any) -> MonitoringRound | None:
    return rounds.rounds_for(request.unit).filter(pk=pk).first()


@unit_page(Op.MONITORING_ENTER)
def start(request: UnitRequest) -> HttpResponse:
    """GET: confirm starting an entry (a closed round asks for the reason of the late entry);
    POST: ``start_entry``, then the entry's page."""
    if request.method == "POST":
        form = StartForm(request.POST)
        project_id, round_id = request.POST.get("project_id", ""), request.POST.get("round_id", "")
    else:
        project_id, round_id = request.GET.get("project", ""), request.GET.get("round", "")
        form = StartForm(initial={"project_id": project_id, "round_id": round_id})
    project = Project.objects.filter(pk=project_id).first() if project_id.isdigit() else None
    round = _round_of(request, round_id) if round_id.isdigit() else None
    if project is None or round is None:
        raise Http404("没有该项目或监控轮次。")
    closed = rounds.round_state(round, timezone.localdate()) == RoundState.CLOSED
    if request.method == "POST" and form.is_valid():
        entry = run_service(
            form,
            lambda: services.start_entry(
                project,
                round,
                user=request.user,
                late_reason=form.cleaned_data["late_reason"],
            ),
        )
        if entry is not None:
            if entry.late:
                messages.warning(request, "已按逾期补报开始填报，填报将标记为逾期。")
            return redirect("ws:monitoring-entry", entry_id=entry.pk)
    return render(
        request,
        "web/workspace/monitoring/start.html",
        {"form": form, "project": project, "round": round, "closed": closed},
    )


def _entry(entry_id: int) -> MonitoringEntry:
    try:
        return selectors.entry(entry_id)
    except MonitoringEntry.DoesNotExist:
        raise Http404("没有该监控填报。") from None


def _entry_page(
    request: UnitRequest, entry: MonitoringEntry, form: EntryForm | None, status: int = 200
) -> HttpResponse:
    today = timezone.localdate()
    state = rounds.round_state(entry.round, today)
    editable = entry.status == EntryStatus.DRAFT and request.unit_access.allows(Op.MONITORING_ENTER)
    if form is None and editable:
        form = EntryForm(entry=entry)
    return render(
        request,
        "web/workspace/monitoring/entry.html",
        {
            "entry": entry,
            "form": form if editable else None,
            "state": state,
            "needs_late_reason": state == RoundState.CLOSED and not entry.late,
            "curve": curve_options(selectors.execution_curve(entry.project_id)),
            "alerts": list(selectors.alerts(project=entry.project_id)[:10]),
        },
        status=status,
    )


@unit_page()
def entry_detail(request: UnitRequest, entry_id: int) -> HttpResponse:
    return _entry_page(request, _entry(entry_id), None)


def _record(request: HttpRequest, entry: MonitoringEntry, form: EntryForm) -> MonitoringEntry:
    return services.record_entry(
        entry,
        user=request.user,
        spent_to_date=form.spent(),
        indicators=form.indicator_rows(),
        late_reason=form.cleaned_data.get("late_reason") or None,
        expected_version=form.cleaned_data.get("version"),
    )


@unit_page(Op.MONITORING_ENTER)
@require_POST
def entry_save(request: UnitRequest, entry_id: int) -> HttpResponse:
    entry = _entry(entry_id)
    form = EntryForm(request.POST, entry=entry)
    if form.is_valid() and bool(
        run_service(form, lambda: _record(request, entry, form), form.problem_fields())
    ):
        messages.success(request, "监控数据已保存。")
        return redirect("ws:monitoring-entry", entry_id=entry.pk)
    return _entry_page(request, entry, form)


@unit_page(Op.MONITORING_ENTER)
@require_POST
def entry_submit(request: UnitRequest, entry_id: int) -> HttpResponse:
    """Save what the form holds and submit, in one transaction (all or nothing)."""
    entry = _entry(entry_id)
    form = EntryForm(request.POST, entry=entry)
    if form.is_valid():
        submitted = run_service(
            form,
            lambda: services.submit_entry(
                _record(request, entry, form),
                user=request.user,
                late_reason=form.cleaned_data.get("late_reason") or None,
            ),
            form.problem_fields(),
        )
        if submitted is not None:
            note = "（逾期补报）" if submitted.late else ""
            messages.success(request, f"监控数据已提交{note}，预警规则已按本次数据重新检查。")
            return redirect("ws:monitoring-entry", entry_id=entry.pk)
    return _entry_page(request, entry, form)


@unit_page()
def project_curve(request: UnitRequest, project_id: int) -> HttpResponse:
    """One project's execution curve, its entries and its alerts."""
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise Http404("没有该项目。")
    return render(
        request,
        "web/workspace/monitoring/project.html",
        {
            "project": project,
            "curve": curve_options(selectors.execution_curve(project)),
            "entries": list(selectors.entries(project=project)),
            "alerts": list(selectors.alerts(project=project)[:50]),
        },
    )


def _alert(alert_id: int) -> Alert:
    alert = selectors.alerts().filter(pk=alert_id).first()
    if alert is None:
        raise Http404("没有该预警。")
    return alert


def _alert_page(
    request: UnitRequest, alert: Alert, form: AnswerForm | None, status: int = 200
) -> HttpResponse:
    can_answer = alert.status == AlertStatus.OPEN and request.unit_access.allows(Op.ALERT_ANSWER)
    return render(
        request,
        "web/workspace/monitoring/alert.html",
        {
            "alert": alert,
            "evidence": evidence_rows(alert.evidence),
            "form": form if form is not None else (AnswerForm() if can_answer else None),
            "overdue": alert.status == AlertStatus.OPEN and alert.answer_due < timezone.localdate(),
        },
        status=status,
    )


@unit_page()
def alert_detail(request: UnitRequest, alert_id: int) -> HttpResponse:
    return _alert_page(request, _alert(alert_id), None)


@unit_page(Op.ALERT_ANSWER)
@require_POST
def alert_answer(request: UnitRequest, alert_id: int) -> HttpResponse:
    alert = _alert(alert_id)
    form = AnswerForm(request.POST)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.answer_alert(
                alert,
                user=request.user,
                response=form.cleaned_data["response"],
                note=form.cleaned_data["note"],
            ),
        )
    ):
        messages.success(request, "预警已反馈。")
        return redirect(reverse("ws:alert-detail", kwargs={"alert_id": alert.pk}))
    return _alert_page(request, alert, form)


EVIDENCE_LABELS = {
    "rule": "预警口径",
    "month": "截至月份",
    "fiscal_year": "年度",
    "full_budget": "全年预算数（元）",
    "spent_to_date": "累计支出（元）",
    "execution_rate": "预算执行率（%）",
    "time_progress": "时间进度（%）",
    "lag_points": "落后百分点",
    "warning_points": "黄色预警阈值（百分点）",
    "serious_points": "红色预警阈值（百分点）",
    "ratio": "执行/时间进度（%）",
    "floor": "执行率下限（%）",
    "shortfall_points": "低于下限（百分点）",
    "indicator": "指标",
    "indicator_code": "指标编码",
    "likelihood": "年底能否完成",
    "target_value": "目标值",
    "value_to_date": "累计完成值",
    "progress": "完成进度（%）",
    "lag_threshold_points": "落后阈值（百分点）",
    "forecast_rate": "预计全年执行率（%）",
    "threshold": "阈值（%）",
    "closes_on": "截止日期",
    "as_of": "检查日期",
    "days_overdue": "逾期天数",
    "silent_days": "逾期预警天数",
    "serious_step": "红色预警步长（百分点）",
    "ratio_yellow": "黄色预警比值（%）",
    "ratio_red": "红色预警比值（%）",
    "indicators": "参与计算的指标数",
    "indicator_progress": "各指标完成进度（%）",
    "mean_progress": "指标平均完成进度（%）",
    "gap_points": "偏离百分点",
    "gap_threshold_points": "偏离阈值（百分点）",
    "monthly_spent": "各月支出（元）",
    "pace": "近三个月加权月均支出（元）",
    "remaining_months": "剩余月数",
    "forecast_threshold": "预计执行率阈值（%）",
    "serious_below": "红色预警线（%）",
}


MONEY_KEYS = {"full_budget", "spent_to_date"}


def evidence_rows(evidence: dict[str, Any]) -> list[tuple[str, str]]:
    """An alert's evidence as (label, value) rows: known keys in Chinese, amounts with
    thousands separators, the rule's and the likelihood's names."""
    rows = []
    for key, value in evidence.items():
        text = str(value)
        if key in MONEY_KEYS:
            text = yuan(value)
        elif key == "rule" and text in ExecutionRule.values:
            text = ExecutionRule(text).label
        elif key == "likelihood" and text in Likelihood.values:
            text = Likelihood(text).label
        rows.append((EVIDENCE_LABELS.get(key, key), text))
    return rows
