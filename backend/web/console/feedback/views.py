"""反馈与整改 (console): feedback batches built from a benchmark view and sent to the units
below, their response and closure rates; the rectifications of the units below tracked to
closure. Thin: a form, one service (``backend.feedback.services``) or selector
(``backend.console.feedback``), a template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from backend.accounts.policy import Op
from backend.benchmarking.selectors import OutOfReach
from backend.console import feedback as selectors
from backend.core.errors import DomainError
from backend.feedback import services, texts
from backend.feedback.models import (
    RectificationOrigin,
    RectificationRequest,
    RectificationStatus,
)
from backend.web.access import console_page, signed_in_user
from backend.web.console.benchmark.charts import chart_height
from backend.web.console.feedback import charts
from backend.web.console.feedback.forms import (
    ORIGIN_CHOICES,
    STATUS_CHOICES,
    BatchForm,
    VerdictForm,
    ViewForm,
)
from backend.web.console.feedback.tables import city_choices, ordering, year_filter
from backend.web.forms import add_problems, choice_field, run_service
from backend.web.requests import ConsoleRequest
from backend.web.workspace.monitoring.views import page_number
from tenants.models import Procuratorate

PAGE_SIZE = 25
VIEW_FIELDS = ("issuer", "metric", "fiscal_year", "level", "percentile")


def _paths(request: ConsoleRequest, op: Op = Op.FEEDBACK_SEND) -> list[str]:
    return request.console_access.paths(op)


# --- batches -----------------------------------------------------------------------------------


@console_page(Op.FEEDBACK_SEND)
def index(request: ConsoleRequest) -> HttpResponse:
    """The batches sent by the units in scope, with their rates; totals on top."""
    paths = _paths(request)
    year = year_filter(request)
    batches = Paginator(selectors.batches(paths, fiscal_year=year), PAGE_SIZE).get_page(
        page_number(request)
    )
    return render(
        request,
        "web/console/feedback/index.html",
        {
            "batches": batches,
            "rates_chart": charts.batch_rates(list(batches.object_list)),
            "rates_height": chart_height(len(batches.object_list)) + 30,
            "totals": selectors.rates(paths, fiscal_year=year),
            "counts": selectors.rectification_counts(paths, fiscal_year=year),
            "year": year,
            "years": choice_field(ViewForm.base_fields, "fiscal_year").choices,
        },
    )


def _issuer(request: ConsoleRequest, code: str | None) -> tuple[Procuratorate, list[Procuratorate]]:
    issuers = request.console_access.units_for(Op.FEEDBACK_SEND)
    chosen = next((u for u in issuers if u.code == code), issuers[0])
    return chosen, issuers


def _view_form(request: HttpRequest, issuers: list[Procuratorate]) -> ViewForm:
    source = request.POST if request.method == "POST" else request.GET
    data: dict[str, Any] = {
        "metric": "execution_rate",
        "fiscal_year": timezone.localdate().year,
        "level": "",
        "percentile": "10",
        "issuer": issuers[0].code,
    }
    if any(name in source for name in VIEW_FIELDS):
        data = {name: source.get(name, "") for name in VIEW_FIELDS}
    return ViewForm(data, issuers=[(u.code, u.name) for u in issuers])


@console_page(Op.FEEDBACK_SEND)
def new(request: ConsoleRequest) -> HttpResponse:
    """Build a batch: a benchmark view (metric, year, level) gives every unit's place and the
    units at or below a percentile, checked; more units by hand; the text with placeholders;
    预览 shows each unit's text with its figures (nothing written), 下发 sends it
    (``issue_feedback``, one transaction) and opens the batch."""
    issuers = request.console_access.units_for(Op.FEEDBACK_SEND)
    view_form = _view_form(request, issuers)
    view = None
    issuer = issuers[0]
    if view_form.is_valid():
        issuer, _ = _issuer(request, view_form.cleaned_data.get("issuer"))
        try:
            view = selectors.benchmark_view(
                request.user,
                issuer,
                metric=view_form.cleaned_data["metric"],
                fiscal_year=view_form.cleaned_data["fiscal_year"],
                level=view_form.cleaned_data["level"] or None,
                percentile=view_form.cleaned_data["percentile"],
            )
        except DomainError as error:
            add_problems(view_form, error)
        except OutOfReach:
            view_form.add_error(None, "您没有对标查看权限，只能手工选择单位。")
    below = view.below if view is not None else []
    choices = [(c.unit_id, c.name) for c in below]
    previews: list[tuple[Procuratorate, str]] = []
    if request.method == "POST":
        form = BatchForm(request.POST, unit_choices=choices)
        if form.is_valid() and view_form.is_valid():
            ids = list(form.cleaned_data["unit_ids"])
            codes = form.more_codes()
            found = selectors.units_by_code(issuer, codes)
            missing = [c for c in codes if c not in found]
            if missing:
                form.add_error(
                    "more_units", f"以下单位不存在或不在本院下级：{'、'.join(missing)}。"
                )
            ids += [found[c].pk for c in codes if c in found and found[c].pk not in ids]
            year = view_form.cleaned_data["fiscal_year"]
            if request.POST.get("action") == "send" and not form.errors:
                data = form.cleaned_data
                batch = run_service(
                    form,
                    lambda: services.issue_feedback(
                        issuer,
                        signed_in_user(request),
                        fiscal_year=year,
                        title=data["title"],
                        body=data["body"],
                        unit_ids=ids or None,
                        requires_rectification=data["requires_rectification"],
                        due_on=data["due_on"],
                        extra_figures={i: view.figures(i) if view is not None else {} for i in ids},
                    ),
                )
                if batch is not None:
                    messages.success(request, f"反馈已下发至 {batch.items.count()} 个单位。")
                    return redirect("console:feedback-batch", batch_id=batch.pk)
            elif not form.errors:
                previews = _previews(issuer, ids, year, form.cleaned_data["body"], view)
                if not ids:
                    form.add_error("unit_ids", "请选择单位或筛选条件。")
                unknown = texts.unknown(form.cleaned_data["body"])
                if unknown:
                    form.add_error(
                        "body", f"未知的占位符：{'、'.join('{' + n + '}' for n in unknown)}。"
                    )
    else:
        form = BatchForm(
            initial={
                "unit_ids": [c for c, _ in choices],
                "title": _default_title(view),
            },
            unit_choices=choices,
        )
    return render(
        request,
        "web/console/feedback/new.html",
        {
            "view_form": view_form,
            "form": form,
            "view": view,
            "below": below,
            "issuer": issuer,
            "previews": previews,
            "checked": set(request.POST.getlist("unit_ids"))
            if request.method == "POST"
            else {str(c) for c, _ in choices},
            "placeholders": [(name, about) for name, (about, _) in texts.PLACEHOLDERS.items()],
            "view_values": {name: (view_form.data.get(name) or "") for name in VIEW_FIELDS},
        },
    )


def _default_title(view: selectors.BenchmarkView | None) -> str:
    if view is None:
        return ""
    return f"{view.fiscal_year}年度{view.label}对标反馈"


def _previews(
    issuer: Procuratorate,
    ids: list[int],
    year: int,
    body: str,
    view: selectors.BenchmarkView | None,
) -> list[tuple[Procuratorate, str]]:
    """Each chosen unit's text with the figures ``issue_feedback`` will store (five queries)."""
    units = selectors.units_below(issuer, ids)
    figures = services.unit_figures(units, year)
    out = []
    for unit in units:
        merged = {
            "unit_name": unit.name,
            **(view.figures(unit.pk) if view is not None else {}),
            **figures[unit.pk],
        }
        out.append((unit, texts.merge(body, merged)))
    return out


