"""Forms of the project pages. They carry the raw values to ``backend.budgets.services``, which
checks them (the same checks as the API's); the forms only give the inputs their shape."""

from __future__ import annotations

from typing import Any

from django import forms

from backend.budgets.models import Category, FundingSource, ProjectKind
from backend.budgets.selectors import NO_GOAL
from backend.goals.models import GoalStatus
from backend.web.forms import PlainForm

NUL_MESSAGE = "不能包含空字符（\\0），请删除后重新输入。"


def _choices(options: Any, blank: str | None = None) -> list[tuple[str, str]]:
    rows = [(str(value), str(label)) for value, label in options]
    return ([("", blank)] if blank is not None else []) + rows


def money_input() -> forms.TextInput:
    return forms.TextInput(
        attrs={"inputmode": "decimal", "class": "form-control jx-money", "autocomplete": "off"}
    )


class Form(PlainForm):
    """PlainForm with clear Chinese messages for a NUL character (PostgreSQL stores none) and
    a missing value (``PlainForm``'s ``setdefault`` keeps Django's own, which is already set)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["null_characters_not_allowed"] = NUL_MESSAGE
            field.error_messages["required"] = "此项为必填项。"


class ProjectForm(Form):
    """A new project: every fact of it and its initial budget (``create_project``)."""

    code = forms.CharField(
        label="项目编码", help_text="字母、数字、连字符或下划线，同一年度内不重复。", strip=False
    )
    name = forms.CharField(label="项目名称", strip=False)
    fiscal_year = forms.IntegerField(label="预算年度", error_messages={"invalid": "请输入年份。"})
    category = forms.CharField(
        label="支出类别", widget=forms.Select(choices=_choices(Category.choices))
    )
    kind = forms.CharField(
        label="项目类型", widget=forms.Select(choices=_choices(ProjectKind.choices))
    )
    department = forms.CharField(label="主管部门/处室", required=False, strip=False)
    person_in_charge = forms.CharField(label="项目负责人", required=False, strip=False)
    funding_source = forms.CharField(
        label="资金来源",
        initial=FundingSource.GENERAL,
        widget=forms.Select(choices=_choices(FundingSource.choices)),
    )
    initial_budget = forms.CharField(
        label="年初预算数（元）", widget=money_input(), help_text="单位：元，最多两位小数。"
    )

    def __init__(self, *args: Any, departments: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if departments is not None and "department" in self.fields:
            self.fields["department"].widget.attrs["list"] = "jx-departments"
        self.departments = departments or []


class ProjectEditForm(ProjectForm):
    """An existing project (``update_project``): code and year are fixed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]
        del self.fields["fiscal_year"]


class AdjustmentForm(Form):
    """追加 or 追减 of the full-year budget, with its date and reason (``add_adjustment``,
    which takes the cut as a negative amount)."""

    INCREASE, DECREASE = "increase", "decrease"
    direction = forms.ChoiceField(
        label="调整方向",
        choices=[(INCREASE, "追加"), (DECREASE, "追减")],
        initial=INCREASE,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "请选择追加或追减。"},
    )
    amount = forms.CharField(label="调整金额（元）", widget=money_input())
    date = forms.CharField(label="调整日期", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(
        label="调整原因", widget=forms.Textarea(attrs={"rows": 2}), strip=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["direction"].widget.attrs["class"] = "form-check-input"

    def clean_amount(self) -> str:
        amount = self.cleaned_data["amount"].strip()
        if amount.startswith(("-", "+")):
            raise forms.ValidationError("请填写正数金额；追减请在“调整方向”中选择“追减”。")
        return amount

    def signed_amount(self) -> str:
        """The amount as the service takes it: a cut is negative."""
        amount = self.cleaned_data["amount"]
        return f"-{amount}" if self.cleaned_data["direction"] == self.DECREASE else amount


class ExpenditureForm(Form):
    """One dated payment (``record_expenditure``)."""

    date = forms.CharField(label="支出日期", widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(label="金额（元）", widget=money_input())
    description = forms.CharField(label="摘要", required=False, strip=False)


MONTHS = [(str(m), f"{m} 月") for m in range(1, 13)]


class MonthlySpendingForm(Form):
    """A month's spending total (``set_monthly_spending``), replacing that month's previous."""

    month = forms.IntegerField(
        label="月份",
        widget=forms.Select(choices=MONTHS),
        error_messages={"invalid": "请选择月份。"},
    )
    amount = forms.CharField(label="当月支出合计（元）", widget=money_input())


GOAL_STATUS_CHOICES = [("", "全部状态"), (NO_GOAL, "未编制目标"), *GoalStatus.choices]


class ProjectFilterForm(forms.Form):
    """The list's filters (GET). An unknown value filters nothing rather than failing."""

    year = forms.CharField(required=False)
    department = forms.CharField(required=False)
    status = forms.ChoiceField(required=False, choices=GOAL_STATUS_CHOICES)
    funding = forms.ChoiceField(
        required=False, choices=_choices(FundingSource.choices, "全部资金来源")
    )
    category = forms.ChoiceField(required=False, choices=_choices(Category.choices, "全部类别"))
    q = forms.CharField(required=False, max_length=100, strip=True)

    def value(self, name: str) -> str:
        """The cleaned value of ``name``, "" when it was invalid."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        if name in self.errors:
            return ""
        return str(self.cleaned_data.get(name) or "").replace("\x00", "")
