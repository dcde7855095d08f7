"""console:template-push-new, console:template-push (the progress and its partial),
console:template-push-retry and console:template-push-rerun."""

from __future__ import annotations

import pytest

from backend.indicators.models import PushStatus, PushTarget, TemplatePush
from backend.indicators.services import push
from tests.web.console.templates.conftest import extra_counties, published, push_now

pytestmark = pytest.mark.django_db


def test_city_reviewer_is_refused(persona, browse) -> None:
    version = published("web-push")
    page = browse(persona("city_reviewer"), None)
    assert page.get(f"/console/templates/versions/{version.pk}/push/").status_code == 403
    response = page.post(f"/console/templates/versions/{version.pk}/push/", {"kind": "all"})
    assert response.status_code == 403
    assert not TemplatePush.objects.filter(version=version).exists()


def test_push_to_a_city_records_a_target_per_unit(admin, django_capture_on_commit_callbacks):
    version = published("web-push")
    page = admin.get(f"/console/templates/versions/{version.pk}/push/").content.decode()
    assert "娄底市人民检察院" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post(
            f"/console/templates/versions/{version.pk}/push/", {"kind": "city", "city": "loudi"}
        )
    record = TemplatePush.objects.get(version=version)
    assert response["Location"] == f"/console/templates/pushes/{record.pk}/"
    codes = set(PushTarget.objects.filter(push=record).values_list("unit__code", flat=True))
    assert codes == {"loudi", "loudi-louxing", "shuangfeng", "xinhua", "lengshuijiang", "lianyuan"}


def test_bad_scope_shows_the_services_message(admin) -> None:
    version = published("web-push")
    url = f"/console/templates/versions/{version.pk}/push/"
    response = admin.post(url, {"kind": "codes", "codes": "lengshuijiang, no-such-unit"})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-field-error="codes"' in page and "单位不存在：no-such-unit" in page
    response = admin.post(url, {"kind": "city"})
    assert 'data-field-error="city"' in response.content.decode()
    response = admin.post(url, {"kind": "peer", "peer_group": ""})
    assert 'data-field-error="peer_group"' in response.content.decode()
    assert not TemplatePush.objects.filter(version=version).exists()


def test_a_draft_cannot_be_pushed(admin) -> None:
    from tests.web.console.templates.conftest import draft_of, new_template

    version = draft_of(new_template("web-push-d"))
    response = admin.post(f"/console/templates/versions/{version.pk}/push/", {"kind": "all"})
    assert response.status_code == 422
    assert "不是已发布版本" in response.content.decode()


def test_progress_polls_until_done_then_stops(admin) -> None:
    version = published("web-push")
    record = push.push_version(
        version,
        push.TargetSpec(kind="codes", codes=("lengshuijiang", "lianyuan")),
        user=None,
        dispatch=False,
    )
    url = f"/console/templates/pushes/{record.pk}/"
    page = admin.get(url).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 / 2 个单位（0%）" in page
    push.run_inline(record)
    partial = admin.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert partial.lstrip().startswith('<div id="push-progress"')
    assert "<html" not in partial and "every 1s" not in partial
    assert "2 / 2 个单位（100%）" in partial and "推送完成" in partial


def test_failures_are_listed_and_retried(admin, django_capture_on_commit_callbacks) -> None:
    version = published("web-push")
    record = push_now(version, ["lengshuijiang", "lianyuan"])
    target = PushTarget.objects.get(push=record, unit__code="lianyuan")
    PushTarget.objects.filter(pk=target.pk).update(status=PushStatus.FAILED, error="连接中断")
    page = admin.get(f"/console/templates/pushes/{record.pk}/").content.decode()
    assert 'data-testid="failed-targets"' in page and "连接中断" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post(f"/console/templates/pushes/{record.pk}/targets/{target.pk}/retry/")
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.status == PushStatus.PENDING
    # A target that did not fail is refused, with the service's message.
    done = PushTarget.objects.get(push=record, unit__code="lengshuijiang")
    response = admin.post(
        f"/console/templates/pushes/{record.pk}/targets/{done.pk}/retry/", follow=True
    )
    assert "只能重试失败的推送对象" in response.content.decode()
    # A target of another push is not found.
    other = push_now(version, ["xinhua"])
    assert (
        admin.post(f"/console/templates/pushes/{other.pk}/targets/{target.pk}/retry/").status_code
        == 404
    )


def test_query_count_does_not_grow_with_units(admin, count_queries) -> None:
    version = published("web-push")
    small = push.push_version(
        version, push.TargetSpec(kind="codes", codes=("lengshuijiang",)), user=None, dispatch=False
    )
    units = extra_counties(60)
    large = push.push_version(
        version,
        push.TargetSpec(kind="codes", codes=tuple(u.code for u in units)),
        user=None,
        dispatch=False,
    )
    PushTarget.objects.filter(push__in=[small, large]).update(status=PushStatus.FAILED, error="x")
    count_small = count_queries(lambda: admin.get(f"/console/templates/pushes/{small.pk}/"))
    assert count_queries(lambda: admin.get(f"/console/templates/pushes/{large.pk}/")) == count_small


def test_push_to_a_peer_group_and_to_a_list(admin, django_capture_on_commit_callbacks) -> None:
    from backend.benchmarking import peers
    from tenants.models import Procuratorate

    version = published("web-push")
    peers.define_peer_group(
        Procuratorate.objects.get(code="hunan"),
        code="bt-small",
        name="小院组",
        kind="list",
        units=["xinhua", "changsha-tianxin"],
    )
    url = f"/console/templates/versions/{version.pk}/push/"
    assert "小院组" in admin.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=False):
        response = admin.post(url, {"kind": "peer", "peer_group": "bt-small"})
        assert response.status_code == 302
        first = TemplatePush.objects.get(version=version)
        response = admin.post(url, {"kind": "codes", "codes": "lianyuan，shuangfeng\nlianyuan"})
        assert response.status_code == 302
    codes = set(PushTarget.objects.filter(push=first).values_list("unit__code", flat=True))
    assert codes == {"xinhua", "changsha-tianxin"}
    second = TemplatePush.objects.filter(version=version).exclude(pk=first.pk).get()
    codes = set(PushTarget.objects.filter(push=second).values_list("unit__code", flat=True))
    assert codes == {"lianyuan", "shuangfeng"}


def test_rerun_queues_every_unit_not_done(admin, persona, browse) -> None:
    version = published("web-push")
    record = push_now(version, ["lengshuijiang", "lianyuan", "xinhua"])
    PushTarget.objects.filter(push=record, unit__code__in=["lianyuan", "xinhua"]).update(
        status=PushStatus.FAILED, error="x"
    )
    url = f"/console/templates/pushes/{record.pk}/rerun/"
    assert browse(persona("city_reviewer"), None).post(url).status_code == 403
    assert PushTarget.objects.filter(push=record, status=PushStatus.FAILED).count() == 2
    # The messages would leave on commit; the test's transaction never commits.
    response = admin.post(url, follow=True)
    assert "已重新排队 2 个单位" in response.content.decode()
    assert PushTarget.objects.filter(push=record, status=PushStatus.PENDING).count() == 2
    assert PushTarget.objects.get(push=record, unit__code="lengshuijiang").status == "succeeded"
