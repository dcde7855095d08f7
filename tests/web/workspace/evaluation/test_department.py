"""The department-wide evaluation on its own page (ws:department-detail and its actions): start,
the unit-level indicators scored live and saved, submit, the leader's decision, the report."""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.evaluation.models import DepartmentEvaluation, EvaluationStatus
from backend.evaluation.services import (
    finalise_self_evaluation,
    record_self_evaluation,
    submit_self_evaluation,
)
from backend.indicators.services.starter import load_department_templates
from backend.library.services import adopt_version
from tests.evaluation.factories import MET
from tests.web.conftest import Browser
from tests.web.workspace.evaluation.conftest import draft_evaluation, field_error
from tests.web.workspace.monitoring.conftest import in_unit

pytestmark = pytest.mark.django_db
D = Decimal
URL = "/evaluations/department/2026/"
RESULTS = {
    "summary": "总体良好",
    "improvement_measures": "",
    "dp-budget-accuracy-actual_value": "93",
    "dp-carryover-actual_value": "6",
    "dp-procurement-actual_value": "90",
    "dp-procurement-deviation_reason": "部分采购延至次年",
    "dp-assets-band": "achieved",
    "dp-assets-band_score": "10",
    "dp-three-public-actual_value": "88",
    "dp-case-quality-actual_value": "97",
    "dp-satisfaction-actual_value": "93",
}


def finalised_project(finance: User, leader: User) -> None:
    evaluation = draft_evaluation(finance)
    with in_unit():
        record_self_evaluation(evaluation, finance, indicators=MET)
        submit_self_evaluation(evaluation, finance)
        finalise_self_evaluation(evaluation, leader)


def with_template() -> None:
    versions = load_department_templates()
    with in_unit():
        for version in versions:
            adopt_version(version)


def department() -> DepartmentEvaluation:
    with in_unit():
        return DepartmentEvaluation.objects.get(fiscal_year=2026)


def test_the_whole_year_of_the_department(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance, leader = persona("finance"), persona("leader")
    with_template()
    finalised_project(finance, leader)
    page = browse(finance)
    html = page.get(URL).content.decode()
    assert "开始部门整体自评" in html
    assert page.post(f"{URL}start/").status_code == 302
    html = page.get(URL).content.decode()
    assert "预算编制准确率" in html or "dp-budget-accuracy" in html
    assert "项目加权平均分" in html and "96.00" in html

    live = page.post(f"{URL}score/", RESULTS).content.decode()
    total = re.search(r'data-testid="live-total">([^<]*)<', live).group(1)  # type: ignore[union-attr]
    assert total == "98.47"  # execution 9.00 + indicators 89.47 (tests/evaluation)
    assert department().total != D("98.47")  # nothing saved

    bad = page.post(f"{URL}save/", {**RESULTS, "dp-carryover-actual_value": "-1"})
    assert "不能为负数" in field_error(bad.content.decode(), "dp-carryover-actual_value")
    assert page.post(f"{URL}submit/", RESULTS).status_code == 302
    assert (department().status, department().total) == (EvaluationStatus.SUBMITTED, D("98.47"))

    boss = browse(leader)
    assert boss.post(f"{URL}finalise/").status_code == 302
    assert department().status == EvaluationStatus.FINALISED
    report = boss.post(f"{URL}report/")
    assert report.status_code == 302 and report["Location"].startswith("/documents/")


def test_submitting_without_a_finalised_project_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("finance"))
    page.post(f"{URL}start/")
    html = page.post(f"{URL}submit/", {"summary": "x"}).content.decode()
    assert "尚无定稿的项目自评" in html
    assert department().status == EvaluationStatus.DRAFT


def test_without_a_department_evaluation_the_actions_are_404(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    page = browse(persona("finance"))
    for action in ("score", "save", "submit", "report"):
        assert page.post(f"{URL}{action}/", RESULTS).status_code == 404, action


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    browse(persona("finance")).post(f"{URL}start/")
    page = browse(persona(name))
    response = page.get(URL)
    assert response.status_code == 403 and "部门整体支出绩效自评" not in response.content.decode()
    for action in ("start", "score", "save", "submit", "return", "finalise", "report"):
        assert page.post(f"{URL}{action}/", RESULTS).status_code == 403, action


def test_the_query_count_does_not_grow_with_the_project_evaluations(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    page = browse(finance)
    page.post(f"{URL}start/")
    for _ in range(10):
        draft_evaluation(finance)
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    for _ in range(190):
        draft_evaluation(finance)
    assert count_queries(lambda: page.get(URL)) == small
