from __future__ import annotations

import base64
from typing import Any

import graphene
from graphene import relay
from graphene_django import DjangoObjectType

from backend.benchmarking import models as facts
from backend.evaluation import models
from graphql_schema.core.dataloaders import Deferred, prefetched_or, then
from graphql_schema.core.types import CountableConnection, attribute_or_none
from graphql_schema.core.versioning import version_field
from graphql_schema.evaluation.dataloaders import (
    DepartmentEvaluationHistoryLoader,
    DepartmentScoresByEvaluationLoader,
    EvidenceIdsByScoreLoader,
    IndicatorScoresByEvaluationLoader,
    SelfEvaluationHistoryLoader,
)
from graphql_schema.goals.types import HistoryEntry
from graphql_schema.indicators.enums import (
    DirectionEnum,
    LayoutEnum,
    ScoringMethodEnum,
    ValueTypeEnum,
)
from graphql_schema.monitoring.types import CauseEnum
from graphql_schema.tenants.types import Unit

EvaluationStatusEnum = graphene.Enum.from_enum(models.EvaluationStatus, description="自评状态")
BandEnum = graphene.Enum.from_enum(models.Band, description="定性完成档次")


class EvaluationFlag(graphene.ObjectType):
    """A finding on the sheet for the reviewer (target too low, weights, not credible ...)."""

    code = graphene.String(required=True)
    message = graphene.String(required=True)
    indicator = graphene.String(description="the indicator code, empty for the project")


def _flags(rows: list[dict[str, Any]] | None) -> list[EvaluationFlag]:
    return [
        EvaluationFlag(
            code=f.get("code", ""), message=f.get("message", ""), indicator=f.get("indicator")
        )
        for f in rows or []
    ]


class EvaluationFinding(graphene.ObjectType):
    """An inconsistency of the sheet (issue 16): total not the sum of its lines, a line above
    its weight, a grade not matching the total, 达成 scored 0, a rate not following from the
    budget figures, full marks with the target missed."""

    code = graphene.String(
        required=True,
        description="total_not_sum, score_above_weight, grade_mismatch, achieved_zero_score, "
        "rate_mismatch or full_marks_target_missed",
    )
    label = graphene.String(required=True, description="the kind of finding, in Chinese")
    message = graphene.String(required=True, description="Chinese, with the numbers")
    indicator = graphene.String(description="the indicator code, null for the sheet")


def _findings(root: models.SelfEvaluation | models.DepartmentEvaluation) -> list[EvaluationFinding]:
    from backend.evaluation import consistency
    from backend.evaluation.selectors import findings

    return [
        EvaluationFinding(
            code=f.code,
            label=consistency.LABELS[f.code],
            message=f.message,
            indicator=f.indicator or None,
        )
        for f in findings(root)
    ]


class GroupScore(graphene.ObjectType):
    group = graphene.String(
        required=True,
        description="output, effect or satisfaction; in the DEPARTMENT layout input, process, "
        "output or outcome",
    )
    score = graphene.Decimal(required=True)


RESULT_FIELDS = (
    "code",
    "level1",
    "level2",
    "name",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "template_code",
    "actual_value",
    "actual_text",
    "band_score",
    "explanation",
    "deviation_reason",
    "computed_score",
    "rule",
    "computation",
    "override_score",
    "override_reason",
    "manual_score",
    "manual_reason",
    "final_score",
)


class _ResultMixin:
    band = graphene.Field(BandEnum, resolver=attribute_or_none("band"))
    value_type = graphene.Field(
        ValueTypeEnum, required=True, resolver=attribute_or_none("value_type")
    )
    direction = graphene.Field(
        DirectionEnum,
        resolver=attribute_or_none("direction"),
        description="运算符; null for a qualitative indicator",
    )
    scoring_method = graphene.Field(
        ScoringMethodEnum,
        required=True,
        description="评分方法; MANUAL: the evaluator's manualScore is the score",
    )
    unexplained_deduction = graphene.Boolean(
        required=True, description="a deduction without a written reason (未说明原因), flagged"
    )

    @staticmethod
    def resolve_scoring_method(
        root: models.IndicatorScore | models.DepartmentIndicatorScore, info: graphene.ResolveInfo
    ) -> str:
        if root.scoring_method:
            return root.scoring_method
        return "bands" if root.value_type == "qualitative" else "proportional"

    @staticmethod
    def resolve_unexplained_deduction(
        root: models.IndicatorScore | models.DepartmentIndicatorScore, info: graphene.ResolveInfo
    ) -> bool:
        return any(f.get("code") == "deduction_without_reason" for f in root.flags or [])

    deviation_cause = graphene.Field(CauseEnum, resolver=attribute_or_none("deviation_cause"))
    flags = graphene.List(graphene.NonNull(EvaluationFlag), required=True)

    @staticmethod
    def resolve_flags(
        root: models.IndicatorScore | models.DepartmentIndicatorScore, info: graphene.ResolveInfo
    ) -> list[EvaluationFlag]:
        return _flags(root.flags)


