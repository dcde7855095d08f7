"""The checks of the provincial indicator library. Pure functions over the objects they are
given: no queries, so the same rules run on a draft in the database, on rows read from a sheet
and on unsaved objects in tests.

- ``clean_indicator_fields``: field by field, what an author may save in a draft (types,
  choices, required fields). Problems name the field as given (``"weight"``).
- ``validate_version``: what a version must satisfy to be published (domain.md, "The indicator
  system" and "Scoring a self-evaluation"). Problems name the indicator
  (``"indicators.<code>.weight"``) or the version (``"indicators"``, ``"weights.<group>"``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import models

from backend.core import cleaning
from backend.core.errors import CoreErrorCode, Problem
from backend.core.numbers import POINTS, VALUE
from backend.indicators import system
from backend.indicators.errors import IndicatorErrorCode
from backend.indicators.models import (
    Direction,
    IndicatorFields,
    Layout,
    Polarity,
    ScoringMethod,
    TargetBasis,
    Template,
    TemplateIndicator,
    ValueType,
)
from backend.indicators.system import ScoringGroup

# Django's slug (SlugField): letters, digits, hyphens and underscores.
CODE_PATTERN = re.compile(r"^[-a-zA-Z0-9_]+\Z")
CODE_MAX_LENGTH = 64

# Every field an author may set on an indicator.
INDICATOR_FIELDS: tuple[str, ...] = ("code", *IndicatorFields.CONTENT_FIELDS)
REQUIRED_FIELDS: tuple[str, ...] = ("code", "level1", "level2", "name", "value_type", "weight")

FIELD_LABELS: dict[str, str] = {
    field: str(cleaning.column(IndicatorFields, field).verbose_name) for field in INDICATOR_FIELDS
}

GROUP_LABELS: dict[ScoringGroup, str] = {
    ScoringGroup.OUTPUT: "产出指标",
    ScoringGroup.EFFECT: "效益指标",
    ScoringGroup.SATISFACTION: "满意度指标",
}

QUANTITY = "数量指标"

_TEXT_LIMITS = {
    "level1": 20,
    "level2": 30,
    "name": 200,
    "unit": 20,
    "target_text": 500,
    "guidance": None,
}
_CHOICES: dict[str, type[models.TextChoices]] = {
    "value_type": ValueType,
    "direction": Direction,
    "polarity": Polarity,
    "scoring_method": ScoringMethod,
    "target_basis": TargetBasis,
}
# Fields with a model default and no empty value: None means "not given".
_DEFAULTED_FIELDS = {
    "polarity",
    "scoring_method",
    "target_basis",
    "mandatory",
    "locked",
    "sort_order",
}
# max_digits / decimal_places of the model fields
_NUMBER_LIMITS = {"target_value": VALUE, "weight": POINTS}


def fmt(value: Decimal) -> str:
    """A weight as users read it: two decimal places."""
    return f"{value:.2f}"


to_decimal = cleaning.to_decimal


def _clean_number(field: str, value: Any) -> tuple[Decimal | None, Problem | None]:
    size = _NUMBER_LIMITS[field]
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, Problem(
            CoreErrorCode.INVALID_NUMBER, f"{FIELD_LABELS[field]}不能为空。", field
        )
    return cleaning.decimal(value, field, FIELD_LABELS[field], size=size)


def _clean_text(field: str, value: Any) -> tuple[str, Problem | None]:
    return cleaning.text(value, field, FIELD_LABELS[field], max_length=_TEXT_LIMITS.get(field))


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def normalise_level2(level2: str) -> str:
    """The standard name of a level-2 indicator (``经济效益`` → ``经济效益指标``)."""
    return system.LEVEL2_ALIASES.get(level2, level2)


def level_problems(
    level1: str, level2: str, *, prefix: str = "", layout: str | None = None
) -> list[Problem]:
    """``level1`` must be a standard level 1 and ``level2`` one of its children (both cost
    layouts are standard: 成本指标 under 产出指标, or 成本指标 as a level 1). A template of
    the department layout also takes 投入指标 / 过程指标 / 效果指标 (``system.levels_for``)."""
    levels = system.levels_for(layout)
    if level1 not in levels:
        return [
            Problem(
                CoreErrorCode.INVALID_LEVEL,
                f"一级指标“{level1}”无效，应为 {'、'.join(levels)} 之一。",
                f"{prefix}level1",
            )
        ]
    allowed = levels[level1]
    if normalise_level2(level2) not in allowed:
        return [
            Problem(
                CoreErrorCode.INVALID_LEVEL,
                f"二级指标“{level2}”不属于{level1}，应为 {'、'.join(allowed)} 之一。",
                f"{prefix}level2",
            )
        ]
    return []


def clean_indicator_fields(
    data: Mapping[str, Any],
    *,
    partial: bool = False,
    base: Mapping[str, Any] | None = None,
    layout: str | None = None,
) -> tuple[dict[str, Any], list[Problem]]:
    """Check and coerce what an author wants to save on an indicator, field by field.

    Returns the cleaned values (only the keys given; strings stripped, numbers as Decimal with
    the model's places, level-2 aliases normalised) and every problem found, each naming its
    field. With ``partial`` the required fields may be left out (an update); ``base`` holds the
    indicator's current values, used to check a new level 2 against the current level 1 and
    the other way round; ``layout``: the template's (its headings, ``level_problems``).
    ``None`` for a field with a default (polarity, scoring method, target
    basis, mandatory, locked, sort order) counts as not given. Cross-field rules (a
    quantitative indicator needs a direction …) are checked at publication by
    ``validate_version``: a draft may be incomplete.
    """
    cleaned: dict[str, Any] = {}
    problems: list[Problem] = []

    for field in data:
        if field not in INDICATOR_FIELDS:
            problems.append(Problem(CoreErrorCode.UNKNOWN_FIELD, f"未知字段“{field}”。", field))

    if not partial:
        for field in REQUIRED_FIELDS:
            if _is_blank(data.get(field)):
                problems.append(
                    Problem(CoreErrorCode.REQUIRED, f"{FIELD_LABELS[field]}不能为空。", field)
                )

    for field in INDICATOR_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if value is None and field in _DEFAULTED_FIELDS:
            continue  # null for a field with a default: as if not given
        if field in REQUIRED_FIELDS and _is_blank(value):
            if partial:  # not reported twice: the loop above covers the full case
                problems.append(
                    Problem(CoreErrorCode.REQUIRED, f"{FIELD_LABELS[field]}不能为空。", field)
                )
            continue
        problem: Problem | None = None
        if field == "code":
            code = str(value).strip()
            if len(code) > CODE_MAX_LENGTH or not CODE_PATTERN.match(code):
                problem = Problem(
                    CoreErrorCode.INVALID_CODE,
                    f"指标编码“{code}”无效：只能使用字母、数字、连字符和下划线，"
                    f"长度不超过 {CODE_MAX_LENGTH}。",
                    field,
                )
            else:
                cleaned[field] = code
        elif field in _CHOICES:
            choices = _CHOICES[field]
            text = "" if value is None else str(value).strip()
            if field == "direction" and text == "":
                cleaned[field] = ""
            elif text in choices.values:
                cleaned[field] = text
            else:
                allowed = "、".join(f"{v}（{lbl}）" for v, lbl in choices.choices)
                problem = Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"{FIELD_LABELS[field]}“{text}”无效，应为 {allowed} 之一。",
                    field,
                )
        elif field in _NUMBER_LIMITS:
            if field == "target_value" and _is_blank(value):
                cleaned[field] = None
            else:
                number, problem = _clean_number(field, value)
                negative = problem is None and number is not None and number < 0
                if negative and field == "weight":
                    problem = Problem(IndicatorErrorCode.INVALID_WEIGHT, "分值不能为负数。", field)
                if negative and field == "target_value":
                    # Actual values are never negative: under ≥ such a target is always met,
                    # under ≤ and = never; the scoring engine refuses it.
                    problem = Problem(
                        IndicatorErrorCode.NEGATIVE_TARGET,
                        "指标值不能为负数：实际完成值不会小于 0，“≥”时总能达成，“≤”“=”时无法达成。",
                        field,
                    )
                if problem is None:
                    cleaned[field] = number
        elif field in ("mandatory", "locked"):
            if isinstance(value, bool):
                cleaned[field] = value
            else:
                problem = Problem(
                    IndicatorErrorCode.INVALID_BOOLEAN, f"{FIELD_LABELS[field]}应为是或否。", field
                )
        elif field == "sort_order":
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2**31:
                cleaned[field] = value
            else:
                problem = Problem(CoreErrorCode.INVALID_NUMBER, "排序应为非负整数。", field)
        else:  # text
            text, problem = _clean_text(field, value)
            if field == "level2":
                text = normalise_level2(text)
            if problem is None:
                cleaned[field] = text
        if problem is not None:
            problems.append(problem)

    # level 2 under level 1, when either is given and neither is already wrong
    given = {"level1", "level2"} & cleaned.keys()
    if given and not {"level1", "level2"} & {p.field for p in problems}:
        current = base or {}
        level1 = cleaned.get("level1", current.get("level1"))
        level2 = cleaned.get("level2", current.get("level2"))
        if level1 is not None and level2 is None:
            problems.extend(
                p for p in level_problems(level1, "", layout=layout) if p.field == "level1"
            )
        elif level1 is not None and level2 is not None:
            problems.extend(level_problems(level1, level2, layout=layout))

    return cleaned, problems


def _label(indicator: TemplateIndicator, index: int) -> str:
    return indicator.code or f"#{index + 1}"


def _weight_of(indicator: TemplateIndicator) -> Decimal | None:
    try:
        return to_decimal(indicator.weight)
    except ValueError:
        return None


def validate_version(template: Template, indicators: Sequence[TemplateIndicator]) -> list[Problem]:
    """Every reason ``indicators`` cannot be published as a version of ``template``; an empty
    list when they can. Makes no query: pass the indicators (and a template whose
    ``layout``, ``execution_weight`` and ``group_weights`` are loaded)."""
    problems: list[Problem] = []
    if not indicators:
        return [Problem(CoreErrorCode.NO_INDICATORS, "版本至少需要一个三级指标。", "indicators")]

    counts = Counter(i.code for i in indicators)
    reported_duplicates: set[str] = set()
    for index, indicator in enumerate(indicators):
        name = _label(indicator, index)
        prefix = f"indicators.{name}."
        title = f"指标“{indicator.name or name}”"

        if not indicator.code:
            problems.append(
                Problem(CoreErrorCode.REQUIRED, f"{title}缺少指标编码。", f"{prefix}code")
            )
        elif not CODE_PATTERN.match(indicator.code) or len(indicator.code) > CODE_MAX_LENGTH:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CODE, f"指标编码“{indicator.code}”无效。", f"{prefix}code"
                )
            )
        if counts[indicator.code] > 1 and indicator.code not in reported_duplicates:
            reported_duplicates.add(indicator.code)
            problems.append(
                Problem(
                    CoreErrorCode.DUPLICATE_CODE,
                    f"指标编码“{indicator.code}”重复 {counts[indicator.code]} 次。",
                    f"{prefix}code",
                )
            )
        if not (indicator.name or "").strip():
            problems.append(
                Problem(CoreErrorCode.REQUIRED, f"{title}缺少三级指标名称。", f"{prefix}name")
            )

        problems.extend(
            Problem(p.code, f"{title}：{p.message}", p.field)
            for p in level_problems(
                indicator.level1 or "",
                indicator.level2 or "",
                prefix=prefix,
                layout=template.layout,
            )
        )

        if indicator.value_type == ValueType.QUANTITATIVE:
            if not indicator.direction:
                problems.append(
                    Problem(
                        IndicatorErrorCode.DIRECTION_REQUIRED,
                        f"{title}为定量指标，须设置运算符（≥、≤ 或 =）。",
                        f"{prefix}direction",
                    )
                )
            elif indicator.direction not in Direction.values:
                problems.append(
                    Problem(
                        CoreErrorCode.INVALID_CHOICE,
                        f"{title}的运算符“{indicator.direction}”无效。",
                        f"{prefix}direction",
                    )
                )
            if not (indicator.unit or "").strip():
                problems.append(
                    Problem(
                        IndicatorErrorCode.UNIT_REQUIRED,
                        f"{title}为定量指标，须设置计量单位。",
                        f"{prefix}unit",
                    )
                )
            if indicator.target_value is not None:
                try:
                    to_decimal(indicator.target_value)
                except ValueError:
                    problems.append(
                        Problem(
                            CoreErrorCode.INVALID_NUMBER,
                            f"{title}的指标值“{indicator.target_value}”不是有效的数字。",
                            f"{prefix}target_value",
                        )
                    )
            if indicator.scoring_method == ScoringMethod.BANDS:
                problems.append(
                    Problem(
                        IndicatorErrorCode.INVALID_SCORING_METHOD,
                        f"{title}为定量指标，不能使用分档计分。",
                        f"{prefix}scoring_method",
                    )
                )
        elif indicator.value_type == ValueType.QUALITATIVE:
            if indicator.direction:
                problems.append(
                    Problem(
                        IndicatorErrorCode.DIRECTION_NOT_ALLOWED,
                        f"{title}为定性指标，不应设置运算符。",
                        f"{prefix}direction",
                    )
                )
            if not (indicator.target_text or "").strip():
                problems.append(
                    Problem(
                        IndicatorErrorCode.TARGET_TEXT_REQUIRED,
                        f"{title}为定性指标，须填写定性目标。",
                        f"{prefix}target_text",
                    )
                )
            if indicator.scoring_method == ScoringMethod.PROPORTIONAL:
                problems.append(
                    Problem(
                        IndicatorErrorCode.INVALID_SCORING_METHOD,
                        f"{title}为定性指标，不能使用比例计分。",
                        f"{prefix}scoring_method",
                    )
                )
        else:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"{title}的指标性质“{indicator.value_type}”无效，应为定量或定性。",
                    f"{prefix}value_type",
                )
            )
        if indicator.scoring_method not in ScoringMethod.values:
            problems.append(
                Problem(
                    CoreErrorCode.INVALID_CHOICE,
                    f"{title}的评分方法“{indicator.scoring_method}”无效。",
                    f"{prefix}scoring_method",
                )
            )

        weight = _weight_of(indicator)
        if weight is None or weight <= 0:
            shown = "（空）" if indicator.weight is None else indicator.weight
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHT,
                    f"{title}的分值 {shown} 应大于 0。",
                    f"{prefix}weight",
                )
            )

    problems.extend(_weight_problems(template, indicators))
    return problems


def _weight_problems(template: Template, indicators: Sequence[TemplateIndicator]) -> list[Problem]:
    """The sums: per scoring group (split layout), in total, and the groups that must not be
    empty."""
    if template.layout == Layout.DEPARTMENT:
        return _department_weight_problems(template, indicators)
    problems: list[Problem] = []
    has_quantity = any(
        i.level1 == system.OUTPUT and normalise_level2(i.level2 or "") == QUANTITY
        for i in indicators
    )
    has_effect = any(i.level1 == system.EFFECT for i in indicators)
    if not has_quantity:
        problems.append(
            Problem(
                IndicatorErrorCode.MISSING_QUANTITY_INDICATOR,
                "至少需要一个产出指标下的数量指标。",
                "indicators",
            )
        )
    if not has_effect:
        problems.append(
            Problem(
                IndicatorErrorCode.MISSING_EFFECT_INDICATOR, "至少需要一个效益指标。", "indicators"
            )
        )

    try:
        execution = to_decimal(template.execution_weight)
    except ValueError:
        execution = system.DEFAULT_EXECUTION_WEIGHT
    weights = [w for w in (_weight_of(i) for i in indicators) if w is not None]
    total = sum(weights, Decimal(0))
    expected_total = Decimal(100) - execution

    if template.layout == Layout.SPLIT:
        has_satisfaction = any(i.level1 == system.SATISFACTION for i in indicators)
        try:
            expected = system.group_weights(
                template.group_weights, has_satisfaction=has_satisfaction
            )
        except (ValueError, TypeError, InvalidOperation):
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"模板的分组分值设置无效：{template.group_weights}。",
                    "group_weights",
                )
            )
            expected = {}
        sums: dict[ScoringGroup, Decimal] = dict.fromkeys(expected, Decimal(0))
        present: set[ScoringGroup] = set()
        for indicator in indicators:
            group = system.GROUP_OF_LEVEL1.get(indicator.level1)
            weight = _weight_of(indicator)
            if group is None:
                continue
            present.add(group)
            sums[group] = sums.get(group, Decimal(0)) + (weight or Decimal(0))
        for group, actual in sums.items():
            target = expected.get(group, Decimal(0))
            # An empty output or effect group is reported above, as a missing indicator.
            if actual != target and group in present:
                label = GROUP_LABELS[group]
                note = ""
                if group == ScoringGroup.EFFECT and not has_satisfaction:
                    note = "（未设满意度指标，满意度分值计入效益指标）"
                problems.append(
                    Problem(
                        IndicatorErrorCode.GROUP_WEIGHT_MISMATCH,
                        f"{label}分值合计 {fmt(actual)}，应为 {fmt(target)}{note}。",
                        f"weights.{group.value}",
                    )
                )

    if total != expected_total:
        problems.append(
            Problem(
                IndicatorErrorCode.TOTAL_WEIGHT_MISMATCH,
                f"指标分值合计 {fmt(total)}，应为 {fmt(expected_total)}"
                f"（总分 100 减去预算执行率分值 {fmt(execution)}）。",
                "weights.total",
            )
        )
    return problems


def _department_weight_problems(
    template: Template, indicators: Sequence[TemplateIndicator]
) -> list[Problem]:
    """The department layout (投入 / 过程 / 产出 / 效果): the lines add up to 100 less the
    execution weight; with the template's own split (``group_weights``) each part's lines
    add up to its weight, 过程 less the execution weight, which counts inside it. Without
    one, the split is the unit's province policy's at evaluation time (15/55/20/10 by
    default), which the engine checks there (``weights_mismatch``)."""
    problems: list[Problem] = []
    try:
        execution = to_decimal(template.execution_weight)
    except ValueError:
        execution = system.DEFAULT_EXECUTION_WEIGHT
    sums: dict[str, Decimal] = {}
    for indicator in indicators:
        group = system.DEPARTMENT_GROUP_OF_LEVEL1.get(indicator.level1 or "")
        if group is not None:
            sums[group] = sums.get(group, Decimal(0)) + (_weight_of(indicator) or Decimal(0))
    if template.group_weights:
        for group in system.DepartmentGroup:
            try:
                want = to_decimal(template.group_weights.get(group.value, 0))
            except ValueError:
                continue  # refused when the template was saved
            if group == system.DepartmentGroup.PROCESS:
                want -= execution
            have = sums.get(group, Decimal(0))
            if have != want:
                label = system.DEPARTMENT_GROUP_LABELS[group]
                note = ""
                if group == system.DepartmentGroup.PROCESS:
                    note = f"（过程分值减去预算执行率分值 {fmt(execution)}）"
                problems.append(
                    Problem(
                        IndicatorErrorCode.GROUP_WEIGHT_MISMATCH,
                        f"{label}分值合计 {fmt(have)}，应为 {fmt(want)}{note}。",
                        f"weights.{group.value}",
                    )
                )
    total = sum(sums.values(), Decimal(0))
    if total != Decimal(100) - execution:
        problems.append(
            Problem(
                IndicatorErrorCode.TOTAL_WEIGHT_MISMATCH,
                f"指标分值合计 {fmt(total)}，应为 {fmt(Decimal(100) - execution)}"
                f"（总分 100 减去预算执行率分值 {fmt(execution)}）。",
                "weights.total",
            )
        )
    return problems
