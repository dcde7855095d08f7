"""The unit workspace's reads on a unit's host."""

from __future__ import annotations

from typing import Any

import graphene

from backend.accounts import policy
from backend.workspace import selectors
from graphql_schema.core.permissions import require_unit_access
from graphql_schema.workspace.types import MyTasks


class TenantWorkspaceQueries(graphene.ObjectType):
    my_tasks = graphene.Field(
        MyTasks,
        required=True,
        description="What waits for the caller at this unit, by the roles held here (工作台): "
        "goals to draft or approve, open monitoring rounds and missing entries, alerts, "
        "self-evaluations, rectifications and feedback, with due dates.",
    )

    @staticmethod
    def resolve_my_tasks(root: Any, info: graphene.ResolveInfo) -> selectors.TaskList:
        unit = require_unit_access(info)
        return selectors.my_tasks(unit, policy.unit_access(info.context.user, unit))