def _batch(request: ConsoleRequest, pk: int) -> Any:
    found = selectors.batch(_paths(request), pk)
    if found is None:
        raise Http404("没有该反馈批次。")
    return found


@console_page(Op.FEEDBACK_SEND)
def batch(request: ConsoleRequest, batch_id: int) -> HttpResponse:
    """One batch: its rates and every unit's item (read, answer, rectification)."""
    found = _batch(request, batch_id)
    show = request.GET.get("show", "")
    order = ordering(request, selectors.ITEM_ORDER, "unit")
    items = Paginator(selectors.batch_items(found, show=show, order=order), PAGE_SIZE).get_page(
        page_number(request)
    )
    return render(
        request,
        "web/console/feedback/batch.html",
        {
            "batch": found,
            "items": items,
            "show": show if show in selectors.ITEM_FILTERS else "",
            "shows": [
                ("", "全部"),
                ("answered", "已回复"),
                ("unanswered", "未回复"),
                ("unread", "未签收"),
                ("overdue", "整改逾期"),
            ],
            "sort": order,
            "read_rate": selectors.rate(found.read_count, found.unit_count),
            "response_rate": selectors.rate(found.answered_count, found.unit_count),
            "closure_rate": selectors.rate(found.accepted_count, found.rectification_count),
        },
    )


