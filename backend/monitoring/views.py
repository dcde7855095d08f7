"""The execution charts (``charts.execution_svg``) served on a unit's host:

- ``/monitoring/projects/<id>/execution.svg``: one project's curve;
- ``/monitoring/execution.svg``: the unit's (all its monitored projects of the year;
  ``?year=2026``, default the current year).

The caller needs a membership reaching the unit (session or bearer token, as for the unit's
GraphQL): anonymous → 401, no such membership → 403, an unknown project → 404. The public host
does not route these paths at all (404).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tenants.utils import get_public_schema_name

from backend.accounts import policy
from backend.accounts.policy import Op
from backend.budgets.models import Project
from backend.budgets.services import fmt_money
from backend.core.schemas import current_schema
from backend.monitoring import selectors
from backend.monitoring.charts import execution_svg
from tenants.models import Procuratorate

SVG_TYPE = "image/svg+xml; charset=utf-8"
# The document is ours and fully escaped; forbid anything active in it all the same.
CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _refusal(status: int, message: str) -> HttpResponse:
    response = HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="jixiao"'
    return response


def _unit(request: HttpRequest) -> Procuratorate | HttpResponse:
    """The unit of this host if the caller may read it, else the refusal to send."""
    tenant = getattr(request, "tenant", None)
    if not isinstance(tenant, Procuratorate) or current_schema() == get_public_schema_name():
        raise Http404("该地址只在单位主机上提供。")
    if not request.user.is_authenticated:
        return _refusal(401, "请先登录。")
    if not policy.allowed(request.user, Op.UNIT_VIEW, tenant):
        return _refusal(403, policy.DENIED_MESSAGES[Op.UNIT_VIEW])
    return tenant


def _svg(document: str) -> HttpResponse:
    response = HttpResponse(document, content_type=SVG_TYPE)
    response["Cache-Control"] = "private, no-cache"
    response["Content-Security-Policy"] = CSP
    return response


@require_GET
def project_execution_svg(request: HttpRequest, project_id: int) -> HttpResponse:
    """One project's execution curve against time progress, with its year-end forecast."""
    unit = _unit(request)
    if isinstance(unit, HttpResponse):
        return unit
    project = Project.objects.filter(pk=project_id).first()
    if project is None:
        raise Http404("没有该项目。")
    points = selectors.execution_curve(project)
    subtitle = (
        f"{unit.name} · {project.fiscal_year} 年 · 全年预算 {fmt_money(project.full_budget)} 元"
    )
    return _svg(execution_svg(points, title=f"{project.name} 预算执行进度", subtitle=subtitle))


@require_GET
def unit_execution_svg(request: HttpRequest) -> HttpResponse:
    """The unit's execution curve (its monitored projects of the year together)."""
    unit = _unit(request)
    if isinstance(unit, HttpResponse):
        return unit
    year_text = request.GET.get("year", "")
    year = timezone.localdate().year
    if year_text:
        if not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
            return _refusal(400, f"年度“{year_text}”无效，应为 2000–2100 的年份。")
        year = int(year_text)
    points = selectors.unit_execution_curve(fiscal_year=year)
    return _svg(
        execution_svg(
            points,
            title=f"{unit.name} {year} 年预算执行进度",
            subtitle="本院已提交监控填报的项目合计",
        )
    )
