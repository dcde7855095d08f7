"""Uploads over HTTP by the GraphQL multipart request spec, through the Django test client on
the unit hosts (documents, goal form, self-evaluation table) and the public host (unit
statistics, template sheets): the real limit reachable, over-limit and wrong-type files refused
with typed errors, malformed requests typed too, files stored through the storage backend
(file system and a moto S3 server), and one unit's upload out of every other unit's reach."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from backend.accounts.models import Role, User
from backend.documents.models import Document
from backend.documents.uploads import OversizedUpload
from tenants.models import Procuratorate
from tests.conftest import GraphQLClient, error_codes
from tests.documents import samples
from tests.reports.test_report_api import BUCKET, s3_endpoint, s3_storage

__all__ = ["s3_endpoint", "s3_storage"]  # fixtures shared with the report tests

pytestmark = pytest.mark.django_db
LSJ = "lengshuijiang.localhost"
LIANYUAN = "lianyuan.localhost"
MB = 1024 * 1024

UPLOAD = """
mutation($title: String!, $file: Upload) {
  uploadDocument(title: $title, file: $file) {
    document { id title fileName size url }
    errors { field code message }
  }
}
"""


def multipart(
    query: str,
    variables: dict[str, Any],
    files: dict[str, SimpleUploadedFile],
    *,
    host: str = LSJ,
    token: str | None = None,
) -> HttpResponse:
    """POST ``query`` as the spec says: ``operations`` with each file's variable null,
    ``map`` from part name to variable path, then the file parts."""
    operations = {"query": query, "variables": {**variables, **dict.fromkeys(files)}}
    parts: dict[str, Any] = {
        "operations": json.dumps(operations),
        "map": json.dumps({str(i): [f"variables.{name}"] for i, name in enumerate(files)}),
    }
    parts.update({str(i): file for i, file in enumerate(files.values())})
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().post("/graphql/", parts, HTTP_HOST=host, headers=headers)
    connection.set_schema_to_public()
    return response


def payload(response: HttpResponse, field: str) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    return response.json()["data"][field]


def download(path: str, *, host: str, token: str) -> HttpResponse:
    response = Client().get(path, HTTP_HOST=host, headers={"Authorization": f"Bearer {token}"})
    connection.set_schema_to_public()
    return response


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "incoming")
    os.makedirs(settings.FILE_UPLOAD_TEMP_DIR)
    return tmp_path


@pytest.fixture
def finance(member: Callable[..., User], token_for: Callable[[User], str]) -> str:
    return token_for(member("lengshuijiang", Role.UNIT_FINANCE, "lsj-multipart"))


def stored_documents(code: str = "lengshuijiang") -> list[Document]:
    with schema_context(code):
        return list(Document.objects.all())


# --- documents ----------------------------------------------------------------------------------


def test_a_20_mb_scan_uploads_and_downloads_unchanged(media: Any, finance: str) -> None:
    content = samples.PDF + os.urandom(20 * MB)
    scan = SimpleUploadedFile("现场检查扫描件.pdf", content, content_type="application/pdf")
    result = payload(
        multipart(UPLOAD, {"title": "检查佐证"}, {"file": scan}, token=finance), "uploadDocument"
    )
    assert result["errors"] == []
    assert result["document"]["size"] == len(content)
    assert result["document"]["fileName"] == "检查佐证.pdf"
    with schema_context("lengshuijiang"):
        (document,) = Document.objects.all()
        assert document.file.name.startswith("documents/") and document.file.name.endswith(".pdf")
        path = document.file.path
    assert path.startswith(str(media / "media" / "lengshuijiang" / "documents"))
    response = download(result["document"]["url"].split("localhost", 1)[1], host=LSJ, token=finance)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert os.listdir(media / "incoming") == []  # the temporary file was moved, not copied


def test_a_file_over_the_50_mb_limit_is_refused_with_too_large(media: Any, finance: str) -> None:
    big = SimpleUploadedFile("超大扫描件.pdf", samples.PDF + b"\x00" * (50 * MB))
    result = payload(
        multipart(UPLOAD, {"title": "超大"}, {"file": big}, token=finance), "uploadDocument"
    )
    assert result["document"] is None
    assert result["errors"] == [
        {"field": "file", "code": "TOO_LARGE", "message": "文件“超大扫描件.pdf”超过 50 MB 的上限。"}
    ]
    assert stored_documents() == []
    assert os.listdir(media / "incoming") == []  # what was buffered to disk is gone


def test_the_handlers_stream_a_large_part_to_disk_and_cut_an_oversized_one(
    settings: Any, media: Any
) -> None:
    settings.JIXIAO_UPLOAD_MAX_BYTES = 3 * MB
    request = RequestFactory().post(
        "/graphql/",
        {
            "small": SimpleUploadedFile("a.pdf", samples.PDF),
            "large": SimpleUploadedFile("b.pdf", samples.PDF + b"\x00" * (2 * MB)),
            "over": SimpleUploadedFile("c.pdf", samples.PDF + b"\x00" * (4 * MB)),
        },
    )
    files = request.FILES
    large, over = files["large"], files["over"]
    assert isinstance(large, TemporaryUploadedFile)  # on disk, never whole in memory
    assert large.temporary_file_path().startswith(str(media / "incoming"))
    assert isinstance(over, OversizedUpload) and over.size > 3 * MB
    assert over.read() == b""  # nothing of it was kept
    # The request is over 1 MB, so even its small part went to disk; the cut one left nothing.
    kept = {os.path.basename(f.temporary_file_path()) for f in (files["small"], large)}
    assert set(os.listdir(media / "incoming")) == kept
    for file in files.values():
        file.close()


def test_a_wrong_type_is_refused_and_nothing_is_stored(media: Any, finance: str) -> None:
    renamed = SimpleUploadedFile("整改报告.pdf", samples.EXE)
    result = payload(
        multipart(UPLOAD, {"title": "伪装"}, {"file": renamed}, token=finance), "uploadDocument"
    )
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("file", "INVALID_FILE_TYPE")]
    assert "内容与扩展名“.pdf”不符" in result["errors"][0]["message"]
    program = SimpleUploadedFile("工具.exe", samples.EXE)
    result = payload(
        multipart(UPLOAD, {"title": "程序"}, {"file": program}, token=finance), "uploadDocument"
    )
    assert result["errors"][0]["code"] == "INVALID_FILE_TYPE"
    assert stored_documents() == []


def test_an_upload_on_one_units_host_is_out_of_every_other_units_reach(
    media: Any, finance: str, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    photo = SimpleUploadedFile("现场照片.png", samples.PNG)
    result = payload(
        multipart(UPLOAD, {"title": "现场"}, {"file": photo}, token=finance), "uploadDocument"
    )
    path = result["document"]["url"].split("localhost", 1)[1]
    assert download(path, host=LSJ, token=finance).status_code == 200

    sibling = token_for(member("lianyuan", Role.UNIT_FINANCE, "ly-multipart"))
    assert download(path, host=LSJ, token=sibling).status_code == 403  # not its unit
    assert download(path, host=LIANYUAN, token=sibling).status_code == 404  # not in its schema
    gql = GraphQLClient()
    assert gql("{ documents { id } }", host=LIANYUAN, token=sibling)["data"]["documents"] == []
    # A sibling cannot upload into another unit's storage either.
    refused = multipart(UPLOAD, {"title": "x"}, {"file": photo}, token=sibling)
    assert error_codes(refused.json()) == ["PERMISSION_DENIED"]
    assert len(stored_documents()) == 1 and stored_documents("lianyuan") == []


def test_an_upload_is_stored_on_s3_under_the_units_prefix(s3_storage: Any, finance: str) -> None:
    content = samples.PDF + os.urandom(3 * MB)
    scan = SimpleUploadedFile("预算批复.pdf", content)
    result = payload(
        multipart(UPLOAD, {"title": "批复"}, {"file": scan}, token=finance), "uploadDocument"
    )
    assert result["errors"] == []
    (document,) = stored_documents()
    key = f"files/lengshuijiang/{document.file.name}"
    keys = [o["Key"] for o in s3_storage.list_objects_v2(Bucket=BUCKET)["Contents"]]
    assert key in keys and not any(k.startswith("files/lianyuan/") for k in keys)
    assert s3_storage.get_object(Bucket=BUCKET, Key=key)["Body"].read() == content


# --- the request itself -------------------------------------------------------------------------


def test_malformed_multipart_requests_get_typed_errors(media: Any, finance: str) -> None:
    def post(parts: dict[str, Any]) -> tuple[int, list[str | None]]:
        response = Client().post(
            "/graphql/", parts, HTTP_HOST=LSJ, headers={"Authorization": f"Bearer {finance}"}
        )
        connection.set_schema_to_public()
        return response.status_code, error_codes(response.json())

    ops = json.dumps({"query": UPLOAD, "variables": {"title": "t", "file": None}})
    pdf = SimpleUploadedFile("a.pdf", samples.PDF)
    bad = (400, ["INVALID_MULTIPART"])
    assert post({"operations": "{", "map": "{}", "0": pdf}) == bad
    assert post({"operations": ops, "map": "[1]", "0": pdf}) == bad
    assert post({"operations": ops, "map": json.dumps({"0": ["variables.file"]})}) == bad
    assert post({"operations": ops, "map": json.dumps({"0": ["variables.title"]}), "0": pdf}) == bad
    assert post({"operations": ops, "map": json.dumps({"0": ["query"]}), "0": pdf}) == bad
    assert (
        post({"operations": ops, "map": json.dumps({"0": ["variables.no.such"]}), "0": pdf}) == bad
    )
    assert post({"operations": f"[{ops}]", "map": "{}", "0": pdf}) == bad  # no batching
    # A file variable given as a string in plain JSON is a typed value error, not a 500.
    gql = GraphQLClient()
    result = gql(UPLOAD, host=LSJ, token=finance, variables={"title": "t", "file": "abc"})
    assert error_codes(result) == ["INVALID_VALUE"]
    # Neither a file nor the deprecated base64: REQUIRED.
    result = gql(UPLOAD, host=LSJ, token=finance, variables={"title": "t"})
    assert result["data"]["uploadDocument"]["errors"][0]["code"] == "REQUIRED"
    both = """mutation($f: Upload) { uploadDocument(title: "t", file: $f, fileName: "a.pdf",
      contentBase64: "JVBERi0=") { errors { field code } } }"""
    response = multipart(both, {}, {"f": SimpleUploadedFile("a.pdf", samples.PDF)}, token=finance)
    assert payload(response, "uploadDocument")["errors"] == [
        {"field": "contentBase64", "code": "INVALID_INPUT"}
    ]
    assert stored_documents() == []


def test_a_request_over_the_request_limit_is_refused_before_it_is_read(
    settings: Any, media: Any, finance: str
) -> None:
    settings.JIXIAO_UPLOAD_MAX_REQUEST_BYTES = 2 * MB
    big = SimpleUploadedFile("a.pdf", samples.PDF + b"\x00" * (3 * MB))
    response = multipart(UPLOAD, {"title": "t"}, {"file": big}, token=finance)
    assert response.status_code == 413
    assert error_codes(response.json()) == ["TOO_LARGE"]
    # A JSON body over DATA_UPLOAD_MAX_MEMORY_SIZE (the deprecated base64 way): typed too.
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = MB
    response = Client().post(
        "/graphql/",
        json.dumps({"query": UPLOAD, "variables": {"title": "x" * (2 * MB)}}),
        content_type="application/json",
        HTTP_HOST=LSJ,
        headers={"Authorization": f"Bearer {finance}"},
    )
    connection.set_schema_to_public()
    assert response.status_code == 413
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "TOO_LARGE"
    assert "multipart" in error["message"]
    assert stored_documents() == []


def test_the_deprecated_base64_arguments_still_work(media: Any, finance: str) -> None:
    import base64

    query = """mutation($c: String!) { uploadDocument(title: "旧接口", fileName: "说明.txt",
      contentBase64: $c) { document { size } errors { code field } } }"""
    result = GraphQLClient()(
        query,
        host=LSJ,
        token=finance,
        variables={"c": base64.b64encode(samples.TEXT_UTF8).decode()},
    )["data"]["uploadDocument"]
    assert result == {"document": {"size": len(samples.TEXT_UTF8)}, "errors": []}
    wrong = GraphQLClient()(
        query, host=LSJ, token=finance, variables={"c": base64.b64encode(samples.EXE).decode()}
    )["data"]["uploadDocument"]
    assert wrong["errors"] == [{"code": "INVALID_FILE_TYPE", "field": "contentBase64"}]


# --- the importers ------------------------------------------------------------------------------


IMPORT_GOAL = """
mutation($project: ID!, $file: Upload) {
  importGoalForm(projectId: $project, file: $file) {
    goal { overallGoal version indicators { code } }
    errors { field code message }
  }
}
"""


def test_the_goal_form_imports_by_multipart(media: Any, finance: str, lsj: Procuratorate) -> None:
    from backend.goals.services import xlsx
    from tests.goals.factories import VALID_INDICATORS, ProjectFactory, make_goal

    project = ProjectFactory()
    goal = make_goal(project=project, indicators=VALID_INDICATORS)
    form = xlsx.export_goal(goal)
    project_id = to_global_id("Project", project.pk)
    connection.set_schema_to_public()

    sheet = SimpleUploadedFile("绩效目标申报表.xlsx", form)
    result = payload(
        multipart(IMPORT_GOAL, {"project": project_id}, {"file": sheet}, token=finance),
        "importGoalForm",
    )
    assert result["errors"] == []
    assert {i["code"] for i in result["goal"]["indicators"]} == {
        r["code"] for r in VALID_INDICATORS
    }
    # A dry run of an edited form: what would change, nothing written (issue 16).
    book = openpyxl.load_workbook(BytesIO(form))
    sheet_ = book[xlsx.SHEET]
    first = xlsx.HEADER_ROW + 1
    sheet_[f"G{first}"] = "不低于１５０"
    buffer = BytesIO()
    book.save(buffer)
    dry = payload(
        multipart(
            DRY_GOAL,
            {"project": project_id},
            {"file": SimpleUploadedFile("绩效目标申报表.xlsx", buffer.getvalue())},
            token=finance,
        ),
        "importGoalForm",
    )
    assert dry["errors"] == [] and dry["dryRun"] is True
    (change,) = dry["changes"]
    assert (change["cell"], change["field"], change["after"]) == (
        f"{xlsx.SHEET}!G{first}",
        "指标值",
        "150",
    )
    assert dry["goal"]["version"] == result["goal"]["version"]
    pdf = SimpleUploadedFile("绩效目标申报表.pdf", samples.PDF)
    result = payload(
        multipart(IMPORT_GOAL, {"project": project_id}, {"file": pdf}, token=finance),
        "importGoalForm",
    )
    assert result["errors"][0]["code"] == "INVALID_FILE_TYPE"
    assert result["errors"][0]["message"].endswith("仅支持XLSX 表格。")


DRY_GOAL = """
mutation($project: ID!, $file: Upload) {
  importGoalForm(projectId: $project, file: $file, dryRun: true) {
    dryRun digest goal { version } changes { cell field before after }
    importWarnings { cell code message } errors { field code message }
  }
}
"""


IMPORT_STATISTICS = """
mutation($file: Upload) {
  importUnitStatistics(fiscalYear: 2026, file: $file) { rows errors { field code message } }
}
"""


def test_the_public_host_takes_multipart_too(
    member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    from backend.benchmarking import statistics_xlsx

    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-multipart"))
    province = Procuratorate.objects.get(code="hunan")
    sheet = statistics_xlsx.export_statistics(province, 2026)
    result = payload(
        multipart(
            IMPORT_STATISTICS,
            {},
            {"file": SimpleUploadedFile("单位基本情况表.xlsx", sheet)},
            host="localhost",
            token=admin,
        ),
        "importUnitStatistics",
    )
    assert result["errors"] == []
    macro = SimpleUploadedFile("单位基本情况表.xlsx", samples.with_macro(sheet))
    result = payload(
        multipart(IMPORT_STATISTICS, {}, {"file": macro}, host="localhost", token=admin),
        "importUnitStatistics",
    )
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("file", "INVALID_FILE_TYPE")]


IMPORT_TEMPLATE = """
mutation($t: ID!, $file: Upload) {
  importTemplateVersion(templateId: $t, file: $file, changelog: "导入") {
    version { number status } errors { field code message }
  }
}
"""


def test_a_template_sheet_imports_by_multipart(
    gql: GraphQLClient, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    import base64

    from tests.graphql.test_templates_api import publish_template

    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-template-multipart"))
    version = publish_template(gql, admin)
    exported = gql(
        "query($id: ID!) { templateVersion(id: $id) { xlsxBase64 template { id } } }",
        token=admin,
        variables={"id": version["id"]},
    )["data"]["templateVersion"]
    sheet = SimpleUploadedFile("指标库.xlsx", base64.b64decode(exported["xlsxBase64"]))
    result = payload(
        multipart(
            IMPORT_TEMPLATE,
            {"t": exported["template"]["id"]},
            {"file": sheet},
            host="localhost",
            token=admin,
        ),
        "importTemplateVersion",
    )
    assert result == {"version": {"number": 2, "status": "DRAFT"}, "errors": []}


IMPORT_EVALUATION = """
mutation($id: ID!, $file: Upload, $v: Int) {
  importSelfEvaluationTable(id: $id, file: $file, version: $v) {
    evaluation { version } errors { field code message }
  }
}
"""


def test_the_self_evaluation_table_imports_by_multipart_with_its_version(
    member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    from backend.evaluation import services as evaluation_services
    from backend.evaluation import xlsx
    from tests.evaluation.factories import actors, approved_goal, project_of

    people = actors(member)
    with schema_context("lengshuijiang"):
        evaluation = evaluation_services.start_self_evaluation(
            project_of(approved_goal()), 2026, people["finance"]
        )
        table = xlsx.export_self_evaluation(evaluation)
    token = token_for(people["finance"])
    evaluation_id = to_global_id("SelfEvaluation", evaluation.pk)

    def send(version: int) -> dict[str, Any]:
        sheet = SimpleUploadedFile("项目支出绩效自评表.xlsx", table)
        variables = {"id": evaluation_id, "v": version}
        return payload(
            multipart(IMPORT_EVALUATION, variables, {"file": sheet}, token=token),
            "importSelfEvaluationTable",
        )

    assert send(1) == {"evaluation": {"version": 2}, "errors": []}
    stale = send(1)
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [("version", "STALE")]
    assert stale["evaluation"] == {"version": 2}
