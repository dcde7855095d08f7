"""The three-way merge (pure) and, through adopt_version, retirement of removed indicators."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from backend.library.merge import FieldConflict, field_values, json_value, three_way
from backend.library.models import LibraryIndicator
from backend.library.services import adopt_version
from tests.indicators.push_factories import make_version, next_version

BASE = {
    "name": "办案数量",
    "target_value": "100",
    "weight": "5",
    "guidance": "",
    "mandatory": False,
    "locked": False,
}


def test_untouched_field_follows_upstream() -> None:
    upstream = {**BASE, "target_value": "120", "guidance": "新口径"}
    outcome = three_way(BASE, dict(BASE), upstream)
    assert outcome.values == upstream
    assert outcome.conflicts == []


def test_a_field_only_the_unit_changed_keeps_local() -> None:
    local = {**BASE, "target_value": "90"}
    outcome = three_way(BASE, local, {**BASE, "guidance": "新口径"})
    assert outcome.values["target_value"] == "90"
    assert outcome.values["guidance"] == "新口径"
    assert not outcome.has_conflicts


def test_both_changed_differently_keeps_local_and_reports_a_conflict() -> None:
    local = {**BASE, "target_value": "90", "name": "本院名称"}
    upstream = {**BASE, "target_value": "120", "name": "省院名称"}
    outcome = three_way(BASE, local, upstream)
    assert outcome.values["target_value"] == "90"
    assert outcome.values["name"] == "本院名称"
    assert outcome.conflicts == [
        FieldConflict("name", "办案数量", "本院名称", "省院名称"),
        FieldConflict("target_value", "100", "90", "120"),
    ]


def test_both_changed_to_the_same_value_is_no_conflict() -> None:
    local = {**BASE, "weight": "8"}
    outcome = three_way(BASE, local, {**BASE, "weight": "8"})
    assert outcome.values["weight"] == "8"
    assert outcome.conflicts == []


def test_locked_upstream_overrides_the_units_target_and_weight() -> None:
    local = {**BASE, "target_value": "90", "weight": "8", "name": "本院名称"}
    upstream = {**BASE, "target_value": "120", "locked": True}
    outcome = three_way(BASE, local, upstream)
    assert outcome.values["target_value"] == "120"  # changed by both, but locked: no conflict
    assert outcome.values["weight"] == "5"  # only the unit changed it, but locked
    assert outcome.values["name"] == "本院名称"  # not a locked field
    assert outcome.values["locked"] is True
    assert outcome.conflicts == []


def test_policy_fields_always_follow_upstream() -> None:
    local = {**BASE, "mandatory": True, "locked": True}
    outcome = three_way(BASE, local, {**BASE, "mandatory": False, "locked": False})
    assert outcome.values["mandatory"] is False
    assert outcome.values["locked"] is False
    assert outcome.conflicts == []


def test_a_field_missing_from_the_base_follows_upstream() -> None:
    base = {k: v for k, v in BASE.items() if k != "guidance"}
    outcome = three_way(base, {**BASE, "guidance": "旧"}, {**BASE, "guidance": "新"})
    assert outcome.values["guidance"] == "新"
    assert outcome.conflicts == []


def test_equal_decimals_compare_equal() -> None:
    assert json_value(Decimal("10.00")) == json_value(Decimal("10")) == "10"
    assert json_value(Decimal("0.5000")) == "0.5"
    assert json_value(Decimal("1E+3")) == "1000"
    assert json_value(Decimal("-0.00")) == "0"
    assert json_value(None) is None
    values = field_values(
        {"target_value": Decimal("100.0000"), "weight": Decimal("5.00")}, ["target_value", "weight"]
    )
    assert values == {"target_value": "100", "weight": "5"}
    outcome = three_way(values, {"target_value": "100", "weight": "5"}, values)
    assert outcome.conflicts == []


@pytest.mark.django_db
def test_an_indicator_removed_upstream_is_retired_not_deleted(unit) -> None:
    v1 = make_version(3)
    v2 = next_version(v1, drop=("i2",))
    with schema_context(unit("lengshuijiang").schema_name):
        adopt_version(v1)
        result = adopt_version(v2)
        assert result.retired == 1
        rows = {i.code: i for i in LibraryIndicator.objects.all()}
        assert set(rows) == {"i1", "i2", "i3"}
        assert rows["i2"].is_retired and rows["i2"].version_id == v1.pk
        assert not rows["i1"].is_retired and rows["i1"].version_id == v2.pk
