"""Generating reports over GraphQL on a unit's host, storing them (file system and S3) and
downloading them by URL, with the unit's isolation."""

from __future__ import annotations

import io
import socket
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django_tenants.utils import schema_context
from graphql_relay import to_global_id
from moto.server import ThreadedMotoServer
from pypdf import PdfReader

from backend.accounts.models import Role, User
from backend.documents.models import Document
from backend.evaluation.models import SelfEvaluation
from backend.reports import services
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient, error_codes
from tests.reports.factories import make_department, make_evaluation

pytestmark = pytest.mark.django_db
LSJ = "lengshuijiang.localhost"
LIANYUAN = "lianyuan.localhost"
BUCKET = "jixiao-reports-test"

GENERATE = """
mutation($id: ID!) {
  generateSelfEvaluationReport(evaluationId: $id) {
    document { id title fileName contentType size createdAt url }
    errors { field code message }
  }
}
"""
GENERATE_DEPARTMENT = """
mutation($year: Int!) {
  generateDepartmentReport(fiscalYear: $year) {
    document { id title fileName url }
    errors { field code message }
  }
}
"""


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join((page.extract_text() or "").split()) for page in reader.pages)


def download(
    path: str, *, host: str = LSJ, token: str | None = None, client: Client | None = None
) -> HttpResponse:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = (client or Client()).get(path, HTTP_HOST=host, headers=headers)
    connection.set_schema_to_public()
    return response


def body(response: Any) -> bytes:
    """The streamed file (the test client closes the response once it is consumed)."""
    return b"".join(response.streaming_content)


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path)
    # django-tenants' storage caches MEDIA_ROOT + the tenant part and clears it only when
    # MULTITENANT_RELATIVE_MEDIA_ROOT changes: "change" it so the new root is read.
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path


@pytest.fixture
def evaluation(lsj: Procuratorate) -> SelfEvaluation:
    return make_evaluation(name="办案业务经费", code="ba-2026")