class IndicatorScore(_ResultMixin, DjangoObjectType):
    evidence_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)

    class Meta:
        model = models.IndicatorScore
        fields = RESULT_FIELDS

    @staticmethod
    def resolve_evidence_ids(
        root: models.IndicatorScore, info: graphene.ResolveInfo
    ) -> Deferred[list[str]]:
        if "evidence" in getattr(root, "_prefetched_objects_cache", {}):
            return [str(d.pk) for d in root.evidence.all()]
        return EvidenceIdsByScoreLoader.of(info).load(root.pk)


class DepartmentIndicatorScore(_ResultMixin, DjangoObjectType):
    class Meta:
        model = models.DepartmentIndicatorScore
        fields = RESULT_FIELDS


SHEET_FIELDS = (
    "fiscal_year",
    "execution_weight",
    "execution_rate",
    "execution_score",
    "total",
    "grade",
    "scored_at",
    "executed",
    "full_budget",
    "improvement_measures",
    "return_comment",
    "submitted_at",
    "finalised_at",
    "created_at",
    "updated_at",
)


class _SheetMixin:
    status = graphene.Field(
        EvaluationStatusEnum, required=True, resolver=attribute_or_none("status")
    )
    layout = graphene.Field(LayoutEnum, required=True, resolver=attribute_or_none("layout"))
    flags = graphene.List(graphene.NonNull(EvaluationFlag), required=True)
    group_scores = graphene.List(graphene.NonNull(GroupScore), required=True)
    history = graphene.List(graphene.NonNull(HistoryEntry), required=True)
    findings = graphene.List(
        graphene.NonNull(EvaluationFinding),
        required=True,
        description="自评一致性: what in the sheet does not hold together (never blocks)",
    )

    @staticmethod
    def resolve_flags(
        root: models.SelfEvaluation | models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> list[EvaluationFlag]:
        return _flags(root.flags)

    @staticmethod
    def resolve_findings(
        root: models.SelfEvaluation | models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> list[EvaluationFinding]:
        return _findings(root)

    @staticmethod
    def resolve_group_scores(
        root: models.SelfEvaluation | models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> list[GroupScore]:
        return [GroupScore(group=k, score=v) for k, v in (root.group_scores or {}).items()]

    @staticmethod
    def resolve_history(
        root: models.SelfEvaluation | models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> Deferred[list[HistoryEntry]]:
        loader = (
            SelfEvaluationHistoryLoader
            if isinstance(root, models.SelfEvaluation)
            else DepartmentEvaluationHistoryLoader
        )
        return then(
            loader.of(info).load(root.pk),
            lambda entries: [HistoryEntry(**entry) for entry in entries],
        )


class EvaluationFundingSource(graphene.ObjectType):
    """A funding-source sub-row of the budget block with its own execution rate."""

    name = graphene.String(required=True)
    budget = graphene.Decimal(required=True)
    executed = graphene.Decimal(required=True)
    execution_rate = graphene.Decimal(description="percent 0–100 (2 places); null without budget")


class SelfEvaluation(_SheetMixin, DjangoObjectType):
    indicators = graphene.List(graphene.NonNull(IndicatorScore), required=True)
    funding = graphene.List(
        graphene.NonNull(EvaluationFundingSource),
        required=True,
        description="资金来源 sub-rows (财政拨款 / 其他资金); empty without a split",
    )

    @staticmethod
    def resolve_funding(
        root: models.SelfEvaluation, info: graphene.ResolveInfo
    ) -> list[EvaluationFundingSource]:
        from backend.evaluation.services.project import funding_sources

        return [
            EvaluationFundingSource(
                name=f.name, budget=f.budget, executed=f.executed, execution_rate=f.rate
            )
            for f in funding_sources(root)
        ]

    project_id = graphene.ID(required=True)
    project_code = graphene.String(required=True)
    project_name = graphene.String(required=True)
    xlsx_base64 = graphene.String(required=True, description="项目支出绩效自评表 (XLSX, base64)")
    version = version_field()

    class Meta:
        model = models.SelfEvaluation
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (*SHEET_FIELDS, "deviation_analysis")

    @staticmethod
    def resolve_indicators(
        root: models.SelfEvaluation, info: graphene.ResolveInfo
    ) -> Deferred[list[models.IndicatorScore]]:
        return prefetched_or(root, "indicators", IndicatorScoresByEvaluationLoader.of(info))

    @staticmethod
    def resolve_project_id(root: models.SelfEvaluation, info: graphene.ResolveInfo) -> str:
        from graphql_relay import to_global_id

        return to_global_id("Project", root.project_id)

    @staticmethod
    def resolve_project_code(root: models.SelfEvaluation, info: graphene.ResolveInfo) -> str:
        return root.project.code

    @staticmethod
    def resolve_project_name(root: models.SelfEvaluation, info: graphene.ResolveInfo) -> str:
        return root.project.name

    @staticmethod
    def resolve_xlsx_base64(root: models.SelfEvaluation, info: graphene.ResolveInfo) -> str:
        from backend.evaluation import xlsx

        return base64.b64encode(xlsx.export_self_evaluation(root)).decode()


class ProjectGrade(graphene.ObjectType):
    """A finalised project self-evaluation behind a department score."""

    evaluation_id = graphene.ID(required=True)
    project_code = graphene.String(required=True)
    project_name = graphene.String(required=True)
    total = graphene.Decimal(required=True)
    grade = graphene.String(required=True)


class DepartmentEvaluation(_SheetMixin, DjangoObjectType):
    indicators = graphene.List(graphene.NonNull(DepartmentIndicatorScore), required=True)
    poor_projects = graphene.List(
        graphene.NonNull(ProjectGrade),
        required=True,
        description="the year's finalised project self-evaluations graded 差 (lowest first), "
        "which the budget-weighted projectScore averages in",
    )

    @staticmethod
    def resolve_poor_projects(
        root: models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> list[ProjectGrade]:
        from graphql_relay import to_global_id

        from backend.evaluation.selectors import poor_projects

        return [
            ProjectGrade(
                evaluation_id=to_global_id("SelfEvaluation", e.pk),
                project_code=e.project.code,
                project_name=e.project.name,
                total=e.total,
                grade=e.grade,
            )
            for e in poor_projects(root.fiscal_year)
        ]

    class Meta:
        model = models.DepartmentEvaluation
        interfaces = (relay.Node,)
        fields = (
            *SHEET_FIELDS,
            "template_code",
            "evaluated_projects",
            "evaluated_budget",
            "project_score",
            "project_grade",
            "summary",
        )

    @staticmethod
    def resolve_indicators(
        root: models.DepartmentEvaluation, info: graphene.ResolveInfo
    ) -> Deferred[list[models.DepartmentIndicatorScore]]:
        return prefetched_or(root, "indicators", DepartmentScoresByEvaluationLoader.of(info))


class EvaluationResult(DjangoObjectType):
    """A finalised project self-evaluation as the levels above see it (public facts)."""

    unit = graphene.Field(Unit, required=True)

    class Meta:
        model = facts.ProjectFact
        interfaces = (relay.Node,)
        connection_class = CountableConnection
        fields = (
            "fiscal_year",
            "project_code",
            "project_name",
            "kind",
            "full_budget",
            "executed",
            "execution_rate",
            "self_score",
            "self_grade",
            "evaluation_flags",
            "evaluation_findings",
            "finalised_at",
        )


class UnitEvaluationResult(DjangoObjectType):
    """A unit's year: finalised projects rolled up (budget-weighted) and its department-wide
    evaluation."""

    unit = graphene.Field(Unit, required=True)

    class Meta:
        model = facts.UnitYearFact
        fields = (
            "fiscal_year",
            "evaluated_projects",
            "evaluated_budget",
            "evaluated_executed",
            "project_score",
            "project_grade",
            "department_score",
            "department_grade",
            "department_finalised_at",
        )
