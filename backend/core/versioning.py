"""Optimistic versioning of what people edit as a form: a performance goal (with its
indicators), a monitoring entry (with its indicator lines) and a self-evaluation (with its
indicator scores).

Each of those rows has a ``version`` (1 when created). Every service that changes the row *or
one of its indicator rows* raises it by one, so the version a client read stands for the whole
form it showed. A service given an ``expected_version`` compares it with the row's version
**after locking the row** (``select_for_update``) in its transaction: of two writers that read
the same version, the second waits for the first's commit, then sees the new version and gets
``STALE`` — it cannot overwrite silently. Without ``expected_version`` a write goes through as
before (last writer wins).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from backend.core.errors import CoreErrorCode, DomainError, Problem


class Stale(DomainError):
    """The row changed since the caller read it. ``current`` is the row as locked (its
    current values); the GraphQL layer re-reads it after the rollback and returns it in the
    payload beside the error."""

    def __init__(self, current: models.Model, what: str) -> None:
        super().__init__(
            Problem(
                CoreErrorCode.STALE,
                # every versioned model has a version field; they share no base class
                f"{what}已被他人修改（当前版本为 {current.version}），"  # type: ignore[attr-defined]
                "请查看最新内容后再提交。",
                "version",
            )
        )
        self.current = current


def check_version(instance: Any, expected: int | None, what: str) -> None:
    """Raise ``Stale`` when ``expected`` is given and differs from ``instance.version``.
    ``instance`` must have been read under a row lock in the current transaction."""
    if expected is not None and expected != instance.version:
        raise Stale(instance, what)


def bump(instance: Any) -> None:
    """Raise the version of ``instance``'s row by one (in the database and on the instance;
    a later full ``save()`` of the instance writes the same number). Call with the row
    locked."""
    type(instance)._default_manager.filter(pk=instance.pk).update(version=models.F("version") + 1)
    instance.version += 1
