"""reports: GraphQL mutations."""

import graphene


class TenantReportMutations(graphene.ObjectType):
    """On a unit's host."""


class PublicReportMutations(graphene.ObjectType):
    """On the public host."""
