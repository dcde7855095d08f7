from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoConnectionField

from backend.accounts.policy import Op
from backend.benchmarking import models as facts
from backend.core.errors import DomainError
from backend.monitoring import models
from backend.oversight import models as oversight
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import require_console, require_unit_access
from graphql_schema.monitoring.types import (
    Alert,
    AlertRecord,
    CurvePoint,
    ExecutionFact,
    MonitoringEntry,
    MonitoringRound,
)

if TYPE_CHECKING:
    from backend.budgets.models import Project
    from backend.monitoring.selectors import CurvePoint as CurvePointRow


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None


def curve(points: Iterable[CurvePointRow]) -> list[CurvePoint]:
    return [
        CurvePoint(month=m, execution_rate=rate, time_progress=time, forecast_rate=forecast)
        for m, rate, time, forecast in points
    ]


class TenantMonitoringQueries(graphene.ObjectType):
    monitoring_rounds = graphene.List(
        graphene.NonNull(MonitoringRound), required=True, fiscal_year=graphene.Int(required=True)
    )
    monitoring_entries = graphene.List(
        graphene.NonNull(MonitoringEntry),
        required=True,
        project_id=graphene.ID(),
        month=graphene.Int(),
    )
    alerts = DjangoConnectionField(
        Alert,
        status=graphene.String(),
        kind=graphene.String(),
        severity=graphene.String(),
        project_id=graphene.ID(),
        description="本院预警",
    )
    execution_curve = graphene.List(
        graphene.NonNull(CurvePoint),
        required=True,
        project_id=graphene.ID(),
        description="A project's (or, without projectId, the unit's) execution by month.",
    )
    execution_chart_url = graphene.String(
        required=True,
        project_id=graphene.ID(),
        description="absolute URL of the SVG of the execution curve (on the unit's host); "
        "empty for a projectId that names no project",
    )

    @staticmethod
    def resolve_monitoring_rounds(
        root: None, info: graphene.ResolveInfo, fiscal_year: int
    ) -> list[oversight.MonitoringRound]:
        from backend.oversight.selectors import rounds_for

        unit = require_unit_access(info)
        return list(rounds_for(unit, fiscal_year))

    @staticmethod
    def resolve_monitoring_entries(
        root: None,
        info: graphene.ResolveInfo,
        project_id: str | None = None,
        month: int | None = None,
    ) -> list[models.MonitoringEntry]:
        from backend.monitoring import selectors

        require_unit_access(info)
        project = _project(project_id) if project_id else None
        if project_id and project is None:
            return []
        rows = selectors.entries(project=project)
        if month is not None:
            rows = rows.filter(month=month)
        return list(rows.select_related("project").prefetch_related("indicators__goal_indicator"))

    @staticmethod
    def resolve_alerts(
        root: None,
        info: graphene.ResolveInfo,
        status: str | None = None,
        kind: str | None = None,
        severity: str | None = None,
        project_id: str | None = None,
        **kwargs: Any,
    ) -> QuerySet[models.Alert]:
        from backend.monitoring import selectors

        require_unit_access(info)
        project = _project(project_id) if project_id else None
        if project_id and project is None:
            return models.Alert.objects.none()
        return selectors.alerts(
            status=_lower(status), kind=_lower(kind), severity=_lower(severity), project=project
        ).select_related("project", "goal_indicator")

    @staticmethod
    def resolve_execution_curve(
        root: None, info: graphene.ResolveInfo, project_id: str | None = None
    ) -> list[CurvePoint]:
        from backend.monitoring import selectors

        require_unit_access(info)
        if project_id is None:
            return curve(selectors.unit_execution_curve())
        project = _project(project_id)
        return curve(selectors.execution_curve(project)) if project else []

    @staticmethod
    def resolve_execution_chart_url(
        root: None, info: graphene.ResolveInfo, project_id: str | None = None
    ) -> str:
        require_unit_access(info)
        if project_id is None:
            path = "/monitoring/execution.svg"
        else:
            try:
                pk = decode_id(project_id, "Project", "projectId")
            except DomainError:
                return ""
            path = f"/monitoring/projects/{pk}/execution.svg"
        return info.context.build_absolute_uri(path)


def _project(global_id: str) -> Project | None:
    from backend.budgets.models import Project

    try:
        pk = decode_id(global_id, "Project", "projectId")
    except DomainError:
        return None
    return Project.objects.filter(pk=pk).first()


class PublicMonitoringQueries(graphene.ObjectType):
    alerts_across_units = DjangoConnectionField(
        AlertRecord,
        fiscal_year=graphene.Int(),
        kind=graphene.String(),
        severity=graphene.String(),
        status=graphene.String(),
        city=graphene.String(description="a city's code"),
        month=graphene.Int(),
        description="Alerts of every unit under the caller (province, city reviewers).",
    )
    execution_facts = graphene.List(
        graphene.NonNull(ExecutionFact),
        required=True,
        fiscal_year=graphene.Int(required=True),
        city=graphene.String(),
        month=graphene.Int(),
        description="Every unit's execution rate by month, in the caller's reach.",
    )

    @staticmethod
    def resolve_alerts_across_units(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        kind: str | None = None,
        severity: str | None = None,
        status: str | None = None,
        city: str | None = None,
        month: int | None = None,
        **kwargs: Any,
    ) -> QuerySet[oversight.AlertRecord]:
        from backend.oversight.selectors import alert_records_under

        user = require_console(info, Op.CONSOLE_VIEW)
        return alert_records_under(
            user,
            fiscal_year=fiscal_year,
            kind=_lower(kind),
            severity=_lower(severity),
            status=_lower(status),
            city=city,
            month=month,
        ).select_related("unit")

    @staticmethod
    def resolve_execution_facts(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int,
        city: str | None = None,
        month: int | None = None,
    ) -> list[facts.ExecutionFact]:
        from backend.benchmarking.selectors import execution_facts_under

        user = require_console(info, Op.CONSOLE_VIEW)
        return list(
            execution_facts_under(
                user, fiscal_year=fiscal_year, city=city, month=month
            ).select_related("unit")
        )
