from __future__ import annotations

import graphene
from graphene import relay


class CountableConnection(relay.Connection):
    """A Relay connection that also tells how many rows match the filters."""

    total_count = graphene.Int(required=True)

    class Meta:
        abstract = True

    @staticmethod
    def resolve_total_count(root: CountableConnection, info: graphene.ResolveInfo) -> int:
        iterable = root.iterable
        return iterable.count() if hasattr(iterable, "count") else len(iterable)
