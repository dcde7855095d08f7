from __future__ import annotations

from typing import Any

import django_filters
import graphene
from django.db.models import QuerySet
from graphene_django.filter import DjangoFilterConnectionField

from backend.budgets import models as budgets
from backend.core.errors import DomainError
from backend.goals import models as goals
from graphql_schema.core.filters import GlobalIDFilterSet
from graphql_schema.core.ids import decode_id
from graphql_schema.core.permissions import require_unit_access
from graphql_schema.goals.types import PerformanceGoal, Project


class ProjectFilter(GlobalIDFilterSet):
    category = django_filters.CharFilter(method="filter_choice")
    kind = django_filters.CharFilter(method="filter_choice")
    goal_status = django_filters.CharFilter(
        method="filter_goal_status",
        help_text="draft, submitted, approved, ... or none (no goal); any case",
    )
    department = django_filters.CharFilter(method="filter_department")
    funding_source = django_filters.CharFilter(method="filter_choice")
    search = django_filters.CharFilter(method="filter_search")

    class Meta:
        model = budgets.Project
        fields = ["fiscal_year"]

    def filter_choice(
        self, queryset: QuerySet[budgets.Project], name: str, value: str
    ) -> QuerySet[budgets.Project]:
        return queryset.filter(**{name: value.lower()})

    def filter_goal_status(
        self, queryset: QuerySet[budgets.Project], name: str, value: str
    ) -> QuerySet[budgets.Project]:
        from backend.budgets.selectors import projects

        return queryset.filter(pk__in=projects(goal_status=value.lower()).values("pk"))

    def filter_department(
        self, queryset: QuerySet[budgets.Project], name: str, value: str
    ) -> QuerySet[budgets.Project]:
        from backend.budgets.selectors import projects

        return queryset.filter(pk__in=projects(department=value).values("pk"))

    def filter_search(
        self, queryset: QuerySet[budgets.Project], name: str, value: str
    ) -> QuerySet[budgets.Project]:
        return queryset.filter(name__icontains=value) | queryset.filter(code__icontains=value)


class GoalQueries(graphene.ObjectType):
    projects = DjangoFilterConnectionField(
        Project, filterset_class=ProjectFilter, description="本院预算项目"
    )
    project = graphene.Field(Project, id=graphene.ID(required=True))
    goal = graphene.Field(PerformanceGoal, id=graphene.ID(required=True))

    @staticmethod
    def resolve_projects(
        root: None, info: graphene.ResolveInfo, **kwargs: Any
    ) -> QuerySet[budgets.Project]:
        from backend.budgets.selectors import projects

        require_unit_access(info)
        return projects()

    @staticmethod
    def resolve_project(root: None, info: graphene.ResolveInfo, id: str) -> budgets.Project | None:
        from backend.budgets.selectors import projects

        require_unit_access(info)
        try:
            pk = decode_id(id, "Project")
        except DomainError:
            return None
        return projects().filter(pk=pk).first()

    @staticmethod
    def resolve_goal(
        root: None, info: graphene.ResolveInfo, id: str
    ) -> goals.PerformanceGoal | None:
        require_unit_access(info)
        try:
            pk = decode_id(id, "PerformanceGoal")
        except DomainError:
            return None
        return (
            goals.PerformanceGoal.objects.select_related("project")
            .prefetch_related("indicators")
            .filter(pk=pk)
            .first()
        )
