"""feedback: GraphQL queries."""

import graphene


class TenantFeedbackQueries(graphene.ObjectType):
    """On a unit's host."""


class PublicFeedbackQueries(graphene.ObjectType):
    """On the public host."""
