"""The public schema, served on the base host: the provincial console and cross-unit API."""

import graphene

from graphql_schema.accounts.mutations import AccountMutations
from graphql_schema.accounts.queries import AccountQueries
from graphql_schema.indicators.mutations import TemplateMutations
from graphql_schema.indicators.queries import TemplateQueries
from graphql_schema.monitoring.mutations import PublicMonitoringMutations
from graphql_schema.monitoring.queries import PublicMonitoringQueries
from graphql_schema.oversight.mutations import OversightMutations
from graphql_schema.oversight.queries import OversightQueries
from graphql_schema.tenants.queries import PublicUnitQueries


class Query(
    AccountQueries,
    PublicUnitQueries,
    TemplateQueries,
    OversightQueries,
    PublicMonitoringQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountMutations,
    TemplateMutations,
    OversightMutations,
    PublicMonitoringMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
