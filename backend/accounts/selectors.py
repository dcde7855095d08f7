"""Who may see what. A membership at a unit reaches that unit and everything below it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import QuerySet

from backend.accounts.models import Membership, Role, User
from tenants import selectors as unit_selectors
from tenants.models import Procuratorate, UnitLevel


def memberships(user: User | AnonymousUser) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user=user).select_related("unit")


def reachable_units(user: User | AnonymousUser) -> QuerySet[Procuratorate]:
    """Every unit in the subtree of any of the user's memberships (two queries in all)."""
    paths = list(memberships(user).values_list("unit__path", flat=True).distinct())
    return unit_selectors.subtrees(paths)


def roles_at(user: User | AnonymousUser, unit: Procuratorate) -> set[str]:
    """The roles the user holds at ``unit`` or at any unit above it (one query)."""
    if not user.is_authenticated:
        return set()
    return set(
        Membership.objects.filter(user=user, unit__path__in=unit.ancestor_paths).values_list(
            "role", flat=True
        )
    )


def can_access(user: User | AnonymousUser, unit: Procuratorate) -> bool:
    return bool(roles_at(user, unit))


def roles_here(user: User | AnonymousUser, unit: Procuratorate) -> set[str]:
    """The roles the user holds at ``unit`` itself. Writes into a unit's own data need one of
    these: a reviewer above reads the unit but does not edit it."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user, unit=unit).values_list("role", flat=True))


def is_province_admin(user: User | AnonymousUser) -> bool:
    """Holds ``province_admin`` at a provincial office."""
    if not user.is_authenticated:
        return False
    return Membership.objects.filter(
        user=user, role=Role.PROVINCE_ADMIN, unit__level=UnitLevel.PROVINCE
    ).exists()
