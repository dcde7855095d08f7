"""Forms of 反馈与整改: the benchmark view a batch is built from (GET), the batch itself
(title, text with placeholders, units, rectification), and the reviewer's verdict on a
rectification. They carry raw values; ``issue_feedback``, ``accept_rectification`` and
``reject_rectification`` check them."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.utils import timezone

from backend.console.feedback import METRIC_CHOICES
from backend.feedback.models import RectificationOrigin, RectificationStatus
from backend.web.forms import PlainForm, choice_field
from tenants.models import UnitLevel

TEXT_LIMIT = 5000
LEVEL_CHOICES = [("", "全部层级"), (UnitLevel.CITY, "市级院"), (UnitLevel.COUNTY, "基层院")]
DEFAULT_BODY = (
    "{单位}：\n"
    "经对比，你院{年度}年度{指标}为{指标值}，在参与对比的单位中{排名}，"
    "低于中位数（{中位数}）。请分析原因，提出改进措施，并在期限内回复本院。"
)


def years() -> list[tuple[int, str]]:
    this = timezone.localdate().year
    return [(y, f"{y}年") for y in range(this, this - 6, -1)]


class ViewForm(PlainForm):
    """Which benchmark view the batch starts from (a GET form: the page can be linked)."""

    metric = forms.ChoiceField(label="对标指标", choices=METRIC_CHOICES, initial="execution_rate")
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, choices=years)
    level = forms.ChoiceField(label="层级", choices=LEVEL_CHOICES, required=False)
    percentile = forms.DecimalField(
        label="百分位不高于",
        min_value=Decimal(0),
        max_value=Decimal(100),
        decimal_places=2,
        required=False,
        initial=Decimal(10),
        error_messages={
            "min_value": "百分位应在 0 至 100 之间。",
            "max_value": "百分位应在 0 至 100 之间。",
            "invalid": "请输入数字。",
            "max_decimal_places": "百分位至多两位小数。",
        },
    )

    def __init__(self, *args: object, issuers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if len(issuers) > 1:
            self.fields["issuer"] = forms.ChoiceField(label="下发单位", choices=issuers)
            self.fields["issuer"].widget.attrs["class"] = "form-select"
        self.fields["fiscal_year"].initial = timezone.localdate().year


_SPLIT = re.compile(r"[\s,，、;；]+")


class BatchForm(PlainForm):
    """The batch: the units chosen (checked candidates and units named by hand), the text and
    the rectification it asks for."""

    unit_ids = forms.TypedMultipleChoiceField(
        label="下发单位", coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    more_units = forms.CharField(
        label="另选单位",
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="单位编码或全称，多个以逗号、顿号或换行分隔。",
    )
    title = forms.CharField(label="标题", max_length=200)
    body = forms.CharField(
        label="反馈内容",
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 6}),
        initial=DEFAULT_BODY,
    )
    requires_rectification = forms.BooleanField(label="要求整改", required=False)
    due_on = forms.DateField(
        label="整改期限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请输入有效的日期。"},
    )

    def __init__(
        self, *args: object, unit_choices: list[tuple[int, str]], **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "unit_ids").choices = unit_choices
        self.fields["unit_ids"].error_messages["invalid_choice"] = "所选单位不在对标范围内。"
        self.fields["unit_ids"].widget.attrs["class"] = "form-check-input"

    def more_codes(self) -> list[str]:
        return [c for c in _SPLIT.split(self.cleaned_data.get("more_units") or "") if c]


class VerdictForm(PlainForm):
    comment = forms.CharField(
        label="验收意见",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时必填。",
    )


STATUS_CHOICES = [("", "全部状态"), *RectificationStatus.choices]
ORIGIN_CHOICES = [("", "全部来源"), *RectificationOrigin.choices]
