"""ws:goal-import and ws:goal-import-apply — an uploaded 绩效目标申报表: checked (type and
size), read, and listed change by change (cell → field, old → new, warnings) before anything
is written; then applied in one transaction, only if it still changes what was shown."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from backend.accounts.models import User
from backend.goals.models import GoalIndicator, GoalStatus, PerformanceGoal
from backend.goals.services import xlsx
from tests.web.conftest import Browser
from tests.web.workspace.goals import builders
from tests.web.workspace.goals.builders import OUTSIDERS, html

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(goal_id: int, name: str = "ws:goal-import") -> str:
    return reverse(name, urlconf="backend.urls", args=[goal_id])


def exported(goal: PerformanceGoal) -> bytes:
    with builders.in_unit():
        return xlsx.export_goal(goal)


def edited(content: bytes, edit: Callable[[Any], None]) -> bytes:
    book = openpyxl.load_workbook(BytesIO(content))
    edit(book["绩效目标申报表"])
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(sheet: Any, code: str) -> int:
    for (cell,) in sheet.iter_rows(min_row=11, min_col=4, max_col=4):
        if cell.value == code:
            return int(cell.row)
    raise KeyError(code)


def upload(content: bytes, name: str = "申报表.xlsx") -> dict[str, Any]:
    return {"file": SimpleUploadedFile(name, content, content_type=XLSX)}


def state(goal: PerformanceGoal) -> list[tuple[str, Decimal | None, Decimal]]:
    with builders.in_unit():
        return list(
            GoalIndicator.objects.filter(goal=goal)
            .order_by("code")
            .values_list("code", "target_value", "weight")
        )


def raise_q1(sheet: Any) -> None:
    sheet[f"G{row_of(sheet, 'q1')}"] = 150
    sheet["B8"] = "依据上传的申报表修改的总体目标"


@pytest.mark.parametrize("name", ["city_reviewer", "province_admin", *OUTSIDERS])
def test_outsiders_upload_nothing(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    goal = builders.goal()
    content = edited(exported(goal), raise_q1)
    page = browse(persona(name))
    assert page.post(url(goal.pk), upload(content)).status_code == 403
    assert page.post(url(goal.pk, "ws:goal-import-apply"), {"digest": "x"}).status_code == 403
    assert builders.indicator(goal, "q1").target_value == Decimal("120")


def test_an_upload_lists_the_changes_then_the_apply_writes_them(finance_page: Browser) -> None:
    goal = builders.goal()
    before = state(goal)
    content = edited(exported(goal), raise_q1)
    response = finance_page.post(url(goal.pk), upload(content))
    page = html(response)
    assert response.status_code == 200
    table = page[page.index('data-testid="import-changes"') :]
    assert "绩效目标申报表!G11" in table and '<td class="jx-before">120</td>' in table
    assert '<td class="jx-after">150</td>' in table
    assert "绩效目标申报表!B8" in table and "年度总体目标" in table
    assert state(goal) == before  # nothing written yet
    digest = page.split('name="digest" value="')[1].split('"')[0]

    response = finance_page.post(url(goal.pk, "ws:goal-import-apply"), {"digest": digest})
    assert response.status_code == 302
    assert builders.indicator(goal, "q1").target_value == Decimal("150")
    assert builders.reload(goal).overall_goal == "依据上传的申报表修改的总体目标"
    # applied once: the stash is gone
    again = finance_page.post(url(goal.pk, "ws:goal-import-apply"), {"digest": digest}, follow=True)
    assert "没有待导入的申报表" in html(again)


def test_the_preview_warns_of_what_the_goal_would_still_need(finance_page: Browser) -> None:
    goal = builders.goal()
    content = edited(exported(goal), lambda sheet: sheet.__setitem__(f"I{row_of(sheet, 'q1')}", 20))
    page = html(finance_page.post(url(goal.pk), upload(content)))
    notes = page[page.index('data-testid="import-notes"') :][:800]
    assert "产出指标分值合计 40.00，应为 50.00" in notes


def test_cells_written_as_people_write_them_are_read_and_said(finance_page: Browser) -> None:
    """Issue 16: "不低于１５０件" in the target with the operator cell left blank reads as
    ≥ 150 件, and the preview says how it read the cell."""
    goal = builders.goal()

    def edit(sheet: Any) -> None:
        row = row_of(sheet, "q1")
        sheet[f"F{row}"], sheet[f"G{row}"] = None, "不低于１５０件"

    page = html(finance_page.post(url(goal.pk), upload(edited(exported(goal), edit))))
    table = page[page.index('data-testid="import-changes"') :]
    assert '<td class="jx-after">150</td>' in table
    warnings = page[page.index('data-testid="import-warnings"') :][:1500]
    assert "运算符取指标值中的“≥”" in warnings
    assert builders.indicator(goal, "q1").target_value == Decimal("120")


def test_an_unchanged_form_has_nothing_to_apply(finance_page: Browser) -> None:
    goal = builders.goal()
    page = html(finance_page.post(url(goal.pk), upload(exported(goal))))
    assert 'data-testid="no-changes"' in page and 'data-testid="apply-import"' not in page


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("申报表.txt", b"just text", "文件类型不正确"),
        ("申报表.xlsx", b"not a zip at all", "文件类型不正确"),
        ("申报表.xlsx", b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024), "超过 2 MB 的上限"),
        ("申报表.xlsx", b"PK\x03\x04broken zip", "无法读取文件"),
    ],
)
def test_a_wrong_file_is_named_next_to_the_field(
    finance_page: Browser, name: str, content: bytes, message: str
) -> None:
    goal = builders.goal()
    before = state(goal)
    page = html(finance_page.post(url(goal.pk), upload(content, name)))
    form = page[page.index('data-testid="upload-form"') :]
    assert message in form[: form.index("</form>")]
    assert state(goal) == before


def test_no_file_at_all(finance_page: Browser) -> None:
    goal = builders.goal()
    page = html(finance_page.post(url(goal.pk), {}))
    assert "请选择要上传的文件。" in page


def test_every_bad_cell_is_listed_and_nothing_is_written(finance_page: Browser) -> None:
    goal = builders.goal()
    before = state(goal)

    def spoil(sheet: Any) -> None:
        sheet[f"G{row_of(sheet, 'q1')}"] = "很多"
        sheet[f"I{row_of(sheet, 'q2')}"] = -5
        sheet[f"C{row_of(sheet, 's1')}"] = "满" * 201

    page = html(finance_page.post(url(goal.pk), upload(edited(exported(goal), spoil))))
    errors = page[page.index('data-testid="upload-errors"') :][:2000]
    assert "申报表中有 3 处问题，未导入任何内容" in errors
    assert "第 11 行“指标值”" in errors and "分值不能为负数" in errors and "200 个字符" in errors
    assert state(goal) == before


def test_a_goal_changed_since_the_preview_is_not_overwritten(finance_page: Browser) -> None:
    goal = builders.goal()
    content = edited(exported(goal), raise_q1)
    page = html(finance_page.post(url(goal.pk), upload(content)))
    digest = page.split('name="digest" value="')[1].split('"')[0]
    with builders.in_unit():
        GoalIndicator.objects.filter(goal=goal, code="q2").update(weight=Decimal("25"))
    response = finance_page.post(url(goal.pk, "ws:goal-import-apply"), {"digest": digest})
    assert "请重新上传申报表并核对" in html(response)
    assert builders.indicator(goal, "q1").target_value == Decimal("120")


def test_a_submitted_goal_takes_no_upload(finance_page: Browser) -> None:
    goal = builders.goal(status=GoalStatus.SUBMITTED)
    page = html(finance_page.post(url(goal.pk), upload(edited(exported(goal), raise_q1))))
    assert "只有草稿或已退回的目标可以导入" in page
    assert builders.indicator(goal, "q1").target_value == Decimal("120")
