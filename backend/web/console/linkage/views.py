"""预算挂钩 (console): next year's budget linkage of the units below — the rules' suggestion
with its arithmetic, and the decision a person records with its reason
(``feedback.services.decide_linkage``, the service ``decideBudgetLinkage`` calls)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from backend.accounts.policy import Op
from backend.console import linkage as selectors
from backend.feedback import services
from backend.feedback.models import BudgetLinkage, LinkageAction
from backend.web.access import console_page, signed_in_user
from backend.web.console.feedback.forms import years
from backend.web.console.feedback.tables import city_choices, ordering, year_filter
from backend.web.console.linkage.forms import DecideForm
from backend.web.forms import run_service
from backend.web.requests import ConsoleRequest
from backend.web.workspace.monitoring.views import page_number

PAGE_SIZE = 25
GRADES = ["优", "良", "中", "差"]


def _paths(request: ConsoleRequest) -> list[str]:
    return request.console_access.paths(Op.LINKAGE_DECIDE)


@console_page(Op.LINKAGE_DECIDE)
def index(request: ConsoleRequest) -> HttpResponse:
    """The linkage rows of the scope: filters (year, city, grade, suggestion, decided or not,
    unit-wide or per project), sorting, counts."""
    paths = _paths(request)
    year = year_filter(request)
    cities = city_choices(paths)
    city = request.GET.get("city", "")
    city = city if city in dict(cities) else ""
    grade = request.GET.get("grade", "")
    grade = grade if grade in GRADES else ""
    action = request.GET.get("action", "")
    action = action if action in LinkageAction.values else ""
    state = request.GET.get("state", "")
    undecided = {"undecided": True, "decided": False}.get(state)
    scope = request.GET.get("scope", "")
    whole_unit = {"unit": True, "project": False}.get(scope)
    order = ordering(request, selectors.ORDER, "unit")
    page = Paginator(
        selectors.linkages(
            paths,
            fiscal_year=year,
            city=city or None,
            undecided=undecided,
            whole_unit=whole_unit,
            grade=grade or None,
            action=action or None,
            order=order,
        ),
        PAGE_SIZE,
    ).get_page(page_number(request))
    return render(
        request,
        "web/console/linkage/index.html",
        {
            "page": page,
            "counts": selectors.counts(paths, fiscal_year=year),
            "year": year,
            "years": years(),
            "city": city,
            "cities": cities,
            "grade": grade,
            "grades": GRADES,
            "action": action,
            "actions": LinkageAction.choices,
            "state": state if undecided is not None else "",
            "scope": scope if whole_unit is not None else "",
            "sort": order,
        },
    )


def _row(request: ConsoleRequest, pk: int) -> BudgetLinkage:
    found = selectors.linkage(_paths(request), pk)
    if found is None:
        raise Http404("没有该预算挂钩。")
    return found


@console_page(Op.LINKAGE_DECIDE)
def decide(request: ConsoleRequest, linkage_id: int) -> HttpResponse:
    """One row: the suggestion, its basis and arithmetic, earlier decisions; the decision form
    (for those the service lets decide: never a city's own budget)."""
    row = _row(request, linkage_id)
    may = services.can_decide_linkage(signed_in_user(request), row.unit)
    form = None
    if request.method == "POST":
        form = DecideForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            decided = run_service(
                form,
                lambda: services.decide_linkage(
                    BudgetLinkage.objects.select_for_update().select_related("unit").get(pk=row.pk),
                    signed_in_user(request),
                    action=data["action"],
                    pct=data["pct"] or None,
                    reason=data["reason"],
                ),
            )
            if decided is not None:
                messages.success(
                    request,
                    f"已决定：{decided.get_decided_action_display()}，"
                    f"下年预算 {decided.decided_budget:,} 元。",
                )
                return redirect("console:linkage-decide", linkage_id=row.pk)
    elif may:
        form = DecideForm(
            initial={
                "action": row.decided_action or row.suggested_action,
                "pct": row.decided_pct if row.decided_action else "",
                "reason": row.decision_reason,
            }
        )
    return render(
        request,
        "web/console/linkage/decide.html",
        {"l": row, "form": form, "may": may, "history": selectors.history(row)},
    )
