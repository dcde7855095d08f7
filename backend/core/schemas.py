"""The schema the database connection is set to. django-tenants' wrapper adds ``schema_name``
and ``set_schema_to_public`` to ``django.db.connection``; django-stubs types it as the plain
``BaseDatabaseWrapper``, so they are read here, typed, once."""

from __future__ import annotations

from django.db import connection


def current_schema() -> str:
    """The name of the schema the connection is set to (``public`` on the base host)."""
    name: str = connection.schema_name  # type: ignore[attr-defined]  # django-tenants
    return name


def set_public_schema() -> None:
    """Set the connection to the public schema."""
    connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants
