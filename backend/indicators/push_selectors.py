"""Reads of template pushes (public schema): progress counts and the overall status."""

from __future__ import annotations

from django.db.models import Count, Q

from backend.indicators.models import PushStatus, PushTarget, TemplatePush

RUNNING = "running"
COMPLETED = "completed"
COMPLETED_WITH_ERRORS = "completed_with_errors"


def push_counts(push: TemplatePush | int) -> dict[str, int]:
    """Targets of ``push`` per status, and ``total``, in one aggregate query."""
    push_id = push if isinstance(push, int) else push.pk
    return PushTarget.objects.filter(push_id=push_id).aggregate(
        total=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in PushStatus.values},
    )


def push_status(push: TemplatePush | int, counts: dict[str, int] | None = None) -> str:
    """``running`` while any target is pending or running, then ``completed``, or
    ``completed_with_errors`` when some failed (conflicts are a success). ``counts`` from
    ``push_counts`` saves the query."""
    counts = counts if counts is not None else push_counts(push)
    if counts[PushStatus.PENDING] or counts[PushStatus.RUNNING]:
        return RUNNING
    return COMPLETED_WITH_ERRORS if counts[PushStatus.FAILED] else COMPLETED
