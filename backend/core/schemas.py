"""The schema the database connection is set to. django-tenants' wrapper adds ``schema_name``,
``set_schema`` and ``set_schema_to_public`` to ``django.db.connection``; django-stubs types it
as the plain ``BaseDatabaseWrapper``, so they are used here, typed, once."""

from __future__ import annotations

from django.db import connection


def current_schema() -> str:
    """The name of the schema the connection is set to (``public`` on the base host)."""
    name: str = connection.schema_name  # type: ignore[attr-defined]  # django-tenants
    return name


def set_schema(name: str) -> None:
    """Set the connection to the schema ``name`` (no tenant row is looked up)."""
    connection.set_schema(name)  # type: ignore[attr-defined]  # django-tenants


def set_public_schema() -> None:
    """Set the connection to the public schema."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants
