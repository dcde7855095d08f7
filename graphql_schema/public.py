"""The public schema, served on the base host: the provincial console and cross-unit API."""

import graphene

from graphql_schema.accounts.mutations import AccountMutations
from graphql_schema.accounts.queries import AccountQueries
from graphql_schema.indicators.mutations import TemplateMutations
from graphql_schema.indicators.queries import TemplateQueries
from graphql_schema.tenants.queries import PublicUnitQueries


class Query(AccountQueries, PublicUnitQueries, TemplateQueries, graphene.ObjectType):
    pass


class Mutation(AccountMutations, TemplateMutations, graphene.ObjectType):
    pass


schema = graphene.Schema(query=Query, mutation=Mutation)