def test_a_unit_generates_and_downloads_its_report(
    media: Any,
    evaluation: SelfEvaluation,
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    result = gql(
        GENERATE,
        host=LSJ,
        token=token,
        variables={"id": to_global_id("SelfEvaluation", evaluation.pk)},
    )
    payload = result["data"]["generateSelfEvaluationReport"]
    assert payload["errors"] == []
    document = payload["document"]
    assert document["title"] == "2026年度项目支出绩效自评报告-办案业务经费.pdf"
    assert document["fileName"] == document["title"]
    assert document["contentType"] == "application/pdf"
    assert document["size"] > 10_000
    assert document["url"].startswith(f"http://{LSJ}/documents/")
    with schema_context("lengshuijiang"):
        stored = Document.objects.get()
        assert to_global_id("Document", stored.pk) == document["id"]
        assert stored.file.name.startswith("documents/") and stored.file.name.endswith(".pdf")
        path = stored.file.path
    assert path.startswith(str(media / "lengshuijiang" / "documents"))

    response = download(document["url"], token=token)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(body(response))
    assert "办案业务经费" in text and "冷水江市人民检察院" in text


def test_downloads_are_isolated_per_unit(
    media: Any,
    evaluation: SelfEvaluation,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    with schema_context("lengshuijiang"):
        from backend.reports.downloads import download_path

        document = services.generate_self_evaluation_report(
            evaluation=evaluation,
            unit=Procuratorate.objects.get(code="lengshuijiang"),
            user=member("lengshuijiang", Role.UNIT_LEADER),
        )
        path = download_path(document)
    assert path == f"/documents/{document.pk}/download/"

    stranger = token_for(member("lianyuan", Role.UNIT_LEADER))
    assert download(path, token=stranger).status_code == 403  # a sibling's token on our host
    assert download(path, host=LIANYUAN, token=stranger).status_code == 404  # not in its schema
    assert download(path).status_code == 401
    assert download(path, token="jx_not-a-token").status_code == 401
    other_city = token_for(member("changsha", Role.CITY_REVIEWER))
    assert download(path, token=other_city).status_code == 403
    assert download(path, host="localhost", token=stranger).status_code == 404  # public host

    own_city = token_for(member("loudi", Role.CITY_REVIEWER))
    response = download(path, token=own_city)
    assert response.status_code == 200  # the city above reads its county's documents
    body(response)
    own = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    assert download(f"/documents/{document.pk + 1000}/download/", token=own).status_code == 404


def test_another_unit_cannot_generate_a_report_here(
    media: Any,
    evaluation: SelfEvaluation,
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    variables = {"id": to_global_id("SelfEvaluation", evaluation.pk)}
    stranger = token_for(member("lianyuan", Role.UNIT_FINANCE))
    result = gql(GENERATE, host=LSJ, token=stranger, variables=variables)
    assert error_codes(result) == ["PERMISSION_DENIED"]
    # on its own host the id names nothing
    result = gql(GENERATE, host=LIANYUAN, token=stranger, variables=variables)
    payload = result["data"]["generateSelfEvaluationReport"]
    assert payload["document"] is None
    assert [e["code"] for e in payload["errors"]] == ["NOT_FOUND"]
    assert error_codes(gql(GENERATE, host=LSJ, variables=variables)) == ["UNAUTHENTICATED"]
    with schema_context("lengshuijiang"):
        assert Document.objects.count() == 0
    with schema_context("lianyuan"):
        assert Document.objects.count() == 0


def test_the_department_report(
    media: Any,
    lsj: Procuratorate,
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    token = token_for(member("lengshuijiang", Role.UNIT_LEADER))
    payload = gql(GENERATE_DEPARTMENT, host=LSJ, token=token, variables={"year": 2026})["data"][
        "generateDepartmentReport"
    ]
    assert payload["document"] is None
    assert payload["errors"] == [
        {"field": "fiscalYear", "code": "NOT_FOUND", "message": "2026 年度尚未建立部门整体自评。"}
    ]
    with schema_context("lengshuijiang"):
        make_evaluation(name="信息化建设", code="xx-2026")
        make_department(fiscal_year=2026)
    payload = gql(GENERATE_DEPARTMENT, host=LSJ, token=token, variables={"year": 2026})["data"][
        "generateDepartmentReport"
    ]
    assert payload["errors"] == []
    assert payload["document"]["title"] == "2026年度部门整体支出绩效自评报告-冷水江市人民检察院.pdf"
    text = pdf_text(body(download(payload["document"]["url"], token=token)))
    assert "部门整体支出绩效自评报告" in text and "信息化建设" in text


# --- S3 ------------------------------------------------------------------------------------


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
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture
def s3_storage(settings: Any, s3_endpoint: str) -> Any:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "backend.storage.TenantS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "location": "files",
                "default_acl": None,
                "file_overwrite": False,
            },
        },
    }
    return boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_a_report_stored_on_s3_downloads_through_a_presigned_url(
    s3_storage: Any,
    evaluation: SelfEvaluation,
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    payload = gql(
        GENERATE,
        host=LSJ,
        token=token,
        variables={"id": to_global_id("SelfEvaluation", evaluation.pk)},
    )["data"]["generateSelfEvaluationReport"]
    assert payload["errors"] == []
    with schema_context("lengshuijiang"):
        key = f"files/lengshuijiang/{Document.objects.get().file.name}"
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert key in keys
    stored = s3_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    assert "办案业务经费" in pdf_text(stored)

    response = download(payload["document"]["url"], token=token)
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith(s3_storage.meta.endpoint_url)
    assert f"/{key}?" in location and "Signature" in location and "Expires=" in location
    with urllib.request.urlopen(location, timeout=10) as presigned:
        assert presigned.headers["Content-Type"] == "application/pdf"
        assert "attachment" in presigned.headers["Content-Disposition"]
        assert presigned.read() == stored

    stranger = token_for(member("lianyuan", Role.UNIT_FINANCE))
    assert download(payload["document"]["url"], token=stranger).status_code == 403


def test_the_download_redirects_to_the_public_endpoint_browsers_reach(
    settings: Any,
    s3_storage: Any,
    s3_endpoint: str,
    evaluation: SelfEvaluation,
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
) -> None:
    """AWS_S3_PUBLIC_ENDPOINT_URL: the report is uploaded to the internal endpoint (127.0.0.1)
    and the redirect names the public one (localhost), which serves the same file."""
    public = s3_endpoint.replace("127.0.0.1", "localhost")
    options = settings.STORAGES["default"]["OPTIONS"]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {**options, "public_endpoint_url": public},
        },
    }
    token = token_for(member("lengshuijiang", Role.UNIT_FINANCE))
    payload = gql(
        GENERATE,
        host=LSJ,
        token=token,
        variables={"id": to_global_id("SelfEvaluation", evaluation.pk)},
    )["data"]["generateSelfEvaluationReport"]
    assert payload["errors"] == []
    with schema_context("lengshuijiang"):
        key = f"files/lengshuijiang/{Document.objects.get().file.name}"
    stored = s3_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    location = download(payload["document"]["url"], token=token)["Location"]
    assert location.startswith(f"{public}/{BUCKET}/{key}?")
    with urllib.request.urlopen(location, timeout=10) as presigned:
        assert "attachment" in presigned.headers["Content-Disposition"]
        assert presigned.read() == stored


