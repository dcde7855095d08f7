"""evaluation: GraphQL queries. Tenant: the unit's own evaluations. Public: results across the
caller's subtree, from the fact tables only."""

from __future__ import annotations

from typing import Any

import graphene
from django.db.models import QuerySet
from graphene_django import DjangoConnectionField

from backend.accounts.policy import Op
from backend.benchmarking.models import ProjectFact, UnitYearFact
from backend.core.errors import DomainError
from backend.evaluation import models
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import require_console, require_unit_access
from graphql_schema.evaluation.types import (
    DepartmentEvaluation,
    EvaluationResult,
    EvaluationStatusEnum,
    SelfEvaluation,
    UnitEvaluationResult,
)


class TenantEvaluationQueries(graphene.ObjectType):
    """On a unit's host."""

    self_evaluations = DjangoConnectionField(
        SelfEvaluation,
        fiscal_year=graphene.Int(),
        status=EvaluationStatusEnum(),
        description="本院项目自评",
    )
    self_evaluation = graphene.Field(SelfEvaluation, id=graphene.ID(required=True))
    department_evaluation = graphene.Field(
        DepartmentEvaluation, fiscal_year=graphene.Int(required=True), description="部门整体自评"
    )

    @staticmethod
    def resolve_self_evaluations(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        status: models.EvaluationStatus | None = None,
        **kwargs: Any,
    ) -> QuerySet[models.SelfEvaluation]:
        from backend.evaluation import selectors

        require_unit_access(info)
        return selectors.self_evaluations(
            fiscal_year=fiscal_year, status=getattr(status, "value", status)
        )

    @staticmethod
    def resolve_self_evaluation(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> models.SelfEvaluation | None:
        from backend.evaluation import selectors

        require_unit_access(info)
        try:
            pk = decode_id(id, "SelfEvaluation")
        except DomainError:
            return None
        return selectors.self_evaluations().filter(pk=pk).first()

    @staticmethod
    def resolve_department_evaluation(
        root: None, info: graphene.ResolveInfo, fiscal_year: int
    ) -> models.DepartmentEvaluation | None:
        from backend.evaluation import selectors

        require_unit_access(info)
        return selectors.department_evaluation(fiscal_year)


class PublicEvaluationQueries(graphene.ObjectType):
    """On the public host."""

    evaluation_results = DjangoConnectionField(
        EvaluationResult,
        fiscal_year=graphene.Int(),
        city=graphene.String(description="a city's code"),
        grade=graphene.String(description="优, 良, 中 or 差"),
        description="Finalised project self-evaluations of every unit in the caller's reach.",
    )
    unit_evaluation_results = graphene.List(
        graphene.NonNull(UnitEvaluationResult),
        required=True,
        fiscal_year=graphene.Int(),
        city=graphene.String(),
        description="Each unit's year in the caller's reach (projects, department).",
    )

    @staticmethod
    def resolve_evaluation_results(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        city: str | None = None,
        grade: str | None = None,
        **kw: Any,
    ) -> QuerySet[ProjectFact]:
        from backend.evaluation.selectors import evaluation_results_under

        user = require_console(info, Op.CONSOLE_VIEW)
        return evaluation_results_under(user, fiscal_year=fiscal_year, city=city, grade=grade)

    @staticmethod
    def resolve_unit_evaluation_results(
        root: None,
        info: graphene.ResolveInfo,
        fiscal_year: int | None = None,
        city: str | None = None,
    ) -> list[UnitYearFact]:
        from backend.evaluation.selectors import unit_results_under

        user = require_console(info, Op.CONSOLE_VIEW)
        return list(unit_results_under(user, fiscal_year=fiscal_year, city=city))
