"""key_evaluation: GraphQL mutations."""

import graphene


class TenantKeyEvaluationMutations(graphene.ObjectType):
    """On a unit's host."""


class PublicKeyEvaluationMutations(graphene.ObjectType):
    """On the public host."""
