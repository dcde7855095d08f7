"""evaluation: GraphQL queries."""

import graphene


class TenantEvaluationQueries(graphene.ObjectType):
    """On a unit's host."""


class PublicEvaluationQueries(graphene.ObjectType):
    """On the public host."""
