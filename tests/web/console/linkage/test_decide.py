"""One budget linkage (console:linkage-decide): the suggestion with its basis; the decision
through ``decide_linkage`` (bad input beside its field in Chinese, nothing written); a city
does not decide its own budget; 404 outside the scope."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.accounts.models import User
from backend.feedback.models import BudgetLinkage
from tenants.models import Procuratorate
from tests.web.conftest import Browser

pytestmark = pytest.mark.django_db
D = Decimal


def linkages(n: int, code: str, start: int = 0) -> list[BudgetLinkage]:
    return BudgetLinkage.objects.bulk_create(
        BudgetLinkage(
            unit=Procuratorate.objects.get(code=code),
            fiscal_year=2026,
            project_id=100_000 + start + i,
            project_code=f"p{start + i}",
            project_name=f"挂钩项目{start + i}",
            grade="中",
            score=D("72.00"),
            base_budget=D("100000.00"),
            suggested_action="reduce",
            suggested_min_pct=D("-10"),
            suggested_max_pct=D("0"),
            basis={"rule": "中：压减，至多 10%", "budget_range": ["90000.00", "100000.00"]},
        )
        for i in range(n)
    )


def url(pk: int) -> str:
    return f"/console/linkage/{pk}/"


def test_decide(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    row = linkages(1, "lengshuijiang")[0]
    page = browse(persona("city_reviewer"), None)
    html = page.get(url(row.pk)).content.decode()
    assert "中：压减，至多 10%" in html and "作出决定" in html
    response = page.post(url(row.pk), {"action": "reduce", "pct": "-5", "reason": "执行偏慢。"})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.decided_budget == D("95000.00") and row.decision_reason == "执行偏慢。"
    html = page.get(url(row.pk)).content.decode()
    assert "95,000.00" in html and 'data-testid="history"' in html


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"action": "reduce", "pct": "5", "reason": "r"},
            "pct",
            "压减预算时调整比例应在 -100 与 0 之间。",
        ),
        ({"action": "reduce", "pct": "", "reason": "r"}, "pct", "请填写调整比例。"),
        ({"action": "keep", "pct": "", "reason": " "}, "reason", "此项为必填项。"),
        ({"action": "reduce", "pct": "abc", "reason": "r"}, "pct", "不是有效的数字"),
        ({"action": "grow", "pct": "", "reason": "r"}, "action", "选择一个有效的选项"),
    ],
)
def test_bad_input(
    data: dict[str, str],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    row = linkages(1, "lengshuijiang")[0]
    response = browse(persona("city_reviewer"), None).post(url(row.pk), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'data-field-error="{field}"' in html and message in html
    row.refresh_from_db()
    assert row.decided_action == "" and row.decided_budget is None


def test_a_city_does_not_decide_its_own_budget(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    row = linkages(1, "loudi")[0]
    page = browse(persona("city_reviewer"), None)
    html = page.get(url(row.pk)).content.decode()
    assert "本院的预算挂钩由上级院决定" in html
    html = page.post(url(row.pk), {"action": "keep", "reason": "r"}).content.decode()
    assert "只有省院管理员或上级市院审核人可以决定预算挂钩。" in html
    row.refresh_from_db()
    assert row.decided_action == ""
    ok = browse(persona("province_admin"), None).post(
        url(row.pk), {"action": "keep", "reason": "r"}
    )
    assert ok.status_code == 302


def test_outside_the_scope(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    row = linkages(1, "lengshuijiang")[0]
    other = browse(persona("other_city_reviewer"), None)
    assert other.get(url(row.pk)).status_code == 404
    assert other.post(url(row.pk), {"action": "keep", "reason": "r"}).status_code == 404
    assert browse(persona("finance"), None).get(url(row.pk)).status_code == 403
    row.refresh_from_db()
    assert row.decided_action == ""


def test_the_query_count_does_not_grow_with_the_history(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    first, second = linkages(2, "lengshuijiang")
    page = browse(persona("city_reviewer"), None)
    for pct in ("-1", "-2", "-3", "-4"):
        page.post(url(second.pk), {"action": "reduce", "pct": pct, "reason": "r"})
    page.get(url(first.pk))
    assert count_queries(lambda: page.get(url(first.pk))) == count_queries(
        lambda: page.get(url(second.pk))
    )
