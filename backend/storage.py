"""File storage with one prefix per tenant.

Every file a unit stores lands under its schema name (``<schema>/<name>``), on S3 or on the
local disk, so one unit's keys can never name another's: the prefix comes from the active
connection, never from user input.
"""

from __future__ import annotations

from django.db import connection
from django_tenants.files.storage import TenantFileSystemStorage as _TenantFileSystemStorage
from storages.backends.s3 import S3Storage


def tenant_prefix() -> str:
    return connection.schema_name


class TenantFileSystemStorage(_TenantFileSystemStorage):
    """django-tenants' storage: MEDIA_ROOT/<schema>/..."""


class TenantS3Storage(S3Storage):
    """S3 (or any S3-compatible server) under ``<AWS_S3_LOCATION>/<schema>/``."""

    _base_location = ""

    @property
    def location(self) -> str:  # type: ignore[override]
        return "/".join(part for part in (self._base_location.strip("/"), tenant_prefix()) if part)

    @location.setter
    def location(self, value: str) -> None:
        self._base_location = value
