"""Edits of a unit's own library: a finance officer or leader of that very unit."""

from __future__ import annotations

import enum
from typing import Any

import graphene

from backend.accounts.policy import Op
from backend.library import models, services
from graphql_schema.core.ids import get_for_update
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_unit_op
from graphql_schema.indicators.fields import IndicatorInput, input_data
from graphql_schema.library.types import LibraryIndicator, MergeConflict


class AddLocalIndicator(BaseMutation):
    """An indicator of this unit's own (never touched by a push)."""

    indicator = graphene.Field(LibraryIndicator)

    class Arguments:
        input = IndicatorInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, input: IndicatorInput
    ) -> dict[str, Any]:
        require_unit_op(info, Op.LIBRARY_EDIT)
        return {"indicator": services.add_local_indicator(input_data(input))}


class UpdateLibraryIndicator(BaseMutation):
    """Override values of a library indicator (locked targets and weights excepted)."""

    indicator = graphene.Field(LibraryIndicator)

    class Arguments:
        id = graphene.ID(required=True)
        input = IndicatorInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, input: IndicatorInput
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.LIBRARY_EDIT)
        indicator = get_for_update(models.LibraryIndicator, id, "LibraryIndicator")
        return {"indicator": services.update_indicator(indicator, input_data(input), user=user)}


class ConflictChoice(graphene.Enum):
    UPSTREAM = "upstream"
    LOCAL = "local"


class ResolveMergeConflict(BaseMutation):
    """Take the province's value or keep this unit's."""

    conflict = graphene.Field(MergeConflict)

    class Arguments:
        id = graphene.ID(required=True)
        choice = ConflictChoice(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, choice: enum.Enum
    ) -> dict[str, Any]:
        user, _ = require_unit_op(info, Op.LIBRARY_EDIT)
        conflict = get_for_update(models.MergeConflict, id, "MergeConflict")
        # A member of the Python enum graphene builds from ConflictChoice: "upstream" or "local".
        value: str = choice.value
        return {"conflict": services.resolve_conflict(conflict, choice=value, user=user)}


class LibraryMutations(graphene.ObjectType):
    add_local_indicator = AddLocalIndicator.Field()
    update_library_indicator = UpdateLibraryIndicator.Field()
    resolve_merge_conflict = ResolveMergeConflict.Field()
