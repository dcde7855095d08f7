"""An alert (ws:alert-detail, ws:alert-answer): its message and evidence, the answer form
(continue / re-allocate / cancel, with a note) for the unit's finance and leader."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.monitoring.models import Alert, AlertKind, AlertStatus
from tests.web.conftest import Browser
from tests.web.workspace.monitoring.conftest import in_unit, lagging_entry, many_alerts

pytestmark = pytest.mark.django_db


def lag_alert(finance: User) -> Alert:
    project, _entry = lagging_entry(finance)
    with in_unit():
        return Alert.objects.get(project=project, kind=AlertKind.EXECUTION_LAG)


def test_the_alert_shows_its_message_evidence_and_form(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    finance = persona("finance")
    alert = lag_alert(finance)
    html = browse(finance).get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert alert.message in html
    for text in (
        "预警依据",
        "预算执行率（%）",
        "时间进度（%）",
        "继续执行",
        "调整资金用途",
        "取消项目",
    ):
        assert text in html, text


@pytest.mark.parametrize("name", ["finance", "leader"])
def test_the_unit_answers(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    alert = lag_alert(persona("finance"))
    page = browse(persona(name))
    response = page.post(
        f"/monitoring/alerts/{alert.pk}/answer/",
        {"response": "reallocate", "note": "调整部分资金用于装备采购"},
    )
    assert response.status_code == 302
    with in_unit():
        alert.refresh_from_db()
        assert (alert.status, alert.response) == (AlertStatus.ANSWERED, "reallocate")
    html = page.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert "调整资金用途" in html and "调整部分资金用于装备采购" in html
    assert "提交反馈" not in html  # answered: no second answer
    again = page.post(f"/monitoring/alerts/{alert.pk}/answer/", {"response": "cancel", "note": "x"})
    assert "不能再反馈" in again.content.decode()


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"response": "later", "note": "x"}, "response", "选择一个有效的选项"),
        ({"response": "continue", "note": ""}, "note", "必填项"),
        ({"response": "continue", "note": "说明\x00"}, "note", "空字符"),
        ({"response": "continue", "note": "长" * 2001}, "note", "2000"),
    ],
)
def test_bad_answers_are_refused_next_to_the_field(
    data: dict[str, str],
    field: str,
    message: str,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
) -> None:
    finance = persona("finance")
    alert = lag_alert(finance)
    response = browse(finance).post(f"/monitoring/alerts/{alert.pk}/answer/", data)
    html = response.content.decode()
    assert message in html.split(f'data-field-error="{field}">', 1)[1].split("<", 1)[0]
    with in_unit():
        assert Alert.objects.get(pk=alert.pk).status == AlertStatus.OPEN


@pytest.mark.parametrize("name", ["other_unit_finance", "evaluator", "city_finance"])
def test_another_units_user_gets_403_and_no_data(
    name: str, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    alert = lag_alert(persona("finance"))
    page = browse(persona(name))
    for response in (
        page.get(f"/monitoring/alerts/{alert.pk}/"),
        page.post(f"/monitoring/alerts/{alert.pk}/answer/", {"response": "continue", "note": "x"}),
    ):
        assert response.status_code == 403
        assert alert.message not in response.content.decode()


def test_reviewers_above_read_without_the_form(
    persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    alert = lag_alert(persona("finance"))
    page = browse(persona("city_reviewer"))
    html = page.get(f"/monitoring/alerts/{alert.pk}/").content.decode()
    assert alert.message in html and "提交反馈" not in html
    answer = {"response": "continue", "note": "x"}
    assert page.post(f"/monitoring/alerts/{alert.pk}/answer/", answer).status_code == 403


def test_the_query_count_does_not_grow_with_the_alerts(
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[..., int],
) -> None:
    finance = persona("finance")
    alert = lag_alert(finance)
    page = browse(finance)
    url = f"/monitoring/alerts/{alert.pk}/"
    page.get(url)
    many_alerts(10)
    small = count_queries(lambda: page.get(url))
    many_alerts(190)
    assert count_queries(lambda: page.get(url)) == small


def evidence_keys() -> set[str]:
    """Every key the monitoring rules write into an alert's evidence (read from their source:
    ``evidence.update(key=…)``, ``evidence["key"] = …`` and the dicts assigned to evidence)."""
    import ast
    import inspect

    from backend.monitoring import rules

    keys: set[str] = set()
    for node in ast.walk(ast.parse(inspect.getsource(rules))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "evidence"
        ):
            keys.update(k.arg for k in node.keywords if k.arg)
        targets = getattr(node, "targets", None) or [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Subscript) and getattr(target.value, "id", "") == "evidence":
                keys.add(target.slice.value)  # type: ignore[attr-defined]
            if isinstance(target, ast.Name) and target.id == "evidence":
                value = node.value  # type: ignore[attr-defined]
                if isinstance(value, ast.Dict):
                    keys.update(k.value for k in value.keys if isinstance(k, ast.Constant))
        if isinstance(node, ast.FunctionDef) and node.name == "_base_evidence":
            for ret in ast.walk(node):
                if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                    keys.update(k.value for k in ret.value.keys if isinstance(k, ast.Constant))
    return keys


def test_every_evidence_key_the_rules_write_has_a_chinese_label() -> None:
    from backend.web.workspace.monitoring.views import EVIDENCE_LABELS

    keys = evidence_keys()
    assert {"gap_points", "mean_progress", "lag_points", "monthly_spent"} <= keys
    assert sorted(keys - EVIDENCE_LABELS.keys()) == []
