"""The rectification life: open → responded → accepted, or rejected → open; every illegal step
is a domain error; who may do what; evidence in the unit's own schema; overdue flags (the
service, the beat task function and the beat schedule)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from backend.documents.models import Document
from backend.feedback import selectors, services
from backend.feedback.models import RectificationRequest
from backend.feedback.tasks import flag_overdue_task
from tenants.models import Procuratorate
from tests.feedback.factories import RectificationFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 1)


@pytest.fixture
def people(member: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": member("hunan", Role.PROVINCE_ADMIN),
        "loudi": member("loudi", Role.CITY_REVIEWER),
        "changsha": member("changsha", Role.CITY_REVIEWER),
        "finance": member("lengshuijiang", Role.UNIT_FINANCE),
        "leader": member("lengshuijiang", Role.UNIT_LEADER),
        "lianyuan": member("lianyuan", Role.UNIT_FINANCE),
    }


@pytest.fixture
def opened(unit, people) -> RectificationRequest:
    return services.open_rectification(
        unit("loudi"),
        unit("lengshuijiang"),
        people["loudi"],
        fiscal_year=2026,
        title="执行率偏低",
        requirement="请说明原因并整改",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
    )


def codes(error: pytest.ExceptionInfo[DomainError]) -> set[str]:
    return {p.code for p in error.value.problems}


def evidence(unit: Procuratorate) -> int:
    with tenant_context(unit):
        return Document.objects.create(title="整改报告", file="documents/x.pdf", size=10).pk


def test_open_respond_accept(opened, people, unit):
    lsj = unit("lengshuijiang")
    doc = evidence(lsj)
    assert opened.status == "open" and opened.issuer.code == "loudi"
    services.respond_rectification(opened, people["finance"], "已完成整改", [doc])
    opened.refresh_from_db()
    assert opened.status == "responded"
    services.accept_rectification(opened, people["loudi"], "同意")
    opened.refresh_from_db()
    assert opened.status == "accepted" and opened.accepted_at is not None
    assert [(e.kind, e.text, e.evidence_ids, e.actor) for e in opened.events.all()] == [
        ("responded", "已完成整改", [doc], people["finance"]),
        ("accepted", "同意", [], people["loudi"]),
    ]


def test_reject_reopens_and_the_unit_responds_again(opened, people):
    services.respond_rectification(opened, people["leader"], "初步整改")
    services.reject_rectification(opened, people["admin"], "佐证材料不足")  # a level above
    opened.refresh_from_db()
    assert opened.status == "open"
    services.respond_rectification(opened, people["finance"], "补充材料")
    services.accept_rectification(opened, people["loudi"])
    assert [e.kind for e in opened.events.all()] == [
        "responded",
        "rejected",
        "responded",
        "accepted",
    ]


def test_every_illegal_transition_is_refused(opened, people):
    with pytest.raises(DomainError) as error:
        services.accept_rectification(opened, people["loudi"])
    assert codes(error) == {"INVALID_TRANSITION"}
    with pytest.raises(DomainError) as error:
        services.reject_rectification(opened, people["loudi"], "x")
    assert codes(error) == {"INVALID_TRANSITION"}
    services.respond_rectification(opened, people["finance"], "整改")
    with pytest.raises(DomainError) as error:
        services.respond_rectification(opened, people["finance"], "再次")
    assert codes(error) == {"INVALID_TRANSITION"}
    with pytest.raises(DomainError) as error:
        services.reject_rectification(opened, people["loudi"], " ")
    assert codes(error) == {"REQUIRED"}
    services.accept_rectification(opened, people["loudi"])
    for step in (
        lambda: services.respond_rectification(opened, people["finance"], "x"),
        lambda: services.accept_rectification(opened, people["loudi"]),
        lambda: services.reject_rectification(opened, people["loudi"], "x"),
    ):
        with pytest.raises(DomainError) as error:
            step()
        assert codes(error) == {"INVALID_TRANSITION"}
    assert opened.events.count() == 2


def test_a_response_needs_text_and_evidence_of_the_unit_itself(opened, people, unit):
    elsewhere = evidence(unit("lianyuan"))
    with tenant_context(unit("lengshuijiang")):
        taken = set(Document.objects.values_list("pk", flat=True))
    missing = elsewhere if elsewhere not in taken else max(taken) + 1000
    with pytest.raises(DomainError) as error:
        services.respond_rectification(opened, people["finance"], "", [missing])
    assert codes(error) == {"REQUIRED", "EVIDENCE_NOT_FOUND"}
    opened.refresh_from_db()
    assert opened.status == "open" and not opened.events.exists()


def test_who_may_act(opened, people, unit):
    # Only the unit's own finance/leader responds.
    for user in (people["loudi"], people["admin"], people["lianyuan"]):
        with pytest.raises(DomainError) as error:
            services.respond_rectification(opened, user, "x")
        assert codes(error) == {"PERMISSION_DENIED"}
    services.respond_rectification(opened, people["finance"], "整改完毕")
    # A unit never accepts its own; another city never acts on it.
    for user in (people["finance"], people["leader"], people["changsha"], people["lianyuan"]):
        for step in (services.accept_rectification, services.reject_rectification):
            with pytest.raises(DomainError) as error:
                step(opened, user, "x")
            assert codes(error) == {"PERMISSION_DENIED"}
    # Opening: a reviewer at the issuer, over a unit in its subtree.
    due = timezone.localdate() + datetime.timedelta(days=5)
    refused = [
        (unit("loudi"), unit("changsha-furong"), people["loudi"]),  # another city's unit
        (unit("changsha"), unit("changsha-furong"), people["loudi"]),  # not its issuer
        (unit("loudi"), unit("lianyuan"), people["finance"]),  # a unit's finance
        (unit("hunan"), unit("lianyuan"), people["loudi"]),  # city reviewer for the province
        (unit("lengshuijiang"), unit("lengshuijiang"), people["leader"]),
    ]
    for issuer, target, user in refused:
        with pytest.raises(DomainError) as error:
            services.open_rectification(
                issuer, target, user, fiscal_year=2026, title="t", requirement="r", due_on=due
            )
        assert codes(error) == {"PERMISSION_DENIED"}, (issuer.code, target.code)
    assert RectificationRequest.objects.count() == 1


def test_opening_checks_every_field(people, unit):
    with pytest.raises(DomainError) as error:
        services.open_rectification(
            unit("hunan"),
            unit("lianyuan"),
            people["admin"],
            fiscal_year=2026,
            title=" ",
            requirement="",
            due_on=TODAY - datetime.timedelta(days=1),
            project_id=999_999,
            today=TODAY,
        )
    assert codes(error) == {"REQUIRED", "DUE_IN_PAST", "NOT_FOUND"}
    assert {p.field for p in error.value.problems} == {
        "title",
        "requirement",
        "dueOn",
        "projectId",
    }


def test_overdue_flags_are_set_cleared_and_idempotent(unit):
    lsj, hunan = unit("lengshuijiang"), unit("hunan")
    late = RectificationFactory(unit=lsj, issuer=hunan, due_on=TODAY - datetime.timedelta(days=1))
    due_today = RectificationFactory(unit=lsj, issuer=hunan, due_on=TODAY)
    responded_late = RectificationFactory(
        unit=lsj, issuer=hunan, due_on=TODAY - datetime.timedelta(days=3), status="responded"
    )
    accepted_late = RectificationFactory(
        unit=lsj, issuer=hunan, due_on=TODAY - datetime.timedelta(days=3), status="accepted"
    )
    wrongly_flagged = RectificationFactory(
        unit=lsj, issuer=hunan, due_on=TODAY + datetime.timedelta(days=3), overdue=True
    )
    assert services.flag_overdue(TODAY) == 3
    flags = {r.pk: r.overdue for r in RectificationRequest.objects.filter(unit=lsj)}
    assert flags == {
        late.pk: True,
        due_today.pk: False,  # due today is not yet late
        responded_late.pk: True,
        accepted_late.pk: False,
        wrongly_flagged.pk: False,
    }
    assert services.flag_overdue(TODAY) == 0
    # The next day the one due today is late; the beat task runs the same service.
    assert flag_overdue_task((TODAY + datetime.timedelta(days=1)).isoformat()) == 1
    assert flag_overdue_task((TODAY + datetime.timedelta(days=1)).isoformat()) == 0
    assert RectificationRequest.objects.get(pk=due_today.pk).overdue


def test_accepting_clears_overdue_and_rejecting_late_sets_it(unit, people):
    lsj, loudi = unit("lengshuijiang"), unit("loudi")
    one = RectificationFactory(
        unit=lsj, issuer=loudi, due_on=TODAY, status="responded", overdue=False
    )
    services.reject_rectification(
        one, people["loudi"], "不合格", today=TODAY + datetime.timedelta(1)
    )
    one.refresh_from_db()
    assert one.status == "open" and one.overdue
    services.respond_rectification(one, people["finance"], "重新整改")
    services.accept_rectification(one, people["loudi"], "通过")
    one.refresh_from_db()
    assert one.status == "accepted" and not one.overdue


def test_the_beat_runs_the_task_daily() -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["rectification-overdue"]
    assert entry["task"] == "feedback.flag_overdue"
    assert flag_overdue_task.name == "feedback.flag_overdue"


def test_lists_by_reach(unit, people, opened):
    furong = unit("changsha-furong")
    RectificationFactory(unit=furong, issuer=unit("changsha"), overdue=True)

    def seen(user: User, **kw: object) -> set[str]:
        return {r.unit.code for r in selectors.rectifications_under(user, **kw)}

    assert seen(people["admin"]) == {"lengshuijiang", "changsha-furong"}
    assert seen(people["admin"], overdue=True) == {"changsha-furong"}
    assert seen(people["admin"], city="loudi") == {"lengshuijiang"}
    assert seen(people["admin"], unit="changsha-furong", status="open") == {"changsha-furong"}
    assert seen(people["loudi"]) == {"lengshuijiang"}
    assert seen(people["loudi"], city="changsha") == set()
    assert seen(people["changsha"]) == {"changsha-furong"}
    assert seen(people["finance"]) == set()  # a unit's people use their own host
    assert [r.pk for r in selectors.rectifications_of_unit(unit("lengshuijiang"))] == [opened.pk]
    assert not selectors.rectifications_of_unit(unit("lianyuan")).exists()
