"""Fixtures of the 指标库与模板 page tests: templates and versions made through the authoring
services, pushes applied in this process (``push.run_inline``: the task body, no broker),
extra registry-only units for the counts at two sizes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from backend.indicators import selectors as indicator_selectors
from backend.indicators.models import Template, TemplatePush, TemplateVersion
from backend.indicators.services import authoring, push
from backend.library import services as library_services
from backend.library.models import LibraryIndicator
from tenants.models import Procuratorate
from tests.indicators.factories import valid_split
from tests.web.conftest import Browser, User


@pytest.fixture
def admin(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Browser:
    return browse(persona("province_admin"), None)


@pytest.fixture
def admin_user(persona: Callable[[str], User]) -> User:
    return persona("province_admin")


def new_template(code: str = "web-tpl", name: str = "办案业务经费模板") -> Template:
    return authoring.create_template(code=code, name=name, user=None)


def draft_of(template: Template) -> TemplateVersion:
    version = indicator_selectors.draft_of(template)
    assert version is not None
    return version


def published(code: str = "web-tpl", extra: int = 0) -> TemplateVersion:
    """A published version 1 with the five indicators of ``valid_split`` (and ``extra``
    more quantity indicators of half a point each, taken from ``cases``; at most 59)."""
    version = draft_of(new_template(code))
    for data in valid_split():
        if data["code"] == "cases":
            data["weight"] -= Decimal("0.5") * extra
        authoring.add_indicator(version, data)
    for i in range(extra):
        data = valid_split()[0]
        authoring.add_indicator(version, {**data, "code": f"x{i}", "weight": Decimal("0.5")})
    return authoring.publish_version(version, user=None, changelog="首次发布")


def next_published(version: TemplateVersion, changes: dict[str, dict[str, Any]]) -> TemplateVersion:
    """The next version, with ``changes`` per indicator code, published."""
    draft = authoring.draft_version(version.template, user=None)
    for indicator in draft.indicators.all():
        if indicator.code in changes:
            authoring.update_indicator(indicator, changes[indicator.code])
    return authoring.publish_version(draft, user=None, changelog="调整")


def push_now(version: TemplateVersion, codes: list[str]) -> TemplatePush:
    """Push ``version`` to ``codes`` and apply it here, unit by unit (the task's body)."""
    record = push.push_version(
        version, push.TargetSpec(kind="codes", codes=tuple(codes)), user=None, dispatch=False
    )
    push.run_inline(record)
    connection.set_schema_to_public()
    return record


def make_conflict(unit: str = "lengshuijiang", code: str = "web-conflict") -> TemplateVersion:
    """``unit`` adopts v1, changes the target of ``cases``; the province's v2 changes it
    too: one open conflict on ``cases.target_value``. Returns v2."""
    v1 = published(code)
    push_now(v1, [unit])
    schema = Procuratorate.objects.get(code=unit).schema_name
    with schema_context(schema):
        indicator = LibraryIndicator.objects.get(code="cases")
        library_services.update_indicator(indicator, {"target_value": "120"}, user=None)
    v2 = next_published(v1, {"cases": {"target_value": "150"}})
    push_now(v2, [unit])
    return v2


def extra_counties(n: int, prefix: str = "tplx") -> list[Procuratorate]:
    """``n`` counties under 娄底 as registry rows only (no schema)."""
    loudi = Procuratorate.objects.get(code="loudi")
    return Procuratorate.objects.bulk_create(
        [
            Procuratorate(
                code=f"{prefix}-{i}",
                schema_name=f"{prefix}_{i}",
                name=f"附加{i}院",
                level="county",
                parent=loudi,
                path=f"{loudi.path}{prefix}-{i}/",
                depth=2,
            )
            for i in range(n)
        ]
    )
