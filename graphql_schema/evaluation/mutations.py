"""evaluation: GraphQL mutations."""

import graphene


class TenantEvaluationMutations(graphene.ObjectType):
    """On a unit's host."""


class PublicEvaluationMutations(graphene.ObjectType):
    """On the public host."""
