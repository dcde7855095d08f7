"""Files land under the unit's own prefix, on S3 (a moto server spoken to over HTTP through
boto3) and on the local disk."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import boto3
import pytest
from django.core.files.base import ContentFile
from django_tenants.utils import schema_context
from moto.server import ThreadedMotoServer

from backend.storage import TenantS3Storage

pytestmark = pytest.mark.django_db
BUCKET = "jixiao-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3(s3_endpoint: str) -> tuple[TenantS3Storage, object]:
    options = {
        "endpoint_url": s3_endpoint,
        "region_name": "us-east-1",
        "access_key": "test",
        "secret_key": "test",
    }
    storage = TenantS3Storage(bucket_name=BUCKET, location="files", **options)
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return storage, client


def test_s3_keys_carry_the_unit_prefix(s3, unit) -> None:
    storage, client = s3
    with schema_context(unit("lengshuijiang").schema_name):
        name = storage.save("evidence/report.txt", ContentFile("冷水江 自评报告".encode()))
        assert storage.exists(name)
    keys = [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert f"files/lengshuijiang/{name}" in keys
    body = client.get_object(Bucket=BUCKET, Key=f"files/lengshuijiang/{name}")["Body"].read()
    assert body.decode() == "冷水江 自评报告"
    with schema_context(unit("lianyuan").schema_name):
        assert not storage.exists(name)  # another unit's storage cannot name it
        assert storage.listdir("evidence") == ([], [])


def test_presigned_urls_name_the_public_endpoint_and_download(s3_endpoint: str, unit) -> None:
    """The application reaches the server as 127.0.0.1 (``minio:9000`` in Compose), browsers as
    localhost: uploads go to the first, presigned URLs are signed for the second."""
    import urllib.request
    from urllib.parse import urlsplit

    port = urlsplit(s3_endpoint).port
    public = f"http://localhost:{port}"
    storage = TenantS3Storage(
        bucket_name=BUCKET,
        location="files",
        endpoint_url=s3_endpoint,
        public_endpoint_url=public,
        region_name="us-east-1",
        access_key="test",
        secret_key="test",
    )
    with schema_context(unit("lengshuijiang").schema_name):
        name = storage.save("evidence/public.txt", ContentFile("公开地址".encode()))
        url = storage.url(name, expire=60, parameters={"ResponseContentDisposition": "attachment"})
    parts = urlsplit(url)
    assert parts.netloc == f"localhost:{port}"
    assert parts.path == f"/{BUCKET}/files/lengshuijiang/{name}"
    assert "Signature" in parts.query and "Expires=" in parts.query
    assert storage.connection.meta.client.meta.endpoint_url == s3_endpoint  # uploads: internal
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.read().decode() == "公开地址"
        assert response.headers["Content-Disposition"] == "attachment"
    # Without the setting the URL names the internal endpoint, as before.
    internal = TenantS3Storage(
        bucket_name=BUCKET,
        location="files",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        access_key="test",
        secret_key="test",
    )
    with schema_context(unit("lengshuijiang").schema_name):
        assert internal.url(name).startswith(f"{s3_endpoint}/{BUCKET}/files/lengshuijiang/")


def test_the_public_endpoint_comes_from_the_setting(settings) -> None:
    settings.AWS_S3_PUBLIC_ENDPOINT_URL = "https://files.example.org"
    storage = TenantS3Storage(bucket_name=BUCKET, endpoint_url="http://minio:9000")
    assert storage.public_endpoint_url == "https://files.example.org"
    assert storage.endpoint_url == "http://minio:9000"


def test_documents_go_through_the_default_storage_per_unit(settings, tmp_path, unit) -> None:
    from backend.documents.models import Document
    from backend.documents.services import store_document

    settings.MEDIA_ROOT = str(tmp_path)
    with schema_context(unit("lengshuijiang").schema_name):
        document = store_document(
            title="../../etc/passwd",
            content=ContentFile(b"%PDF-1.4\n" + b"x" * 10, name="../../a.pdf"),
            uploaded_by=None,
        )
        assert Document.objects.count() == 1
        path = document.file.path
    assert path.startswith(str(tmp_path / "lengshuijiang" / "documents"))
    assert path.endswith(".pdf") and ".." not in path
    with schema_context(unit("lianyuan").schema_name):
        assert Document.objects.count() == 0
