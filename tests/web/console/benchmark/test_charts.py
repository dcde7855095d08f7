"""The league charts at 137 and at 3,600 units: every bar named (no skipped label), values on
the bars, a scrolling window (dataZoom) once the list is longer than the window."""

from __future__ import annotations

from decimal import Decimal

import pytest

from backend.benchmarking.selectors import EMPTY, BenchmarkTable, UnitValue
from backend.console.benchmark import by_city
from backend.web.console.benchmark import charts


def table(n: int) -> BenchmarkTable:
    rows = tuple(
        UnitValue(
            unit_id=i,
            code=f"u{i:04}",
            name=f"基准基层院{i}",
            level="county",
            city_code=f"c{i % max(1, n // 10):03}",
            city_name=f"基准市院{i % max(1, n // 10)}",
            value=Decimal(100) - Decimal(i) / 100,
            rank=i + 1,
            percentile=Decimal(100) * (n - i - 1) / max(1, n - 1),
        )
        for i in range(n)
    )
    return BenchmarkTable("execution_rate", "预算执行率", "%", True, 2026, 6, rows, EMPTY)


@pytest.mark.parametrize("n", [137, 3600])
def test_every_bar_is_named_and_long_lists_scroll(n: int) -> None:
    t = table(n)
    options = charts.unit_bars(list(t.rows), t, color=charts.BLUE, name=t.label)
    assert len(options["yAxis"]["data"]) == n
    assert options["yAxis"]["axisLabel"]["interval"] == 0  # no name skipped
    assert options["series"][0]["label"]["show"] is True
    zoom = options["dataZoom"][0]
    assert zoom["yAxisIndex"] == 0 and zoom["endValue"] - zoom["startValue"] + 1 == charts.WINDOW
    assert charts.chart_height(n) == 70 + 26 * charts.WINDOW  # the window, not n rows
    top = charts.unit_bars(list(t.rows)[:10], t, color=charts.BLUE, name=t.label)
    assert top["dataZoom"] == []


@pytest.mark.parametrize("n", [137, 3600])
def test_the_city_boxes_are_named_and_scroll(n: int) -> None:
    t = table(n)
    cities = by_city(t)
    options = charts.city_boxes(cities, t)
    assert len(options["yAxis"]["data"]) == len(cities) == n // 10
    assert options["yAxis"]["axisLabel"]["interval"] == 0
    assert bool(options["dataZoom"]) == (len(cities) > charts.WINDOW)  # 13 fit, 360 scroll
    assert options["series"][1]["label"]["show"] is True
