"""The execution chart (执行进度图): a project's or a unit's cumulative budget execution month by
month against the time-progress diagonal, with the year-end forecast, as a self-contained SVG.

Pure: no Django, no I/O. Numbers come in as ``Decimal`` points of 100 (37.50 means 37.5 %) and
stay ``Decimal`` down to the coordinates, which are written with one decimal place. Every text
that reaches the document (title, subtitle, labels) is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_CEILING, Decimal
from xml.sax.saxutils import escape, quoteattr

# (month 1–12, execution rate, time progress, forecast year-end rate or None)
ChartPoint = tuple[int, Decimal, Decimal, Decimal | None]

WIDTH = 640
HEIGHT = 360
# The plot area inside the canvas (left, top, right, bottom edges).
PLOT_LEFT = Decimal(56)
PLOT_TOP = Decimal(92)
PLOT_RIGHT = Decimal(612)
PLOT_BOTTOM = Decimal(316)
MONTHS = 12
HUNDRED = Decimal(100)
GRID_STEP = Decimal(20)

FONT = "'PingFang SC','Microsoft YaHei','Noto Sans CJK SC','Source Han Sans SC',sans-serif"
EXECUTION_COLOUR = "#1f6feb"
TIME_COLOUR = "#8c959f"
FORECAST_COLOUR = "#d4761c"
GRID_COLOUR = "#e5e7eb"
AXIS_COLOUR = "#6b7280"
TEXT_COLOUR = "#1f2937"
MUTED_COLOUR = "#6b7280"

EXECUTION_LABEL = "执行进度"
TIME_LABEL = "时间进度"
FORECAST_LABEL = "预计"


def _c(value: Decimal) -> str:
    """A coordinate as written in the document."""
    return f"{value:.1f}"


def _pct(value: Decimal) -> str:
    return f"{value:.1f}%"


def _text(value: str) -> str:
    return escape(value)


def _attr(value: str) -> str:
    """A quoted, escaped attribute value (quotes included)."""
    return quoteattr(value)


class _Scale:
    """Month → x and percentage → y inside the plot area; the y axis runs 0–100 %, or up to
    the next gridline above the largest value when a rate passes 100 % (overspending)."""

    def __init__(self, top_value: Decimal) -> None:
        self.y_max = HUNDRED
        if top_value > HUNDRED:
            steps = (top_value / GRID_STEP).to_integral_value(rounding=ROUND_CEILING)
            self.y_max = steps * GRID_STEP

    def x(self, month: Decimal | int) -> Decimal:
        return PLOT_LEFT + (PLOT_RIGHT - PLOT_LEFT) * Decimal(month) / MONTHS

    def y(self, percent: Decimal) -> Decimal:
        clamped = min(max(percent, Decimal(0)), self.y_max)
        return PLOT_BOTTOM - (PLOT_BOTTOM - PLOT_TOP) * clamped / self.y_max


def _latest_forecast(points: Sequence[ChartPoint]) -> tuple[int, Decimal, Decimal] | None:
    """(month, execution rate, forecast) of the last point, when it has a forecast and is
    before December."""
    if not points:
        return None
    month, rate, _time, forecast = points[-1]
    if forecast is None or month >= MONTHS:
        return None
    return month, rate, forecast


def execution_svg(points: Sequence[ChartPoint], *, title: str, subtitle: str = "") -> str:
    """The chart of ``points`` (one per month with figures, any order) as an SVG document:
    a 0–100 % y axis with gridlines, months 1–12 on the x axis, the time-progress diagonal
    (dashed grey), the execution curve from the start of the year (solid, a dot per month with
    its figures in a tooltip), and the year-end forecast as a dashed segment from the last
    month to December."""
    ordered = sorted(points, key=lambda p: p[0])
    values = [p[1] for p in ordered] + [p[3] for p in ordered if p[3] is not None]
    scale = _Scale(max(values, default=Decimal(0)))
    forecast = _latest_forecast(ordered)
    font = _attr(FONT)
    out: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label={_attr(title)} '
        f"font-family={font}>",
        f"<title>{_text(title)}</title>",
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        f'<text class="title" x="{_c(PLOT_LEFT)}" y="28" font-size="16" font-weight="600" '
        f'fill="{TEXT_COLOUR}">{_text(title)}</text>',
    ]
    if subtitle:
        out.append(
            f'<text class="subtitle" x="{_c(PLOT_LEFT)}" y="48" font-size="12" '
            f'fill="{MUTED_COLOUR}">{_text(subtitle)}</text>'
        )
    out += _legend()
    out += _grid(scale)
    out.append(
        f'<line class="series time-progress" x1="{_c(scale.x(0))}" y1="{_c(scale.y(Decimal(0)))}" '
        f'x2="{_c(scale.x(MONTHS))}" y2="{_c(scale.y(HUNDRED))}" stroke="{TIME_COLOUR}" '
        f'stroke-width="1.5" stroke-dasharray="6 4"><title>{TIME_LABEL}：'
        f"第 m 月末 = m ÷ 12</title></line>"
    )
    if forecast is not None:
        month, rate, projected = forecast
        x2, y2 = scale.x(MONTHS), scale.y(projected)
        out.append(
            f'<g class="series forecast"><title>{FORECAST_LABEL}全年执行率 {_pct(projected)}'
            f"</title>"
            f'<line x1="{_c(scale.x(month))}" y1="{_c(scale.y(rate))}" x2="{_c(x2)}" '
            f'y2="{_c(y2)}" stroke="{FORECAST_COLOUR}" stroke-width="2" '
            f'stroke-dasharray="5 4"/>'
            f'<circle cx="{_c(x2)}" cy="{_c(y2)}" r="3.5" fill="#ffffff" '
            f'stroke="{FORECAST_COLOUR}" stroke-width="2"/>'
            f'<text x="{_c(x2 - 6)}" y="{_c(y2 - 8)}" font-size="11" text-anchor="end" '
            f'fill="{FORECAST_COLOUR}">{FORECAST_LABEL} {_pct(projected)}</text></g>'
        )
    if ordered:
        out += _execution(ordered, scale)
    else:
        out.append(
            f'<text class="empty" x="{_c((PLOT_LEFT + PLOT_RIGHT) / 2)}" '
            f'y="{_c((PLOT_TOP + PLOT_BOTTOM) / 2)}" font-size="13" text-anchor="middle" '
            f'fill="{MUTED_COLOUR}">暂无已提交的监控数据</text>'
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _legend() -> list[str]:
    """Three samples in the top-right corner, above the plot."""
    y = Decimal(66)
    items = [
        (EXECUTION_LABEL, f'stroke="{EXECUTION_COLOUR}" stroke-width="2.5"', True),
        (TIME_LABEL, f'stroke="{TIME_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"', False),
        (
            FORECAST_LABEL,
            f'stroke="{FORECAST_COLOUR}" stroke-width="2" stroke-dasharray="5 4"',
            False,
        ),
    ]
    out = ['<g class="legend" font-size="12">']
    for n, (label, stroke, dot) in enumerate(items):
        x = PLOT_RIGHT - Decimal(262) + Decimal(96) * n
        out.append(f'<line x1="{_c(x)}" y1="{_c(y)}" x2="{_c(x + 24)}" y2="{_c(y)}" {stroke}/>')
        if dot:
            out.append(f'<circle cx="{_c(x + 12)}" cy="{_c(y)}" r="3" fill="{EXECUTION_COLOUR}"/>')
        out.append(
            f'<text x="{_c(x + 30)}" y="{_c(y + 4)}" fill="{TEXT_COLOUR}">{_text(label)}</text>'
        )
    out.append("</g>")
    return out


def _grid(scale: _Scale) -> list[str]:
    """Horizontal gridlines every 20 %, month ticks 1–12, the axes."""
    out = [f'<g class="grid" font-size="11" fill="{MUTED_COLOUR}">']
    level = Decimal(0)
    while level <= scale.y_max:
        y = scale.y(level)
        colour = AXIS_COLOUR if level == 0 else GRID_COLOUR
        out.append(
            f'<line x1="{_c(PLOT_LEFT)}" y1="{_c(y)}" x2="{_c(PLOT_RIGHT)}" y2="{_c(y)}" '
            f'stroke="{colour}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_c(PLOT_LEFT - 8)}" y="{_c(y + 4)}" text-anchor="end">{level:.0f}%</text>'
        )
        level += GRID_STEP
    out.append(
        f'<line x1="{_c(PLOT_LEFT)}" y1="{_c(PLOT_TOP)}" x2="{_c(PLOT_LEFT)}" '
        f'y2="{_c(PLOT_BOTTOM)}" stroke="{AXIS_COLOUR}" stroke-width="1"/>'
    )
    for month in range(1, MONTHS + 1):
        x = scale.x(month)
        out.append(
            f'<line x1="{_c(x)}" y1="{_c(PLOT_BOTTOM)}" x2="{_c(x)}" y2="{_c(PLOT_BOTTOM + 4)}" '
            f'stroke="{AXIS_COLOUR}" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_c(x)}" y="{_c(PLOT_BOTTOM + 18)}" text-anchor="middle">{month}</text>'
        )
    out.append(
        f'<text x="{_c(PLOT_RIGHT)}" y="{_c(PLOT_BOTTOM + 36)}" text-anchor="end">月份</text>'
    )
    out.append("</g>")
    return out


def _execution(points: Sequence[ChartPoint], scale: _Scale) -> list[str]:
    """The execution curve from (0, 0) — nothing is spent before the year starts — through
    every month with figures, a dot per month, and the latest rate written beside it."""
    coordinates = [(scale.x(0), scale.y(Decimal(0)))]
    coordinates += [(scale.x(month), scale.y(rate)) for month, rate, _t, _f in points]
    path = " ".join(f"{_c(x)},{_c(y)}" for x, y in coordinates)
    out = [
        '<g class="series execution">',
        f'<polyline points="{path}" fill="none" stroke="{EXECUTION_COLOUR}" '
        f'stroke-width="2.5" stroke-linejoin="round" stroke-linecap="round"/>',
    ]
    for month, rate, time_progress, forecast in points:
        tooltip = f"{month} 月：{EXECUTION_LABEL} {_pct(rate)}，{TIME_LABEL} {_pct(time_progress)}"
        if forecast is not None:
            tooltip += f"，{FORECAST_LABEL}全年 {_pct(forecast)}"
        out.append(
            f'<circle cx="{_c(scale.x(month))}" cy="{_c(scale.y(rate))}" r="3.5" '
            f'fill="{EXECUTION_COLOUR}"><title>{_text(tooltip)}</title></circle>'
        )
    month, rate, _time, _forecast = points[-1]
    x, y = scale.x(month), scale.y(rate)
    # below and to the right of the last dot: the forecast rises to its right, the curve
    # comes from its left; near December, or near the axis, on the free side
    anchor, label_x = ("start", x + 6) if month <= MONTHS - 2 else ("end", x - 6)
    label_y = y + 16 if y + 16 <= PLOT_BOTTOM - 4 else y - 8
    out.append(
        f'<text x="{_c(label_x)}" y="{_c(label_y)}" font-size="11" font-weight="600" '
        f'text-anchor="{anchor}" fill="{EXECUTION_COLOUR}">{_pct(rate)}</text>'
    )
    out.append("</g>")
    return out