UPLOAD = """
mutation($title: String!, $name: String!, $content: String!) {
  uploadDocument(title: $title, fileName: $name, contentBase64: $content) {
    document { id title fileName size url }
    errors { field code message }
  }
}
"""


def test_a_unit_uploads_evidence_and_cites_it_in_its_rectification_response(
    gql: GraphQLClient,
    member: Callable[..., User],
    token_for: Callable[[User], str],
    lsj: Procuratorate,
    unit: Callable[[str], Procuratorate],
    media: Any,
) -> None:
    import base64
    import datetime

    from backend.feedback.services import open_rectification

    finance = token_for(member("lengshuijiang", Role.UNIT_FINANCE, "lsj-up"))
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER, "loudi-up"))
    content = "整改报告：已完成".encode()
    variables = {
        "title": "整改佐证",
        "name": "整改报告.txt",
        "content": base64.b64encode(content).decode(),
    }
    # A reviewer above the unit reads, but cannot write the unit's documents.
    refused = gql(UPLOAD, host=LSJ, token=reviewer, variables=variables)
    assert error_codes(refused) == ["PERMISSION_DENIED"]
    bad = gql(UPLOAD, host=LSJ, token=finance, variables={**variables, "content": "@@@"})
    assert bad["data"]["uploadDocument"]["errors"][0]["code"] == "INVALID_FILE"
    with schema_context(lsj.schema_name):
        assert not Document.objects.exists()

    uploaded = gql(UPLOAD, host=LSJ, token=finance, variables=variables)["data"]["uploadDocument"]
    assert uploaded["errors"] == []
    document = uploaded["document"]
    assert (document["title"], document["size"]) == ("整改佐证", len(content))
    response = download(document["url"].split("localhost", 1)[1], token=finance)
    assert response.status_code == 200 and body(response) == content
    listed = gql("{ documents { id title } }", host=LSJ, token=reviewer)["data"]["documents"]
    assert listed == [{"id": document["id"], "title": "整改佐证"}]
    other = token_for(member("lianyuan", Role.UNIT_FINANCE, "ly-up"))
    assert error_codes(gql("{ documents { id } }", host=LSJ, token=other)) == ["PERMISSION_DENIED"]
    assert gql("{ documents { id } }", host=LIANYUAN, token=other)["data"]["documents"] == []

    admin = member("hunan", Role.PROVINCE_ADMIN, "hn-up")
    request = open_rectification(
        unit("hunan"),
        lsj,
        admin,
        fiscal_year=2026,
        title="整改",
        requirement="请整改",
        due_on=datetime.date(2099, 1, 1),
    )
    respond = """mutation($id: ID!, $doc: ID!) { respondRectification(id: $id, text: "已整改",
      evidenceIds: [$doc]) { errors { field code message } } }"""
    result = gql(
        respond,
        host=LSJ,
        token=finance,
        variables={"id": to_global_id("RectificationRequest", request.pk), "doc": document["id"]},
    )
    assert result["data"]["respondRectification"]["errors"] == []
    event = request.events.get()
    with schema_context(lsj.schema_name):
        assert event.evidence_ids == [Document.objects.get().pk]
