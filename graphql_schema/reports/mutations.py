"""reports: GraphQL mutations. Tenant: upload a file as one of the unit's documents (evidence for
self-evaluations, key evaluations and rectifications), and render a report of the unit's own
evaluations and store it as one of its documents (the unit's finance or leader: a reviewer
above reads the unit's documents but writes none)."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.documents.services import store_document
from backend.evaluation.models import SelfEvaluation
from backend.reports import services
from graphql_schema.core.ids import decode_id
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_access, require_unit_op
from graphql_schema.core.uploads import (
    BASE64_DEPRECATION,
    Upload,
    base64_file,
    check_one_file,
)
from graphql_schema.reports.types import ReportDocument


class UploadDocument(BaseMutation):
    """Store a file (at most 50 MB, see docs/api.md "Uploads") as one of the unit's documents;
    its id is what ``evidenceIds`` of self-evaluations and rectification responses cite. The
    unit's finance or leader (a role held at the unit itself). The file comes as ``file`` (an
    Upload); ``fileName`` + ``contentBase64`` still work but are deprecated."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        title = graphene.String(required=True)
        file = Upload(description="The file (multipart request spec); its name is kept.")
        file_name = graphene.String(
            description="e.g. 整改报告.pdf", deprecation_reason=BASE64_DEPRECATION
        )
        content_base64 = graphene.String(deprecation_reason=BASE64_DEPRECATION)

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        title: str,
        file: UploadedFile | None = None,
        file_name: str | None = None,
        content_base64: str | None = None,
    ) -> dict[str, Any]:
        user, _unit = require_unit_op(info, Op.DOCUMENT_UPLOAD)
        check_one_file(file, content_base64, "contentBase64")
        if file is not None:
            document = store_document(title=title, content=file, uploaded_by=user)
        else:
            name = (file_name or "").strip()[-100:] or "upload"
            content = base64_file(content_base64 or "", name=name, field="contentBase64")
            document = store_document(
                title=title, content=content, uploaded_by=user, field="contentBase64"
            )
        return {"document": ReportDocument.from_document(document, info.context)}


class GenerateSelfEvaluationReport(BaseMutation):
    """项目支出绩效自评报告 (PDF) of one self-evaluation, as it stands."""

    document = graphene.Field(ReportDocument)

    class Arguments:
        evaluation_id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, evaluation_id: str) -> dict[str, Any]:
        unit = require_unit_access(info, Op.REPORT_GENERATE)
        pk = decode_id(evaluation_id, "SelfEvaluation", "evaluationId")
        evaluation = SelfEvaluation.objects.filter(pk=pk).first()
        if evaluation is None:
            raise DomainError.single(CoreErrorCode.NOT_FOUND, "项目自评不存在。", "evaluationId")
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
    def perform(cls, root: None, info: graphene.ResolveInfo, fiscal_year: int) -> dict[str, Any]:
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
