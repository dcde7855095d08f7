"""What every page's frame shows: the host's unit, the menu the user's roles open, and the
places the user can switch to (its units' workspaces, the console). Computed lazily, once per
request, and only when a template renders the frame (htmx partials do not)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.http import HttpRequest

from backend.accounts import policy
from backend.accounts.models import Membership, Role
from backend.web import hosts, navigation
from backend.web.access import host_unit
from tenants.models import Procuratorate


@dataclass(frozen=True)
class Place:
    """Somewhere the user can work: a unit's workspace or the console."""

    label: str
    detail: str
    url: str
    current: bool


@dataclass
class Navigation:
    request: HttpRequest
    unit: Procuratorate | None = field(init=False)

    def __post_init__(self) -> None:
        self.unit = host_unit(self.request)

    @property
    def is_console(self) -> bool:
        return self.unit is None

    @cached_property
    def memberships(self) -> list[Membership]:
        user = self.request.user
        if not user.is_authenticated:
            return []
        return list(
            Membership.objects.filter(user=user).select_related("unit").order_by("unit__path")
        )

    @cached_property
    def unit_access(self) -> policy.UnitAccess | None:
        if self.unit is None:
            return None
        return getattr(self.request, "unit_access", None) or policy.unit_access(
            self.request.user, self.unit
        )

    @cached_property
    def console_access(self) -> policy.ConsoleAccess:
        return getattr(self.request, "console_access", None) or policy.ConsoleAccess(
            tuple((m.role, m.unit) for m in self.memberships)
        )

    @cached_property
    def menu(self) -> list[navigation.Link]:
        if not self.request.user.is_authenticated:
            return []
        if self.unit is not None:
            access = self.unit_access
            assert access is not None
            return navigation.menu(navigation.WORKSPACE_MENU, access, self.request.path)
        return navigation.menu(navigation.CONSOLE_MENU, self.console_access, self.request.path)

    @cached_property
    def roles_here(self) -> list[str]:
        """Role labels the user holds at this host's unit (or for the console)."""
        labels = dict(Role.choices)
        if self.unit is not None:
            access = self.unit_access
            assert access is not None
            held = sorted(access.here) or sorted(access.above)
            return [labels.get(r, r) for r in held]
        return sorted({labels.get(m.role, m.role) for m in self.memberships})

    @cached_property
    def places(self) -> list[Place]:
        """The unit switcher: each unit where the user holds a role, and the console."""
        labels = dict(Role.choices)
        by_unit: dict[int, tuple[Procuratorate, list[str]]] = {}
        for m in self.memberships:
            by_unit.setdefault(m.unit_id, (m.unit, []))[1].append(labels.get(m.role, m.role))
        places = [
            Place(
                unit.name,
                "、".join(roles),
                hosts.unit_url(self.request, unit.code),
                self.unit is not None and unit.pk == self.unit.pk,
            )
            for unit, roles in by_unit.values()
            if roles != [labels[Role.EVALUATOR]]  # an evaluator reaches no unit's workspace
        ]
        if self.console_access.ops():
            places.insert(
                0,
                Place(
                    "管理控制台",
                    "省院 · 市院 · 评价",
                    hosts.console_url(self.request),
                    self.unit is None,
                ),
            )
        return places

    @property
    def show_switcher(self) -> bool:
        """Somewhere else to go: several places, or one that is not this host."""
        places = self.places
        return len(places) > 1 or (len(places) == 1 and not places[0].current)


def frame(request: HttpRequest) -> dict[str, Any]:
    return {"nav": Navigation(request)}