# --- rectifications ----------------------------------------------------------------------------


@console_page(Op.FEEDBACK_SEND)
def rectifications(request: ConsoleRequest) -> HttpResponse:
    """Every rectification of the units in scope (filters: year, status, overdue, origin,
    city; sortable), its counts and the units with overdue ones."""
    paths = _paths(request)
    year = year_filter(request)
    status = request.GET.get("status", "")
    status = status if status in RectificationStatus.values else ""
    origin = request.GET.get("origin", "")
    origin = origin if origin in RectificationOrigin.values else ""
    overdue = True if request.GET.get("overdue") == "1" else None
    city = request.GET.get("city", "")
    cities = city_choices(paths)
    city = city if city in dict(cities) else ""
    order = ordering(request, selectors.RECTIFICATION_ORDER, "due")
    unit = request.GET.get("unit", "").replace("\x00", "")[:63]
    rows = Paginator(
        selectors.rectifications(
            paths,
            fiscal_year=year,
            status=status or None,
            overdue=overdue,
            origin=origin or None,
            city=city or None,
            unit=unit or None,
            order=order,
        ),
        PAGE_SIZE,
    ).get_page(page_number(request))
    late = Paginator(selectors.overdue_units(paths, fiscal_year=year), 10).get_page(
        page_number(request, "units_page")
    )
    counts = selectors.rectification_counts(paths, fiscal_year=year)
    areas = selectors.rectifications_by_area(paths, fiscal_year=year)
    return render(
        request,
        "web/console/feedback/rectifications.html",
        {
            "rows": rows,
            "late": late,
            "areas": areas,
            "areas_chart": charts.area_statuses(areas),
            "areas_height": chart_height(len(areas)) + 30,
            "counts": counts,
            "closure_rate": selectors.rate(counts["accepted"], counts["total"]),
            "year": year,
            "years": choice_field(ViewForm.base_fields, "fiscal_year").choices,
            "status": status,
            "statuses": STATUS_CHOICES,
            "origin": origin,
            "origins": ORIGIN_CHOICES,
            "overdue": overdue,
            "city": city,
            "cities": cities,
            "unit": unit,
            "sort": order,
            "today": timezone.localdate(),
        },
    )


def _rectification(
    request: ConsoleRequest, pk: int, op: Op = Op.FEEDBACK_SEND
) -> RectificationRequest:
    found = selectors.rectification(_paths(request, op), pk)
    if found is None:
        raise Http404("没有该整改通知。")
    return found


def _rectification_page(
    request: ConsoleRequest, found: RectificationRequest, form: VerdictForm | None = None
) -> HttpResponse:
    access = request.console_access
    can_review = found.status == RectificationStatus.RESPONDED and access.covers(
        Op.REVIEW, found.issuer
    )
    return render(
        request,
        "web/console/feedback/rectification.html",
        {
            "r": found,
            "events": list(found.events.all()),
            "form": form if form is not None else (VerdictForm() if can_review else None),
            "overdue_now": found.status != RectificationStatus.ACCEPTED
            and found.due_on < timezone.localdate(),
        },
    )


@console_page(Op.FEEDBACK_SEND)
def rectification(request: ConsoleRequest, rectification_id: int) -> HttpResponse:
    return _rectification_page(request, _rectification(request, rectification_id))


@console_page(Op.REVIEW)
@require_POST
def rectification_accept(request: ConsoleRequest, rectification_id: int) -> HttpResponse:
    found = _rectification(request, rectification_id, Op.REVIEW)
    form = VerdictForm(request.POST)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.accept_rectification(
                found, signed_in_user(request), form.cleaned_data["comment"]
            ),
        )
    ):
        messages.success(request, "已验收通过，该整改已完成。")
        return redirect("console:feedback-rectification", rectification_id=found.pk)
    return _rectification_page(request, found, form)


@console_page(Op.REVIEW)
@require_POST
def rectification_reject(request: ConsoleRequest, rectification_id: int) -> HttpResponse:
    found = _rectification(request, rectification_id, Op.REVIEW)
    form = VerdictForm(request.POST)
    if form.is_valid() and bool(
        run_service(
            form,
            lambda: services.reject_rectification(
                found, signed_in_user(request), form.cleaned_data["comment"]
            ),
        )
    ):
        messages.success(request, "已退回，单位需重新整改并反馈。")
        return redirect("console:feedback-rectification", rectification_id=found.pk)
    return _rectification_page(request, found, form)
