"""reports: GraphQL mutations. Tenant: render a report of the unit's own evaluations and store it
as one of its documents."""

from __future__ import annotations

from typing import Any

import graphene

from backend.core.errors import DomainError
from backend.evaluation.models import SelfEvaluation
from backend.reports import services
from graphql_schema.core.ids import decode_id
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_access
from graphql_schema.reports.types import ReportDocument


class GenerateSelfEvaluationReport(BaseMutation):
    """项目支出绩效自评报告 (PDF) of one self-evaluation, as it stands."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        evaluation_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, evaluation_id: str) -> dict[str, Any]:
        unit = require_unit_access(info)
        pk = decode_id(evaluation_id, "SelfEvaluation", "evaluationId")
        evaluation = SelfEvaluation.objects.filter(pk=pk).first()
        if evaluation is None:
            raise DomainError.single("NOT_FOUND", "项目自评不存在。", "evaluationId")
        document = services.generate_self_evaluation_report(
            evaluation=evaluation, unit=unit, user=info.context.user
        )
        return {"document": ReportDocument.from_document(document, info.context)}


class GenerateDepartmentReport(BaseMutation):
    """部门整体支出绩效自评报告 (PDF) of the unit for a fiscal year."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        fiscal_year = graphene.Int(required=True)

    @classmethod
    def perform(cls, root, info, fiscal_year: int) -> dict[str, Any]:
        unit = require_unit_access(info)
        document = services.generate_department_report(
            fiscal_year=fiscal_year, unit=unit, user=info.context.user
        )
        return {"document": ReportDocument.from_document(document, info.context)}


class TenantReportMutations(graphene.ObjectType):
    """On a unit's host."""

    generate_self_evaluation_report = GenerateSelfEvaluationReport.Field()
    generate_department_report = GenerateDepartmentReport.Field()


class PublicReportMutations(graphene.ObjectType):
    """On the public host."""
