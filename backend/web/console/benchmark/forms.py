"""The league table's choices (GET). A value the user got wrong is dropped (its default is
used), never an error page; the metric's own rules (a size adjustment it does not have, an
indicator code it needs) come back from the selector as problems beside the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from backend.benchmarking import metrics
from backend.console.benchmark import ADJUSTABLE, BANDS, MENU, PER, SORTS, Query
from backend.web.forms import PlainForm, choice_field
from tenants.models import UnitLevel

YEARS_SHOWN = 6
TOP_CHOICES = [(5, "5"), (10, "10"), (20, "20")]


def years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year, this_year - YEARS_SHOWN, -1))


def _select(**attrs: Any) -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm", **attrs})


class LeagueForm(PlainForm):
    metric = forms.ChoiceField(
        label="对标指标",
        required=False,
        choices=[(key, metrics.METRICS[key].label) for key in MENU],
        widget=_select(),
    )
    year = forms.TypedChoiceField(label="年度", required=False, coerce=int, widget=_select())
    month = forms.TypedChoiceField(
        label="月份",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "全年 / 最新"), *[(m, f"截至 {m} 月") for m in range(1, 13)]],
        widget=_select(),
    )
    per = forms.ChoiceField(
        label="口径",
        required=False,
        choices=[("", "总量"), *[(key, label) for key, (_c, label, _u) in PER.items()]],
        widget=_select(),
    )
    peer_group = forms.ChoiceField(label="对标组", required=False, widget=_select())
    city = forms.ChoiceField(label="市院", required=False, widget=_select())
    level = forms.ChoiceField(
        label="层级",
        required=False,
        choices=[("", "全部层级"), (UnitLevel.CITY, "市级院"), (UnitLevel.COUNTY, "基层院")],
        widget=_select(),
    )
    indicator = forms.CharField(
        label="指标编码",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
        help_text="对标“指标完成率/实际值/目标值”时填写，如 P-1-1-01。",
    )
    sort = forms.ChoiceField(
        label="排序", required=False, choices=list(SORTS.items()), widget=_select()
    )
    q = forms.CharField(
        label="查找单位",
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "单位名称或编码"}
        ),
    )
    band = forms.ChoiceField(
        label="百分位段",
        required=False,
        choices=[("", "全部"), *[(key, label) for key, label, _f in BANDS]],
        widget=_select(),
    )
    top = forms.TypedChoiceField(
        label="前后名次", required=False, coerce=int, choices=TOP_CHOICES, widget=_select()
    )

    def __init__(
        self,
        data: Any,
        *,
        cities: list[tuple[str, str]],
        groups: list[tuple[str, str]],
    ) -> None:
        super().__init__(data)
        choice_field(self.fields, "year").choices = [(y, f"{y} 年") for y in years()]
        choice_field(self.fields, "city").choices = [("", "全部市院"), *cities]
        choice_field(self.fields, "peer_group").choices = [("", "不限"), *groups]
        self.is_valid()
        # Drop what failed, so that the page shows the defaults for it.
        for name in list(self.errors):
            self.cleaned_data.pop(name, None)

    def value(self, name: str, default: Any = None) -> Any:
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value

    def query(self) -> Query:
        return Query(
            metric=self.value("metric", MENU[0]),
            year=self.value("year", years()[0]),
            month=self.value("month"),
            per=self.value("per", ""),
            peer_group=self.value("peer_group", ""),
            city=self.value("city", ""),
            level=self.value("level", ""),
            indicator=self.value("indicator", ""),
        )

    def adjustable(self) -> dict[str, list[str]]:
        """Which metrics take which size adjustments (the page greys the others out)."""
        return {key: list(pers) for key, pers in ADJUSTABLE.items()}
