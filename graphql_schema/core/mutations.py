"""Base for every mutation: one transaction, typed errors (Saleor's layout)."""

from __future__ import annotations

from typing import Any, ClassVar

import graphene
from django.db import transaction

from backend.core.errors import DomainError
from backend.core.versioning import Stale
from graphql_schema.core.errors import Error, errors_from


class BaseMutation(graphene.Mutation):
    """Subclasses implement ``perform(root, info, **arguments)`` returning the payload fields.
    It runs in one transaction: a DomainError rolls everything back and comes out as
    ``errors``; no half-written record survives.

    A mutation taking a ``version`` (optimistic versioning) names in ``stale_field`` the
    payload field that then carries the object as it is now: on ``STALE`` the client gets the
    current values beside the error (re-read after the rollback)."""

    errors = graphene.List(graphene.NonNull(Error), required=True)
    stale_field: ClassVar[str | None] = None

    class Meta:
        abstract = True

    # ``*args: Any, **data: Any``: mypy accepts any subclass's named arguments as an override.
    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, *args: Any, **data: Any
    ) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, *args: Any, **data: Any) -> Any:
        try:
            with transaction.atomic():
                fields = cls.perform(root, info, *args, **data)
        except DomainError as error:
            return cls(errors=errors_from(error), **cls.current_after(error))
        return cls(errors=[], **fields)

    @classmethod
    def current_after(cls, error: DomainError) -> dict[str, Any]:
        if cls.stale_field is None or not isinstance(error, Stale):
            return {}
        model = type(error.current)
        return {cls.stale_field: model._default_manager.filter(pk=error.current.pk).first()}
