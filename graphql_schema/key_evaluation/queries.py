"""key_evaluation: GraphQL queries."""

import graphene


class TenantKeyEvaluationQueries(graphene.ObjectType):
    """On a unit's host."""


class PublicKeyEvaluationQueries(graphene.ObjectType):
    """On the public host."""
