"""Writes of a unit's indicator library. Every function runs in the CURRENT schema, which must
be the unit's (the request's tenant, ``schema_context``, or the push task's schema); the public
tables (templates, versions) are reached through the search path.

- ``adopt_version``: upsert a published template version into the library (three-way merge);
- ``add_local_indicator`` / ``update_indicator``: the unit's own changes;
- ``resolve_conflict``: the unit's answer to a merge conflict.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.transaction import TransactionManagementError
from django.utils import timezone

from backend.core import cleaning
from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError, Problem
from backend.core.schemas import current_schema
from backend.indicators import system
from backend.indicators.edit_policy import locked_problem, locked_refusal
from backend.indicators.models import (
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
    VersionStatus,
)
from backend.library.errors import LibraryErrorCode
from backend.library.merge import CONTENT_FIELDS, field_values, json_value, three_way
from backend.library.models import (
    AdoptedTemplate,
    ConflictStatus,
    LibraryIndicator,
    MergeConflict,
    Source,
)

# What a unit may change in a template indicator (everything else is the province's).
UNIT_EDITABLE_FIELDS = (
    "name",
    "unit",
    "target_value",
    "target_text",
    "weight",
    "direction",
    "polarity",
    "target_basis",
    "guidance",
    "scoring_method",
)
# What a unit may set on its own (local) indicators.
LOCAL_FIELDS = ("code", *CONTENT_FIELDS)
# Written by a merge besides the content fields.
_MERGE_UPDATE_FIELDS = [*CONTENT_FIELDS, "upstream", "version", "retired_at", "updated_at"]

_DJANGO_CODES: dict[str, BaseErrorCode] = {
    "blank": CoreErrorCode.REQUIRED,
    "null": CoreErrorCode.REQUIRED,
    "required": CoreErrorCode.REQUIRED,
    "invalid_choice": CoreErrorCode.INVALID_CHOICE,
    "max_length": CoreErrorCode.TOO_LONG,
}


@dataclass(frozen=True)
class AdoptionResult:
    """What one adoption did in the unit: indicators created, carried over with a change (or
    brought back from retirement), retired, and fields left in conflict."""

    created: int = 0
    updated: int = 0
    retired: int = 0
    conflicts: int = 0


# --- adoption -----------------------------------------------------------------------------------


@transaction.atomic
def adopt_version(version: TemplateVersion, *, push: TemplatePush | None = None) -> AdoptionResult:
    """Bring the unit's library to ``version`` of its template, in one transaction and a
    constant number of queries whatever the number of indicators: ``adopt_in_transaction``
    in a transaction of its own (a savepoint when one is open)."""
    return adopt_in_transaction(version, push=push)


def adopt_in_transaction(
    version: TemplateVersion, *, push: TemplatePush | None = None
) -> AdoptionResult:
    """``adopt_version`` for a caller that holds the transaction already and rolls all of it
    back on an error (a push target: ``indicators.services.push.run_target``), without a
    savepoint of its own — two round trips fewer per unit. Outside a transaction it refuses
    to run (``TransactionManagementError``).

    New upstream indicators are created; existing ones are merged (``merge.three_way``: base =
    the upstream values last adopted, local = the unit's values, upstream = this version) and
    remember this version's values as their next base; a field both sides changed keeps the
    unit's value and opens a ``MergeConflict`` (replacing an open one on the same field);
    indicators the version no longer has are retired, never deleted, and come back if a later
    version has them again. Local indicators are never touched.

    Idempotent: a unit already on ``version`` gets an all-zero result and nothing is written.
    A version older than the adopted one is refused (``OLDER_VERSION``)."""
    if not connection.in_atomic_block:
        raise TransactionManagementError("adopt_in_transaction needs an open transaction")
    if version.status == VersionStatus.DRAFT:
        raise DomainError.single(
            CoreErrorCode.VERSION_NOT_PUBLISHED, f"{version} 尚未发布，不能采用。", "version"
        )
    template_id = version.template_id
    # Upgrades of one template in this unit are serialised by locking its AdoptedTemplate row;
    # two first adoptions racing each other are stopped by the unique constraints (the loser
    # fails with an integrity error, and running it again is then a no-op or an upgrade).
    adopted = (
        AdoptedTemplate.objects.select_for_update(of=("self",))
        .select_related("version")
        .filter(template_id=template_id)
        .first()
    )
    if adopted is not None:
        if adopted.version_id == version.pk:
            return AdoptionResult()
        if adopted.version.number > version.number:
            raise DomainError.single(
                LibraryErrorCode.OLDER_VERSION,
                f"本院已采用 v{adopted.version.number}，不能退回到 v{version.number}。",
                "version",
            )

    upstream_rows = _version_rows(version)
    # The AdoptedTemplate row and the template's indicators are written together: without the
    # row, the unit has none of them (a stray one would hit library_template_code).
    existing: dict[str, LibraryIndicator] = {}
    open_conflicts: dict[tuple[int, str], MergeConflict] = {}
    if adopted is not None:
        existing = {
            indicator.code: indicator
            for indicator in LibraryIndicator.objects.filter(
                source=Source.TEMPLATE, template_id=template_id
            )
        }
        open_conflicts = {
            (conflict.indicator_id, conflict.field): conflict
            for conflict in MergeConflict.objects.filter(
                status=ConflictStatus.OPEN,
                indicator__source=Source.TEMPLATE,
                indicator__template_id=template_id,
            )
        }

    now = timezone.now()
    to_create: list[LibraryIndicator] = []
    to_update: list[LibraryIndicator] = []
    new_conflicts: list[MergeConflict] = []
    replaced: list[int] = []
    settled: list[int] = []
    updated = retired = 0
    for source in upstream_rows:
        theirs = source.json
        current = existing.pop(source.code, None)
        if current is None:
            to_create.append(
                LibraryIndicator(
                    source=Source.TEMPLATE,
                    template_id=template_id,
                    version=version,
                    code=source.code,
                    upstream=dict(theirs),
                    **source.values,
                )
            )
            continue
        mine = field_values(current)
        outcome = three_way(current.upstream or {}, mine, theirs)
        for name, value in outcome.values.items():
            if value != mine[name]:  # merged to upstream's value: take the typed one
                setattr(current, name, source.values[name])
        if outcome.values != mine or current.retired_at is not None:
            updated += 1
        current.upstream = dict(theirs)
        current.version = version
        current.retired_at = None
        current.updated_at = now
        to_update.append(current)
        conflicted: set[str] = set()
        for conflict in outcome.conflicts:
            conflicted.add(conflict.field)
            new_conflicts.append(
                MergeConflict(
                    indicator=current,
                    field=conflict.field,
                    base_value=conflict.base,
                    local_value=conflict.local,
                    upstream_value=conflict.upstream,
                    version=version,
                )
            )
        for name in CONTENT_FIELDS:
            old = open_conflicts.get((current.pk, name))
            if old is None:
                continue
            if name in conflicted:
                replaced.append(old.pk)
            elif outcome.values[name] == theirs[name]:
                settled.append(old.pk)  # the field now follows upstream: nothing to decide
    for leftover in existing.values():
        if leftover.retired_at is None:
            leftover.retired_at = now
            leftover.updated_at = now
            to_update.append(leftover)
            retired += 1

    if to_create:
        LibraryIndicator.objects.bulk_create(to_create)
    if to_update:
        LibraryIndicator.objects.bulk_update(to_update, _MERGE_UPDATE_FIELDS)
    if replaced:
        MergeConflict.objects.filter(pk__in=replaced).delete()
    if settled:
        MergeConflict.objects.filter(pk__in=settled).update(
            status=ConflictStatus.TOOK_UPSTREAM, resolved_at=now
        )
    if new_conflicts:
        MergeConflict.objects.bulk_create(new_conflicts)
    _record_adoption(version, push, now)
    return AdoptionResult(
        created=len(to_create), updated=updated, retired=retired, conflicts=len(new_conflicts)
    )


@dataclass(frozen=True)
class _UpstreamRow:
    code: str
    values: dict[str, Any]  # typed, as the model holds them
    json: dict[str, Any]  # merge.field_values


# A published version is frozen, so its rows can be kept per process: a worker applying one
# push to many units reads them once. Keyed by (id, published_at); a handful are kept.
_VERSION_ROWS: dict[tuple[int, Any], list[_UpstreamRow]] = {}
_VERSION_ROWS_MAX = 16


def _version_rows(version: TemplateVersion) -> list[_UpstreamRow]:
    key = (version.pk, version.published_at)
    rows = _VERSION_ROWS.get(key) if version.status != VersionStatus.DRAFT else None
    if rows is None:
        rows = [
            _UpstreamRow(
                code=source.code,
                values={name: getattr(source, name) for name in CONTENT_FIELDS},
                json=field_values(source),
            )
            for source in TemplateIndicator.objects.filter(version=version)
        ]
        if version.status != VersionStatus.DRAFT:
            while len(_VERSION_ROWS) >= _VERSION_ROWS_MAX:
                _VERSION_ROWS.pop(next(iter(_VERSION_ROWS)), None)
            _VERSION_ROWS[key] = rows
    return rows


def _record_adoption(version: TemplateVersion, push: TemplatePush | None, now: Any) -> None:
    """Upsert the unit's AdoptedTemplate row (one statement)."""
    AdoptedTemplate.objects.bulk_create(
        [
            AdoptedTemplate(
                template_id=version.template_id, version=version, push=push, adopted_at=now
            )
        ],
        update_conflicts=True,
        unique_fields=["template"],
        update_fields=["version", "push", "adopted_at"],
    )


# --- the unit's own changes ---------------------------------------------------------------------


def _problem_from(field: models.Field, error: ValidationError) -> Problem:
    code = _DJANGO_CODES.get(error.error_list[0].code or "", CoreErrorCode.INVALID)
    messages = "；".join(error.messages)
    return Problem(code, f"{field.verbose_name}：{messages}", field.name)


def _clean(
    data: Mapping[str, Any], allowed: Iterable[str], instance: LibraryIndicator
) -> tuple[dict[str, Any], list[Problem]]:
    """Field-level validation against the model's own definition (required, choices, lengths,
    digits, bounds) plus the standard level-1 / level-2 names. Returns the typed values."""
    allowed = set(allowed)
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []
    for name, raw in data.items():
        if name not in allowed:
            problems.append(Problem(CoreErrorCode.UNKNOWN_FIELD, f"不能设置字段“{name}”。", name))
            continue
        field = cleaning.column(LibraryIndicator, name)
        value = raw.strip() if isinstance(raw, str) else raw
        if value is None and isinstance(field, models.CharField | models.TextField):
            value = ""
        try:
            cleaned[name] = field.clean(value, instance)
        except ValidationError as error:
            problems.append(_problem_from(field, error))
    if "level2" in cleaned:
        cleaned["level2"] = system.LEVEL2_ALIASES.get(cleaned["level2"], cleaned["level2"])
    if "level1" in cleaned or "level2" in cleaned:
        level1 = cleaned.get("level1", instance.level1)
        level2 = cleaned.get("level2", instance.level2)
        if level1 not in system.LEVELS:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"一级指标“{level1}”无效，应为 {'、'.join(system.LEVELS)} 之一。",
                    "level1",
                )
            )
        elif level2 not in system.LEVELS[level1]:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"二级指标“{level2}”不属于{level1}，应为"
                    f" {'、'.join(system.LEVELS[level1])} 之一。",
                    "level2",
                )
            )
    return cleaned, problems


