"""feedback: GraphQL mutations."""

import graphene


class TenantFeedbackMutations(graphene.ObjectType):
    """On a unit's host."""


class PublicFeedbackMutations(graphene.ObjectType):
    """On the public host."""
