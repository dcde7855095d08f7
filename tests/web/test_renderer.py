"""The form renderer writes the common widgets exactly as Django's templates do."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from backend.web.renderer import FormRenderer


class Everything(forms.Form):
    text = forms.CharField(widget=forms.TextInput(attrs={"class": "form-control", "x": True}))
    area = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "hidden": False}))
    number = forms.DecimalField()
    hidden = forms.CharField(widget=forms.HiddenInput)
    email = forms.EmailField()
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    check = forms.BooleanField(required=False)
    choice = forms.ChoiceField(
        choices=[("", "—"), ("a", "甲 <a>"), (1, 2025), ("lazy", gettext_lazy("Yes"))]
    )
    grouped = forms.ChoiceField(
        choices=[("组 1", [("x", "X"), ("y", "Y & Y")]), ("z", "Z")], required=False
    )
    many = forms.MultipleChoiceField(choices=[("m", "M"), ("n", "N")], required=False)


CASES: list[dict[str, Any]] = [
    {},
    {
        "text": 'a "quoted" <b>value</b> & more',
        "area": "line 1\nline <2>",
        "number": "12.50",
        "hidden": "h",
        "email": "x@y.cn",
        "when": "2026-12-06",
        "check": "on",
        "choice": "a",
        "grouped": "y",
        "many": ["m", "n"],
    },
]


@pytest.mark.parametrize("data", CASES)
@pytest.mark.parametrize("bound", [True, False])
def test_every_widget_is_written_as_the_template_writes_it(data: dict, bound: bool) -> None:
    initial = {
        "text": mark_safe("<i>safe</i>"),
        "number": Decimal("3.10"),
        "when": datetime.date(2026, 1, 2),
        "choice": 1,
        "area": "",
    }
    fast = Everything(data if bound else None, initial=initial, renderer=FormRenderer())
    slow = Everything(data if bound else None, initial=initial, renderer=DjangoTemplates())
    fast.is_valid() if bound else None
    slow.is_valid() if bound else None
    for name in fast.fields:
        for attrs in (None, {"class": "is-invalid", "aria-label": "名 称"}):
            assert fast[name].as_widget(attrs=attrs) == slow[name].as_widget(attrs=attrs), name
    assert str(fast) == str(slow)


def test_an_unknown_widget_goes_through_its_template() -> None:
    class Radio(forms.Form):
        pick = forms.ChoiceField(choices=[("a", "A")], widget=forms.RadioSelect)

    assert str(Radio(renderer=FormRenderer())) == str(Radio(renderer=DjangoTemplates()))


def test_the_common_widgets_skip_their_templates() -> None:
    renderer = FormRenderer()
    for name in ("text", "textarea", "select", "hidden", "number"):
        assert renderer._own(f"django/forms/widgets/{name}.html"), name
    assert not renderer._own("django/forms/widgets/radio.html")