def _differs(field: models.Field, value: Any, current: Any) -> bool:
    """Whether ``value`` (as given) is another value than ``current`` (JSON form)."""
    try:
        typed = field.to_python(value.strip() if isinstance(value, str) else value)
    except ValidationError:
        return True
    return json_value(typed) != current


def _local_code_taken(code: str, *, exclude: int | None = None) -> bool:
    qs = LibraryIndicator.objects.filter(source=Source.LOCAL, code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    return qs.exists()


@transaction.atomic
def add_local_indicator(data: Mapping[str, Any]) -> LibraryIndicator:
    """Add an indicator of the unit's own (``source=local``): no template, never touched by a
    push. ``data`` holds ``code`` and content fields; every problem is reported together."""
    indicator = LibraryIndicator(source=Source.LOCAL)
    cleaned, problems = _clean(data, LOCAL_FIELDS, indicator)
    for name in LOCAL_FIELDS:
        field = cleaning.column(LibraryIndicator, name)
        if name not in data and not field.blank and not field.has_default():
            problems.append(
                Problem(CoreErrorCode.REQUIRED, f"{field.verbose_name}：不能为空。", name)
            )
    code = cleaned.get("code")
    if code and _local_code_taken(code):
        problems.append(
            Problem(CoreErrorCode.CODE_TAKEN, f"指标编码“{code}”已被本院指标使用。", "code")
        )
    if problems:
        raise DomainError(*problems)
    for name, value in cleaned.items():
        setattr(indicator, name, value)
    indicator.save()
    return indicator


@transaction.atomic
def update_indicator(
    indicator: LibraryIndicator, data: Mapping[str, Any], *, user: Any
) -> LibraryIndicator:
    """Change the unit's copy of an indicator. On a template indicator the unit may change
    only ``UNIT_EDITABLE_FIELDS`` (``NOT_EDITABLE`` otherwise), and not the target or weight
    of a locked one (``LOCKED``); a local indicator is the unit's entirely. A retired indicator
    cannot be changed. A value equal to the current one is not a change. ``user`` is the
    author (history is not kept yet: see the report)."""
    indicator = LibraryIndicator.objects.select_for_update().get(pk=indicator.pk)
    if indicator.retired_at is not None:
        raise DomainError.single(CoreErrorCode.RETIRED, f"指标“{indicator.name}”已停用，不能修改。")
    current = field_values(indicator, LOCAL_FIELDS)
    problems: list[Problem] = []
    changes: dict[str, Any] = {}
    allowed = UNIT_EDITABLE_FIELDS if indicator.source == Source.TEMPLATE else LOCAL_FIELDS
    requested = {}
    for name, value in data.items():
        if name in LOCAL_FIELDS and name not in allowed:
            field = cleaning.column(LibraryIndicator, name)
            if _differs(field, value, current[name]):
                problems.append(
                    Problem(
                        CoreErrorCode.NOT_EDITABLE,
                        f"{field.verbose_name}由省院模板确定，本院不能修改。",
                        name,
                    )
                )
            continue
        requested[name] = value
    cleaned, field_problems = _clean(requested, allowed, indicator)
    problems += field_problems
    for name, value in cleaned.items():
        if json_value(value) == current[name]:
            continue
        if locked_refusal(indicator.locked, name) is not None:
            label = str(cleaning.column(LibraryIndicator, name).verbose_name)
            problems.append(locked_problem(label=label, field=name))
            continue
        changes[name] = value
    code = changes.get("code")
    if code and _local_code_taken(code, exclude=indicator.pk):
        problems.append(
            Problem(CoreErrorCode.CODE_TAKEN, f"指标编码“{code}”已被本院指标使用。", "code")
        )
    if problems:
        raise DomainError(*problems)
    if changes:
        for name, value in changes.items():
            setattr(indicator, name, value)
        indicator.save(update_fields=[*changes, "updated_at"])
    return indicator


@transaction.atomic
def resolve_conflict(conflict: MergeConflict, *, choice: str, user: Any) -> MergeConflict:
    """Settle an open merge conflict: ``"upstream"`` sets the field to the province's value,
    ``"local"`` keeps the unit's. Refused once settled (``CONFLICT_CLOSED``)."""
    if choice not in ("upstream", "local"):
        raise DomainError.single(
            CoreErrorCode.INVALID_CHOICE,
            "请选择采用省院值（upstream）或保留本院值（local）。",
            "choice",
        )
    conflict = MergeConflict.objects.select_for_update().get(pk=conflict.pk)
    if conflict.status != ConflictStatus.OPEN:
        raise DomainError.single(LibraryErrorCode.CONFLICT_CLOSED, "该冲突已处理。")
    now = timezone.now()
    if choice == "upstream":
        indicator = LibraryIndicator.objects.select_for_update().get(pk=conflict.indicator_id)
        field = cleaning.column(LibraryIndicator, conflict.field)
        setattr(indicator, conflict.field, field.to_python(conflict.upstream_value))
        indicator.save(update_fields=[conflict.field, "updated_at"])
        conflict.status = ConflictStatus.TOOK_UPSTREAM
    else:
        conflict.status = ConflictStatus.KEPT_LOCAL
    conflict.resolved_at = now
    conflict.resolved_by = user
    conflict.save(update_fields=["status", "resolved_at", "resolved_by"])
    _recount_push_conflicts(conflict.indicator_id)
    return conflict


def _recount_push_conflicts(indicator_id: int) -> None:
    """Keep the public record current: the target of the push that last brought the template
    to this unit counts the template's conflicts still open here (the console's conflict inbox
    reads it instead of every unit's schema). Same transaction as the resolution."""
    from backend.indicators.models import PushTarget

    template_id = (
        LibraryIndicator.objects.filter(pk=indicator_id)
        .values_list("template_id", flat=True)
        .first()
    )
    if template_id is None:  # a local indicator: no template, so no push to count for
        return
    adopted = AdoptedTemplate.objects.filter(template_id=template_id).first()
    if adopted is None or adopted.push_id is None:
        return
    still_open = MergeConflict.objects.filter(
        status=ConflictStatus.OPEN, indicator__template_id=template_id
    ).count()
    PushTarget.objects.filter(
        push_id=adopted.push_id,
        unit__schema_name=current_schema(),
    ).update(conflicts=still_open)
