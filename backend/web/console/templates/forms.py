"""Forms of the 指标库与模板 pages. They render the inputs and carry the raw values to the
authoring, push and library services, which do the checking (``run_service`` puts their
problems next to the fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from backend.indicators import system
from backend.indicators.models import (
    Direction,
    Layout,
    Polarity,
    Scope,
    ScoringMethod,
    TargetBasis,
    ValueType,
)
from backend.web.forms import PlainForm, choice_field


def level_choices(layout: str | None) -> tuple[list[Any], list[Any]]:
    """The level-1 and (grouped) level-2 choices of a template of ``layout``
    (``system.levels_for``: the department layout adds 投入 / 过程 / 效果)."""
    levels = system.levels_for(layout)
    level1 = [("", "请选择")] + [(name, name) for name in levels]
    level2 = [("", "请选择")] + [
        (parent, [(name, name) for name in children]) for parent, children in levels.items()
    ]
    return level1, level2


LEVEL1_CHOICES, LEVEL2_CHOICES = level_choices(None)


class SearchForm(PlainForm):
    q = forms.CharField(label="搜索", required=False, max_length=100)


class TemplateForm(PlainForm):
    # Not required here: the service says what is missing, in the API's words.
    code = forms.CharField(
        label="模板编码", required=False, max_length=200, help_text="字母、数字、连字符和下划线"
    )
    name = forms.CharField(label="模板名称", required=False, max_length=400)
    project_kind = forms.CharField(label="适用项目", required=False, max_length=200)
    scope = forms.ChoiceField(
        label="适用对象", choices=Scope.choices, initial=Scope.PROJECT, required=False
    )
    layout = forms.ChoiceField(label="计分结构", choices=Layout.choices, initial=Layout.SPLIT)
    execution_weight = forms.CharField(
        label="预算执行率分值", required=False, initial="10", max_length=20
    )
    description = forms.CharField(
        label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ChangelogForm(PlainForm):
    changelog = forms.CharField(
        label="变更说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="发布时必填，说明本版本改了什么。",
    )


def _choices(enum: Any, blank: str | None = None) -> list[tuple[str, str]]:
    return ([("", blank)] if blank is not None else []) + list(enum.choices)


class IndicatorForm(PlainForm):
    """Every field an author sets on a level-3 indicator; the service says what is missing
    or wrong (``authoring.add_indicator`` / ``update_indicator``). ``layout``: the
    template's, for the headings offered."""

    code = forms.CharField(label="指标编码", required=False, max_length=200)
    level1 = forms.ChoiceField(label="一级指标", required=False, choices=LEVEL1_CHOICES)
    level2 = forms.ChoiceField(label="二级指标", required=False, choices=LEVEL2_CHOICES)
    name = forms.CharField(label="三级指标", required=False, max_length=400)
    value_type = forms.ChoiceField(
        label="指标性质", required=False, choices=_choices(ValueType, "请选择")
    )
    direction = forms.ChoiceField(
        label="运算符", required=False, choices=_choices(Direction, "（定性不填）")
    )
    polarity = forms.ChoiceField(label="指标方向", required=False, choices=Polarity.choices)
    unit = forms.CharField(label="计量单位", required=False, max_length=100)
    target_value = forms.CharField(label="默认指标值", required=False, max_length=40)
    target_text = forms.CharField(label="定性目标", required=False, max_length=1000)
    weight = forms.CharField(label="分值", required=False, max_length=40)
    scoring_method = forms.ChoiceField(
        label="评分方法", required=False, choices=ScoringMethod.choices
    )
    target_basis = forms.ChoiceField(
        label="目标值依据", required=False, choices=TargetBasis.choices
    )
    guidance = forms.CharField(
        label="指标解释", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    mandatory = forms.BooleanField(label="必选", required=False)
    locked = forms.BooleanField(label="锁定目标和分值", required=False)
    sort_order = forms.IntegerField(label="排序", required=False, min_value=0)

    REQUIRED = ("code", "level1", "level2", "name", "value_type", "weight")

    def __init__(self, *args: Any, layout: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        level1, level2 = level_choices(layout)
        choice_field(self.fields, "level1").choices = level1
        choice_field(self.fields, "level2").choices = level2
        for name in self.REQUIRED:  # marked for the reader; the service checks
            self.fields[name].widget.attrs["data-required"] = "1"

    def data_for_service(self) -> dict[str, Any]:
        """The values as the GraphQL input carries them (empty sort order: not given)."""
        data = dict(self.cleaned_data)
        if data.get("sort_order") is None:
            data.pop("sort_order", None)
        return data


INDICATOR_INITIAL_FIELDS = tuple(IndicatorForm.base_fields)


def indicator_initial(indicator: Any) -> dict[str, Any]:
    initial = {name: getattr(indicator, name) for name in INDICATOR_INITIAL_FIELDS}
    for name in ("target_value", "weight"):
        value = initial[name]
        initial[name] = "" if value is None else format(value.normalize(), "f")
    return initial


SCOPE_CHOICES = [
    ("all", "全部单位"),
    ("city", "某市及所辖单位"),
    ("peer", "对标组"),
    ("codes", "指定单位"),
]


class PushForm(PlainForm):
    kind = forms.ChoiceField(
        label="推送范围", choices=SCOPE_CHOICES, initial="all", widget=forms.RadioSelect
    )
    city = forms.ChoiceField(label="市院", required=False)
    peer_group = forms.ChoiceField(label="对标组", required=False)
    codes = forms.CharField(
        label="单位编码",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="每行或用逗号分隔一个单位编码，如 lengshuijiang。",
    )

    def __init__(
        self,
        *args: Any,
        cities: list[tuple[str, str]],
        peer_groups: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "city").choices = [("", "请选择市院"), *cities]
        choice_field(self.fields, "peer_group").choices = [("", "请选择对标组"), *peer_groups]
        self.fields["kind"].widget.attrs["class"] = "form-check-input"

    def code_list(self) -> list[str]:
        text = self.cleaned_data.get("codes") or ""
        return [
            c.strip() for c in text.replace("，", ",").replace("\n", ",").split(",") if c.strip()
        ]


class SheetImportForm(PlainForm):
    """导入指标库: the filled sheet and the new version's changelog. The file is checked by
    the upload check and the import service the API uses (``read_upload``, ``xlsx``)."""

    file = forms.FileField(
        label="指标库文件",
        help_text="Excel 文件（.xlsx），格式同“下载 Excel”所得的指标库表；上传后先逐行检查，"
        "确认后才创建草稿版本。",
        widget=forms.ClearableFileInput(
            attrs={
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        ),
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )
    changelog = forms.CharField(
        label="变更说明",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="可在发布时再填写。",
    )


class SheetApplyForm(PlainForm):
    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)
