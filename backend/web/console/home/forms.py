"""The filters of 首页 (a GET form: a bad value is shown next to its field and ignored)."""

from __future__ import annotations

from django import forms

from backend.console.home import SORTS
from backend.web.forms import PlainForm

DIRECTIONS = (("asc", "升序"), ("desc", "降序"))


class HomeFilterForm(PlainForm):
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        error_messages={
            "invalid": "年度应为 2000–2100 之间的整数。",
            "min_value": "年度应为 2000–2100 之间的整数。",
            "max_value": "年度应为 2000–2100 之间的整数。",
        },
    )
    city = forms.SlugField(label="市院", required=False, max_length=63)
    sort = forms.ChoiceField(label="排序", required=False, choices=list(SORTS.items()))
    dir = forms.ChoiceField(label="方向", required=False, choices=DIRECTIONS)

    def value(self, name: str, default: object = None) -> object:
        """The cleaned value of a valid field, else ``default``."""
        if not hasattr(self, "cleaned_data") or name in self.errors:
            return default
        found = self.cleaned_data.get(name)
        return default if found in (None, "") else found
