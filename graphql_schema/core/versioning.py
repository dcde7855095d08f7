"""Optimistic versioning in the API (``backend/core/versioning.py``): the ``version`` field of
goals, monitoring entries and self-evaluations, and the ``version`` argument of the mutations
that edit them."""

from __future__ import annotations

import graphene

VERSION_FIELD = (
    "Raised by every change of the form (itself or its indicators); send it back as `version` "
    "when editing."
)
VERSION_ARGUMENT = (
    "The `version` read. If it is no longer current nothing is written: STALE, with the "
    "object as it is now. Omitted: last writer wins."
)


def version_field() -> graphene.Int:
    return graphene.Int(required=True, description=VERSION_FIELD)


def version_argument() -> graphene.Int:
    return graphene.Int(description=VERSION_ARGUMENT)
