"""benchmarking: GraphQL mutations."""

import graphene


class TenantBenchmarkingMutations(graphene.ObjectType):
    """On a unit's host."""


class PublicBenchmarkingMutations(graphene.ObjectType):
    """On the public host."""
