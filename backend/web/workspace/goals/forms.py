"""Forms of the goal pages. They render the inputs and carry the raw values to the services
(``backend.goals.services``), which check them; only what a browser sends in a form the
services cannot see is checked here (the uploaded file's size and type)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.validators import ProhibitNullCharactersValidator

from backend.goals.models import GoalIndicator
from backend.goals.services import edit_policy
from backend.indicators import system
from backend.indicators.models import Direction, Polarity, ValueType
from backend.web.forms import PlainForm, choice_field
from backend.web.imports import SheetUploadForm
from backend.web.workspace.goals import formats

VALUE_TYPES = [(value, str(label)) for value, label in ValueType.choices]
DIRECTIONS = [("", "—")] + [(value, str(label)) for value, label in Direction.choices]
POLARITIES = [(value, str(label)) for value, label in Polarity.choices]
LEVEL1S = [("", "全部一级指标")] + [(name, name) for name in system.LEVELS]
LEVEL2S = [("", "全部二级指标")] + [
    (name, name) for children in system.LEVELS.values() for name in children
]


NUL_MESSAGE = "不能包含空字符（NUL）。"


class Text(forms.CharField):
    """A text field whose NUL-byte refusal says so in plain Chinese (Django's zh-hans
    translation of that message is misleading)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.validators = [
            ProhibitNullCharactersValidator(message=NUL_MESSAGE)
            if isinstance(v, ProhibitNullCharactersValidator)
            else v
            for v in self.validators
        ]


def _text(label: str, *, required: bool = False, **attrs: Any) -> Text:
    return Text(label=label, required=required, widget=forms.TextInput(attrs=attrs), strip=True)


def _area(label: str, *, rows: int = 3, required: bool = False) -> Text:
    return Text(label=label, required=required, widget=forms.Textarea(attrs={"rows": rows}))


class GoalTextForm(PlainForm):
    overall_goal = _area("年度总体目标", rows=4, required=True)
    midterm_goal = _area("中期目标", rows=3)


