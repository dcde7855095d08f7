"""The public schema, served on the base host: the provincial console and cross-unit API."""

import graphene

from graphql_schema.accounts.mutations import AccountMutations
from graphql_schema.accounts.queries import AccountQueries
from graphql_schema.benchmarking.mutations import PublicBenchmarkingMutations
from graphql_schema.benchmarking.queries import PublicBenchmarkingQueries
from graphql_schema.core.scalars import lenient_decimal
from graphql_schema.evaluation.mutations import PublicEvaluationMutations
from graphql_schema.evaluation.queries import PublicEvaluationQueries
from graphql_schema.feedback.mutations import PublicFeedbackMutations
from graphql_schema.feedback.queries import PublicFeedbackQueries
from graphql_schema.indicators.mutations import TemplateMutations
from graphql_schema.indicators.queries import TemplateQueries
from graphql_schema.key_evaluation.mutations import PublicKeyEvaluationMutations
from graphql_schema.key_evaluation.queries import PublicKeyEvaluationQueries
from graphql_schema.monitoring.mutations import PublicMonitoringMutations
from graphql_schema.monitoring.queries import PublicMonitoringQueries
from graphql_schema.oversight.mutations import OversightMutations
from graphql_schema.oversight.queries import OversightQueries
from graphql_schema.reports.mutations import PublicReportMutations
from graphql_schema.reports.queries import PublicReportQueries
from graphql_schema.tenants.queries import PublicUnitQueries


class Query(
    AccountQueries,
    PublicUnitQueries,
    TemplateQueries,
    OversightQueries,
    PublicMonitoringQueries,
    PublicEvaluationQueries,
    PublicFeedbackQueries,
    PublicKeyEvaluationQueries,
    PublicBenchmarkingQueries,
    PublicReportQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountMutations,
    TemplateMutations,
    OversightMutations,
    PublicMonitoringMutations,
    PublicEvaluationMutations,
    PublicFeedbackMutations,
    PublicKeyEvaluationMutations,
    PublicBenchmarkingMutations,
    PublicReportMutations,
    graphene.ObjectType,
):
    pass


schema = lenient_decimal(graphene.Schema(query=Query, mutation=Mutation))
