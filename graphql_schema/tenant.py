"""The tenant schema, served on each unit's host: that unit's own data."""

import graphene

from graphql_schema.accounts.mutations import AccountMutations
from graphql_schema.accounts.queries import AccountQueries
from graphql_schema.goals.mutations import GoalMutations
from graphql_schema.goals.queries import GoalQueries
from graphql_schema.library.mutations import LibraryMutations
from graphql_schema.library.queries import LibraryQueries
from graphql_schema.monitoring.mutations import TenantMonitoringMutations
from graphql_schema.monitoring.queries import TenantMonitoringQueries
from graphql_schema.tenants.queries import TenantUnitQueries


class Query(
    AccountQueries,
    TenantUnitQueries,
    LibraryQueries,
    GoalQueries,
    TenantMonitoringQueries,
    graphene.ObjectType,
):
    pass


class Mutation(
    AccountMutations,
    LibraryMutations,
    GoalMutations,
    TenantMonitoringMutations,
    graphene.ObjectType,
):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
