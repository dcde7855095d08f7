"""The indicators of a goal arranged as the declaration form shows them: by level 1 in the
standard order (产出, 成本, 效益, 满意度), then level 2, then the declared order; with what each
row shows beside the values (last year's actual, warnings, errors, review comments). Pure: the
views pass in what the selectors read."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from backend.core.errors import Problem
from backend.indicators import system

LEVEL1_ORDER = list(system.LEVELS)


@dataclass
class Row:
    indicator: Any  # a GoalIndicator, or a snapshot's dict of one
    group: str = ""  # its scoring group (output / effect / satisfaction)
    last_actual: Decimal | None = None
    warnings: list[str] = field(default_factory=list)
    errors: dict[str, list[str]] = field(default_factory=dict)  # field → messages
    comments: list[str] = field(default_factory=list)  # the reviewer's, on this indicator
    form: Any = None  # its edit form, when the goal is editable here
    saved: bool = False
    review_field: Any = None  # the reviewer's comment on it (a bound field), when reviewing

    @property
    def code(self) -> str:
        return str(_get(self.indicator, "code") or "")

    @property
    def all_errors(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


def review_rows(
    indicators: Sequence[Any],
    actuals: Mapping[str, Decimal],
    warnings: Iterable[Problem],
    form: Any = None,
) -> list[Row]:
    """The rows a reviewer sees (the unit leader's and the city's review sheet): each indicator
    with last year's actual, the goal-quality warnings on it, and its comment field of ``form``
    (a ``ReviewForm``) when the goal awaits this reviewer."""
    by_code: dict[str, list[str]] = {}
    for warning in warnings:
        by_code.setdefault((warning.field or "").split(".")[1], []).append(warning.message)
    return [
        Row(
            indicator=indicator,
            last_actual=actuals.get(indicator.code),
            warnings=by_code.get(indicator.code, []),
            review_field=form[form.key(indicator)] if form is not None else None,
        )
        for indicator in indicators
    ]


@dataclass
class Level2:
    name: str
    rows: list[Row]


@dataclass
class Level1:
    name: str
    level2s: list[Level2]
    weight: Decimal

    @property
    def rows(self) -> list[Row]:
        return [row for level2 in self.level2s for row in level2.rows]


@dataclass(frozen=True)
class PrintRow:
    """One line of the printed form: level cells carry a rowspan on their first line only."""

    level1: str
    level1_span: int  # 0: covered by the cell above
    level2: str
    level2_span: int
    row: Row


def _get(indicator: Any, name: str) -> Any:
    if isinstance(indicator, Mapping):
        return indicator.get(name)
    return getattr(indicator, name, None)


def _order(level1: str, level2: str) -> tuple[int, int]:
    first = LEVEL1_ORDER.index(level1) if level1 in LEVEL1_ORDER else len(LEVEL1_ORDER)
    children = list(system.LEVELS.get(level1, ()))
    second = children.index(level2) if level2 in children else len(children)
    return first, second


def arrange(rows: Iterable[Row]) -> list[Level1]:
    """Rows grouped by level 1 and level 2 in the standard order; the declared order of the
    indicators inside a group is kept (the sort is stable)."""
    ordered = sorted(
        rows,
        key=lambda row: _order(
            str(_get(row.indicator, "level1") or ""), str(_get(row.indicator, "level2") or "")
        ),
    )
    blocks: list[Level1] = []
    for row in ordered:
        level1 = str(_get(row.indicator, "level1") or "")
        level2 = str(_get(row.indicator, "level2") or "")
        row.group = str(system.GROUP_OF_LEVEL1.get(level1, "") or "")
        if not blocks or blocks[-1].name != level1:
            blocks.append(Level1(level1, [], Decimal(0)))
        block = blocks[-1]
        if not block.level2s or block.level2s[-1].name != level2:
            block.level2s.append(Level2(level2, []))
        block.level2s[-1].rows.append(row)
        block.weight += Decimal(str(_get(row.indicator, "weight") or 0))
    return blocks


def print_rows(blocks: Sequence[Level1]) -> list[PrintRow]:
    """The arranged rows as the lines of the printed table, with rowspans."""
    lines: list[PrintRow] = []
    for block in blocks:
        first_of_level1 = True
        for level2 in block.level2s:
            for index, row in enumerate(level2.rows):
                lines.append(
                    PrintRow(
                        level1=block.name,
                        level1_span=len(block.rows) if first_of_level1 else 0,
                        level2=level2.name,
                        level2_span=len(level2.rows) if index == 0 else 0,
                        row=row,
                    )
                )
                first_of_level1 = False
    return lines


def problems_by_indicator(
    problems: Iterable[Problem],
) -> tuple[dict[str, dict[str, list[str]]], list[str], list[str]]:
    """Split a goal's problems: ``indicators.<code>.<field>`` → by indicator and field;
    ``indicators`` and weight sums → the indicator table's; anything else → the page's."""
    by_code: dict[str, dict[str, list[str]]] = {}
    table: list[str] = []
    page: list[str] = []
    for problem in problems:
        name = problem.field or ""
        parts = name.split(".")
        if parts[0] == "indicators" and len(parts) >= 2:
            key = parts[2] if len(parts) > 2 else "code"
            by_code.setdefault(parts[1], {}).setdefault(key, []).append(problem.message)
        elif name == "indicators" or name.startswith("weights") or name == "group_weights":
            table.append(problem.message)
        else:
            page.append(problem.message)
    return by_code, table, page
