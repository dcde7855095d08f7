"""The unit workspace's to-do list (``myTasks``)."""

from __future__ import annotations

from typing import Any

import graphene
from graphql_relay import to_global_id

from backend.workspace import selectors
from backend.workspace.selectors import Target

TaskKindEnum = graphene.Enum.from_enum(
    selectors.TaskKind, name="WorkspaceTaskKind", description="What a to-do item asks for."
)
TaskGroupEnum = graphene.Enum.from_enum(
    selectors.Group, name="WorkspaceTaskGroup", description="The part of the year it belongs to."
)

# The API type a task's target is (its ``targetId`` is that type's global ID).
TARGET_TYPES: dict[Target, str | None] = {
    Target.PROJECT: "Project",
    Target.GOAL: "PerformanceGoal",
    Target.MONITORING: "MonitoringRound",
    Target.MONITORING_ENTRY: "MonitoringEntry",
    Target.ALERT: "Alert",
    Target.EVALUATIONS: None,
    Target.EVALUATION: "SelfEvaluation",
    Target.DEPARTMENT_EVALUATION: "DepartmentEvaluation",
    Target.RECTIFICATION: "RectificationRequest",
    Target.FEEDBACK: "FeedbackItem",
}


class WorkspaceTask(graphene.ObjectType):
    kind = graphene.Field(TaskKindEnum, required=True)
    group = graphene.Field(TaskGroupEnum, required=True)
    group_label = graphene.String(
        required=True, description="绩效目标、运行监控、绩效自评、结果应用"
    )
    title = graphene.String(required=True, description="what to do")
    subject = graphene.String(required=True, description="what it is about")
    detail = graphene.String(required=True)
    target_type = graphene.String(description="the API type of targetId (null: none)")
    target_id = graphene.ID(description="the global ID of what to open")
    project_id = graphene.ID()
    due_on = graphene.Date()
    overdue = graphene.Boolean(required=True)

    @staticmethod
    def resolve_kind(root: selectors.Task, info: Any) -> str:
        return root.kind.value

    @staticmethod
    def resolve_group(root: selectors.Task, info: Any) -> str:
        return root.group.value

    @staticmethod
    def resolve_group_label(root: selectors.Task, info: Any) -> str:
        return selectors.GROUP_LABELS[root.group]

    @staticmethod
    def resolve_target_type(root: selectors.Task, info: Any) -> str | None:
        return TARGET_TYPES[root.target] if root.target_id is not None else None

    @staticmethod
    def resolve_target_id(root: selectors.Task, info: Any) -> str | None:
        type_name = TARGET_TYPES[root.target]
        if type_name is None or root.target_id is None:
            return None
        return to_global_id(type_name, root.target_id)

    @staticmethod
    def resolve_project_id(root: selectors.Task, info: Any) -> str | None:
        return to_global_id("Project", root.project_id) if root.project_id else None


class OpenMonitoringRound(graphene.ObjectType):
    round_id = graphene.ID(required=True)
    fiscal_year = graphene.Int(required=True)
    month = graphene.Int(required=True)
    kind_label = graphene.String(required=True)
    closes_on = graphene.Date(required=True)
    expected = graphene.Int(required=True, description="projects with an approved goal")
    missing = graphene.Int(required=True, description="of those, without a submitted entry")

    @staticmethod
    def resolve_round_id(root: selectors.OpenRound, info: Any) -> str:
        return to_global_id("MonitoringRound", root.round_id)


class MyTasks(graphene.ObjectType):
    tasks = graphene.List(graphene.NonNull(WorkspaceTask), required=True)
    open_rounds = graphene.List(graphene.NonNull(OpenMonitoringRound), required=True)
    read_only = graphene.Boolean(
        required=True,
        description="The caller holds no role at the unit: the unit's open items, for reading.",
    )
    overdue_count = graphene.Int(required=True)

    @staticmethod
    def resolve_open_rounds(root: selectors.TaskList, info: Any) -> tuple[Any, ...]:
        return root.rounds

    @staticmethod
    def resolve_overdue_count(root: selectors.TaskList, info: Any) -> int:
        return root.overdue
