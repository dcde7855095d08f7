"""A project's page (ws:project-detail): its tabs, each a read-only summary from the selectors
(the budget tab with its forms for those who may change the budget)."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.budgets import services
from backend.budgets.models import BudgetAdjustment, Expenditure, Project
from backend.feedback.models import RectificationRequest
from backend.monitoring.models import Alert, MonitoringEntry
from backend.oversight.models import MonitoringRound
from tenants.models import Procuratorate
from tests.goals.factories import make_goal
from tests.web.conftest import Browser
from tests.web.workspace.projects.conftest import EDITORS, READERS, STRANGERS, YEAR, lsj

pytestmark = pytest.mark.django_db
D = Decimal
TABS = ["info", "budget", "goal", "monitoring", "evaluation", "results", "history"]


def url(project: Project, tab: str = "info") -> str:
    return f"/projects/{project.pk}/?tab={tab}"


@pytest.mark.parametrize("name", [*EDITORS, *READERS])
def test_every_tab_opens_for_the_units_people_and_reviewers(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    page = browse(persona(name))
    for tab in TABS:
        response = page.get(url(project, tab))
        assert response.status_code == 200, tab
        html = response.content.decode()
        assert f'data-testid="tab-{tab}"' in html and "办案业务经费" in html
    budget = page.get(url(project, "budget")).content.decode()
    # reviewers above read; only the unit's own people get the forms
    assert ('data-testid="adjustment-form"' in budget) is (name in EDITORS)
    assert ("编辑项目" in budget) is (name in EDITORS)


@pytest.mark.parametrize("name", STRANGERS)
def test_anyone_else_is_refused_without_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    response = browse(persona(name)).get(url(project, "budget"))
    assert response.status_code == 403
    assert "办案业务经费" not in response.content.decode()


def test_another_units_project_id_is_not_found(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    from django_tenants.utils import tenant_context

    from tests.goals.factories import ProjectFactory

    with tenant_context(Procuratorate.objects.get(code="lianyuan")):
        theirs = ProjectFactory(code="lianyuan-only", name="涟源的项目")
    response = browse(persona("finance")).get(url(theirs))
    assert response.status_code == 404
    assert "涟源的项目" not in response.content.decode()


def test_an_htmx_tab_switch_returns_just_the_tab(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    response = browse(persona("finance")).get(url(project, "history"), HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert 'data-testid="tab-history"' in html and "<html" not in html
    # an unknown tab is the first one
    full = browse(persona("finance")).get(url(project, "nope")).content.decode()
    assert 'data-testid="tab-info"' in full


def test_the_tabs_show_the_projects_year(
    persona: Callable[[str], User], browse: Callable[..., Browser], project: Project
) -> None:
    finance = persona("finance")
    with lsj() as unit:
        services.add_adjustment(
            project,
            date=datetime.date(YEAR, 6, 1),
            amount=D("120000"),
            reason="年中追加",
            user=finance,
        )
        services.record_expenditure(
            project,
            date=datetime.date(YEAR, 3, 15),
            amount=D("3500.5"),
            description="差旅费",
            user=finance,
        )
        services.set_monthly_spending(project, month=5, amount=D("20000"), user=finance)
        goal = make_goal(project=project, status="approved", grade="good")
        round = MonitoringRound.objects.create(
            province=Procuratorate.objects.get(code="hunan"),
            fiscal_year=YEAR,
            month=6,
            opens_on=datetime.date(YEAR, 7, 1),
            closes_on=datetime.date(YEAR, 7, 15),
        )
        MonitoringEntry.objects.create(
            project=project,
            round=round,
            month=6,
            full_budget=D("920000"),
            spent_to_date=D("23500.50"),
            spent_source="expenditures",
            execution_rate=D("2.55"),
            time_progress=D("50.00"),
            forecast_rate=D("80.00"),
            status="submitted",
        )
        Alert.objects.create(
            key="lag",
            kind="execution_lag",
            severity="serious",
            fiscal_year=YEAR,
            month=6,
            project=project,
            message="预算执行率落后时间进度 47.5 个百分点",
            last_seen_at=datetime.datetime.now(datetime.UTC),
            answer_due=datetime.date(YEAR, 7, 20),
        )
        RectificationRequest.objects.create(
            unit=unit,
            issuer=Procuratorate.objects.get(code="loudi"),
            fiscal_year=YEAR,
            origin="reviewer",
            project_id=project.pk,
            title="细化绩效指标",
            requirement="……",
            due_on=datetime.date(YEAR, 12, 31),
        )
    page = browse(finance)
    budget = page.get(url(project, "budget")).content.decode()
    assert "+120,000.00" in budget and "920,000.00" in budget and "年中追加" in budget
    assert "3,500.50" in budget and "差旅费" in budget and "20,000.00" in budget
    assert "23,500.50" in budget  # spent: the payment and May's total
    goal_tab = page.get(url(project, "goal")).content.decode()
    assert "已批复" in goal_tab and "办理案件数" in goal_tab and "92.00 万元" not in goal_tab
    assert "92.00" in goal_tab  # 920,000 元 = 92.00 万元, as the declaration form writes it
    monitoring = page.get(url(project, "monitoring")).content.decode()
    assert "预算执行率落后时间进度 47.5 个百分点" in monitoring and "2.55%" in monitoring
    assert 'data-chart="chart-project-execution"' in monitoring
    results = page.get(url(project, "results")).content.decode()
    assert "细化绩效指标" in results
    history = page.get(url(project, "history")).content.decode()
    history = history.split('data-testid="history"', 1)[1].split("</ol>", 1)[0]
    # who, when, what, before → after
    assert finance.full_name in history
    assert "全年预算数（元）" in history and "800,000.00" in history and "920,000.00" in history
    assert "预算调整（" in history and f"{YEAR} 年度绩效目标" in history
    assert goal.pk


@pytest.mark.parametrize("count", [10, 200])
def test_each_tab_takes_a_fixed_number_of_queries(
    count: int,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
    project: Project,
) -> None:
    finance = persona("finance")
    with lsj():
        make_goal(project=project, status="approved")
        for index in range(count):
            Expenditure.objects.create(
                project=project, date=datetime.date(YEAR, 1 + index % 12, 1), amount=D("1")
            )
            BudgetAdjustment.objects.create(
                project=project,
                date=datetime.date(YEAR, 2, 1),
                amount=D("1"),
                reason="追加",
                created_by=finance,
            )
    page = browse(finance)
    page.get(url(project))
    expected = {
        "info": 8, "budget": 14, "goal": 10, "monitoring": 11, "evaluation": 9,
        "results": 10, "history": 13,
    }  # fmt: skip
    measured = {tab: count_queries(lambda t=tab: page.get(url(project, t))) for tab in TABS}
    assert measured == expected
