"""Forms of the console's 审核 pages. The goal's grade form and the adjustment's decision form
are the workspace's (the same service, the same fields); the rectification decision is here."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from backend.web.forms import LongSelect, PlainForm, choice_field
from backend.web.workspace.goals.forms import Text
from backend.web.workspace.review.forms import AdjustmentDecisionForm, ReviewForm

__all__ = ["AdjustmentDecisionForm", "Filters", "RectificationDecisionForm", "ReviewForm"]

ACCEPT = "accept"
RETURN = "return"


class RectificationDecisionForm(PlainForm):
    decision = forms.ChoiceField(
        label="验收结论",
        choices=[(ACCEPT, "验收通过"), (RETURN, "退回重新整改")],
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择验收结论。"},
    )
    comment = Text(
        label="验收意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时须填写意见。",
    )


class Filters(PlainForm):
    """The inbox's filters (GET). Bad values are dropped, never an error page."""

    tab = forms.ChoiceField(
        required=False, choices=[("todo", "待审核"), ("done", "已审核")], widget=forms.HiddenInput
    )
    city = forms.ChoiceField(label="市院", required=False, choices=[], widget=LongSelect)
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        label="审核结果",
        required=False,
        choices=[
            ("", "全部"),
            ("approved", "通过"),
            ("returned", "退回"),
            ("rejected", "不予纳入"),
        ],
    )

    def __init__(self, *args: object, cities: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "city").choices = [("", "全部市院"), *cities]
        this_year = timezone.localdate().year
        choice_field(self.fields, "year").choices = [
            ("", "全部年度"),
            *[(y, f"{y} 年") for y in range(this_year + 1, this_year - 5, -1)],
        ]

    def value(self, name: str) -> object:
        """The cleaned value, or the empty value of a field the user got wrong."""
        self.is_valid()
        return self.cleaned_data.get(name)

    def chosen_year(self) -> int | None:
        """The year chosen (``coerce=int``), None for every year."""
        year = self.value("year")
        return year if isinstance(year, int) else None
