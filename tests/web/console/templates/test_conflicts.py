"""console:template-conflicts (the inbox), console:template-unit-conflicts (one unit's three
values) and console:template-conflict-resolve."""

from __future__ import annotations

import pytest
from django_tenants.utils import schema_context

from backend.indicators.models import PushStatus, PushTarget
from backend.library.models import ConflictStatus, LibraryIndicator, MergeConflict
from tests.web.console.templates.conftest import extra_counties, make_conflict, published

pytestmark = pytest.mark.django_db


def open_conflicts() -> list[MergeConflict]:
    with schema_context("lengshuijiang"):
        return list(MergeConflict.objects.filter(status=ConflictStatus.OPEN))


def test_city_reviewer_is_refused(persona, browse) -> None:
    make_conflict()
    conflict = open_conflicts()[0]
    page = browse(persona("city_reviewer"), None)
    assert page.get("/console/templates/conflicts/").status_code == 403
    assert page.get("/console/templates/conflicts/lengshuijiang/").status_code == 403
    url = f"/console/templates/conflicts/lengshuijiang/{conflict.pk}/resolve/"
    assert page.post(url, {"choice": "upstream"}).status_code == 403
    assert len(open_conflicts()) == 1


def test_inbox_three_values_and_resolve(admin) -> None:
    make_conflict()
    inbox = admin.get("/console/templates/conflicts/").content.decode()
    assert "冷水江市人民检察院" in inbox and "/console/templates/conflicts/lengshuijiang/" in inbox
    page = admin.get("/console/templates/conflicts/lengshuijiang/").content.decode()
    assert 'data-conflict="cases.target_value"' in page
    for kind, value in (("base", "100"), ("upstream", "150"), ("local", "120")):
        assert f'data-value="{kind}">{value}' in page, kind
    conflict = open_conflicts()[0]
    response = admin.post(
        f"/console/templates/conflicts/lengshuijiang/{conflict.pk}/resolve/", {"choice": "upstream"}
    )
    assert response.status_code == 302
    with schema_context("lengshuijiang"):
        assert str(LibraryIndicator.objects.get(code="cases").target_value) == "150.0000"
        assert MergeConflict.objects.get(pk=conflict.pk).status == ConflictStatus.TOOK_UPSTREAM
    # The push's record is kept current: the unit leaves the inbox.
    assert "冷水江市人民检察院" not in admin.get("/console/templates/conflicts/").content.decode()


def test_bad_choice_and_a_closed_conflict_are_messages(admin) -> None:
    make_conflict()
    conflict = open_conflicts()[0]
    url = f"/console/templates/conflicts/lengshuijiang/{conflict.pk}/resolve/"
    response = admin.post(url, {"choice": "both"}, follow=True)
    assert "请选择采用省院值" in response.content.decode()
    assert len(open_conflicts()) == 1
    admin.post(url, {"choice": "local"})
    response = admin.post(url, {"choice": "upstream"}, follow=True)
    assert "该冲突已处理" in response.content.decode()
    with schema_context("lengshuijiang"):
        assert str(LibraryIndicator.objects.get(code="cases").target_value) == "120.0000"


def test_unknown_unit_or_conflict_is_404(admin) -> None:
    make_conflict()
    assert admin.get("/console/templates/conflicts/no-such-unit/").status_code == 404
    url = "/console/templates/conflicts/lianyuan/1/resolve/"
    assert admin.post(url, {"choice": "local"}).status_code == 404


def test_inbox_query_count_does_not_grow_with_units(admin, count_queries) -> None:
    version = published("web-inbox")
    from backend.indicators.services import push

    def conflicted(codes: list[str]) -> None:
        record = push.push_version(
            version, push.TargetSpec(kind="codes", codes=tuple(codes)), user=None, dispatch=False
        )
        PushTarget.objects.filter(push=record).update(status=PushStatus.CONFLICTED, conflicts=2)

    conflicted(["lengshuijiang"])
    small = count_queries(lambda: admin.get("/console/templates/conflicts/"))
    conflicted([u.code for u in extra_counties(40)])
    page = admin.get("/console/templates/conflicts/").content.decode()
    assert "附加39院" in page or "下一页" in page
    assert count_queries(lambda: admin.get("/console/templates/conflicts/")) == small


def test_unit_page_query_count_does_not_grow_with_conflicts(admin, count_queries) -> None:
    make_conflict()
    small = count_queries(lambda: admin.get("/console/templates/conflicts/lengshuijiang/"))
    with schema_context("lengshuijiang"):
        conflict = MergeConflict.objects.get()
        for field in ("weight", "name", "guidance", "unit"):
            MergeConflict.objects.create(
                indicator=conflict.indicator,
                field=field,
                base_value="a",
                local_value="b",
                upstream_value="c",
                version=conflict.version,
            )
    assert count_queries(lambda: admin.get("/console/templates/conflicts/lengshuijiang/")) == small


def test_inbox_sorts_by_open_conflicts(admin) -> None:
    version = published("web-inbox-sort")
    from backend.indicators.services import push

    for code, count in (("lianyuan", 1), ("xinhua", 5)):
        record = push.push_version(
            version, push.TargetSpec(kind="codes", codes=(code,)), user=None, dispatch=False
        )
        PushTarget.objects.filter(push=record).update(status=PushStatus.CONFLICTED, conflicts=count)
    page = admin.get("/console/templates/conflicts/?sort=-conflicts").content.decode()
    assert page.index("新化县人民检察院") < page.index("涟源市人民检察院")
    page = admin.get("/console/templates/conflicts/?sort=conflicts").content.decode()
    assert page.index("涟源市人民检察院") < page.index("新化县人民检察院")
