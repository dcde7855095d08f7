"""evaluation: GraphQL mutations (unit host): the self-evaluation and the department-wide
evaluation workflows, and the import of a filled 项目支出绩效自评表."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile

from backend.accounts.policy import Op
from backend.core import sheets
from backend.documents.services import SHEET_TYPES
from backend.evaluation import models, services
from graphql_schema.core.ids import decode_id, get_for_update
from graphql_schema.core.imports import (
    ImportPayload,
    changes_of,
    dry_run_argument,
    expected_digest_argument,
    warnings_of,
)
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_access
from graphql_schema.core.uploads import BASE64_DEPRECATION, Upload, uploaded_content
from graphql_schema.core.versioning import version_argument
from graphql_schema.evaluation.types import BandEnum, DepartmentEvaluation, SelfEvaluation
from graphql_schema.monitoring.types import CauseEnum


class IndicatorResultInput(graphene.InputObjectType):
    code = graphene.String(required=True)
    actual_value = graphene.Decimal()
    actual_text = graphene.String()
    band = BandEnum()
    band_score = graphene.Decimal()
    explanation = graphene.String()
    deviation_cause = CauseEnum()
    deviation_reason = graphene.String()
    override_score = graphene.Decimal()
    override_reason = graphene.String()
    clear_override = graphene.Boolean(description="remove a person's override")
    manual_score = graphene.Decimal(
        description="评价人打分 (points, 0..weight) of an indicator scored by the evaluator "
        "(scoringMethod MANUAL); needs manualReason"
    )
    manual_reason = graphene.String(description="why the evaluator gave manualScore")
    evidence_ids = graphene.List(graphene.NonNull(graphene.ID), description="Document ids")


def _rows(indicators: list[IndicatorResultInput] | None) -> list[dict[str, Any]]:
    rows = []
    for index, item in enumerate(indicators or []):
        row = {k: getattr(v, "value", v) for k, v in item.items() if v is not None}
        if row.pop("clear_override", False):
            row["override_score"] = None
        if "evidence_ids" in row:
            ids = []
            for raw in row["evidence_ids"]:
                try:
                    ids.append(int(raw))
                except ValueError:
                    ids.append(decode_id(raw, "Document", f"indicators[{index}].evidenceIds"))
            row["evidence_ids"] = ids
        rows.append(row)
    return rows


def _evaluation(id: str) -> models.SelfEvaluation:
    return get_for_update(models.SelfEvaluation, id, "SelfEvaluation")


def _department(id: str) -> models.DepartmentEvaluation:
    return get_for_update(models.DepartmentEvaluation, id, "DepartmentEvaluation")


class StartSelfEvaluation(BaseMutation):
    """Open (or return) the project's self-evaluation for the year."""

    evaluation = graphene.Field(SelfEvaluation)

    class Arguments:
        project_id = graphene.ID(required=True)
        fiscal_year = graphene.Int(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, project_id: str, fiscal_year: int
    ) -> dict[str, Any]:
        from backend.budgets.models import Project

        require_unit_access(info, Op.EVALUATION_PREPARE)
        project = get_for_update(Project, project_id, "Project", "projectId")
        return {
            "evaluation": services.start_self_evaluation(project, fiscal_year, info.context.user)
        }


class EvaluationFundingSourceInput(graphene.InputObjectType):
    """A funding-source sub-row of the budget block (财政拨款, 其他资金), in yuan."""

    name = graphene.String(required=True)
    budget = graphene.Decimal(required=True)
    executed = graphene.Decimal(required=True)


class RecordSelfEvaluation(BaseMutation):
    evaluation = graphene.Field(SelfEvaluation)
    stale_field = "evaluation"

    class Arguments:
        id = graphene.ID(required=True)
        executed = graphene.Decimal()
        deviation_analysis = graphene.String()
        improvement_measures = graphene.String()
        indicators = graphene.List(graphene.NonNull(IndicatorResultInput))
        funding = graphene.List(
            graphene.NonNull(EvaluationFundingSourceInput),
            description="the budget block's funding-source sub-rows; [] removes the split",
        )
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        indicators: list[IndicatorResultInput] | None = None,
        version: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_PREPARE)
        evaluation = _evaluation(id)
        data = {k: v for k, v in fields.items() if v is not None}
        if "funding" in data:
            data["funding"] = [dict(item) for item in data["funding"]]
        evaluation = services.record_self_evaluation(
            evaluation,
            info.context.user,
            indicators=_rows(indicators),
            expected_version=version,
            **data,
        )
        return {"evaluation": evaluation}


class SubmitSelfEvaluation(BaseMutation):
    evaluation = graphene.Field(SelfEvaluation)
    stale_field = "evaluation"

    class Arguments:
        id = graphene.ID(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, version: int | None = None
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_PREPARE)
        evaluation = services.submit_self_evaluation(
            _evaluation(id), info.context.user, expected_version=version
        )
        return {"evaluation": evaluation}


class ReturnSelfEvaluation(BaseMutation):
    evaluation = graphene.Field(SelfEvaluation)
    stale_field = "evaluation"

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        comment: str,
        version: int | None = None,
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_FINALISE)
        evaluation = services.return_self_evaluation(
            _evaluation(id), info.context.user, comment, expected_version=version
        )
        return {"evaluation": evaluation}


