"""The budget linkage decision form: action, signed change in percent, reason. Raw values go
to ``feedback.services.decide_linkage``, which checks them."""

from __future__ import annotations

from django import forms

from backend.feedback.models import LinkageAction
from backend.web.forms import PlainForm


class DecideForm(PlainForm):
    action = forms.ChoiceField(label="决定", choices=[("", "请选择"), *LinkageAction.choices])
    pct = forms.CharField(
        label="调整比例（%）",
        required=False,
        max_length=20,
        help_text="有正负号：增加填正数，压减填负数；保持为 0，取消为 -100（可留空）。",
    )
    reason = forms.CharField(
        label="决定理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
