"""The form renderer (``FORM_RENDERER``): Django's, with the common widgets written in Python.

Django renders every widget through its template (``input.html`` → ``attrs.html``; a select
includes ``select_option.html`` once per option). On the goal form that is some 200 widgets a
page and most of its render time. This renderer writes the HTML of the text-like inputs, the
textarea and the select (with its options) directly, exactly as Django's own templates would
(``tests/web/test_renderer.py`` compares the two); any other template, or one of these
overridden by an app's templates, goes through the template as before. The forms, their fields
and their cleaning are untouched: only the HTML of a widget is produced differently.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.formats import localize
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData

# django-stubs leave out template_localtime (Django's templates call it)
from django.utils.timezone import template_localtime  # type: ignore[attr-defined]

WIDGETS = "django/forms/widgets/"
DJANGO_TEMPLATES = Path(django.forms.__file__).parent / "templates"
INPUTS = frozenset(
    f"{WIDGETS}{name}.html"
    for name in (
        "input",
        "text",
        "number",
        "email",
        "url",
        "password",
        "hidden",
        "search",
        "tel",
        "color",
        "date",
        "datetime",
        "time",
        "checkbox",
    )
)
TEXTAREA = f"{WIDGETS}textarea.html"
SELECT = f"{WIDGETS}select.html"
OPTION = f"{WIDGETS}select_option.html"


def _var(value: Any) -> str:
    """``{{ value }}`` under autoescape."""
    if isinstance(value, str):  # the common case: localising a string leaves it as it is
        return value if isinstance(value, SafeData) else escape(value)
    return str(conditional_escape(localize(template_localtime(value))))


def _formatted(value: Any) -> str:
    """``{{ value|stringformat:'s' }}`` under autoescape."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def _attrs(attrs: dict[str, Any]) -> str:
    """``attrs.html``."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_var(name)}" if value is True else f' {_var(name)}="{_formatted(value)}"')
    return "".join(parts)


def _input(widget: dict[str, Any]) -> str:
    value = widget["value"]
    shown = f' value="{_formatted(value)}"' if value is not None else ""
    return (
        f'<input type="{_var(widget["type"])}" name="{_var(widget["name"])}"{shown}'
        f"{_attrs(widget['attrs'])}>"
    )


def _textarea(widget: dict[str, Any]) -> str:
    value = _var(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def _option(option: dict[str, Any]) -> str:
    return (
        f'<option value="{_formatted(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_var(option['label'])}</option>"
    )


def _select(widget: dict[str, Any]) -> str | None:
    parts = [f'<select name="{_var(widget["name"])}"{_attrs(widget["attrs"])}>']
    groups: Iterable[tuple[Any, list[dict[str, Any]], int]] = widget["optgroups"]
    for group_name, options, _index in groups:
        if group_name:
            parts.append(f'\n  <optgroup label="{_var(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION:
                return None  # a custom option template: the template renders the select
            parts.append(f"\n  {_option(option)}\n")  # the option template ends in a newline
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


WRITERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    **dict.fromkeys(INPUTS, _input),
    TEXTAREA: _textarea,
    SELECT: _select,
}


class FormRenderer(DjangoTemplates):
    """Django's template renderer; the widgets of ``WRITERS`` written without a template."""

    @functools.cache  # noqa: B019 - one renderer a process (get_default_renderer caches it)
    def _own(self, template_name: str) -> bool:
        """Whether the template the engine finds is still Django's own (no app overrides it)."""
        if template_name not in WRITERS:
            return False
        names = [template_name, OPTION] if template_name == SELECT else [template_name]
        return all(
            Path(self.get_template(name).origin.name).is_relative_to(DJANGO_TEMPLATES)
            for name in names
        )

    def render(self, template_name: str, context: dict[str, Any], request: Any = None) -> str:
        widget = context.get("widget") if isinstance(context, dict) else None
        if widget is not None and self._own(template_name):
            html = WRITERS[template_name](widget)
            if html is not None:
                return html
        return str(super().render(template_name, context, request))
