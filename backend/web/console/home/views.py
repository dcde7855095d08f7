"""The console's front door (``start``) and 首页: where every unit in the reader's scope stands
in a year's cycle (``backend.console.home.overview``), with a table by city that drills down to
the counties, and the scope's execution against time progress."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from backend.accounts import policy
from backend.accounts.policy import Op
from backend.console import home as selectors
from backend.web.access import console_page, host_unit, signed_in
from backend.web.console.home.charts import curve_options, rows_height, rows_options
from backend.web.console.home.forms import HomeFilterForm
from backend.web.hosts import unit_url
from backend.web.requests import ConsoleRequest
from tenants.models import Procuratorate

PER_PAGE = 25


@signed_in
def start(request: HttpRequest) -> HttpResponse:
    """The console home for reviewers, the assignments for an evaluator, else the places the
    user can work (a unit user who came to the base host)."""
    if host_unit(request) is not None:
        return redirect("ws:home")
    access = policy.console_access(request.user)
    if access.allows(Op.CONSOLE_VIEW):
        return redirect("console:home")
    if access.allows(Op.KEY_EVALUATION_SCORE):
        try:
            return redirect(reverse("console:my-assignments"))
        except NoReverseMatch:
            pass
    return redirect("web-places")


@console_page(Op.CONSOLE_VIEW)
def home(request: ConsoleRequest) -> HttpResponse:
    access = request.console_access
    today = timezone.localdate()
    form = HomeFilterForm(request.GET)
    form.is_valid()
    year = form.value("year", today.year)
    assert isinstance(year, int)  # an IntegerField cleans to an int
    roots = access.units_for(Op.CONSOLE_VIEW)
    scope_roots = roots
    city = None
    code = form.value("city")
    if code:
        city = Procuratorate.objects.filter(code=code, active=True).first()
        if city is None or not access.covers(Op.CONSOLE_VIEW, city):
            raise Http404("没有这个单位，或不在您的管辖范围内。")
        if all(root.pk != city.pk for root in roots):
            scope_roots = [city]
    sort = str(form.value("sort", "name"))
    descending = form.value("dir") == "desc"
    overview = selectors.overview(
        scope_roots, fiscal_year=year, today=today, sort=sort, descending=descending
    )
    page = Paginator(overview.rows, PER_PAGE).get_page(request.GET.get("page"))
    for row in page.object_list:
        if not row.own and not row.children:
            row.url = unit_url(request, row.code)
    round_progress = overview.round and selectors.time_progress(overview.round.month)
    return render(
        request,
        "web/console/home/home.html",
        {
            "form": form,
            "overview": overview,
            "total": overview.total,
            "page": page,
            "city": city,
            "year": year,
            "sort": sort,
            "descending": descending,
            "columns": [
                {
                    "key": key,
                    "label": label,
                    "active": key == sort,
                    "dir": ("asc" if descending else "desc")
                    if key == sort
                    else ("asc" if key == "name" else "desc"),
                }
                for key, label in selectors.SORTS.items()
            ],
            "curve_chart": curve_options(overview.curve),
            "rows_chart": rows_options(overview.rows, round_progress or None),
            "rows_height": rows_height(len(overview.rows)),
            "has_curve": overview.latest is not None,
            "round_progress": round_progress,
        },
    )
