"""reports: GraphQL queries."""

import graphene


class TenantReportQueries(graphene.ObjectType):
    """On a unit's host."""


class PublicReportQueries(graphene.ObjectType):
    """On the public host."""
