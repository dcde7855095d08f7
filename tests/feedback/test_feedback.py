"""Feedback batches (issue 7): one text to many units chosen by hand or by a filter — always
below the issuer — each item with the unit's own figures; rectification requests when asked;
units read and answer; the issuer's response and closure rates."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone

from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from backend.feedback import selectors, services
from backend.feedback.models import FeedbackItem, RectificationRequest
from backend.oversight.models import AlertRecord
from tenants.models import Procuratorate
from tests.feedback.factories import (
    ProjectFactFactory,
    RectificationFactory,
    UnitYearFactFactory,
)

pytestmark = pytest.mark.django_db

D = Decimal
DUE = datetime.date(2099, 6, 30)


@pytest.fixture
def people(member: Callable[..., User]) -> dict[str, User]:
    return {
        "admin": member("hunan", Role.PROVINCE_ADMIN),
        "loudi": member("loudi", Role.CITY_REVIEWER),
        "changsha": member("changsha", Role.CITY_REVIEWER),
        "lsj": member("lengshuijiang", Role.UNIT_FINANCE),
        "lsj_leader": member("lengshuijiang", Role.UNIT_LEADER),
        "lianyuan": member("lianyuan", Role.UNIT_FINANCE),
    }


def alert(unit: Procuratorate, n: int, status: str = "open") -> AlertRecord:
    return AlertRecord.objects.create(
        unit=unit,
        alert_id=n,
        kind="execution_lag",
        severity="warning",
        status=status,
        fiscal_year=2026,
        month=8,
        message="执行进度滞后",
        evidence={},
        raised_at=timezone.now(),
        answer_due=datetime.date(2026, 9, 15),
    )


@pytest.fixture
def facts(unit: Callable[[str], Procuratorate]) -> None:
    """冷水江: two projects (600,000 executed 480,000; 400,000 not evaluated), scored 78.50 中,
    two open alerts and one answered, one overdue rectification and one accepted. 涟源: 95.00
    优, 98 % executed. 长沙芙蓉: 55.00 差."""
    lsj, lianyuan, furong = unit("lengshuijiang"), unit("lianyuan"), unit("changsha-furong")
    ProjectFactFactory(unit=lsj, full_budget=D("600000.00"), executed=D("480000.00"))
    ProjectFactFactory(unit=lsj, full_budget=D("400000.00"))
    ProjectFactFactory(unit=lsj, fiscal_year=2025, full_budget=D("5.00"))  # another year
    UnitYearFactFactory(
        unit=lsj,
        evaluated_projects=1,
        evaluated_budget=D("600000.00"),
        evaluated_executed=D("480000.00"),
        project_score=D("78.50"),
        project_grade="中",
    )
    UnitYearFactFactory(
        unit=lianyuan,
        evaluated_projects=1,
        evaluated_budget=D("100.00"),
        evaluated_executed=D("98.00"),
        project_score=D("95.00"),
        project_grade="优",
        department_score=D("93.00"),
        department_grade="优",
    )
    UnitYearFactFactory(
        unit=furong,
        evaluated_projects=1,
        evaluated_budget=D("100.00"),
        evaluated_executed=D("40.00"),
        project_score=D("55.00"),
        project_grade="差",
    )
    alert(lsj, 1), alert(lsj, 2), alert(lsj, 3, status="answered")
    hunan = unit("hunan")
    RectificationFactory(unit=lsj, issuer=hunan, overdue=True)
    RectificationFactory(unit=lsj, issuer=hunan, status="accepted")


def issue(issuer: Procuratorate, actor: User, **kw: object):
    kw.setdefault("fiscal_year", 2026)
    kw.setdefault("title", "2026 年度绩效评价反馈")
    kw.setdefault("body", "请对照本院数据，查找薄弱环节。")
    return services.issue_feedback(issuer, actor, **kw)


def recipients(batch) -> list[str]:
    return [item.unit.code for item in batch.items.select_related("unit")]


def test_by_hand_with_each_units_own_figures(facts, people, unit):
    lsj, lianyuan = unit("lengshuijiang"), unit("lianyuan")
    batch = issue(unit("hunan"), people["admin"], unit_ids=[lsj.pk, lianyuan.pk])
    assert sorted(recipients(batch)) == ["lengshuijiang", "lianyuan"]
    assert batch.selection["unit_codes"] == ["lengshuijiang", "lianyuan"]
    figures = FeedbackItem.objects.get(batch=batch, unit=lsj).figures
    assert figures == {
        "fiscal_year": 2026,
        "projects": 2,
        "budget": "1000000.00",
        "executed": "480000.00",
        "execution_rate": "80.00",  # 480,000 ÷ 600,000 (only projects with a spend recorded)
        "evaluated_projects": 1,
        "self_score": "78.50",
        "self_grade": "中",
        "department_score": None,
        "department_grade": None,
        "open_alerts": 2,
        "open_rectifications": 1,
        "overdue_rectifications": 1,
    }
    other = FeedbackItem.objects.get(batch=batch, unit=lianyuan).figures
    assert (other["budget"], other["execution_rate"], other["self_grade"]) == ("0.00", None, "优")
    assert other["department_score"] == "93.00" and other["open_alerts"] == 0
    assert not RectificationRequest.objects.filter(feedback_item__batch=batch).exists()


@pytest.mark.parametrize(
    ("issuer", "actor", "selection", "expected"),
    [
        ("hunan", "admin", {"level": "city"}, ["changsha", "loudi"]),
        ("hunan", "admin", {"grade": ["中", "差"]}, ["changsha-furong", "lengshuijiang"]),
        ("hunan", "admin", {"grade": "优"}, ["lianyuan"]),
        ("hunan", "admin", {"overdue_rectification": True}, ["lengshuijiang"]),
        ("hunan", "admin", {"execution_rate_below": "85"}, ["changsha-furong", "lengshuijiang"]),
        (
            "hunan",
            "admin",
            {"city": "changsha", "level": "county"},
            ["changsha-furong", "changsha-tianxin"],
        ),
        ("loudi", "loudi", {"grade": ["中", "差"]}, ["lengshuijiang"]),  # never another city's
        (
            "loudi",
            "loudi",
            {"level": "county"},
            ["lengshuijiang", "lianyuan", "loudi-louxing", "shuangfeng", "xinhua"],
        ),
        ("loudi", "loudi", {"city": "changsha"}, None),
    ],
)
def test_by_filter_within_the_issuers_subtree(
    facts, people, unit, issuer, actor, selection, expected
):
    if expected is None:
        with pytest.raises(DomainError) as error:
            issue(unit(issuer), people[actor], filter=selection)
        assert [p.code for p in error.value.problems] == ["NO_UNITS"]
        return
    batch = issue(unit(issuer), people[actor], filter=selection)
    assert sorted(recipients(batch)) == expected
    assert batch.selection["filter"] == selection


def test_a_filter_narrows_a_hand_picked_list(facts, people, unit):
    ids = [unit(c).pk for c in ("lengshuijiang", "lianyuan", "xinhua")]
    batch = issue(unit("hunan"), people["admin"], unit_ids=ids, filter={"grade": "中"})
    assert recipients(batch) == ["lengshuijiang"]


def test_by_peer_group(facts, people, unit):
    from backend.benchmarking import peers

    hunan = unit("hunan")
    peers.define_peer_group(
        hunan, code="pilot", name="试点院", kind="list", units=["lianyuan", "changsha-tianxin"]
    )
    batch = issue(hunan, people["admin"], filter={"peer_group": "pilot"})
    assert sorted(recipients(batch)) == ["changsha-tianxin", "lianyuan"]
    # A city issuing to the province's group reaches only its own units in it.
    batch = issue(unit("loudi"), people["loudi"], filter={"peer_group": "pilot"})
    assert recipients(batch) == ["lianyuan"]
    with pytest.raises(DomainError) as error:
        issue(hunan, people["admin"], filter={"peer_group": "nope"})
    assert [p.code for p in error.value.problems] == ["UNKNOWN_PEER_GROUP"]


def test_refusals(facts, people, unit):
    hunan, loudi = unit("hunan"), unit("loudi")
    furong = unit("changsha-furong")
    with pytest.raises(DomainError) as error:
        issue(loudi, people["loudi"], unit_ids=[furong.pk, unit("lianyuan").pk])
    assert [p.code for p in error.value.problems] == ["OUT_OF_REACH"]
    with pytest.raises(DomainError) as error:
        issue(hunan, people["admin"], unit_ids=[hunan.pk])  # not below itself
    assert [p.code for p in error.value.problems] == ["OUT_OF_REACH"]
    with pytest.raises(DomainError) as error:
        issue(
            hunan,
            people["admin"],
            title="",
            body=" ",
            requires_rectification=True,
            filter={"colour": "red"},
        )
    assert {p.code for p in error.value.problems} == {"REQUIRED", "INVALID_FILTER"}
    assert {p.field for p in error.value.problems} == {"title", "body", "dueOn", "filter"}
    with pytest.raises(DomainError) as error:
        issue(hunan, people["admin"])
    assert [p.code for p in error.value.problems] == ["NO_SELECTION"]
    for issuer, actor in ((hunan, "loudi"), (loudi, "changsha"), (loudi, "lsj"), (hunan, "lsj")):
        with pytest.raises(DomainError) as error:
            issue(issuer, people[actor], filter={"level": "county"})
        assert [p.code for p in error.value.problems] == ["PERMISSION_DENIED"]


def test_read_answer_rectify_and_the_rates(facts, people, unit):
    lsj, lianyuan = unit("lengshuijiang"), unit("lianyuan")
    batch = issue(
        unit("loudi"),
        people["loudi"],
        unit_ids=[lsj.pk, lianyuan.pk, unit("xinhua").pk],
        requires_rectification=True,
        due_on=DUE,
    )
    requests = RectificationRequest.objects.filter(feedback_item__batch=batch)
    assert requests.count() == 3
    assert {(r.origin, r.due_on, r.issuer.code, r.title) for r in requests} == {
        ("feedback", DUE, "loudi", "2026 年度绩效评价反馈")
    }

    def stats() -> tuple:
        row = selectors.batches_under(people["loudi"]).get(pk=batch.pk)
        return (
            row.unit_count,
            row.read_count,
            row.answered_count,
            row.rectification_count,
            row.accepted_count,
            selectors.rate(row.answered_count, row.unit_count),
            selectors.rate(row.accepted_count, row.rectification_count),
        )

    assert stats() == (3, 0, 0, 3, 0, D("0.00"), D("0.00"))
    lsj_item = FeedbackItem.objects.get(batch=batch, unit=lsj)
    services.mark_feedback_read(lsj_item, people["lsj"])
    first_read = lsj_item.read_at
    services.mark_feedback_read(lsj_item, people["lsj_leader"])
    assert lsj_item.read_at == first_read
    lianyuan_item = FeedbackItem.objects.get(batch=batch, unit=lianyuan)
    services.answer_feedback(lianyuan_item, people["lianyuan"], "已组织整改")
    assert lianyuan_item.read_at is not None and lianyuan_item.answered_by == people["lianyuan"]
    assert stats()[:3] == (3, 2, 1)
    request = requests.get(unit=lianyuan)
    services.respond_rectification(request, people["lianyuan"], "整改完毕")
    services.accept_rectification(request, people["loudi"], "通过")
    # answered 1 of 3 = 33.33 %; accepted 1 of 3 = 33.33 %
    assert stats() == (3, 2, 1, 3, 1, D("33.33"), D("33.33"))
    # The province sees the city's batch; another city does not.
    assert selectors.batches_under(people["admin"]).filter(pk=batch.pk).exists()
    assert not selectors.batches_under(people["changsha"]).filter(pk=batch.pk).exists()
    assert not selectors.batches_under(people["lsj"]).exists()


def test_only_the_units_own_people_read_and_answer(facts, people, unit):
    lsj = unit("lengshuijiang")
    batch = issue(unit("hunan"), people["admin"], unit_ids=[lsj.pk])
    item = batch.items.get()
    for user in (people["lianyuan"], people["loudi"], people["admin"]):
        with pytest.raises(DomainError) as error:
            services.mark_feedback_read(item, user)
        assert [p.code for p in error.value.problems] == ["PERMISSION_DENIED"]
        with pytest.raises(DomainError) as error:
            services.answer_feedback(item, user, "x")
        assert [p.code for p in error.value.problems] == ["PERMISSION_DENIED"]
    with pytest.raises(DomainError) as error:
        services.answer_feedback(item, people["lsj"], " ")
    assert [p.code for p in error.value.problems] == ["REQUIRED"]
    assert [i.pk for i in selectors.feedback_items_of_unit(lsj)] == [item.pk]
    assert not selectors.feedback_items_of_unit(unit("lianyuan")).exists()
    assert selectors.feedback_items_of_unit(lsj, unread=True).count() == 1


def test_figures_take_a_fixed_number_of_queries(facts, unit, django_assert_max_num_queries):
    few = [unit("lengshuijiang")]
    many = list(Procuratorate.objects.all())
    with django_assert_max_num_queries(4):
        services.unit_figures(few, 2026)
    with django_assert_max_num_queries(4):
        figures = services.unit_figures(many, 2026)
    assert len(figures) == len(many)
