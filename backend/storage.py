"""File storage with one prefix per tenant.

Every file a unit stores lands under its schema name (``<schema>/<name>``), on S3 or on the
local disk, so one unit's keys can never name another's: the prefix comes from the active
connection, never from user input.
"""

from __future__ import annotations

import threading
from typing import Any

import botocore
from botocore.config import Config
from django.core.files.storage import FileSystemStorage
from django_tenants.files.storage import TenantFileSystemStorage as _TenantFileSystemStorage
from storages.backends.s3 import S3Storage
from storages.utils import clean_name, setting

from backend.core.schemas import current_schema


def tenant_prefix() -> str:
    return current_schema()


class TenantFileSystemStorage(_TenantFileSystemStorage):
    """django-tenants' storage: MEDIA_ROOT/<schema>/..."""

    def _clear_cached_properties(self, setting: str, **kwargs: Any) -> None:
        # django-tenants 4.0 hands Django's handler the settings module instead of the setting's
        # name and forgets its own paths when MEDIA_ROOT changes, so a storage built before an
        # override of MEDIA_ROOT (tests) kept writing to the old folder.
        FileSystemStorage._clear_cached_properties(
            self,
            setting,  # type: ignore[arg-type]  # the stubs name only the settings Django acts on
            **kwargs,
        )
        if setting in {"MEDIA_ROOT", "MEDIA_URL", "MULTITENANT_RELATIVE_MEDIA_ROOT"}:
            self.__dict__.pop("relative_media_root", None)
            self.__dict__.pop("relative_media_url", None)


class TenantS3Storage(S3Storage):
    """S3 (or any S3-compatible server) under ``<AWS_S3_LOCATION>/<schema>/``.

    ``public_endpoint_url`` (``AWS_S3_PUBLIC_ENDPOINT_URL``): where browsers reach the same
    server when the application reaches it on an internal name (``http://minio:9000`` inside
    Compose). Uploads, reads and deletes keep ``endpoint_url``; presigned download URLs are
    signed by a client of the public endpoint, so their host — which SigV4 signs — is the one
    the browser calls."""

    _base_location = ""

    def get_default_settings(self) -> dict[str, Any]:
        return {
            **super().get_default_settings(),
            "public_endpoint_url": setting("AWS_S3_PUBLIC_ENDPOINT_URL", None),
        }

    @property
    def public_client(self) -> Any:
        """A boto3 client of the public endpoint (one per thread, like the connection);
        it only signs URLs, it never calls the server."""
        local = self.__dict__.setdefault("_public_clients", threading.local())
        client = getattr(local, "client", None)
        if client is None:
            config = self.client_config
            if not self.querystring_auth:
                config = config.merge(Config(signature_version=botocore.UNSIGNED))
            client = self._create_session().client(
                "s3",
                region_name=self.region_name,
                use_ssl=self.use_ssl,
                endpoint_url=self.public_endpoint_url,
                config=config,
                verify=self.verify,
            )
            local.client = client
        return client

    def url(
        self,
        name: str,
        parameters: dict[str, Any] | None = None,
        expire: int | None = None,
        http_method: str | None = None,
    ) -> str:
        if not self.public_endpoint_url or self.custom_domain:
            return super().url(name, parameters, expire, http_method)
        params = {
            **(parameters or {}),
            "Bucket": self.bucket_name,
            "Key": self._normalize_name(clean_name(name)),
        }
        return self.public_client.generate_presigned_url(
            "get_object",
            Params=params,
            ExpiresIn=self.querystring_expire if expire is None else expire,
            HttpMethod=http_method,
        )

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_public_clients", None)
        return state

    @property
    def location(self) -> str:
        return "/".join(part for part in (self._base_location.strip("/"), tenant_prefix()) if part)

    @location.setter
    def location(self, value: str) -> None:
        self._base_location = value
