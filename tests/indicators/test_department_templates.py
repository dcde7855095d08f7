"""Department templates (部门整体支出绩效评价) authored with the 投入 / 过程 / 产出 / 效果
headings (issue 16): the department layout only for department-scope templates, its own split
keyed input/process/output/outcome (过程 includes the execution weight) or none (the unit's
province policy decides at evaluation time), headings 投入指标/过程指标/效果指标 accepted
there and refused in a project template, and the sums checked at publication."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backend.core.errors import DomainError
from backend.indicators import selectors
from backend.indicators.models import Layout, Scope, Template, TemplateVersion, VersionStatus
from backend.indicators.services import authoring
from tests.indicators.factories import qualitative, quantity, valid_split

pytestmark = pytest.mark.django_db
SPLIT = {"input": "15", "process": "55", "output": "20", "outcome": "10"}


def problems_of(caught: pytest.ExceptionInfo[DomainError]) -> set[tuple[str, str | None]]:
    return {(p.code, p.field) for p in caught.value.problems}


def department_template(code: str = "dept-test", **options: Any) -> Template:
    options = {"scope": Scope.DEPARTMENT, "layout": Layout.DEPARTMENT, **options}
    return authoring.create_template(code=code, name="部门整体测试模板", user=None, **options)


def draft(template: Template) -> TemplateVersion:
    version = selectors.draft_of(template)
    assert version is not None
    return version


def lines(input_: int = 15, process: int = 45, output: int = 20, outcome: int = 10) -> list[Any]:
    """One line per part; 过程 less the execution weight (10)."""
    return [
        qualitative("budget-plan", input_, level1="投入指标", level2="预算配置"),
        quantity(
            "payment", process, level1="过程指标", level2="预算执行", unit="%",
            target_value=Decimal("100"),
        ),
        quantity("duties", output, level1="产出指标", level2="职责履行", unit="%"),
        qualitative("effect", outcome, level1="效果指标", level2="履职效益"),
    ]  # fmt: skip


def test_a_department_template_with_its_own_split_publishes() -> None:
    template = department_template(group_weights=SPLIT)
    assert (template.scope, template.layout) == (Scope.DEPARTMENT, Layout.DEPARTMENT)
    assert template.group_weights == SPLIT
    version = draft(template)
    for data in lines():
        authoring.add_indicator(version, data)
    published = authoring.publish_version(version, user=None, changelog="部门整体指标")
    assert published.status == VersionStatus.PUBLISHED
    levels = set(published.indicators.values_list("level1", "level2"))
    assert ("投入指标", "预算配置") in levels and ("过程指标", "预算执行") in levels


def test_the_parts_must_follow_the_split_process_less_execution() -> None:
    version = draft(department_template(group_weights=SPLIT))
    for data in lines(input_=20, process=40):  # 投入 20 ≠ 15, 过程 40 ≠ 55 − 10
        authoring.add_indicator(version, data)
    with pytest.raises(DomainError) as caught:
        authoring.publish_version(version, user=None, changelog="x")
    assert problems_of(caught) == {
        ("GROUP_WEIGHT_MISMATCH", "weights.input"),
        ("GROUP_WEIGHT_MISMATCH", "weights.process"),
    }
    process = next(p for p in caught.value.problems if p.field == "weights.process")
    assert "过程指标分值合计 40.00，应为 45.00（过程分值减去预算执行率分值 10.00）" in (
        process.message
    )


def test_without_a_split_only_the_total_is_checked_the_policy_decides_later() -> None:
    version = draft(department_template())
    for data in lines(input_=25, process=35):  # another province's split: fine, total 90
        authoring.add_indicator(version, data)
    assert authoring.publish_version(version, user=None, changelog="x").status == "published"
    other = draft(department_template("dept-short"))
    for data in lines(outcome=5):
        authoring.add_indicator(other, data)
    with pytest.raises(DomainError) as caught:
        authoring.publish_version(other, user=None, changelog="x")
    assert problems_of(caught) == {("TOTAL_WEIGHT_MISMATCH", "weights.total")}


@pytest.mark.parametrize(
    ("options", "field", "words"),
    [
        ({"scope": Scope.PROJECT}, "layout", "只用于部门整体支出模板"),
        (
            {"group_weights": {"output": 50, "effect": 40}},
            "group_weights",
            "投入、过程、产出、效果",
        ),
        ({"group_weights": {**SPLIT, "input": "25"}}, "group_weights", "合计 110.00"),
        (
            {"group_weights": {**SPLIT, "process": "5", "input": "65"}},
            "group_weights",
            "小于预算执行率分值",
        ),
    ],
)
def test_bad_department_settings_are_refused(
    options: dict[str, Any], field: str, words: str
) -> None:
    with pytest.raises(DomainError) as caught:
        department_template(**options)
    (problem,) = caught.value.problems
    assert problem.field == field and words in problem.message
    assert not Template.objects.filter(code="dept-test").exists()


def test_department_headings_only_in_a_department_template() -> None:
    project = authoring.create_template(code="project-test", name="项目模板", user=None)
    with pytest.raises(DomainError) as caught:
        authoring.add_indicator(draft(project), lines()[0])
    assert problems_of(caught) == {("INVALID_LEVEL", "level1")}
    department = draft(department_template())
    with pytest.raises(DomainError) as caught:
        authoring.add_indicator(
            department, qualitative("x", 5, level1="投入指标", level2="预算执行")
        )
    assert problems_of(caught) == {("INVALID_LEVEL", "level2")}
    # the project headings still count there (效益 under 效果)
    authoring.add_indicator(department, valid_split()[2])


def test_the_starter_department_template_is_created_with_its_scope() -> None:
    from backend.indicators.services.starter import load_department_templates

    (version,) = load_department_templates()
    assert version.template.scope == Scope.DEPARTMENT
