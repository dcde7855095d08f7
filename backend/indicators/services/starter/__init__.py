"""The starter library: three provincial templates for the projects every procuratorate runs
(办案业务经费, 信息化建设, 检察技术装备), with indicators drawn from real performance tables.
Each passes ``validation.validate_version`` under the default 10/50/30/10 split: output 50
(with cost), effect 30, satisfaction 10.

``case-funds`` and ``equipment`` declare cost indicators as their own level 1 (the 2021
layout); ``informatisation`` keeps them under 产出指标 (the earlier layout).

Layout: ``builders`` (the indicator builders and short names the templates are written in), one
module per template (``case_funds``, ``informatisation``, ``equipment``, ``department``), and
the two loaders here.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from backend.accounts.models import User
from backend.indicators import selectors
from backend.indicators.models import Template, TemplateVersion
from backend.indicators.services import authoring
from backend.indicators.services.starter.builders import CHANGELOG, StarterTemplate
from backend.indicators.services.starter.case_funds import CASE_FUNDS
from backend.indicators.services.starter.department import DEPARTMENT
from backend.indicators.services.starter.equipment import EQUIPMENT
from backend.indicators.services.starter.informatisation import INFORMATISATION

STARTER_TEMPLATES: tuple[StarterTemplate, ...] = (CASE_FUNDS, INFORMATISATION, EQUIPMENT)


def _load(
    specs: tuple[StarterTemplate, ...], user: User | None, **fields: Any
) -> list[TemplateVersion]:
    """Create and publish (as version 1) each template of ``specs`` whose code is free, through
    the authoring services (so with their validation); ``fields`` go to ``create_template``. A
    template that exists is left alone: its latest published version is returned, or nothing
    when it has none (being authored by hand). In ``specs`` order."""
    existing = {t.code: t for t in Template.objects.filter(code__in=[s.code for s in specs])}
    versions: list[TemplateVersion] = []
    for spec in specs:
        template = existing.get(spec.code)
        if template is not None:
            published = selectors.latest_published_version(template)
            if published is not None:
                versions.append(published)
            continue
        template = authoring.create_template(
            code=spec.code,
            name=spec.name,
            user=user,
            project_kind=spec.project_kind,
            description=spec.description,
            **fields,
        )
        draft = selectors.draft_of(template)
        assert draft is not None  # create_template opens version 1
        for data in spec.indicators:
            authoring.add_indicator(draft, data)
        versions.append(authoring.publish_version(draft, user=user, changelog=CHANGELOG))
    return versions


@transaction.atomic
def load_starter_library(*, user: User | None = None) -> list[TemplateVersion]:
    """Create and publish each starter template whose code is not taken yet (idempotent, see
    ``_load``); the latest published version of each, in ``STARTER_TEMPLATES`` order."""
    return _load(STARTER_TEMPLATES, user)


# --- the department-wide template (部门整体支出绩效评价) ----------------------------------------

DEPARTMENT_TEMPLATES: tuple[StarterTemplate, ...] = (DEPARTMENT,)


@transaction.atomic
def load_department_templates(*, user: User | None = None) -> list[TemplateVersion]:
    """Create and publish the department-scope starter template(s) (``scope = department``,
    pooled layout 10 + 90) when their code is free; idempotent like ``load_starter_library``."""
    from backend.indicators.models import Layout, Scope

    return _load(DEPARTMENT_TEMPLATES, user, layout=Layout.POOLED, scope=Scope.DEPARTMENT)
