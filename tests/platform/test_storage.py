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
