"""Small helpers the console's lists share (反馈与整改, 重点评价, 预算挂钩): the sort order
asked for (``?sort=unit`` / ``?sort=-unit``), the year filter and the cities of a scope."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.http import HttpRequest

from backend.console.feedback import within
from tenants.models import Procuratorate, UnitLevel


def ordering(request: HttpRequest, allowed: Mapping[str, object], default: str) -> str:
    """The ``sort`` parameter when it names an allowed order, else ``default``."""
    wanted = request.GET.get("sort", "")
    return wanted if wanted in allowed else default


def year_filter(request: HttpRequest, name: str = "year") -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and 2000 <= int(value) <= 2100 else None


def city_choices(paths: Sequence[str]) -> list[tuple[str, str]]:
    """(code, name) of the cities in the scope (one query): a province sees all of its cities,
    a city reviewer its own city."""
    return list(
        Procuratorate.objects.filter(within(paths, "path"), level=UnitLevel.CITY)
        .order_by("path")
        .values_list("code", "name")
    )
