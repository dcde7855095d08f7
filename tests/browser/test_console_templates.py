"""指标库与模板 in a real browser: the province admin opens the draft of a template's second
version, changes a target in the editor, compares the two versions, publishes, pushes the
version to every unit and watches the progress bar (htmx polling) reach 100%, then opens the
conflict a unit's own edit left in the inbox, reads the three values and takes the province's.

The push goes through the real broker: a Celery worker thread (``celery_worker_thread`` of
``tests/conftest.py``) consumes the tasks from Redis and applies each unit in its schema, as in
production; the page only reads the push's targets. What the test committed is removed at the
end (the units' library rows first), so the other browser tests never see the template."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context
from playwright.sync_api import expect

from backend.accounts.models import Role
from tests.browser.conftest import Site, bt_user, login, shot

CODE = "bt-console-tpl"
UNIT = "lengshuijiang"


def _cleanup(code: str = CODE) -> None:
    from backend.indicators.models import (
        PushTarget,
        Template,
        TemplateIndicator,
        TemplatePush,
        TemplateVersion,
    )
    from backend.library.models import AdoptedTemplate, LibraryIndicator, MergeConflict
    from tenants.models import Procuratorate

    connection.set_schema_to_public()
    ids = list(Template.objects.filter(code=code).values_list("pk", flat=True))
    if not ids:
        return
    for schema in Procuratorate.objects.values_list("schema_name", flat=True):
        with schema_context(schema):
            if "library_libraryindicator" not in connection.introspection.table_names():
                continue
            MergeConflict.objects.filter(indicator__template_id__in=ids).delete()
            LibraryIndicator.objects.filter(template_id__in=ids)._raw_delete("default")
            AdoptedTemplate.objects.filter(template_id__in=ids)._raw_delete("default")
    connection.set_schema_to_public()
    pushes = TemplatePush.objects.filter(version__template_id__in=ids)
    PushTarget.objects.filter(push__in=pushes)._raw_delete("default")
    pushes._raw_delete("default")
    TemplateIndicator.objects.filter(version__template_id__in=ids)._raw_delete("default")
    TemplateVersion.objects.filter(template_id__in=ids)._raw_delete("default")
    Template.objects.filter(pk__in=ids)._raw_delete("default")


@pytest.fixture
def prepared(committed: None, celery_worker_thread: None) -> Iterator[dict[str, Any]]:
    """Version 1 published and adopted by 冷水江 (inline), which then raised the target of
    ``cases`` to 120 in its own library; version 2 open as a draft."""
    from backend.indicators.services import authoring, push
    from backend.library import services as library_services
    from backend.library.models import LibraryIndicator
    from tests.indicators.factories import valid_split

    _cleanup()
    bt_user("bt-tpl-admin", "hunan", Role.PROVINCE_ADMIN, "周省院")
    template = authoring.create_template(code=CODE, name="办案业务经费（浏览器测试）", user=None)
    v1 = template.versions.get()
    for data in valid_split():
        authoring.add_indicator(
            v1, {**data, "name": {"cases": "审查起诉案件数"}.get(data["code"], data["name"])}
        )
    v1 = authoring.publish_version(v1, user=None, changelog="首次发布")
    record = push.push_version(
        v1, push.TargetSpec(kind="codes", codes=(UNIT,)), user=None, dispatch=False
    )
    push.run_inline(record)
    with schema_context(UNIT):
        indicator = LibraryIndicator.objects.get(template=template, code="cases")
        library_services.update_indicator(indicator, {"target_value": "120"}, user=None)
    connection.set_schema_to_public()
    v2 = authoring.draft_version(template, user=None)
    try:
        yield {"template": template, "v1": v1, "v2": v2}
    finally:
        _cleanup()


def test_publish_push_and_resolve_a_conflict(page: Any, site: Site, prepared: dict) -> None:
    v2 = prepared["v2"]
    login(page, site, "bt-tpl-admin")
    page.goto(site.url(None, "/console/templates/"))
    expect(page.get_by_test_id("template-list")).to_contain_text("办案业务经费（浏览器测试）")
    shot(page, "console-templates-list", guide=True)

    # The draft's editor: change the default target of 审查起诉案件数.
    page.goto(site.url(None, f"/console/templates/versions/{v2.pk}/"))
    editor = page.get_by_test_id("edit-cases")
    editor.locator("summary").click()
    editor.get_by_label("默认指标值").fill("150")
    shot(page, "console-templates-editor", guide=True)
    editor.get_by_role("button", name="保存").click()
    expect(page.locator(".alert-success, .alert")).to_contain_text("已保存指标")

    # A bad publication first: no changelog → the message next to the field.
    page.get_by_test_id("publish-form").get_by_label("变更说明").fill("")
    page.get_by_test_id("publish-form").get_by_role("button", name="发布").click()
    expect(page.locator('[data-field-error="changelog"]')).to_contain_text("须填写变更说明")
    page.get_by_test_id("publish-form").get_by_label("变更说明").fill("提高审查起诉案件数目标")
    page.get_by_test_id("publish-form").get_by_role("button", name="发布").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已发布")

    # The two versions side by side.
    page.get_by_role("link", name="与上一版对比").click()
    expect(page.locator('[data-field="cases.target_value"]')).to_contain_text("150")
    shot(page, "console-templates-diff", guide=True)

    # Push to every unit and watch the bar.
    page.goto(site.url(None, f"/console/templates/versions/{v2.pk}/push/"))
    page.get_by_label("全部单位").check()
    shot(page, "console-templates-push-form", guide=True)
    page.get_by_role("button", name="开始推送").click()
    progress = page.get_by_test_id("push-progress")
    expect(progress).to_have_attribute("data-status", "completed", timeout=90_000)
    expect(page.get_by_test_id("push-percent")).to_contain_text("（100%）")
    expect(page.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")
    shot(page, "console-templates-push-progress", guide=True)

    # The conflict 冷水江's own edit left: three values, take the province's.
    page.goto(site.url(None, "/console/templates/conflicts/"))
    inbox = page.get_by_test_id("conflict-inbox")
    expect(inbox).to_contain_text("冷水江市人民检察院")
    shot(page, "console-templates-conflict-inbox", guide=True)
    inbox.get_by_role("row", name="冷水江市人民检察院").get_by_role("link", name="处理").click()
    conflict = page.get_by_test_id("conflict")
    expect(conflict.locator('[data-value="base"]')).to_have_text("100")
    expect(conflict.locator('[data-value="upstream"]')).to_have_text("150")
    expect(conflict.locator('[data-value="local"]')).to_have_text("120")
    shot(page, "console-templates-conflict", guide=True)
    conflict.get_by_role("button", name="采用省院新值").click()
    expect(page.get_by_test_id("no-conflicts")).to_be_visible()

    from backend.library.models import LibraryIndicator

    with schema_context(UNIT):
        indicator = LibraryIndicator.objects.get(template=prepared["template"], code="cases")
        assert indicator.target_value == Decimal("150")
    connection.set_schema_to_public()

    # The drift report: every unit on version 2.
    page.goto(site.url(None, f"/console/templates/t/{CODE}/drift/"))
    expect(page.get_by_test_id("drift-table")).to_contain_text("第 2 版")
    shot(page, "console-templates-drift", guide=True)


LIFE = "bt-console-tpl-life"


@pytest.fixture
def lifecycle(committed: None) -> Iterator[Any]:
    """A template with version 1 published (no unit runs it)."""
    from backend.indicators.services import authoring
    from tests.indicators.factories import valid_split

    _cleanup(LIFE)
    bt_user("bt-tpl-admin", "hunan", Role.PROVINCE_ADMIN, "周省院")
    template = authoring.create_template(code=LIFE, name="司法救助（浏览器测试）", user=None)
    v1 = template.versions.get()
    for data in valid_split():
        authoring.add_indicator(v1, data)
    v1 = authoring.publish_version(v1, user=None, changelog="首次发布")
    try:
        yield v1
    finally:
        _cleanup(LIFE)


def _edited(path: Path, cells: dict[str, Any], out: Path) -> Path:
    import openpyxl

    book = openpyxl.load_workbook(BytesIO(path.read_bytes()))
    for address, value in cells.items():
        book["指标库"][address] = value
    book.save(out)
    return out


def test_download_import_discard_and_retire(
    page: Any, site: Site, lifecycle: Any, tmp_path: Path
) -> None:
    v1 = lifecycle
    page.on("dialog", lambda dialog: dialog.accept())
    login(page, site, "bt-tpl-admin")

    # Download version 1 as the indicator sheet.
    page.goto(site.url(None, f"/console/templates/versions/{v1.pk}/"))
    with page.expect_download() as download:
        page.get_by_test_id("export").click()
    sheet = tmp_path / "v1.xlsx"
    download.value.save_as(sheet)
    assert download.value.suggested_filename.endswith(".xlsx")

    # Import it back with a bad weight first: the row is marked, nothing to confirm.
    page.goto(site.url(None, f"/console/templates/t/{LIFE}/"))
    page.get_by_test_id("import-link").click()
    form = page.get_by_test_id("import-form")
    form.get_by_label("指标库文件").set_input_files(
        str(_edited(sheet, {"J3": "很多"}, tmp_path / "bad.xlsx"))
    )
    form.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("import-row-3")).to_contain_text("第 3 行“分值”")
    expect(page.get_by_test_id("import-apply")).to_have_count(0)
    shot(page, "console-templates-import-problems", guide=True)

    form = page.get_by_test_id("import-form")
    form.get_by_label("指标库文件").set_input_files(
        str(_edited(sheet, {"D2": "审查起诉案件数（导入）"}, tmp_path / "good.xlsx"))
    )
    form.get_by_label("变更说明").fill("按 Excel 调整指标名称")
    form.get_by_role("button", name="上传并检查").click()
    expect(page.get_by_test_id("import-rows")).to_contain_text("审查起诉案件数（导入）")
    shot(page, "console-templates-import-preview", guide=True)
    page.get_by_role("button", name="确认导入为新草稿版本").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("第 2 版")
    expect(page.get_by_test_id("indicator-table")).to_contain_text("审查起诉案件数（导入）")

    # Discard that draft.
    page.get_by_test_id("discard-form").get_by_role("button", name="删除草稿").click()
    expect(page.locator(".jx-messages")).to_contain_text("已删除第 2 版草稿")
    expect(page.get_by_test_id("version-list")).not_to_contain_text("第 2 版")

    # Retire version 1.
    page.goto(site.url(None, f"/console/templates/versions/{v1.pk}/"))
    page.get_by_test_id("retire-form").get_by_role("button", name="停用本版本").click()
    expect(page.locator(".jx-messages")).to_contain_text("已停用第 1 版")
    expect(page.get_by_role("heading", level=1)).to_contain_text("已停用")
    expect(page.get_by_test_id("retire-form")).to_have_count(0)
    shot(page, "console-templates-retired", guide=True)
