"""Forms of the self-evaluation pages: the score sheet (one set of fields per indicator), the
leader's comment, an evidence upload. They carry raw values to
``backend.evaluation.services``, which checks them and scores with the engine."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from backend.evaluation.models import Band, IndicatorResultFields
from backend.indicators.models import ValueType
from backend.monitoring.models import DeviationCause
from backend.web.forms import PlainForm, choice_field, version_field
from backend.web.templatetags.monitoring_tags import figure
from backend.web.workspace.monitoring.forms import NUMBER, style
from backend.web.workspace.results.uploads import EvidenceFile

TEXT_LIMIT = 2000
# What a reported indicator result holds in the form, in the service's names.
ROW_FIELDS = (
    "actual_value",
    "band",
    "band_score",
    "actual_text",
    "explanation",
    "deviation_cause",
    "deviation_reason",
    "override_score",
    "override_reason",
)
NUMBERS = ("actual_value", "band_score", "override_score")


def _text(label: str, *, rows: int = 2, limit: int = TEXT_LIMIT) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        max_length=limit,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def _number(label: str) -> forms.CharField:
    return forms.CharField(
        label=label, required=False, max_length=40, widget=forms.TextInput(attrs=NUMBER)
    )


class SheetForm(PlainForm):
    """A score sheet: per indicator ``<code>-<field>`` (ROW_FIELDS, the ones its type uses) and
    the sheet's own fields (``executed``, texts): ``sheet_fields`` names them."""

    def __init__(
        self,
        *args: Any,
        rows: Sequence[IndicatorResultFields],
        sheet: Any,
        sheet_fields: Sequence[str],
        **kwargs: Any,
    ) -> None:
        self.rows = list(rows)
        self.sheet_fields = tuple(sheet_fields)
        initial: dict[str, Any] = {}
        for name in self.sheet_fields:
            value = getattr(sheet, name)
            initial[name] = figure(value) if name == "executed" else value
        for row in self.rows:
            for name in ROW_FIELDS:
                value = getattr(row, name)
                initial[self.name(row, name)] = figure(value) if name in NUMBERS else value
        if hasattr(sheet, "version"):  # a project's self-evaluation is versioned
            initial["version"] = sheet.version
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if hasattr(sheet, "version"):
            self.fields["version"] = version_field()
        labels = {
            "executed": "全年执行数（元）",
            "deviation_analysis": "偏差原因分析",
            "improvement_measures": "改进措施",
            "summary": "总体评价",
        }
        for name in self.sheet_fields:
            self.fields[name] = (
                _number(labels[name]) if name == "executed" else _text(labels[name], rows=3)
            )
        for row in self.rows:
            if row.value_type == ValueType.QUANTITATIVE:
                self.fields[self.name(row, "actual_value")] = _number(
                    f"实际完成值{f'（{row.unit}）' if row.unit else ''}"
                )
            else:
                self.fields[self.name(row, "band")] = forms.ChoiceField(
                    label="完成档次", required=False, choices=[("", "请选择"), *Band.choices]
                )
                self.fields[self.name(row, "band_score")] = _number("档内得分")
            self.fields[self.name(row, "actual_text")] = forms.CharField(
                label="实际完成情况", required=False, max_length=500
            )
            self.fields[self.name(row, "explanation")] = _text("完成情况说明（扣分理由）")
            self.fields[self.name(row, "deviation_cause")] = forms.ChoiceField(
                label="偏差原因",
                required=False,
                choices=[("", "无偏差"), *DeviationCause.choices],
            )
            self.fields[self.name(row, "deviation_reason")] = _text("偏差原因说明")
            self.fields[self.name(row, "override_score")] = _number("调整后得分")
            self.fields[self.name(row, "override_reason")] = _text("调整理由")
        style(self)

    @staticmethod
    def name(row: IndicatorResultFields, field: str) -> str:
        return f"{row.code}-{field}"

    def sheet_values(self) -> dict[str, Any]:
        """The sheet's own fields that cleaned."""
        return {n: self.cleaned_data[n] for n in self.sheet_fields if n in self.cleaned_data}

    def indicator_rows(self) -> list[dict[str, Any]]:
        """The services' input rows, in the rows' order: the fields of each row that cleaned
        (a field with an error is left out, so a preview keeps the recorded value)."""
        data = self.cleaned_data
        result = []
        for row in self.rows:
            item: dict[str, Any] = {"code": row.code}
            for name in ROW_FIELDS:
                key = self.name(row, name)
                if key in data:
                    item[name] = data[key]
            if "band" in item or "band_score" in item:  # the service reads them as a pair
                item.setdefault("band", row.band)
                item.setdefault("band_score", figure(row.band_score))
            result.append(item)
        return result

    def problem_fields(self) -> dict[str, str]:
        """The services' field names → this form's: a recorded row is named by its position
        (``indicators[3].band_score``), a submitted one by its code."""
        names: dict[str, str] = {}
        for index, row in enumerate(self.rows):
            for name in (*ROW_FIELDS, "evidence_ids"):
                target = self.name(row, name)
                names[f"indicators[{index}].{name}"] = target
                names[f"indicators.{row.code.lower()}.{name}"] = target
        return names

    def row_errors(self) -> dict[str, list[str]]:
        """Indicator code → every error of its fields (the live score shows them by the line)."""
        found: dict[str, list[str]] = {}
        for row in self.rows:
            for name in ROW_FIELDS:
                key = self.name(row, name)
                if key in self.errors:
                    found.setdefault(row.code, []).extend(
                        str(message) for message in self.errors[key]
                    )
        return found


class CommentForm(PlainForm):
    comment = _text("退回意见", rows=3)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["comment"].required = True


class EvidenceForm(PlainForm):
    """One evidence file for one indicator."""

    code = forms.ChoiceField(label="指标")
    title = forms.CharField(label="材料名称", required=False, max_length=200)
    file = EvidenceFile(label="文件")

    def __init__(self, *args: Any, rows: Sequence[IndicatorResultFields], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self.fields, "code").choices = [(r.code, r.name) for r in rows]
