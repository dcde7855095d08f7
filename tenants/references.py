"""References from unit schemas to shared rows, kept by the code instead of the database.

A unit's tables refer to shared rows of the public schema (users, templates, template versions,
pushes, monitoring rounds) by id **without a foreign-key constraint** (``db_constraint=False``).
With a constraint PostgreSQL keeps two triggers per referencing table on the referenced table:
at 3,600 units ``accounts_user`` carried 86,524 triggers, every new unit rewrote its cache entry
in every backend, a login's ``last_login`` update went from 0.4 ms to 287 ms on a fresh
connection, and deleting a user ran out of lock space (``docs/scaling.md``).

What the constraints guaranteed is kept here and in the services:

- shared rows that units refer to are never deleted (``guard_shared_rows``: users are
  deactivated or anonymised, published template versions, pushes and rounds are kept);
- ``dangling_references`` finds every id in every unit that points at no shared row, with one
  query per table per batch of units (``manage.py check_references``, and weekly on the beat
  schedule).

Foreign keys between tables of the same unit schema keep their constraints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.models.signals import pre_delete

from backend.core.errors import DomainError
from tenants.errors import TenantErrorCode

BATCH = 200  # units per query: one UNION ALL over this many schemas


@dataclass(frozen=True)
class SharedReference:
    """A column of a unit table that holds the id of a shared (public) row."""

    table: str
    column: str
    target_table: str
    target_column: str
    label: str  # app_label.Model.field, for reports

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class Dangling:
    """An id in a unit's table that points at no shared row."""

    schema: str
    reference: SharedReference
    row_id: int
    value: int


def _tenant_labels() -> set[str]:
    return {app.rsplit(".", 1)[-1] for app in settings.TENANT_APPS} - {
        app.rsplit(".", 1)[-1] for app in settings.SHARED_APPS
    }


@cache
def shared_references() -> tuple[SharedReference, ...]:
    """Every concrete foreign key from a unit table to a public table (history tables
    included), read from the models, so a new one is covered the day it is added."""
    tenant = _tenant_labels()
    found = []
    for model in apps.get_models():
        if model._meta.app_label not in tenant or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            related = getattr(field, "related_model", None)
            if not field.is_relation or related is None:
                continue
            if related._meta.app_label in tenant:
                continue
            assert isinstance(field, models.ForeignKey)  # a concrete relation is a foreign key
            target = field.target_field
            assert field.column is not None and target.column is not None  # both are concrete
            found.append(
                SharedReference(
                    table=model._meta.db_table,
                    column=field.column,
                    target_table=related._meta.db_table,
                    target_column=target.column,
                    label=f"{model._meta.label}.{field.name}",
                )
            )
    return tuple(sorted(found, key=lambda ref: (ref.table, ref.column)))


def constrained_references() -> list[str]:
    """The shared references that still carry a database constraint (must stay empty)."""
    tenant = _tenant_labels()
    return [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        if model._meta.app_label in tenant
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is not None
        and field.related_model._meta.app_label not in tenant
        and getattr(field, "db_constraint", False)
    ]


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def dangling_references(schemas: Iterable[str], *, batch: int = BATCH) -> Iterator[Dangling]:
    """Every unit row whose shared id points at nothing, for the given unit schemas: one
    query per shared reference per batch of schemas."""
    names = list(schemas)
    qn = connection.ops.quote_name
    for reference in shared_references():
        for chunk in _batches(names, batch):
            column, target = qn(reference.column), qn(reference.target_column)
            parts = [
                f"SELECT %s, t.id, t.{column} FROM {qn(schema)}.{qn(reference.table)} t "
                f"WHERE t.{column} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                f"public.{qn(reference.target_table)} s WHERE s.{target} = t.{column})"
                for schema in chunk
            ]
            with connection.cursor() as cursor:
                cursor.execute(" UNION ALL ".join(parts), chunk)
                for schema, row_id, value in cursor.fetchall():
                    yield Dangling(schema, reference, row_id, value)


# --- Shared rows are never deleted -----------------------------------------------------------


_DISPOSING: ContextVar[bool] = ContextVar("disposing_of_units", default=False)


@contextmanager
def disposing_of_units() -> Iterator[None]:
    """Let shared rows go with the units that own them: only for throw-away data (a test's
    committed units, a benchmark's database), whose unit schemas are dropped in the same step.
    No service of the platform deletes a unit."""
    token = _DISPOSING.set(True)
    try:
        yield
    finally:
        _DISPOSING.reset(token)


def _refuse(message: str) -> DomainError:
    return DomainError.single(TenantErrorCode.SHARED_ROW_IN_USE, message)


def _guard_user(sender: Any, instance: Any, **kwargs: Any) -> None:
    raise _refuse(
        "用户不能删除（各单位的记录引用该用户）；请停用该用户，或在其离职后做匿名化处理。"
    )


def _guard_version(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.status != "draft":
        raise _refuse("已发布或已停用的模板版本不能删除（各单位正在使用）。")


def _guard_template(sender: Any, instance: Any, **kwargs: Any) -> None:
    if instance.versions.exclude(status="draft").exists():
        raise _refuse("已发布过版本的模板不能删除，请停用。")


def _guard_always(message: str) -> Any:
    def guard(sender: Any, instance: Any, **kwargs: Any) -> None:
        raise _refuse(message)

    return guard


_GUARDS: dict[str, Any] = {}


def guard_shared_rows() -> None:
    """Refuse, with a typed error, the deletion of a shared row units may refer to (called from
    ``TenantsConfig.ready``). A signal covers ``instance.delete()``, queryset deletes and the
    admin; raw SQL is the services' business (``discard_draft`` deletes only drafts)."""
    if _GUARDS:
        return
    _GUARDS.update(
        {
            settings.AUTH_USER_MODEL: _guard_user,
            "indicators.TemplateVersion": _guard_version,
            "indicators.Template": _guard_template,
            "indicators.TemplatePush": _guard_always(
                "模板推送记录不能删除（各单位据此采用模板）。"
            ),
            "oversight.MonitoringRound": _guard_always(
                "监控轮次不能删除（各单位的监控填报引用它）。"
            ),
        }
    )
    for label, receiver in _GUARDS.items():
        model: type[models.Model] = apps.get_model(label)
        pre_delete.connect(
            _unless_disposing(receiver), sender=model, dispatch_uid=f"shared-row-guard:{label}"
        )


def _unless_disposing(receiver: Any) -> Any:
    def guard(sender: Any, instance: Any, **kwargs: Any) -> None:
        if not _DISPOSING.get():
            receiver(sender, instance, **kwargs)

    return guard


def unit_schemas() -> list[str]:
    """Every unit schema (the public schema holds no unit tables)."""
    from tenants.models import Procuratorate

    return list(
        Procuratorate.objects.exclude(schema_name="public")
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
