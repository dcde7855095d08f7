"""Base for every mutation: one transaction, typed errors (Saleor's layout)."""

from __future__ import annotations

from typing import Any

import graphene
from django.db import transaction

from backend.core.errors import DomainError
from graphql_schema.core.errors import Error, errors_from


class BaseMutation(graphene.Mutation):
    """Subclasses implement ``perform(root, info, **arguments)`` returning the payload fields.
    It runs in one transaction: a DomainError rolls everything back and comes out as
    ``errors``; no half-written record survives."""

    errors = graphene.List(graphene.NonNull(Error), required=True)

    class Meta:
        abstract = True

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, **data: Any) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **data: Any) -> Any:
        try:
            with transaction.atomic():
                fields = cls.perform(root, info, **data)
        except DomainError as error:
            return cls(errors=errors_from(error))
        return cls(errors=[], **fields)
