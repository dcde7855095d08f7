"""The tenant schema, served on each unit's host: that unit's own data."""

import graphene

from graphql_schema.accounts.mutations import AccountMutations
from graphql_schema.accounts.queries import AccountQueries
from graphql_schema.benchmarking.mutations import TenantBenchmarkingMutations
from graphql_schema.benchmarking.queries import TenantBenchmarkingQueries
from graphql_schema.core.scalars import lenient_decimal
from graphql_schema.evaluation.mutations import TenantEvaluationMutations
from graphql_schema.evaluation.queries import TenantEvaluationQueries
from graphql_schema.feedback.mutations import TenantFeedbackMutations
from graphql_schema.feedback.queries import TenantFeedbackQueries
from graphql_schema.goals.mutations import GoalMutations
from graphql_schema.goals.queries import GoalQueries
from graphql_schema.key_evaluation.mutations import TenantKeyEvaluationMutations
from graphql_schema.key_evaluation.queries import TenantKeyEvaluationQueries
from graphql_schema.library.mutations import LibraryMutations
from graphql_schema.library.queries import LibraryQueries
from graphql_schema.monitoring.mutations import TenantMonitoringMutations
from graphql_schema.monitoring.queries import TenantMonitoringQueries
from graphql_schema.reports.mutations import TenantReportMutations
from graphql_schema.reports.queries import TenantReportQueries
from graphql_schema.tenants.queries import TenantUnitQueries
from graphql_schema.workspace.queries import TenantWorkspaceQueries


class Query(
    AccountQueries,
    TenantUnitQueries,
    LibraryQueries,
    GoalQueries,
    TenantMonitoringQueries,
    TenantEvaluationQueries,
    TenantFeedbackQueries,
    TenantKeyEvaluationQueries,
    TenantBenchmarkingQueries,
    TenantReportQueries,
    TenantWorkspaceQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountMutations,
    LibraryMutations,
    GoalMutations,
    TenantMonitoringMutations,
    TenantEvaluationMutations,
    TenantFeedbackMutations,
    TenantKeyEvaluationMutations,
    TenantBenchmarkingMutations,
    TenantReportMutations,
    graphene.ObjectType,
):
    pass


schema = lenient_decimal(graphene.Schema(query=Query, mutation=Mutation))
