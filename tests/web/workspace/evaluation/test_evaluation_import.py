"""ws:evaluation-import, ws:evaluation-import-apply, ws:evaluation-export — a filled
项目支出绩效自评表 uploaded on the page: checked (type and size), dry-run and listed change by
change (cell → field, old → new, warnings, the total it would give) before anything is written;
then applied in one transaction with the dry run's digest (the service the GraphQL mutation
uses). The tables are the synthetic ones of ``tests/fixtures/real_tables.py``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from backend.accounts.models import User
from backend.evaluation import xlsx
from backend.evaluation.models import EvaluationStatus, SelfEvaluation
from backend.evaluation.services import record_self_evaluation
from tests.fixtures import real_tables
from tests.fixtures.real_tables import Line, self_evaluation_xlsx, standard_table
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, field_error
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHEET = xlsx.SHEET
Mine = tuple[User, SelfEvaluation, Browser]  # the finance officer, a draft, their browser


def url(evaluation: SelfEvaluation, action: str = "import/") -> str:
    return f"/evaluations/{evaluation.pk}/{action}"


def upload(content: bytes, name: str = "自评表.xlsx") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content, content_type=XLSX)}


def state(evaluation: SelfEvaluation) -> tuple[Any, ...]:
    with in_unit():
        saved = SelfEvaluation.objects.get(pk=evaluation.pk)
        actuals = sorted(saved.indicators.values_list("code", "actual_value", "final_score"))
        return saved.executed, saved.total, saved.version, tuple(actuals)


def digest_of(html: str) -> str:
    return html.split('name="digest" value="')[1].split('"')[0]


def table(**changes: dict[str, Any]) -> bytes:
    lines = []
    for line in real_tables.STANDARD_LINES:
        values = dict(vars(line))
        values.update(changes.get(line.code, {}))
        lines.append(Line(**values))
    return self_evaluation_xlsx(standard_table(lines=lines, executed="约91万元"))


@pytest.fixture
def mine(persona: Callable[[str], User], browse: Callable[..., Browser]) -> Mine:
    """The finance officer, a draft self-evaluation of the unit, and their browser."""
    finance = persona("finance")
    return finance, draft_evaluation(finance), browse(finance)


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin"])
def test_who_cannot_prepare_uploads_nothing(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    before = state(evaluation)
    page = browse(persona(name))
    assert page.get(url(evaluation)).status_code == 403
    assert page.post(url(evaluation), upload(table())).status_code == 403
    assert page.post(url(evaluation, "import/apply/"), {"digest": "x"}).status_code == 403
    assert state(evaluation) == before


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_here(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    evaluation = draft_evaluation(persona("finance"))
    page = browse(persona(name))
    assert page.get(url(evaluation)).status_code == 403
    assert page.get(url(evaluation, "xlsx/")).status_code == 403


def test_another_units_user_gets_404_on_their_own_host(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    """Tenant isolation: the evaluation's id means nothing in another unit's schema."""
    evaluation = draft_evaluation(persona("finance"))
    before = state(evaluation)
    page = browse(persona("other_unit_finance"), unit="lianyuan")
    assert page.get(url(evaluation)).status_code == 404
    assert page.get(url(evaluation, "xlsx/")).status_code == 404
    assert page.post(url(evaluation), upload(table())).status_code == 404
    assert page.post(url(evaluation, "import/apply/"), {"digest": "x"}).status_code == 404
    assert state(evaluation) == before


def test_the_sheet_links_to_the_import_page_and_it_offers_the_table(mine: Mine) -> None:
    _, evaluation, page = mine
    detail = page.get(url(evaluation, "")).content.decode()
    assert f'href="/evaluations/{evaluation.pk}/import/"' in detail
    html = page.get(url(evaluation)).content.decode()
    assert 'data-testid="upload-form"' in html and "上传并核对变更" in html
    download = page.get(url(evaluation, "xlsx/"))
    assert download["Content-Type"] == XLSX
    book = openpyxl.load_workbook(BytesIO(download.content))
    assert SHEET in book.sheetnames


def test_an_upload_lists_the_changes_then_the_apply_writes_them(mine: Mine) -> None:
    _, evaluation, page = mine
    before = state(evaluation)
    response = page.post(url(evaluation), upload(table()))
    assert response.status_code == 200
    html = response.content.decode()
    changes = html[html.index('data-testid="import-changes"') :]
    assert f'title="{SHEET}!D4">D4</td>' in changes and "全年执行数" in changes
    assert '<td class="jx-before">900,000.00 元</td>' in changes
    assert '<td class="jx-after">910,000.00 元</td>' in changes
    assert f'title="{SHEET}!F9">F9</td>' in changes and "实际完成值" in changes
    assert 'data-testid="import-total">96.10<' in html and 'data-testid="import-grade">优<' in html
    warnings = html[html.index('data-testid="import-warnings"') :][:3000]
    assert ">D4</span>：" in warnings  # 约91万元 read as 910,000.00: said, by cell
    assert state(evaluation) == before  # the dry run wrote nothing

    response = page.post(url(evaluation, "import/apply/"), {"digest": digest_of(html)})
    assert response.status_code == 302 and response["Location"] == url(evaluation, "")
    executed, total, _, actuals = state(evaluation)
    assert (executed, total) == (Decimal("910000.00"), Decimal("96.10"))
    assert ("q1", Decimal("130"), Decimal("30.00")) in actuals
    again = page.post(url(evaluation, "import/apply/"), {"digest": digest_of(html)}, follow=True)
    assert "没有待导入的自评表" in again.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("自评表.txt", b"just text", "请上传 Excel（.xlsx）格式的项目支出绩效自评表"),
        ("自评表.xlsx", b"not a zip at all", "文件类型不正确"),
        ("自评表.xlsx", b"PK\x03\x04" + b"\x00" * (3 * 1024 * 1024), "超过 2 MB 的上限"),
    ],
)
def test_a_wrong_file_is_named_next_to_the_field_and_nothing_is_written(
    mine: Mine, name: str, content: bytes, message: str
) -> None:
    _, evaluation, page = mine
    before = state(evaluation)
    response = page.post(url(evaluation), upload(content, name))
    assert response.status_code == 200
    assert message in field_error(response.content.decode(), "file")
    assert state(evaluation) == before


def test_a_broken_workbook_and_bad_cells_are_listed_in_chinese_by_cell(mine: Mine) -> None:
    _, evaluation, page = mine
    before = state(evaluation)
    broken = page.post(url(evaluation), upload(b"PK\x03\x04broken zip")).content.decode()
    assert "无法读取文件" in broken[broken.index('data-testid="upload-errors"') :]
    bad = table(q1={"actual": "130次"}, q2={"actual": "很多"})
    html = page.post(url(evaluation), upload(bad)).content.decode()
    errors = html[html.index('data-testid="upload-errors"') :][:2000]
    assert "自评表中有 2 处问题，未导入任何内容" in errors
    assert ">F9</span>：" in errors and "“次”" in errors
    assert ">F10</span>：" in errors and "不是有效的数字" in errors
    assert 'data-testid="apply-import"' not in html
    assert state(evaluation) == before


def test_an_evaluation_changed_since_the_dry_run_is_not_overwritten(mine: Mine) -> None:
    finance, evaluation, page = mine
    digest = digest_of(page.post(url(evaluation), upload(table())).content.decode())
    with in_unit():
        record_self_evaluation(evaluation, finance, executed=Decimal("800000"))
    before = state(evaluation)
    html = page.post(url(evaluation, "import/apply/"), {"digest": digest}).content.decode()
    assert "请重新上传自评表并核对" in html[html.index('data-testid="upload-errors"') :]
    assert state(evaluation) == before


def test_a_submitted_evaluation_takes_no_upload(mine: Mine) -> None:
    _, evaluation, page = mine
    with in_unit():
        SelfEvaluation.objects.filter(pk=evaluation.pk).update(status=EvaluationStatus.SUBMITTED)
    before = state(evaluation)
    assert 'data-testid="import-link"' not in page.get(url(evaluation, "")).content.decode()
    html = page.post(url(evaluation), upload(table())).content.decode()
    assert 'data-testid="not-editable"' in html and 'data-testid="apply-import"' not in html
    assert state(evaluation) == before
