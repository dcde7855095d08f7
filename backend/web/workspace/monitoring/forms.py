"""Forms of the monitoring pages. They carry raw values to ``backend.monitoring.services``,
which checks them (numbers, ranges, choices, what a submission needs)."""

from __future__ import annotations

from typing import Any

from django import forms

from backend.indicators.models import ValueType
from backend.monitoring.models import (
    DeviationCause,
    EntryIndicator,
    Likelihood,
    MonitoringEntry,
    Response,
    SpentSource,
)
from backend.web.forms import PlainForm, version_field
from backend.web.templatetags.monitoring_tags import figure

NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
TEXT_LIMIT = 1000  # free texts the model leaves unbounded


def style(form: forms.BaseForm) -> None:
    """PlainForm's Bootstrap classes on fields added after its ``__init__``."""
    for field in form.fields.values():
        css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
        field.widget.attrs.setdefault("class", css)
        field.error_messages.setdefault("required", "此项为必填项。")


def _text(label: str, *, rows: int = 2, limit: int = TEXT_LIMIT) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        strip=False,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _number(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=40, widget=forms.TextInput(attrs=NUMBER)
    )


class EntryForm(PlainForm):
    """A monitoring entry: the spending to date (when entered), per indicator its progress,
    projected value, likelihood, deviation cause and corrective measure; the reason of a late
    entry. Field names: ``<indicator code>-<field>``."""

    late_reason = _text("逾期补报原因", rows=2, limit=500)
    version = version_field()

    def __init__(self, *args: Any, entry: MonitoringEntry, **kwargs: Any) -> None:
        self.entry = entry
        self.lines: list[EntryIndicator] = list(entry.indicators.all())
        initial: dict[str, Any] = {
            "spent_to_date": entry.spent_to_date,
            "late_reason": entry.late_reason,
            "version": entry.version,
        }
        for line in self.lines:
            for name in ("value_to_date", "projected_value"):
                initial[self.name(line, name)] = figure(getattr(line, name))
            for name in ("text_to_date", "likelihood", "deviation_cause", "corrective_measure"):
                initial[self.name(line, name)] = getattr(line, name)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if entry.spent_source == SpentSource.ENTERED:
            self.fields["spent_to_date"] = _number("累计支出（元）")
        for line in self.lines:
            if line.goal_indicator.value_type == ValueType.QUANTITATIVE:
                self.fields[self.name(line, "value_to_date")] = _number("累计完成值")
                self.fields[self.name(line, "projected_value")] = _number("预计全年完成值")
            else:
                self.fields[self.name(line, "text_to_date")] = forms.CharField(
                    label="完成情况", required=False, max_length=500
                )
            self.fields[self.name(line, "likelihood")] = forms.ChoiceField(
                label="年底能否完成",
                required=False,
                choices=[("", "请选择"), *list(Likelihood.choices)],
            )
            self.fields[self.name(line, "deviation_cause")] = forms.ChoiceField(
                label="偏差原因",
                required=False,
                choices=[("", "无偏差"), *list(DeviationCause.choices)],
            )
            self.fields[self.name(line, "corrective_measure")] = _text("纠偏措施")
        style(self)

    @staticmethod
    def name(line: EntryIndicator, field: str) -> str:
        return f"{line.goal_indicator.code}-{field}"

    def indicator_rows(self) -> list[dict[str, Any]]:
        """The service's indicator input: the fields of each line that cleaned."""
        data = self.cleaned_data
        rows = []
        for line in self.lines:
            row: dict[str, Any] = {"goal_indicator_id": line.goal_indicator_id}
            for field in (
                "value_to_date",
                "projected_value",
                "text_to_date",
                "likelihood",
                "deviation_cause",
                "corrective_measure",
            ):
                name = self.name(line, field)
                if name in data:
                    row[field] = data[name]
            rows.append(row)
        return rows

    def spent(self) -> str | None:
        value = self.cleaned_data.get("spent_to_date")
        return value if value not in (None, "") else None

    def problem_fields(self) -> dict[str, str]:
        """The service's field names (``indicators.<code>.<field>``) → this form's."""
        names: dict[str, str] = {}
        for line in self.lines:
            code = line.goal_indicator.code
            for field in (
                "value_to_date",
                "projected_value",
                "text_to_date",
                "likelihood",
                "deviation_cause",
                "corrective_measure",
            ):
                names[f"indicators.{code.lower()}.{field}"] = f"{code}-{field}"
        return names


class StartForm(PlainForm):
    """Start an entry (a late one needs its reason)."""

    project_id = forms.IntegerField(widget=forms.HiddenInput)
    round_id = forms.IntegerField(widget=forms.HiddenInput)
    late_reason = _text("逾期补报原因", rows=3, limit=500)


class AnswerForm(PlainForm):
    response = forms.ChoiceField(
        label="处理意见", choices=list(Response.choices), widget=forms.RadioSelect
    )
    note = _text("说明", rows=4, limit=2000)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["response"].widget.attrs["class"] = "form-check-input"
        self.fields["note"].required = True
