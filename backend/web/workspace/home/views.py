"""工作台: the unit's home page — the role's to-do list (``backend.workspace.selectors.my_tasks``,
the same read as the API's ``myTasks``) and this year's execution against time progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from backend.monitoring.selectors import unit_execution_curve
from backend.web.access import unit_page
from backend.web.requests import UnitRequest
from backend.web.workspace.home.charts import execution_options
from backend.web.workspace.home.links import page, task_url
from backend.workspace.selectors import GROUP_LABELS, Group, Task, my_tasks

# Where "all of them" lives for each group of the list.
GROUP_PAGES = {
    Group.GOALS: "ws:goals",
    Group.MONITORING: "ws:monitoring",
    Group.EVALUATION: "ws:evaluations",
    Group.RESULTS: "ws:results",
}
SHOWN = 6  # items shown per group before "其余 N 项"


@dataclass(frozen=True)
class Item:
    task: Task
    url: str | None


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    items: list[Item]
    url: str | None

    @property
    def first(self) -> list[Item]:
        return self.items[:SHOWN]

    @property
    def rest(self) -> list[Item]:
        return self.items[SHOWN:]


@unit_page()
def home(request: UnitRequest) -> HttpResponse:
    today = timezone.localdate()
    todo = my_tasks(request.unit, request.unit_access, today=today)
    sections = [
        Section(
            group.value,
            GROUP_LABELS[group],
            [Item(task, task_url(task)) for task in todo.in_group(group)],
            page(GROUP_PAGES[group]),
        )
        for group in Group
    ]
    curve = unit_execution_curve(fiscal_year=today.year)
    return render(
        request,
        "web/workspace/home/home.html",
        {
            "todo": todo,
            "sections": sections,
            "year": today.year,
            "curve": curve,
            "latest": curve[-1] if curve else None,
            "chart": execution_options(curve),
            "monitoring_url": page("ws:monitoring"),
        },
    )
