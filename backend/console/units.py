"""单位与用户: the unit tree, unit search, users and their memberships, as a province admin
manages them (``Op.UNIT_MANAGE``: the subtrees of the memberships granting it). A fixed number of
queries whatever the number of units or users; an object outside the scope is None (the page
answers 404)."""

from __future__ import annotations

from collections.abc import Sequence

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from backend.accounts.models import Membership, User
from tenants.models import Procuratorate


def unit_condition(roots: Sequence[Procuratorate], field: str = "path") -> Q:
    condition = Q(pk__in=[])
    for root in roots:
        condition |= Q(**{f"{field}__startswith": root.path})
    return condition


def _with_counts(qs: QuerySet[Procuratorate]) -> QuerySet[Procuratorate]:
    """Each unit with ``below`` (units under it) and ``members`` (memberships at it), one query."""
    below = (
        Procuratorate.objects.filter(path__startswith=OuterRef("path"))
        .exclude(pk=OuterRef("pk"))
        .order_by()
        .values("active")  # any constant column to group on
        .annotate(n=Count("id"))
        .values("n")
    )
    members = (
        Membership.objects.filter(unit=OuterRef("pk"))
        .order_by()
        .values("unit")
        .annotate(n=Count("id"))
        .values("n")
    )
    return qs.annotate(
        below=Coalesce(Subquery(below[:1], output_field=IntegerField()), 0),
        members=Coalesce(Subquery(members, output_field=IntegerField()), 0),
    )


def children(
    roots: Sequence[Procuratorate], parent: Procuratorate | None
) -> QuerySet[Procuratorate]:
    """The units directly under ``parent`` (None: the roots themselves), in the tree's order."""
    if parent is None:
        qs = Procuratorate.objects.filter(pk__in=[root.pk for root in roots])
    else:
        qs = Procuratorate.objects.filter(parent=parent)
    return _with_counts(qs).order_by("path")


def search(roots: Sequence[Procuratorate], text: str) -> QuerySet[Procuratorate]:
    """Units in scope whose name, code or region holds ``text``."""
    qs = Procuratorate.objects.filter(unit_condition(roots)).filter(
        Q(name__icontains=text) | Q(code__icontains=text) | Q(region__icontains=text)
    )
    return _with_counts(qs.select_related("parent")).order_by("path")


def unit(roots: Sequence[Procuratorate], code: str) -> Procuratorate | None:
    return (
        Procuratorate.objects.filter(unit_condition(roots), code=code)
        .select_related("parent")
        .first()
    )


def ancestors(unit: Procuratorate) -> list[Procuratorate]:
    return list(Procuratorate.objects.filter(code__in=unit.ancestor_codes).order_by("depth"))


def memberships_at(unit: Procuratorate) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__username")
    )


def _visible_users(roots: Sequence[Procuratorate]) -> Q:
    """Users holding a role in scope, and users holding none (just created, not yet placed)."""
    inside = Membership.objects.filter(unit_condition(roots, "unit__path"), user=OuterRef("pk"))
    anywhere = Membership.objects.filter(user=OuterRef("pk"))
    return Q(Exists(inside)) | ~Q(Exists(anywhere))


def users(roots: Sequence[Procuratorate], *, text: str = "", status: str = "") -> QuerySet[User]:
    """The users a manager sees, with their memberships in scope (prefetched: two queries)."""
    qs = User.objects.filter(_visible_users(roots))
    if text:
        qs = qs.filter(
            Q(username__icontains=text)
            | Q(full_name__icontains=text)
            | Q(memberships__unit__name__icontains=text)
        ).distinct()
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.prefetch_related(_memberships_in(roots)).order_by("username")


def _memberships_in(roots: Sequence[Procuratorate]) -> Prefetch:
    return Prefetch(
        "memberships",
        queryset=Membership.objects.filter(unit_condition(roots, "unit__path"))
        .select_related("unit")
        .order_by("unit__path", "role"),
        to_attr="scoped_memberships",
    )


def user(roots: Sequence[Procuratorate], pk: int) -> User | None:
    return (
        User.objects.filter(_visible_users(roots), pk=pk)
        .prefetch_related(_memberships_in(roots))
        .annotate(
            outside=Count("memberships", filter=~unit_condition(roots, "memberships__unit__path"))
        )
        .first()
    )


def membership(roots: Sequence[Procuratorate], pk: int) -> Membership | None:
    return (
        Membership.objects.filter(unit_condition(roots, "unit__path"), pk=pk)
        .select_related("user", "unit")
        .first()
    )


def unit_by_code_or_name(roots: Sequence[Procuratorate], text: str) -> Procuratorate | None:
    """The unit in scope whose code or full name is ``text`` (one query)."""
    text = text.strip()
    if not text:
        return None
    return (
        Procuratorate.objects.filter(unit_condition(roots))
        .filter(Q(code=text.lower()) | Q(name=text))
        .order_by("path")
        .first()
    )
