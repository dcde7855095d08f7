"""Reads of the unit hierarchy. Each is a single query whatever the depth of the tree: the
materialised ``path`` turns ancestors into ``code IN (...)`` and a subtree into a prefix match."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from backend.core.schemas import current_schema
from tenants.models import Procuratorate


def current_unit() -> Procuratorate:
    """The unit whose schema the connection is on (a request's tenant, or the unit of a
    ``schema_context``). Tenant services that write public rows need it."""
    from django.db import connection

    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Procuratorate):
        return tenant
    unit = Procuratorate.objects.filter(schema_name=current_schema()).first()
    if unit is None:
        raise RuntimeError("this runs on a unit's schema, not on the public one")
    return unit


def active_units() -> QuerySet[Procuratorate]:
    return Procuratorate.objects.filter(active=True)


def unit_by_code(code: str) -> Procuratorate | None:
    return Procuratorate.objects.filter(code=code).first()


def ancestors(unit: Procuratorate) -> QuerySet[Procuratorate]:
    """The unit's parents, root first (the unit itself excluded)."""
    return Procuratorate.objects.filter(code__in=unit.ancestor_codes).order_by("depth")


def descendants(
    unit: Procuratorate, *, level: str | None = None, include_self: bool = False
) -> QuerySet[Procuratorate]:
    """Every unit below ``unit`` (optionally only those of one level)."""
    qs = Procuratorate.objects.filter(path__startswith=unit.path)
    if not include_self:
        qs = qs.exclude(pk=unit.pk)
    if level:
        qs = qs.filter(level=level)
    return qs


def subtrees(paths: list[str]) -> QuerySet[Procuratorate]:
    """Every unit in any of the subtrees rooted at ``paths`` (roots included)."""
    if not paths:
        return Procuratorate.objects.none()
    condition = Q()
    for path in paths:
        condition |= Q(path__startswith=path)
    return Procuratorate.objects.filter(condition)