class FinaliseSelfEvaluation(BaseMutation):
    """Finalise (unit_leader): frozen, and the public facts written in the same transaction."""

    evaluation = graphene.Field(SelfEvaluation)
    stale_field = "evaluation"

    class Arguments:
        id = graphene.ID(required=True)
        version = version_argument()

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, version: int | None = None
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_FINALISE)
        evaluation = services.finalise_self_evaluation(
            _evaluation(id), info.context.user, expected_version=version
        )
        return {"evaluation": evaluation}


class ImportSelfEvaluationTable(ImportPayload, BaseMutation):
    """Fill a draft from a 项目支出绩效自评表 (XLSX): every bad cell named, nothing
    saved when one is bad; the consistency findings come back as ``warnings``. With
    `dryRun: true` nothing is written: `changes` lists what the import would change cell by
    cell, `importWarnings` the warnings by cell, `digest` names the changes for
    `expectedDigest`."""

    evaluation = graphene.Field(SelfEvaluation)
    warnings = graphene.List(graphene.NonNull(graphene.String), required=True)
    stale_field = "evaluation"

    @staticmethod
    def resolve_warnings(root: Any, info: graphene.ResolveInfo) -> list[str]:
        return root.warnings or []

    class Arguments:
        id = graphene.ID(required=True)
        file = Upload(description="The filled sheet (XLSX), by the multipart request spec.")
        file_base64 = graphene.String(deprecation_reason=BASE64_DEPRECATION)
        version = version_argument()
        dry_run = dry_run_argument()
        expected_digest = expected_digest_argument()

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        file: UploadedFile | None = None,
        file_base64: str | None = None,
        version: int | None = None,
        dry_run: bool = False,
        expected_digest: str | None = None,
    ) -> dict[str, Any]:
        from backend.evaluation import xlsx

        require_unit_access(info, Op.EVALUATION_PREPARE)
        evaluation = _evaluation(id)
        content = uploaded_content(
            file=file, file_base64=file_base64, allowed=SHEET_TYPES, name="项目支出绩效自评表.xlsx"
        )
        if dry_run:
            preview = xlsx.preview_import(evaluation, content)
            return {
                "evaluation": evaluation,
                "warnings": [w.message for w in preview.warnings],
                "changes": changes_of(preview.changes),
                "import_warnings": warnings_of(preview.warnings),
                "digest": preview.digest,
                "dry_run": True,
            }
        result = xlsx.import_self_evaluation(
            evaluation,
            content,
            info.context.user,
            expected_version=version,
            expected=expected_digest,
        )
        return {
            "evaluation": result.evaluation,
            "warnings": result.warnings,
            "changes": changes_of(result.changes),
            "import_warnings": warnings_of(result.notices),
            "digest": sheets.digest(result.changes),
            "dry_run": False,
        }


class StartDepartmentEvaluation(BaseMutation):
    """Open or (while a draft) refresh the department-wide evaluation of the year."""

    evaluation = graphene.Field(DepartmentEvaluation)

    class Arguments:
        fiscal_year = graphene.Int(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, fiscal_year: int) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_PREPARE)
        return {"evaluation": services.start_department_evaluation(fiscal_year, info.context.user)}


class RecordDepartmentEvaluation(BaseMutation):
    evaluation = graphene.Field(DepartmentEvaluation)

    class Arguments:
        id = graphene.ID(required=True)
        summary = graphene.String()
        improvement_measures = graphene.String()
        indicators = graphene.List(graphene.NonNull(IndicatorResultInput))

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        id: str,
        indicators: list[IndicatorResultInput] | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_PREPARE)
        data = {k: v for k, v in fields.items() if v is not None}
        evaluation = services.record_department_evaluation(
            _department(id), info.context.user, indicators=_rows(indicators), **data
        )
        return {"evaluation": evaluation}


class SubmitDepartmentEvaluation(BaseMutation):
    evaluation = graphene.Field(DepartmentEvaluation)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_PREPARE)
        return {
            "evaluation": services.submit_department_evaluation(_department(id), info.context.user)
        }


class ReturnDepartmentEvaluation(BaseMutation):
    evaluation = graphene.Field(DepartmentEvaluation)

    class Arguments:
        id = graphene.ID(required=True)
        comment = graphene.String(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, comment: str
    ) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_FINALISE)
        evaluation = services.return_department_evaluation(
            _department(id), info.context.user, comment
        )
        return {"evaluation": evaluation}


class FinaliseDepartmentEvaluation(BaseMutation):
    evaluation = graphene.Field(DepartmentEvaluation)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_unit_access(info, Op.EVALUATION_FINALISE)
        evaluation = services.finalise_department_evaluation(_department(id), info.context.user)
        return {"evaluation": evaluation}


class TenantEvaluationMutations(graphene.ObjectType):
    """On a unit's host."""

    start_self_evaluation = StartSelfEvaluation.Field()
    record_self_evaluation = RecordSelfEvaluation.Field()
    submit_self_evaluation = SubmitSelfEvaluation.Field()
    return_self_evaluation = ReturnSelfEvaluation.Field()
    finalise_self_evaluation = FinaliseSelfEvaluation.Field()
    import_self_evaluation_table = ImportSelfEvaluationTable.Field()
    start_department_evaluation = StartDepartmentEvaluation.Field()
    record_department_evaluation = RecordDepartmentEvaluation.Field()
    submit_department_evaluation = SubmitDepartmentEvaluation.Field()
    return_department_evaluation = ReturnDepartmentEvaluation.Field()
    finalise_department_evaluation = FinaliseDepartmentEvaluation.Field()


class PublicEvaluationMutations(graphene.ObjectType):
    """On the public host."""
