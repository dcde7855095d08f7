"""Where a workspace item leads: the page of the area that owns it. Areas are built by
different hands; a page not built yet gives no link (the item is shown without one) rather
than an error, and the project's own page stands in where there is one."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse

from backend.workspace.selectors import Target, Task, TaskKind

# Target → the URL name and its argument (None: the area's index).
TARGET_PAGES: dict[Target, tuple[str, str | None]] = {
    Target.PROJECT: ("ws:project-detail", "project_id"),
    Target.GOAL: ("ws:goal-detail", "goal_id"),
    Target.MONITORING: ("ws:monitoring", None),
    Target.MONITORING_ENTRY: ("ws:monitoring-entry", "entry_id"),
    Target.ALERT: ("ws:alert-detail", "alert_id"),
    Target.EVALUATIONS: ("ws:evaluations", None),
    Target.EVALUATION: ("ws:evaluation-detail", "evaluation_id"),
    Target.DEPARTMENT_EVALUATION: ("ws:evaluations", None),
    Target.RECTIFICATION: ("ws:rectification-detail", "rectification_id"),
    Target.FEEDBACK: ("ws:feedback-detail", "item_id"),
}


def page(name: str, **kwargs: int) -> str | None:
    """``reverse`` that answers None for a page that does not exist (yet)."""
    try:
        return reverse(name, kwargs=kwargs or None)
    except NoReverseMatch:
        return None


def task_url(task: Task) -> str | None:
    if task.kind == TaskKind.GOAL_TO_DRAFT and task.project_id is not None:
        url = page("ws:goal-create", project_id=task.project_id)
        if url:
            return url
    name, argument = TARGET_PAGES[task.target]
    if argument is None:
        url = page(name)
    elif task.target_id is not None:
        url = page(name, **{argument: task.target_id})
    else:
        url = None
    if url is None and task.project_id is not None:
        url = page("ws:project-detail", project_id=task.project_id)
    if url is None and task.target in (Target.RECTIFICATION, Target.FEEDBACK):
        url = page("ws:results")
    return url
