"""reports: GraphQL mutations. Tenant: upload a file as one of the unit's documents (evidence for
self-evaluations, key evaluations and rectifications), and render a report of the unit's own
evaluations and store it as one of its documents (the unit's finance or leader: a reviewer
above reads the unit's documents but writes none)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import graphene
from django.core.files.base import ContentFile

from backend.accounts.policy import Op
from backend.core.errors import DomainError
from backend.documents.services import MAX_DOCUMENT_BYTES, store_document
from backend.evaluation.models import SelfEvaluation
from backend.reports import services
from graphql_schema.core.ids import decode_id
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_access, require_unit_op
from graphql_schema.reports.types import ReportDocument


class UploadDocument(BaseMutation):
    """Store a file (base64, at most 50 MB) as one of the unit's documents; its id is what
    ``evidenceIds`` of self-evaluations and rectification responses cite. The unit's finance
    or leader (a role held at the unit itself)."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        title = graphene.String(required=True)
        file_name = graphene.String(required=True, description="e.g. 整改报告.pdf")
        content_base64 = graphene.String(required=True)

    @classmethod
    def perform(cls, root, info, title: str, file_name: str, content_base64: str) -> dict[str, Any]:
        user, _unit = require_unit_op(info, Op.DOCUMENT_UPLOAD)
        if len(content_base64) > (MAX_DOCUMENT_BYTES * 4) // 3 + 4:
            raise DomainError.single("TOO_LARGE", "文件不能超过 50 MB。", "contentBase64")
        try:
            content = base64.b64decode(content_base64, validate=True)
        except (binascii.Error, ValueError):
            raise DomainError.single(
                "INVALID_FILE", "文件内容不是有效的 base64 编码。", "contentBase64"
            ) from None
        if not content:
            raise DomainError.single("REQUIRED", "文件内容不能为空。", "contentBase64")
        name = (file_name or "").strip()[-100:] or "upload"
        document = store_document(
            title=title, content=ContentFile(content, name=name), uploaded_by=user
        )
        return {"document": ReportDocument.from_document(document, info.context)}


class GenerateSelfEvaluationReport(BaseMutation):
    """项目支出绩效自评报告 (PDF) of one self-evaluation, as it stands."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        evaluation_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root, info, evaluation_id: str) -> dict[str, Any]:
        unit = require_unit_access(info, Op.REPORT_GENERATE)
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
        unit = require_unit_access(info, Op.REPORT_GENERATE)
        document = services.generate_department_report(
            fiscal_year=fiscal_year, unit=unit, user=info.context.user
        )
        return {"document": ReportDocument.from_document(document, info.context)}


class TenantReportMutations(graphene.ObjectType):
    """On a unit's host."""

    upload_document = UploadDocument.Field()
    generate_self_evaluation_report = GenerateSelfEvaluationReport.Field()
    generate_department_report = GenerateDepartmentReport.Field()


class PublicReportMutations(graphene.ObjectType):
    """On the public host."""
