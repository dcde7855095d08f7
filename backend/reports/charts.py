"""Benchmark charts with matplotlib (the Agg canvas directly, never pyplot and its global
state): ranked bars with the median line, and a box plot by city, each as SVG (``str``) and
PNG (``bytes``). Pure: a ``BenchmarkTable`` in, a document out.

Chinese is set in the shipped CJK font. In SVG the texts stay text (``svg.fonttype = none``, the
CJK font first in the font list), so unit names can be searched and read by screen readers; in
PNG they are rasterised with the shipped font. Output is reproducible: a fixed
``svg.hashsalt``, no date or software stamp in the metadata. Artists carry ids (``gid``):
``bar-<unit code>``, ``median-line``, ``box-<city code>``.

Values are plotted as floats: drawing is the only place they leave ``Decimal``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from backend.benchmarking.selectors import BenchmarkTable, UnitValue
from backend.reports.benchmark_xlsx import ordered_rows, period
from backend.reports.fonts import chart_font_family

# Past this many units the bars carry no name each (they would overlap); the title says so.
LABEL_LIMIT = 120
MAX_WIDTH_IN = 40.0
DPI = 100
BETTER = "#1f6feb"
WORSE = "#d4761c"
MEDIAN = "#b91c1c"
GRID = "#e5e7eb"
TEXT = "#1f2937"
MUTED = "#6b7280"
# Named in the SVG after the shipped font, for viewers that do not have it (matplotlib itself
# is never asked for them: it would look each one up and warn).
SVG_FALLBACK_FONTS = "'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', "


@contextmanager
def _style() -> Iterator[None]:
    family = chart_font_family()
    with matplotlib.rc_context(
        {
            "font.family": [family, "sans-serif"],
            "font.size": 9,
            "axes.unicode_minus": False,
            "axes.edgecolor": MUTED,
            "axes.labelcolor": TEXT,
            "xtick.color": TEXT,
            "ytick.color": TEXT,
            "svg.fonttype": "none",
            "svg.hashsalt": "jixiao",
            "svg.id": None,
            "path.simplify": True,
        }
    ):
        yield


def _svg(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(
        buffer, format="svg", bbox_inches="tight", metadata={"Date": None, "Creator": None}
    )
    family = f"font-family: '{chart_font_family()}', "
    return buffer.getvalue().replace(family, family + SVG_FALLBACK_FONTS)


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _f(value: Decimal) -> float:
    return float(value)


def _fmt(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _axis_label(table: BenchmarkTable) -> str:
    return f"{table.label}（{table.unit_of_measure}）" if table.unit_of_measure else table.label


def _empty(axes: Axes) -> None:
    axes.text(
        0.5,
        0.5,
        "暂无数据",
        ha="center",
        va="center",
        color=MUTED,
        fontsize=12,
        transform=axes.transAxes,
    )
    axes.set_xticks([])
    axes.set_yticks([])


def _is_better(value: Decimal, median: Decimal | None, higher_is_better: bool) -> bool:
    if median is None:
        return True
    return value >= median if higher_is_better else value <= median


def _bars(table: BenchmarkTable) -> Figure:
    rows = [r for r in ordered_rows(table) if r.value is not None]
    missing = len(table.rows) - len(rows)
    median = table.distribution.median
    width = min(max(6.4, 1.6 + 0.34 * len(rows)), MAX_WIDTH_IN)
    figure = Figure(figsize=(width, 5.2))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    title = f"{table.label} 排名 · {period(table)}"
    notes = [f"{len(rows)} 个单位"]
    if missing:
        notes.append(f"{missing} 个单位无数据未列入")
    if len(rows) > LABEL_LIMIT:
        notes.append("单位过多，未逐一标注名称")
    axes.set_title(f"{title}\n{'，'.join(notes)}", color=TEXT, fontsize=11, loc="left")
    if not rows:
        _empty(axes)
        return figure
    positions = list(range(len(rows)))
    values = [r.value for r in rows if r.value is not None]  # one a row: each row has a value
    colours = [BETTER if _is_better(v, median, table.higher_is_better) else WORSE for v in values]
    bars = axes.bar(positions, [_f(v) for v in values], color=colours, width=0.7, zorder=2)
    for bar, unit in zip(bars, rows, strict=True):
        bar.set_gid(f"bar-{unit.code}")
    if len(rows) <= LABEL_LIMIT:
        axes.set_xticks(
            positions,
            [_unit_label(r) for r in rows],
            rotation=60,
            ha="right",
            rotation_mode="anchor",
        )
    else:
        axes.set_xticks([])
    if len(rows) <= 40:
        axes.bar_label(
            bars, labels=[_fmt(r.value) for r in rows], fontsize=7, color=MUTED, padding=2
        )
    if median is not None:
        line = axes.axhline(_f(median), color=MEDIAN, linestyle="--", linewidth=1.4, zorder=3)
        line.set_gid("median-line")
        axes.annotate(
            f"中位数 {_fmt(median)}",
            xy=(1, _f(median)),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            va="bottom",
            color=MEDIAN,
            fontsize=9,
            gid="median-label",
        )
    axes.set_xlim(-0.6, len(rows) - 0.4)
    axes.set_ylabel(_axis_label(table))
    axes.grid(axis="y", color=GRID, zorder=0)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def _unit_label(unit: UnitValue) -> str:
    return f"{unit.rank}. {unit.name}" if unit.rank is not None else unit.name


def _cities(table: BenchmarkTable) -> list[tuple[str, str, list[Decimal]]]:
    """(city code, city name, values) per city with at least one value, by city code."""
    groups: dict[str, tuple[str, list[Decimal]]] = {}
    for row in table.rows:
        if row.value is None:
            continue
        groups.setdefault(row.city_code, (row.city_name or row.city_code, []))[1].append(row.value)
    return [(code, name, values) for code, (name, values) in sorted(groups.items())]


def _box(table: BenchmarkTable) -> Figure:
    cities = _cities(table)
    width = min(max(6.4, 1.6 + 0.9 * len(cities)), MAX_WIDTH_IN)
    figure = Figure(figsize=(width, 5.0))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.set_title(
        f"{table.label} 分市分布 · {period(table)}\n{len(cities)} 个市院辖区，每箱为该市所辖单位",
        color=TEXT,
        fontsize=11,
        loc="left",
    )
    if not cities:
        _empty(axes)
        return figure
    data = [[_f(v) for v in values] for _code, _name, values in cities]
    labels = [f"{name}\n(n={len(values)})" for _code, name, values in cities]
    parts: dict[str, Any] = axes.boxplot(
        data,
        tick_labels=labels,
        patch_artist=True,
        widths=0.55,
        medianprops={"color": MEDIAN, "linewidth": 1.6},
        boxprops={"facecolor": "#dbeafe", "edgecolor": BETTER},
        whiskerprops={"color": BETTER},
        capprops={"color": BETTER},
        flierprops={"marker": "o", "markersize": 4, "markeredgecolor": WORSE},
    )
    for box, (code, _name, _values) in zip(parts["boxes"], cities, strict=True):
        box.set_gid(f"box-{code}")
    median = table.distribution.median
    if median is not None:
        line = axes.axhline(_f(median), color=MUTED, linestyle=":", linewidth=1.2)
        line.set_gid("median-line")
        axes.annotate(
            f"全体中位数 {_fmt(median)}",
            xy=(1, _f(median)),
            xycoords=("axes fraction", "data"),
            xytext=(-4, 4),
            textcoords="offset points",
            ha="right",
            va="bottom",
            color=MUTED,
            fontsize=9,
        )
    axes.set_ylabel(_axis_label(table))
    axes.grid(axis="y", color=GRID)
    axes.spines[["top", "right"]].set_visible(False)
    return figure


def benchmark_bars_svg(table: BenchmarkTable) -> str:
    """Ranked bars: one bar per unit with a value, in rank order, the median as a dashed line."""
    with _style():
        return _svg(_bars(table))


def benchmark_bars_png(table: BenchmarkTable) -> bytes:
    with _style():
        return _png(_bars(table))


def benchmark_box_svg(table: BenchmarkTable) -> str:
    """One box per city of its units' values, with the overall median as a dotted line."""
    with _style():
        return _svg(_box(table))


def benchmark_box_png(table: BenchmarkTable) -> bytes:
    with _style():
        return _png(_box(table))
