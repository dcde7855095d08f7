"""选定项目与抽查 (console:key-evaluation-plan, …-select, …-draw): the finalised
self-evaluations below the issuer that may be selected; selection and the sampling draw through
the services; bad input beside its field, nothing written."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.benchmarking.models import ProjectFact
from backend.key_evaluation.models import KeyEvaluation, SamplingDraw
from tests.key_evaluation.factories import ProjectFactFactory, finalised_project
from tests.web.conftest import Browser
from tests.web.console.key_evaluations.conftest import unit

pytestmark = pytest.mark.django_db
URL = "/console/key-evaluations/plan/"


def test_select_checked_projects(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    fact = finalised_project(unit("lengshuijiang"), code="prj-plan")
    page = browse(persona("city_reviewer"), None)
    html = page.get(URL).content.decode()
    assert "prj-plan" in html and html.count('data-testid="candidate-row"') == 1
    response = page.post(URL + "select/", {"issuer": "loudi", "fact_ids": [str(fact.pk)]})
    assert response.status_code == 302
    key_eval = KeyEvaluation.objects.get()
    assert key_eval.project_code == "prj-plan" and key_eval.indicators.count() == 4
    assert "prj-plan" not in page.get(URL).content.decode()  # selected: no longer a candidate


def test_nothing_checked_or_a_taken_project_is_refused(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    ProjectFactFactory(unit=unit("changsha-furong"), project_code="cs-1")
    page = browse(persona("city_reviewer"), None)
    html = page.post(URL + "select/", {"issuer": "loudi"}).content.decode()
    assert 'data-field-error="fact_ids"' in html and "请至少勾选一个项目。" in html
    other = ProjectFact.objects.get(project_code="cs-1")  # 长沙's: not a candidate of 娄底
    html = page.post(URL + "select/", {"fact_ids": [str(other.pk)]}).content.decode()
    assert "所选项目不存在或已被选为重点评价。" in html
    assert not KeyEvaluation.objects.exists()


def test_the_draw_and_a_bad_share(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finalised_project(unit("lengshuijiang"), code="prj-draw")
    page = browse(persona("city_reviewer"), None)
    html = page.post(URL + "draw/", {"fiscal_year": "2026", "share": "150"}).content.decode()
    assert 'data-field-error="share"' in html and "抽查比例应在0–100之间。" in html
    assert not SamplingDraw.objects.exists()
    response = page.post(URL + "draw/", {"fiscal_year": "2026", "share": "100", "seed": "s"})
    assert response.status_code == 302
    draw = SamplingDraw.objects.get()
    assert draw.sample_size == 1 and draw.created == 1
    assert KeyEvaluation.objects.get().kind == "sample"


def test_refused(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    fact = finalised_project(unit("lengshuijiang"), code="prj-no")
    page = browse(persona("evaluator"), None)
    assert page.get(URL).status_code == 403
    assert page.post(URL + "select/", {"fact_ids": [str(fact.pk)]}).status_code == 403
    other = browse(persona("other_city_reviewer"), None)
    assert "prj-no" not in other.get(URL).content.decode()
    other.post(URL + "select/", {"fact_ids": [str(fact.pk)]})
    assert not KeyEvaluation.objects.exists()


def test_the_query_count_does_not_grow_with_the_candidates(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    page = browse(persona("province_admin"), None)
    ProjectFactFactory.create_batch(10, unit=unit("lianyuan"))
    page.get(URL)
    small = count_queries(lambda: page.get(URL))
    ProjectFactFactory.create_batch(190, unit=unit("xinhua"))
    assert count_queries(lambda: page.get(URL)) == small
