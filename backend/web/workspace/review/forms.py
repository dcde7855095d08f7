"""Forms of the review pages: a goal's grade with comments (overall and per indicator), an
adjustment request's decision. The services decide what a grade means and check the rest."""

from __future__ import annotations

from typing import Any

from django import forms

from backend.goals.models import Decision, GoalIndicator
from backend.goals.services import workflow
from backend.web.forms import PlainForm, choice_field, field_name, run_service
from backend.web.workspace.goals.forms import Text

GRADES = [
    ("excellent", "优：通过"),
    ("good", "良：通过，按审核意见完善"),
    ("fair", "中：退回修改，修改后重新上报"),
    ("poor", "差：不予纳入预算"),
]
ADJUSTMENT_DECISIONS = [
    (Decision.APPROVE.value, "同意调整"),
    (Decision.RETURN.value, "退回修改"),
    (Decision.REJECT.value, "不同意调整"),
]


class ReviewForm(PlainForm):
    grade = forms.ChoiceField(
        label="审核等级",
        choices=GRADES,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择审核等级。"},
    )
    comment = Text(
        label="审核意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时须填写审核意见，或对具体指标填写意见。",
    )

    def __init__(self, *args: Any, indicators: list[GoalIndicator], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.indicators = indicators
        for indicator in indicators:
            self.fields[self.key(indicator)] = Text(
                label=f"对“{indicator.name}”的意见",
                required=False,
                widget=forms.Textarea(
                    attrs={
                        "rows": 1,
                        "class": "form-control form-control-sm",
                        "placeholder": "对该指标的意见（可选）",
                    }
                ),
            )

    @staticmethod
    def key(indicator: GoalIndicator) -> str:
        return f"ic_{indicator.pk}"

    def decision(self) -> str:
        """What the grade means (the service's table); "" without a grade."""
        return workflow.GRADE_DECISIONS.get(self.cleaned_data.get("grade", ""), "")

    def indicator_comments(self) -> dict[str, str]:
        return {
            i.code: self.cleaned_data[self.key(i)]
            for i in self.indicators
            if self.cleaned_data.get(self.key(i))
        }

    def problem_fields(self) -> dict[str, str]:
        mapping = {"decision": "grade"}
        for indicator in self.indicators:
            mapping[field_name(f"indicator_comments.{indicator.code}")] = self.key(indicator)
        return mapping


class AdjustmentDecisionForm(PlainForm):
    decision = forms.ChoiceField(
        label="审核结论",
        choices=ADJUSTMENT_DECISIONS,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        error_messages={"required": "请选择审核结论。"},
    )
    comment = Text(
        label="审核意见",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="退回时须填写审核意见。",
    )


def review_goal(form: ReviewForm, goal: Any, user: Any, version: str | None) -> Any:
    """The reviewer's decision on ``goal`` through ``workflow.review`` (one transaction;
    problems land next to their fields): the unit leader's and the city's review pages both
    post here. ``version`` is what the reviewer saw: a goal changed meanwhile is STALE, not
    approved unseen. Returns the review, or None when it was refused."""
    try:
        expected = int(version) if version else None
    except ValueError:
        expected = None
    return run_service(
        form,
        lambda: workflow.review(
            goal,
            user=user,
            decision=form.decision(),
            grade=form.cleaned_data["grade"],
            comment=form.cleaned_data["comment"],
            indicator_comments=form.indicator_comments(),
            expected_version=expected,
        ),
        fields=form.problem_fields(),
    )


class HandForm(PlainForm):
    """移交审核: the other leader of the unit who reviews a goal its declaring leader may not
    (``workflow.hand_approval``)."""

    approver = forms.ChoiceField(label="移交给", choices=())

    def __init__(self, *args: Any, leaders: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leaders = {user.get_username(): user for user in leaders}
        choice_field(self.fields, "approver").choices = [
            (name, f"{user.full_name or name}（{name}）") for name, user in self.leaders.items()
        ]