class GoalCreateForm(GoalTextForm):
    template_code = forms.ChoiceField(label="指标模板", required=False)

    def __init__(self, *args: Any, templates: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = choice_field(self.fields, "template_code")
        field.choices = [("", "按项目类型自动选择"), *templates]
        field.help_text = "新建时自动加入所选模板的必选指标；其余指标可随后从指标库添加。"


class IndicatorForm(PlainForm):
    """One indicator's row on the form. Fields the indicator does not let the unit change
    (a locked target and weight) are left out of the form, so they are never sent."""

    name = _text("三级指标")
    value_type = forms.ChoiceField(label="指标性质", choices=VALUE_TYPES)
    direction = forms.ChoiceField(label="运算符", choices=DIRECTIONS, required=False)
    target_value = _text("指标值", inputmode="decimal")
    target_text = _area("指标值", rows=2)
    unit = _text("计量单位")
    weight = _text("分值", inputmode="decimal")
    polarity = forms.ChoiceField(label="指标方向", choices=POLARITIES)

    def __init__(self, *args: Any, indicator: GoalIndicator, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"i{indicator.pk}")
        kwargs.setdefault(
            "initial",
            {
                "name": indicator.name,
                "value_type": indicator.value_type,
                "direction": indicator.direction,
                "target_value": formats.number(indicator.target_value),
                "target_text": indicator.target_text,
                "unit": indicator.unit,
                "weight": formats.number(indicator.weight),
                "polarity": indicator.polarity,
            },
        )
        super().__init__(*args, **kwargs)
        self.indicator = indicator
        qualitative = indicator.value_type == ValueType.QUALITATIVE
        del self.fields["target_value" if qualitative else "target_text"]
        flags = edit_policy.Flags.of(indicator)
        for name in list(self.fields):
            if edit_policy.field_refusal(edit_policy.Route.EDIT, flags, name) is not None:
                del self.fields[name]  # the policy keeps it: shown, not offered
        for bound in self.fields.values():
            bound.widget.attrs["class"] += " form-control-sm"
            bound.widget.attrs["aria-label"] = bound.label

    def changes(self) -> dict[str, Any]:
        """What was sent, for the service: only the fields the row posts."""
        return {name: self.cleaned_data[name] for name in self.fields if self.has_sent(name)}

    def has_sent(self, name: str) -> bool:
        return self.add_prefix(name) in self.data


class NewIndicatorForm(PlainForm):
    """An indicator written for this goal alone (本目标自设)."""

    code = _text("指标编码", required=True, placeholder="如 lsj-mediation")
    level1 = forms.ChoiceField(label="一级指标", choices=LEVEL1S[1:])
    level2 = forms.ChoiceField(label="二级指标", choices=LEVEL2S[1:])
    name = _text("三级指标", required=True)
    value_type = forms.ChoiceField(label="指标性质", choices=VALUE_TYPES)
    direction = forms.ChoiceField(label="运算符", choices=DIRECTIONS, required=False)
    target_value = _text("指标值（定量）", inputmode="decimal")
    target_text = _text("指标值（定性）")
    unit = _text("计量单位")
    weight = _text("分值", required=True, inputmode="decimal")
    polarity = forms.ChoiceField(label="指标方向", choices=POLARITIES)

    prefix = "new"

    def data_for_service(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if data["value_type"] == ValueType.QUALITATIVE:
            data.pop("target_value")
        else:
            data.pop("target_text")
        return data


class PickerForm(PlainForm):
    """The library search: words, level 1, level 2."""

    q = _text("搜索", placeholder="指标名称、编码或解释")
    level1 = forms.ChoiceField(label="一级指标", choices=LEVEL1S, required=False)
    level2 = forms.ChoiceField(label="二级指标", choices=LEVEL2S, required=False)


class UploadForm(SheetUploadForm):
    sheet = "绩效目标申报表"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].label = "上传已填写的申报表"


class AdjustmentForm(PlainForm):
    """A request to change an approved goal's targets: a reason, and for each indicator the
    new value of the fields an adjustment may change (blank: unchanged)."""

    reason = _area("调整原因", rows=3, required=True)

    def __init__(self, *args: Any, indicators: list[GoalIndicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        self.cells: dict[int, dict[str, str]] = {}  # indicator pk → field → form field name
        for indicator in indicators:
            names = {}
            flags = edit_policy.Flags.of(indicator)
            for name in edit_policy.ADJUSTABLE_FIELDS:
                qualitative = indicator.value_type == ValueType.QUALITATIVE
                if name == "target_value" and qualitative:
                    continue
                if name == "target_text" and not qualitative:
                    continue
                key = f"a{indicator.pk}_{name}"
                self.fields[key] = _text(
                    f"{indicator.name}：调整后{_LABELS[name]}",
                    inputmode="decimal" if name in ("target_value", "weight") else "text",
                )
                self.fields[key].widget.attrs["class"] = "form-control form-control-sm"
                if edit_policy.field_refusal(edit_policy.Route.ADJUSTMENT, flags, name):
                    self.fields[key].disabled = True
                names[name] = key
            self.cells[indicator.pk] = names
        self.order: list[str] = []  # form field of each change sent, in order

    def changes(self) -> list[dict[str, Any]]:
        changes: list[dict[str, Any]] = []
        self.order = []
        for indicator in self.indicators:
            for name, key in self.cells[indicator.pk].items():
                value = self.cleaned_data.get(key)
                if value in (None, "") or self.fields[key].disabled:
                    continue
                changes.append({"indicator": indicator.code, "field": name, "after": value})
                self.order.append(key)
        return changes

    def problem_fields(self) -> dict[str, str]:
        """``changes.<n>.after`` (the service's) → the form field of the n-th change."""
        mapping = {}
        for index, key in enumerate(self.order):
            for part in ("after", "field", "indicator"):
                mapping[f"changes.{index}.{part}"] = key
        return mapping


_LABELS = {"target_value": "指标值", "target_text": "指标值", "weight": "分值", "unit": "计量单位"}
