"""Forms of the browser layer. They render the fields and carry the raw values to the services;
the checking is the services' (the same cleaner the API uses), and a ``DomainError`` comes back
next to the fields it names.

``run_service(form, call)`` is the one pattern every form view uses::

    form = ProjectForm(request.POST)
    if form.is_valid():
        project = run_service(form, lambda: services.create_project(**form.cleaned_data, ...))
        if project is not None:
            return redirect(...)
    return render(..., {"form": form})
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from backend.core.errors import DomainError

T = TypeVar("T")

DJANGO_REQUIRED = forms.Field.default_error_messages["required"]
NUL_VALIDATOR = ProhibitNullCharactersValidator(message="不能包含空字符（NUL）。")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def field_name(problem_field: str | None) -> str:
    """A service's field name (``initial_budget``, ``projectId``, ``indicators.3.target``) as
    a form field name (``initial_budget``, ``project_id``, ``indicators.3.target``)."""
    if not problem_field:
        return ""
    return _CAMEL.sub("_", problem_field).lower()


def add_problems(
    form: forms.BaseForm, error: DomainError, fields: Mapping[str, str] | None = None
) -> None:
    """Put each problem of ``error`` next to its field (``fields`` maps a service's field names
    to the form's where they differ); a problem without a matching field goes on top."""
    for problem in error.problems:
        name = field_name(problem.field)
        name = (fields or {}).get(name, name)
        shown = name in form.fields and not form.fields[name].widget.is_hidden
        form.add_error(name if shown else None, problem.message)


def choice_field(fields: Mapping[str, forms.Field], name: str) -> forms.ChoiceField:
    """The choice field ``name`` of a form's ``fields`` (or a form class's ``base_fields``),
    whose choices are set when the form is built (the stubs type each field as ``Field``)."""
    field = fields[name]
    assert isinstance(field, forms.ChoiceField), f"{name} is not a choice field"
    return field


def run_service(
    form: forms.BaseForm,
    call: Callable[[], T],
    fields: Mapping[str, str] | None = None,
) -> T | None:
    """Run one service call in one transaction; on a ``DomainError`` nothing is written and the
    problems are shown on ``form``; returns the call's result, or None when it failed."""
    try:
        with transaction.atomic():
            return call()
    except DomainError as error:
        add_problems(form, error, fields)
        return None


def version_field() -> forms.IntegerField:
    """The version of the record as the user read it (optimistic versioning): the page sends it
    back with the edit, and the service refuses a stale one (``STALE``, shown above the form
    with the current values) instead of overwriting someone else's change."""
    return forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)


class LongSelect(forms.Select):
    """A select of hundreds of options (the cities of a province at 3,600 units) written out
    directly: Django renders each option through its own template, about a millisecond an
    option. Same markup, attributes and selection as ``forms.Select``; no option groups."""

    def render(
        self,
        name: str,
        value: Any,
        attrs: dict[str, Any] | None = None,
        renderer: Any = None,
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        final["name"] = name
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final), options)


class PlainForm(forms.Form):
    """Base of the pages' forms: Bootstrap classes on every widget, Chinese required message."""

    required_css_class = "required"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            widget.attrs.setdefault("class", css)
            if str(field.error_messages.get("required")) == str(DJANGO_REQUIRED):
                field.error_messages["required"] = "此项为必填项。"  # a form's own one stays
            # Django's own zh-hans message for a NUL character reads as if the field were empty
            field.validators = [
                NUL_VALIDATOR if isinstance(v, ProhibitNullCharactersValidator) else v
                for v in field.validators
            ]
