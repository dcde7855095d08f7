"""benchmarking: GraphQL queries."""

import graphene


class TenantBenchmarkingQueries(graphene.ObjectType):
    """On a unit's host."""


class PublicBenchmarkingQueries(graphene.ObjectType):
    """On the public host."""
