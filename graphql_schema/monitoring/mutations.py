"""Monitoring writes. Tenant: record and submit entries, answer alerts. Public: the province's
rounds and monitoring settings."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import graphene

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.monitoring import models, services
from graphql_schema.core.ids import decode_id, get_for_update
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_console, require_unit_access
from graphql_schema.core.versioning import version_argument
from graphql_schema.monitoring.types import (
    Alert,
    CauseEnum,
    ExecutionRuleEnum,
    LikelihoodEnum,
    MonitoringEntry,
    MonitoringRound,
    ResponseEnum,
)
from tenants.models import Procuratorate, UnitLevel


class StartMonitoringEntry(BaseMutation):
    """Open the project's entry for a round (spent to date taken from its expenditures); after
    the round closed, a late entry with ``lateReason`` (flagged late, not refused)."""

    entry = graphene.Field(MonitoringEntry)

    class Arguments:
        project_id = graphene.ID(required=True)
        round_id = graphene.ID(required=True)
        late_reason = graphene.String(description="required after the round closed")

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        project_id: str,
        round_id: str,
        late_reason: str = "",
    ) -> dict[str, Any]:
        from backend.budgets.models import Project

        unit = require_unit_access(info, Op.MONITORING_ENTER)
        project = get_for_update(Project, project_id, "Project", "projectId")
        from backend.oversight.selectors import rounds_for

        round_ = (
            rounds_for(unit).filter(pk=decode_id(round_id, "MonitoringRound", "roundId")).first()
        )
        if round_ is None:
            raise DomainError.single(CoreErrorCode.NOT_FOUND, "监控轮次不存在。", "roundId")
        entry = services.start_entry(
            project, round_, user=info.context.user, late_reason=late_reason or ""
        )
        return {"entry": entry}


class EntryIndicatorInput(graphene.InputObjectType):
    goal_indicator_id = graphene.ID(required=True)
    value_to_date = graphene.Decimal()
    text_to_date = graphene.String()
    projected_value = graphene.Decimal()
    likelihood = LikelihoodEnum()
    deviation_cause = CauseEnum()
    corrective_measure = graphene.String()


class RecordMonitoringEntry(BaseMutation):
    entry = graphene.Field(MonitoringEntry)
    stale_field = "entry"

    class Arguments:
        id = graphene.ID(required=True)
        spent_to_date = graphene.Decimal(description="only when no expenditures are recorded")
        indicators = graphene.List(graphene.NonNull(EntryIndicatorInput))
        version = version_argument()
        late_reason = graphene.String(description="after the round closed, unless given before")

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        spent_to_date: Decimal | None = None,
        indicators: list[EntryIndicatorInput] | None = None,
        version: int | None = None,
        late_reason: str | None = None,
    ) -> dict[str, Any]:
        require_unit_access(info, Op.MONITORING_ENTER)
        entry = get_for_update(models.MonitoringEntry, id, "MonitoringEntry")
        rows = []
        for item in indicators or []:
            row = {k: getattr(v, "value", v) for k, v in item.items() if v is not None}
            row["goal_indicator_id"] = decode_id(
                item.goal_indicator_id, "GoalIndicator", "goalIndicatorId"
            )
            rows.append(row)
        entry = services.record_entry(
            entry,
            user=info.context.user,
            spent_to_date=spent_to_date,
            indicators=rows,
            expected_version=version,
            late_reason=late_reason,
        )
        return {"entry": entry}


class SubmitMonitoringEntry(BaseMutation):
    """Submit: every indicator answered, a deviation has its cause; alerts follow at once."""

    entry = graphene.Field(MonitoringEntry)
    stale_field = "entry"

    class Arguments:
        id = graphene.ID(required=True)
        version = version_argument()
        late_reason = graphene.String(description="after the round closed, unless given before")

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        version: int | None = None,
        late_reason: str | None = None,
    ) -> dict[str, Any]:
        require_unit_access(info, Op.MONITORING_ENTER)
        entry = get_for_update(models.MonitoringEntry, id, "MonitoringEntry")
        submitted = services.submit_entry(
            entry, user=info.context.user, late_reason=late_reason, expected_version=version
        )
        return {"entry": submitted}


class AnswerAlert(BaseMutation):
    """Answer a warning within its deadline: continue, re-allocate or cancel, with a note."""

    alert = graphene.Field(Alert)

    class Arguments:
        id = graphene.ID(required=True)
        response = ResponseEnum(required=True)
        note = graphene.String(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, response: models.Response, note: str
    ) -> dict[str, Any]:
        require_unit_access(info, Op.ALERT_ANSWER)
        alert = get_for_update(models.Alert, id, "Alert")
        answered = services.answer_alert(
            alert,
            user=info.context.user,
            response=getattr(response, "value", response),
            note=note,
        )
        return {"alert": answered}


class TenantMonitoringMutations(graphene.ObjectType):
    start_monitoring_entry = StartMonitoringEntry.Field()
    record_monitoring_entry = RecordMonitoringEntry.Field()
    submit_monitoring_entry = SubmitMonitoringEntry.Field()
    answer_alert = AnswerAlert.Field()


def _province(code: str) -> Procuratorate:
    unit = Procuratorate.objects.filter(code=code, level=UnitLevel.PROVINCE).first()
    if unit is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "省院不存在。", "province")
    return unit


class OpenMonitoringRound(BaseMutation):
    """Set a checkpoint for every unit of the province (month 7 is the mid-year round)."""

    round = graphene.Field(MonitoringRound)

    class Arguments:
        province = graphene.String(required=True)
        fiscal_year = graphene.Int(required=True)
        month = graphene.Int(required=True)
        opens_on = graphene.Date(required=True)
        closes_on = graphene.Date(required=True)

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        province: str,
        fiscal_year: int,
        month: int,
        opens_on: datetime.date,
        closes_on: datetime.date,
    ) -> dict[str, Any]:
        from backend.oversight import services as oversight_services

        user = require_console(info, Op.POLICY_MANAGE)
        round_ = oversight_services.open_round(
            _province(province),
            fiscal_year=fiscal_year,
            month=month,
            opens_on=opens_on,
            closes_on=closes_on,
            user=user,
        )
        return {"round": round_}


class MonitoringPolicyInput(graphene.InputObjectType):
    execution_rule = ExecutionRuleEnum()
    lag_warning_points = graphene.Decimal()
    lag_serious_points = graphene.Decimal()
    ratio_yellow = graphene.Decimal()
    ratio_red = graphene.Decimal()
    execution_floors = graphene.JSONString(description='{"4": 25, "6": 40, "8": 60, "10": 80}')
    indicator_lag_points = graphene.Decimal()
    gap_points = graphene.Decimal()
    silent_days = graphene.Int()
    answer_working_days = graphene.Int()
    forecast_threshold = graphene.Decimal()


class SetMonitoringPolicy(BaseMutation):
    """The province's monitoring rules: which execution-lag form and its thresholds."""

    ok = graphene.Boolean()

    class Arguments:
        province = graphene.String(required=True)
        input = MonitoringPolicyInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, province: str, input: MonitoringPolicyInput
    ) -> dict[str, Any]:
        from backend.oversight import services as oversight_services

        user = require_console(info, Op.POLICY_MANAGE)
        data = {k: getattr(v, "value", v) for k, v in input.items() if v is not None}
        oversight_services.set_monitoring_policy(_province(province), user=user, **data)
        return {"ok": True}


class PublicMonitoringMutations(graphene.ObjectType):
    open_monitoring_round = OpenMonitoringRound.Field()
    set_monitoring_policy = SetMonitoringPolicy.Field()
