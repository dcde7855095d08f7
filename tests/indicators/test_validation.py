"""validate_version over unsaved objects: the rules of domain.md, without the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from backend.indicators.models import Layout, Template, TemplateIndicator
from backend.indicators.services.validation import clean_indicator_fields, validate_version
from tests.indicators.factories import (
    effect,
    qualitative,
    quantity,
    satisfaction,
    unsaved,
    valid_split,
)

pytestmark = pytest.mark.django_db


def template(**options: Any) -> Template:
    return Template(code="t", name="测试", **options)


def rows(*data: dict[str, Any]) -> list[TemplateIndicator]:
    return [unsaved(d) for d in data]


def codes(problems: list) -> set[tuple[str, str | None]]:
    return {(p.code, p.field) for p in problems}


def test_a_valid_split_version_passes_without_a_query(django_assert_num_queries: Any) -> None:
    indicators = rows(*valid_split())
    with django_assert_num_queries(0):
        assert validate_version(template(), indicators) == []


def test_an_empty_version_is_refused() -> None:
    assert codes(validate_version(template(), [])) == {("NO_INDICATORS", "indicators")}


@pytest.mark.parametrize(
    ("level1", "level2"),
    [("产出指标", "成本指标"), ("成本指标", "经济成本指标"), ("成本指标", "生态环境成本指标")],
)
def test_both_cost_layouts_are_accepted(level1: str, level2: str) -> None:
    indicators = rows(
        quantity("cases", 40),
        quantity("cost", 10, level1=level1, level2=level2, direction="lte", polarity="reverse"),
        effect("effect", 30),
        satisfaction("satisfied", 10),
    )
    assert validate_version(template(), indicators) == []


def test_levels_must_be_standard() -> None:
    indicators = rows(
        *valid_split(),
        quantity("nowhere", 0.5, level1="其他指标"),
        quantity("misplaced", 0.5, level2="社会效益指标"),
    )
    found = codes(validate_version(template(), indicators))
    assert ("INVALID_LEVEL", "indicators.nowhere.level1") in found
    assert ("INVALID_LEVEL", "indicators.misplaced.level2") in found


def test_group_weights_must_match_the_split() -> None:
    indicators = rows(
        quantity("cases", 45),  # output 45 of 50
        effect("effect", 30),
        satisfaction("satisfied", 15),  # satisfaction 15 of 10
    )
    problems = validate_version(template(), indicators)
    assert codes(problems) == {
        ("GROUP_WEIGHT_MISMATCH", "weights.output"),
        ("GROUP_WEIGHT_MISMATCH", "weights.satisfaction"),
    }  # the total is still 90
    messages = [p.message for p in problems]
    assert "产出指标分值合计 45.00，应为 50.00。" in messages
    assert "满意度指标分值合计 15.00，应为 10.00。" in messages


def test_without_satisfaction_its_points_go_to_effect() -> None:
    assert validate_version(template(), rows(quantity("cases", 50), effect("effect", 40))) == []
    problems = validate_version(template(), rows(quantity("cases", 50), effect("effect", 30)))
    assert codes(problems) == {
        ("GROUP_WEIGHT_MISMATCH", "weights.effect"),
        ("TOTAL_WEIGHT_MISMATCH", "weights.total"),
    }
    effect_message = next(p.message for p in problems if p.field == "weights.effect")
    assert "30.00" in effect_message and "40.00" in effect_message
    assert "满意度" in effect_message
    total_message = next(p.message for p in problems if p.field == "weights.total")
    assert "80.00" in total_message and "90.00" in total_message


def test_a_template_may_declare_its_own_split() -> None:
    custom = template(
        execution_weight=Decimal("20"),
        group_weights={"output": "40", "effect": "30", "satisfaction": "10"},
    )
    assert (
        validate_version(
            custom,
            rows(quantity("cases", 40), effect("effect", 30), satisfaction("satisfied", 10)),
        )
        == []
    )
    # the default split no longer fits
    found = codes(validate_version(custom, rows(*valid_split())))
    assert ("GROUP_WEIGHT_MISMATCH", "weights.output") in found
    assert ("TOTAL_WEIGHT_MISMATCH", "weights.total") in found
    # redistribution works on declared weights too: effect 30 + satisfaction 10
    assert validate_version(custom, rows(quantity("cases", 40), effect("effect", 40))) == []


def test_pooled_layout_only_checks_the_total() -> None:
    pooled = template(layout=Layout.POOLED)
    lopsided = rows(quantity("cases", 80), effect("effect", 5), satisfaction("satisfied", 5))
    assert validate_version(pooled, lopsided) == []
    problems = validate_version(pooled, rows(quantity("cases", 80), effect("effect", 5)))
    assert codes(problems) == {("TOTAL_WEIGHT_MISMATCH", "weights.total")}
    assert "85.00" in problems[0].message and "90.00" in problems[0].message
    # the same version under the split layout fails per group
    found = codes(validate_version(template(), lopsided))
    assert ("GROUP_WEIGHT_MISMATCH", "weights.output") in found


@pytest.mark.parametrize("layout", [Layout.SPLIT, Layout.POOLED])
def test_a_quantity_and_an_effect_indicator_are_required(layout: str) -> None:
    only_quality = rows(
        quantity("quality", 50, level2="质量指标"),
        satisfaction("satisfied", 40),
    )
    found = codes(validate_version(template(layout=layout), only_quality))
    assert ("MISSING_QUANTITY_INDICATOR", "indicators") in found
    assert ("MISSING_EFFECT_INDICATOR", "indicators") in found


def test_quantitative_and_qualitative_rules() -> None:
    indicators = rows(
        quantity("cases", 20, direction="", unit="", target_value="many"),
        quantity("graded", 10, scoring_method="bands"),
        quantity("manual", 20, scoring_method="manual"),  # manual fits both kinds
        qualitative("opinion", 10, direction="gte", target_text=" "),
        qualitative("counted", 10, scoring_method="proportional"),
        qualitative("judged", 10, scoring_method="manual"),
        satisfaction("satisfied", 10),
    )
    found = codes(validate_version(template(), indicators))
    assert found == {
        ("DIRECTION_REQUIRED", "indicators.cases.direction"),
        ("UNIT_REQUIRED", "indicators.cases.unit"),
        ("INVALID_NUMBER", "indicators.cases.target_value"),
        ("INVALID_SCORING_METHOD", "indicators.graded.scoring_method"),
        ("DIRECTION_NOT_ALLOWED", "indicators.opinion.direction"),
        ("TARGET_TEXT_REQUIRED", "indicators.opinion.target_text"),
        ("INVALID_SCORING_METHOD", "indicators.counted.scoring_method"),
    }


def test_a_quantitative_target_is_optional() -> None:
    indicators = rows(*valid_split())
    indicators[0].target_value = None
    assert validate_version(template(), indicators) == []


def test_weights_must_be_positive_and_codes_unique() -> None:
    indicators = rows(
        quantity("cases", 30),
        quantity("cases", 20, level2="质量指标"),
        quantity("free", 0),
        effect("effect", 30),
        satisfaction("satisfied", 10),
    )
    found = codes(validate_version(template(), indicators))
    assert found == {
        ("DUPLICATE_CODE", "indicators.cases.code"),
        ("INVALID_WEIGHT", "indicators.free.weight"),
    }


def test_clean_indicator_fields_coerces_and_names_fields() -> None:
    cleaned, problems = clean_indicator_fields(
        {**quantity(" cases ", 10), "weight": 7.5, "target_value": "1,200", "level2": "数量指标"}
    )
    assert problems == []
    assert cleaned["code"] == "cases"
    assert cleaned["weight"] == Decimal("7.50") and cleaned["target_value"] == Decimal("1200")
    _, problems = clean_indicator_fields({"weight": "abc"}, partial=True)
    assert codes(problems) == {("INVALID_NUMBER", "weight")}
    _, problems = clean_indicator_fields({"weight": 1000}, partial=True)
    assert codes(problems) == {("INVALID_NUMBER", "weight")}
    _, problems = clean_indicator_fields({"sort_order": -1, "polarity": "up"}, partial=True)
    assert codes(problems) == {("INVALID_NUMBER", "sort_order"), ("INVALID_CHOICE", "polarity")}
    # null for a field with a default is "not given"; for a text field it is empty
    cleaned, problems = clean_indicator_fields(
        {"polarity": None, "mandatory": None, "unit": None, "direction": None}, partial=True
    )
    assert (cleaned, problems) == ({"unit": "", "direction": ""}, [])


@pytest.mark.parametrize("value", ["1e30", "-1e100", "9" * 40])
def test_a_huge_number_is_out_of_range_not_a_crash(value: str) -> None:
    _, problems = clean_indicator_fields({"target_value": value, "weight": value}, partial=True)
    assert codes(problems) == {("INVALID_NUMBER", "target_value"), ("INVALID_NUMBER", "weight")}
    assert all("超出允许范围" in p.message for p in problems)
