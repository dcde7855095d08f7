"""Relay global IDs in mutation inputs."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model
from graphql_relay import from_global_id

from backend.core.errors import CoreErrorCode, DomainError
from graphql_schema.core.errors import ApiErrorCode


def decode_id(global_id: str, expected_type: str, field: str = "id") -> int:
    """The primary key inside ``global_id`` if it names an ``expected_type``; a typed error
    otherwise (never a 500 on a malformed id)."""
    try:
        type_name, raw = from_global_id(global_id)
        pk = int(raw)
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise DomainError.single(ApiErrorCode.INVALID_ID, f"无效的 ID：{global_id}", field) from exc
    if type_name != expected_type:
        raise DomainError.single(
            ApiErrorCode.INVALID_ID,
            f"ID 类型应为 {expected_type}，收到 {type_name or '未知'}。",
            field,
        )
    return pk


M = TypeVar("M", bound=Model)


def get_for_update(model: type[M], global_id: str, type_name: str, field: str = "id") -> M:
    """The row a global ID names, locked for the rest of the mutation's transaction; a typed
    ``NOT_FOUND`` (naming ``field``) when there is none."""
    obj = (
        model._default_manager.select_for_update()
        .filter(pk=decode_id(global_id, type_name, field))
        .first()
    )
    if obj is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "对象不存在。", field)
    return obj
