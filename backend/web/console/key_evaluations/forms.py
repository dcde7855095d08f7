"""Forms of 重点评价 and 我的评价任务: what is selected or drawn, who evaluates, the conclusion,
and the evaluator's score sheet. Raw values go to ``backend.key_evaluation.services``, which
checks them (the same services the GraphQL mutations call)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from backend.evaluation import scoring
from backend.key_evaluation.models import EvaluatorAssignment, EvaluatorScore, KeyIndicator
from backend.web.console.feedback.forms import years
from backend.web.forms import PlainForm, choice_field

TEXT_LIMIT = 5000


class SelectForm(PlainForm):
    fact_ids = forms.TypedMultipleChoiceField(
        label="项目", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "fact_ids").choices = [(i, str(i)) for i in ids]
        self.fields["fact_ids"].error_messages["invalid_choice"] = (
            "所选项目不存在或已被选为重点评价。"
        )


class DrawForm(PlainForm):
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, choices=years)
    share = forms.CharField(
        label="抽查比例（%）",
        required=False,
        max_length=20,
        help_text="留空则按全省设置（默认 15%）；存在提示项的自评全部纳入。",
    )
    seed = forms.CharField(
        label="随机种子",
        required=False,
        max_length=200,
        help_text="留空则为“本院编码-年度”；相同种子可复现同一结果。",
    )


class AssignForm(PlainForm):
    user_ids = forms.TypedMultipleChoiceField(
        label="评价人员", coerce=int, widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, evaluators: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "user_ids").choices = evaluators
        self.fields["user_ids"].error_messages["invalid_choice"] = "该用户不是可指定的评价人员。"
        self.fields["user_ids"].widget.attrs["class"] = "form-check-input"


class FinaliseForm(PlainForm):
    conclusion = forms.CharField(
        label="评价结论",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


BAND_CHOICES = [("", "—"), *((k, v) for k, v in scoring.BAND_LABELS.items())]
FIELDS = ("actual_value", "band", "band_score", "override_score", "override_reason", "comment")


def _shown(value: Any) -> Any:
    """A stored number as typed (80.0000 → 80); other values as they are."""
    if isinstance(value, Decimal):
        return "0" if value.is_zero() else format(value.normalize(), "f")
    return value


def prefix(index: int) -> str:
    return f"indicators.{index}."


class SheetForm(PlainForm):
    """One evaluator's sheet: per indicator (in order) its actual value (quantitative) or band
    and points in it (qualitative), an optional override with its reason, a comment; and the
    overall comment. Field names are the service's problem fields
    (``indicators.<i>.actual_value`` …) so its messages land beside them."""

    comment = forms.CharField(
        label="总体意见",
        required=False,
        max_length=TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        indicators: list[KeyIndicator],
        scores: dict[int, EvaluatorScore],
        assignment: EvaluatorAssignment,
        **kwargs: Any,
    ) -> None:
        initial: dict[str, Any] = {"comment": assignment.comment}
        for i, indicator in enumerate(indicators):
            score = scores.get(indicator.pk)
            if score is not None:
                for name in FIELDS:
                    value = getattr(score, name)
                    initial[prefix(i) + name] = "" if value is None else _shown(value)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for i, indicator in enumerate(indicators):
            p = prefix(i)
            if indicator.value_type == scoring.QUALITATIVE:
                self.fields[p + "band"] = forms.ChoiceField(
                    label="档次", choices=BAND_CHOICES, required=False
                )
                self.fields[p + "band_score"] = forms.CharField(
                    label="档内得分", required=False, max_length=30
                )
            else:
                self.fields[p + "actual_value"] = forms.CharField(
                    label="核定实际值", required=False, max_length=30
                )
            self.fields[p + "override_score"] = forms.CharField(
                label="调整得分", required=False, max_length=30
            )
            self.fields[p + "override_reason"] = forms.CharField(
                label="调整理由", required=False, max_length=TEXT_LIMIT
            )
            self.fields[p + "comment"] = forms.CharField(
                label="评价意见", required=False, max_length=TEXT_LIMIT
            )
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            if field is not self.fields["comment"]:
                field.widget.attrs["class"] = css

    def rows(self, existing: set[int]) -> list[dict[str, Any]]:
        """The service's rows: every indicator with something entered or scored before."""
        out = []
        for i, indicator in enumerate(self.indicators):
            p = prefix(i)
            row = {
                name: self.cleaned_data.get(p + name, "")
                for name in FIELDS
                if p + name in self.fields
            }
            if any(str(v).strip() for v in row.values()) or indicator.pk in existing:
                out.append({"code": indicator.code, "_index": i, **row})
        return out

    def lines(self) -> list[tuple[KeyIndicator, dict[str, Any]]]:
        """(indicator, its bound fields by name) for the template."""
        return [
            (
                indicator,
                {
                    name: self[prefix(i) + name]
                    for name in FIELDS
                    if prefix(i) + name in self.fields
                },
            )
            for i, indicator in enumerate(self.indicators)
        ]
