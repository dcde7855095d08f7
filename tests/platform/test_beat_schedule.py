"""The beat schedule lives in one place (settings) and docs/operations.md lists it as it is;
every scheduled task is registered with Celery."""

from __future__ import annotations

import re
from pathlib import Path

from celery.schedules import crontab
from django.conf import settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "operations.md"
DAYS = {"*": "every day", "sunday": "every Sunday"}


def documented() -> dict[str, tuple[str, str]]:
    section = DOCS.read_text().split("### The beat schedule", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w-]+)` \| `([\w.]+)` \| ([^|]+) \|$", section, re.M)
    return {entry: (task, when.strip()) for entry, task, when in rows}


def described(schedule: crontab) -> str:
    (hour,), (minute,) = schedule.hour, schedule.minute
    day = (
        "*" if len(schedule.day_of_week) == 7 else "sunday" if schedule.day_of_week == {0} else "?"
    )
    return f"{DAYS.get(day, day)} at {hour:02d}:{minute:02d}"


def test_the_docs_list_the_schedule_as_it_is() -> None:
    actual = {
        name: (entry["task"], described(entry["schedule"]))
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }
    assert documented() == actual


def test_every_scheduled_task_is_registered() -> None:
    from backend.celery import app

    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
