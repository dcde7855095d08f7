"""Pushing a published template version down to units.

A push names its targets (``TargetSpec``), records one ``PushTarget`` per unit and fans out one
Celery task per unit (``backend.indicators.tasks.apply_push_target``), each carrying the unit's
schema explicitly (tenant-schemas-celery's ``_schema_name`` header) so that it runs there. The
task body, ``run_target``, adopts the version into the unit's library in one transaction
(``backend.library.services.adopt_version``) and records the outcome on the target.

Pushes are idempotent and resumable: a target that succeeded (or succeeded with conflicts) is
never run again, adopting a version twice writes nothing, and ``dispatch`` / ``rerun_push``
queue every target not done yet, including those a killed worker left ``running``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import schema_context

from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.core.queue import task_named
from backend.core.schemas import current_schema, set_public_schema
from backend.indicators.errors import IndicatorErrorCode
from backend.indicators.models import (
    PushStatus,
    PushTarget,
    TemplatePush,
    TemplateVersion,
    VersionStatus,
)
from tenants.models import PATH_SEPARATOR, Procuratorate, UnitLevel

logger = logging.getLogger(__name__)

KINDS = ("all", "level", "subtree", "codes")
DONE = (PushStatus.SUCCEEDED, PushStatus.CONFLICTED)
# Errors worth another attempt by the task's autoretry (the connection, not the data).
TRANSIENT_ERRORS = (OperationalError, InterfaceError)
ERROR_MAX_CHARS = 2000


@dataclass(frozen=True)
class TargetSpec:
    """Which units a push goes to.

    - ``all``: every active unit;
    - ``level``: every active unit of ``level``;
    - ``subtree``: every active unit below the unit ``under`` (itself too with
      ``include_root``), optionally only those of ``level``;
    - ``codes``: the active units among ``codes`` (an unknown code is an error).
    """

    kind: str
    level: str | None = None
    under: str | None = None
    codes: tuple[str, ...] = field(default_factory=tuple)
    include_root: bool = False

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"kind": self.kind}
        if self.level:
            data["level"] = self.level
        if self.under:
            data["under"] = self.under
            data["include_root"] = self.include_root
        if self.codes:
            data["codes"] = list(self.codes)
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TargetSpec:
        return cls(
            kind=data.get("kind", ""),
            level=data.get("level"),
            under=data.get("under"),
            codes=tuple(data.get("codes") or ()),
            include_root=bool(data.get("include_root")),
        )


def _spec_problems(spec: TargetSpec) -> list[Problem]:
    problems: list[Problem] = []
    if spec.kind not in KINDS:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_TARGETS,
                f"推送范围“{spec.kind}”无效，应为 {', '.join(KINDS)}。",
                "kind",
            )
        )
    if spec.kind == "level" and not spec.level:
        problems.append(Problem(CoreErrorCode.REQUIRED, "请指定层级。", "level"))
    if spec.level and spec.level not in UnitLevel.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                f"层级“{spec.level}”无效，应为 {', '.join(UnitLevel.values)} 之一。",
                "level",
            )
        )
    if spec.kind == "subtree" and not spec.under:
        problems.append(Problem(CoreErrorCode.REQUIRED, "请指定上级院。", "under"))
    if spec.kind == "codes" and not _codes(spec):
        problems.append(Problem(CoreErrorCode.REQUIRED, "请列出推送的单位。", "codes"))
    return problems


def _codes(spec: TargetSpec) -> list[str]:
    return list(dict.fromkeys(code.strip() for code in spec.codes if code and code.strip()))


def resolve_targets(spec: TargetSpec) -> list[Procuratorate]:
    """The active units ``spec`` names, in hierarchy order, in one query. Unknown codes
    (``UNKNOWN_UNITS``, listed) and an empty result (``NO_TARGETS``) are errors."""
    problems = _spec_problems(spec)
    if problems:
        raise DomainError(*problems)
    qs = Procuratorate.objects.order_by("path")
    if spec.kind == "all":
        units = list(qs.filter(active=True))
    elif spec.kind == "level":
        units = list(qs.filter(active=True, level=spec.level))
    elif spec.kind == "subtree":
        # Codes are unique and whole path segments, so "/<code>/" anywhere in a path is that
        # unit or one below it: the root comes back too, which tells whether it exists.
        found = list(qs.filter(path__contains=f"{PATH_SEPARATOR}{spec.under}{PATH_SEPARATOR}"))
        if not any(unit.code == spec.under for unit in found):
            raise DomainError.single(
                CoreErrorCode.UNKNOWN_UNITS, f"单位不存在：{spec.under}。", "under"
            )
        units = [
            unit
            for unit in found
            if unit.active
            and (spec.include_root or unit.code != spec.under)
            and (not spec.level or unit.level == spec.level)
        ]
    else:
        codes = _codes(spec)
        found = list(qs.filter(code__in=codes))
        unknown = sorted(set(codes) - {unit.code for unit in found})
        if unknown:
            raise DomainError.single(
                CoreErrorCode.UNKNOWN_UNITS, f"单位不存在：{'、'.join(unknown)}。", "codes"
            )
        units = [unit for unit in found if unit.active]
    if not units:
        raise DomainError.single(
            IndicatorErrorCode.NO_TARGETS, "推送范围内没有启用的单位。", "targets"
        )
    return units


@transaction.atomic
def push_version(
    version: TemplateVersion, spec: TargetSpec, *, user: Any, dispatch: bool = True
) -> TemplatePush:
    """Record a push of a published ``version`` to the units of ``spec`` (one ``PushTarget``
    each) and, with ``dispatch``, queue one task per unit once the transaction commits."""
    problems: list[Problem] = []
    if version.status != VersionStatus.PUBLISHED:
        problems.append(
            Problem(
                CoreErrorCode.VERSION_NOT_PUBLISHED,
                f"{version} 不是已发布版本，不能推送。",
                "version",
            )
        )
    units: list[Procuratorate] = []
    try:
        units = resolve_targets(spec)
    except DomainError as error:
        problems += error.problems
    if problems:
        raise DomainError(*problems)
    push = TemplatePush.objects.create(
        version=version,
        targets=spec.as_json(),
        created_by=user if getattr(user, "pk", None) else None,
    )
    PushTarget.objects.bulk_create([PushTarget(push=push, unit=unit) for unit in units])
    if dispatch:
        # robust: the push is recorded either way; if the broker cannot be reached, the error
        # is logged and rerun_push() queues the targets later.
        transaction.on_commit(lambda: _dispatch(push), robust=True)
    return push


@transaction.atomic
def dispatch(push: TemplatePush, *, only: Iterable[int] | None = None) -> int:
    """Queue every target of ``push`` not done yet (pending, running — a worker may have died
    with it — and failed, which go back to pending), or only those of ``only`` (target ids).
    The messages leave once the transaction commits. Returns how many were queued."""
    return _dispatch(push, only=only)


def _dispatch(push: TemplatePush, *, only: Iterable[int] | None = None) -> int:
    qs = PushTarget.objects.filter(push=push).exclude(status__in=DONE)
    if only is not None:
        qs = qs.filter(pk__in=list(only))
    rows = list(qs.values_list("pk", "unit__schema_name", "status"))
    failed = [pk for pk, _, status in rows if status == PushStatus.FAILED]
    if failed:
        PushTarget.objects.filter(pk__in=failed, status=PushStatus.FAILED).update(
            status=PushStatus.PENDING
        )
    messages = [(pk, schema) for pk, schema, _ in rows]
    if messages:
        transaction.on_commit(lambda: _send(messages))
    return len(messages)


def _send(messages: list[tuple[int, str]]) -> None:
    # By name, not by import: backend.indicators.tasks calls this module (backend/core/queue.py).
    apply_push_target = task_named("indicators.apply_push_target")
    for target_id, schema_name in messages:
        # The schema goes explicitly: the connection's schema when this runs (on commit,
        # perhaps in another context) is not the unit's (design.md §7, "Celery").
        apply_push_target.apply_async(args=[target_id], headers={"_schema_name": schema_name})


@transaction.atomic
def retry_target(target: PushTarget) -> PushTarget:
    """Put a failed target back to pending and queue it (``NOT_FAILED`` otherwise)."""
    target = PushTarget.objects.select_for_update().get(pk=target.pk)
    if target.status != PushStatus.FAILED:
        raise DomainError.single(
            IndicatorErrorCode.NOT_FAILED,
            f"只能重试失败的推送对象（当前状态：{target.get_status_display()}）。",
        )
    target.status = PushStatus.PENDING
    target.save(update_fields=["status"])
    _dispatch(target.push, only=[target.pk])
    return target


def rerun_push(push: TemplatePush) -> int:
    """Queue every target of ``push`` that is not done (resume after a crash or failures)."""
    return dispatch(push)


def run_target(target_id: int) -> PushTarget:
    """Adopt the push's version into one unit: the body of the push task. The connection
    must be on the unit's schema (search path: unit, public); a mismatch is refused.

    A ``running`` mark is committed first for progress display. Then one transaction locks
    the target, adopts the version and records the result (``succeeded``, or ``conflicted``
    when fields were left in conflict), so the unit's library and its target change together.
    If the adoption fails, that transaction rolls back — nothing is half-written in the unit —
    and the target is marked ``failed`` with the error in a small transaction of its own;
    connection errors are re-raised afterwards for the task to retry. A target already done
    is left alone."""
    from backend.library import services as library_services

    started = time.perf_counter()
    PushTarget.objects.filter(
        pk=target_id, status__in=[PushStatus.PENDING, PushStatus.RUNNING, PushStatus.FAILED]
    ).update(status=PushStatus.RUNNING, started_at=timezone.now())
    try:
        with transaction.atomic():
            target = (
                PushTarget.objects.select_for_update(of=("self",))
                .select_related("push__version", "unit")
                .get(pk=target_id)
            )
            if target.status in DONE:
                return target
            if current_schema() != target.unit.schema_name:
                raise DomainError.single(
                    IndicatorErrorCode.WRONG_SCHEMA,
                    f"推送任务在模式“{current_schema()}”中运行，应为“{target.unit.schema_name}”。",
                )
            # In this transaction, without a savepoint: an error rolls all of it back anyway.
            result = library_services.adopt_in_transaction(target.push.version, push=target.push)
            target.attempts += 1
            target.status = PushStatus.CONFLICTED if result.conflicts else PushStatus.SUCCEEDED
            target.error = ""
            target.created = result.created
            target.updated = result.updated
            target.retired = result.retired
            target.conflicts = result.conflicts
            target.finished_at = timezone.now()
            target.duration_ms = _elapsed_ms(started)
            target.save(
                update_fields=[
                    "attempts",
                    "status",
                    "error",
                    "created",
                    "updated",
                    "retired",
                    "conflicts",
                    "finished_at",
                    "duration_ms",
                ]
            )
            return target
    except PushTarget.DoesNotExist:
        raise
    except Exception as exc:
        _mark_failed(target_id, exc, started)
        if isinstance(exc, TRANSIENT_ERRORS):
            raise
        return PushTarget.objects.get(pk=target_id)


def run_inline(
    push: TemplatePush, *, progress: Callable[[PushTarget], None] | None = None
) -> list[PushTarget]:
    """Apply every target of ``push`` that is not done in this process, one unit after the
    other, each on its own schema: the same ``run_target`` a worker runs, for the shell
    (``push_template --inline``), the demo and tests. A failure is recorded on its target and
    the others go on."""
    targets = list(
        PushTarget.objects.filter(push=push)
        .exclude(status__in=DONE)
        .select_related("unit")
        .order_by("unit__path")
    )
    results = []
    try:
        for target in targets:
            with schema_context(target.unit.schema_name):
                try:
                    results.append(run_target(target.pk))
                except TRANSIENT_ERRORS:
                    results.append(PushTarget.objects.get(pk=target.pk))
            if progress:
                progress(results[-1])
    finally:
        set_public_schema()
    return results


def _elapsed_ms(started: float) -> int:
    return max(0, round((time.perf_counter() - started) * 1000))


def _mark_failed(target_id: int, exc: BaseException, started: float) -> None:
    text = str(exc) if isinstance(exc, DomainError) else f"{type(exc).__name__}: {exc}"
    try:
        with transaction.atomic():
            PushTarget.objects.filter(pk=target_id).exclude(status__in=DONE).update(
                status=PushStatus.FAILED,
                error=text[:ERROR_MAX_CHARS],
                attempts=F("attempts") + 1,
                finished_at=timezone.now(),
                duration_ms=_elapsed_ms(started),
            )
    except Exception:  # the connection itself may be gone: the original error matters more
        logger.exception("could not mark push target %s as failed", target_id)
    logger.warning("push target %s failed: %s", target_id, text)
