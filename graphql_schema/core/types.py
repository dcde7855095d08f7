from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphene
from django.db.models import QuerySet
from graphene import relay


class CountableConnection(relay.Connection):
    """A Relay connection that also tells how many rows match the filters."""

    total_count = graphene.Int(required=True)

    class Meta:
        abstract = True

    @staticmethod
    def resolve_total_count(root: CountableConnection, info: graphene.ResolveInfo) -> int:
        iterable = root.iterable
        # A queryset counts in SQL; a list (whose ``count`` wants an argument) by its length.
        return iterable.count() if isinstance(iterable, QuerySet) else len(iterable)


def attribute_or_none(name: str) -> Callable[[Any, graphene.ResolveInfo], Any]:
    """A resolver for a model attribute that GraphQL should see as null when blank: a choice
    field stored as "" becomes a null enum instead of an invalid value."""

    def resolve(root: Any, info: graphene.ResolveInfo) -> Any:
        return getattr(root, name) or None

    return resolve
