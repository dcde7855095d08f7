"""Adopting template versions into a unit's library, the unit's own changes, and conflicts.
Everything runs in a unit's schema (``schema_context``) inside the test transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context

from backend.core.errors import DomainError
from backend.library import selectors
from backend.library.merge import field_values
from backend.library.models import (
    AdoptedTemplate,
    ConflictStatus,
    LibraryIndicator,
    MergeConflict,
    Source,
)
from backend.library.services import (
    add_local_indicator,
    adopt_in_transaction,
    adopt_version,
    resolve_conflict,
    update_indicator,
)
from tests.factories import UserFactory
from tests.indicators.push_factories import make_version, next_version

pytestmark = pytest.mark.django_db

LOCAL = {
    "code": "local-1",
    "level1": "产出指标",
    "level2": "数量指标",
    "name": "本院自设指标",
    "value_type": "quantitative",
    "direction": "gte",
    "target_value": "10",
    "weight": "2",
}


@pytest.fixture
def in_unit(unit) -> Callable[[str], object]:
    """``with in_unit("lengshuijiang"):`` runs the block in that unit's schema."""
    return lambda code: schema_context(unit(code).schema_name)


@pytest.fixture
def lsj(in_unit) -> Iterator[None]:
    with in_unit("lengshuijiang"):
        yield


@pytest.fixture
def user():
    return UserFactory(username="lsj-finance")


def library() -> dict[str, LibraryIndicator]:
    return {i.code: i for i in LibraryIndicator.objects.filter(source=Source.TEMPLATE)}


def codes(version) -> set[str]:
    return set(version.indicators.values_list("code", flat=True))


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].split(None, 1)[0].upper() in ("INSERT", "UPDATE", "DELETE")
    ]


def test_adoption_creates_exactly_the_versions_indicators(lsj) -> None:
    version = make_version(4)
    result = adopt_version(version)
    assert (result.created, result.updated, result.retired, result.conflicts) == (4, 0, 0, 0)
    rows = library()
    assert set(rows) == codes(version)
    for source in version.indicators.all():
        copy = rows[source.code]
        assert field_values(copy) == field_values(source)
        assert copy.upstream == field_values(source)
        assert copy.version_id == version.pk and copy.template_id == version.template_id
    adopted = AdoptedTemplate.objects.get()
    assert (adopted.template_id, adopted.version_id) == (version.template_id, version.pk)


def test_a_second_adoption_is_a_no_op(lsj) -> None:
    version = make_version(3)
    adopt_version(version)
    before = {i.pk: i.updated_at for i in LibraryIndicator.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        result = adopt_version(version)
    assert (result.created, result.updated, result.retired, result.conflicts) == (0, 0, 0, 0)
    assert writes(queries) == []
    assert {i.pk: i.updated_at for i in LibraryIndicator.objects.all()} == before


def test_adoption_uses_a_constant_number_of_queries(lsj) -> None:
    small, large = make_version(2), make_version(30)
    counts = []
    for version in (small, large):
        with CaptureQueriesContext(connection) as queries:
            adopt_version(version)
        counts.append(len(queries))
    upgrade_small = next_version(small, {"i1": {"guidance": "x"}}, drop=("i2",))
    upgrade_large = next_version(large, {"i1": {"guidance": "x"}}, drop=("i2",))
    for version in (upgrade_small, upgrade_large):
        with CaptureQueriesContext(connection) as queries:
            adopt_version(version)
        counts.append(len(queries))
    assert counts[0] == counts[1] and counts[2] == counts[3], counts
    assert max(counts) <= 12, counts


def test_adoption_inside_the_callers_transaction_takes_no_savepoint(lsj) -> None:
    """A push target adopts in its own transaction (``run_target``): no savepoint round trips
    per unit; ``adopt_version`` inside a transaction takes one."""
    first, second = make_version(3), make_version(3)
    with CaptureQueriesContext(connection) as inside:
        result = adopt_in_transaction(first)
    with CaptureQueriesContext(connection) as nested:
        adopt_version(second)
    assert result.created == 3 and set(library()) >= codes(first)

    def savepoints(queries: CaptureQueriesContext) -> list[str]:
        return [q["sql"] for q in queries.captured_queries if "SAVEPOINT" in q["sql"]]

    assert savepoints(inside) == []
    assert len(savepoints(nested)) == 2  # SAVEPOINT and RELEASE SAVEPOINT


def test_an_older_version_is_refused(lsj) -> None:
    v1 = make_version(2)
    v2 = next_version(v1)
    adopt_version(v2)
    with pytest.raises(DomainError) as error:
        adopt_version(v1)
    assert [p.code for p in error.value.problems] == ["OLDER_VERSION"]


def test_a_draft_cannot_be_adopted(lsj) -> None:
    with pytest.raises(DomainError) as error:
        adopt_version(make_version(1, status="draft"))
    assert [p.code for p in error.value.problems] == ["VERSION_NOT_PUBLISHED"]


def test_an_upgrade_merges_field_by_field(lsj, user) -> None:
    v1 = make_version(3)
    adopt_version(v1)
    rows = library()
    update_indicator(rows["i1"], {"target_value": "90", "unit": "次"}, user=user)
    v2 = next_version(
        v1,
        {
            "i1": {"guidance": "新口径"},  # the unit did not touch guidance: follows upstream
            "i2": {"target_value": Decimal("150")},  # untouched by the unit: follows upstream
            "i3": {"unit": "件"},  # unchanged
        },
        drop=(),
        add=[{"code": "i4"}],
    )
    result = adopt_version(v2)
    assert (result.created, result.updated, result.retired, result.conflicts) == (1, 2, 0, 0)
    rows = library()
    assert rows["i1"].target_value == Decimal("90") and rows["i1"].unit == "次"
    assert rows["i1"].guidance == "新口径"
    assert rows["i2"].target_value == Decimal("150")
    assert rows["i1"].upstream == field_values(v2.indicators.get(code="i1"))
    assert {r.version_id for r in rows.values()} == {v2.pk}
    assert AdoptedTemplate.objects.get().version_id == v2.pk


def test_a_field_both_sides_changed_is_kept_and_can_be_resolved(lsj, user) -> None:
    v1 = make_version(2)
    adopt_version(v1)
    rows = library()
    update_indicator(rows["i1"], {"weight": "8"}, user=user)
    update_indicator(rows["i2"], {"name": "本院名称"}, user=user)
    v2 = next_version(v1, {"i1": {"weight": Decimal("6")}, "i2": {"name": "省院名称"}})
    result = adopt_version(v2)
    assert result.conflicts == 2
    rows = library()
    assert rows["i1"].weight == Decimal("8") and rows["i2"].name == "本院名称"

    conflicts = {c.indicator.code: c for c in selectors.open_conflicts()}
    weight = conflicts["i1"]
    assert (weight.field, weight.base_value, weight.local_value, weight.upstream_value) == (
        "weight",
        "5",
        "8",
        "6",
    )
    resolved = resolve_conflict(weight, choice="upstream", user=user)
    assert resolved.status == ConflictStatus.TOOK_UPSTREAM and resolved.resolved_by == user
    assert resolved.resolved_at is not None
    assert LibraryIndicator.objects.get(code="i1").weight == Decimal("6")

    kept = resolve_conflict(conflicts["i2"], choice="local", user=user)
    assert kept.status == ConflictStatus.KEPT_LOCAL
    assert LibraryIndicator.objects.get(code="i2").name == "本院名称"

    with pytest.raises(DomainError) as error:
        resolve_conflict(weight, choice="local", user=user)
    assert [p.code for p in error.value.problems] == ["CONFLICT_CLOSED"]
    assert not selectors.open_conflicts().exists()

    # The unit's kept name is not a conflict again while upstream leaves it alone.
    assert adopt_version(next_version(v2, {"i1": {"guidance": "x"}})).conflicts == 0


def test_a_newer_conflict_on_the_same_field_replaces_the_open_one(lsj, user) -> None:
    v1 = make_version(1)
    adopt_version(v1)
    update_indicator(library()["i1"], {"weight": "8"}, user=user)
    v2 = next_version(v1, {"i1": {"weight": Decimal("6")}})
    adopt_version(v2)
    v3 = next_version(v2, {"i1": {"weight": Decimal("7")}})
    assert adopt_version(v3).conflicts == 1
    conflict = MergeConflict.objects.get()
    assert (conflict.status, conflict.upstream_value, conflict.base_value) == ("open", "7", "6")
    assert conflict.version_id == v3.pk


def test_locking_upstream_overrides_the_units_target(lsj, user) -> None:
    v1 = make_version(1)
    adopt_version(v1)
    update_indicator(library()["i1"], {"target_value": "90", "weight": "8"}, user=user)
    v2 = next_version(v1, {"i1": {"locked": True, "target_value": Decimal("120")}})
    result = adopt_version(v2)
    assert result.conflicts == 0
    i1 = library()["i1"]
    assert (i1.locked, i1.target_value, i1.weight) == (True, Decimal("120"), Decimal("5"))


def test_update_rules(lsj, user) -> None:
    v1 = make_version(
        2,
        indicators=[
            {"code": "i1", "locked": True},
            {"code": "i2", "level1": "产出指标", "level2": "数量指标"},
        ],
    )
    adopt_version(v1)
    rows = library()

    with pytest.raises(DomainError) as error:
        update_indicator(
            rows["i1"], {"target_value": "90", "weight": "9", "name": "新名称"}, user=user
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("LOCKED", "target_value"),
        ("LOCKED", "weight"),
    ]
    # The province's lock, in the words a goal's form uses (backend/indicators/edit_policy.py).
    assert error.value.problems[1].message == "该指标的分值由省院锁定，不能修改，也不能调整。"
    # The same values again are no change; other fields stay editable.
    updated = update_indicator(
        rows["i1"], {"target_value": "100.00", "weight": "5", "name": "新名称"}, user=user
    )
    assert updated.name == "新名称"

    with pytest.raises(DomainError) as error:
        update_indicator(
            rows["i2"],
            {"mandatory": True, "locked": True, "level1": "效益指标", "direction": "nope"},
            user=user,
        )
    assert [(p.code, p.field) for p in error.value.problems] == [
        ("NOT_EDITABLE", "mandatory"),
        ("NOT_EDITABLE", "locked"),
        ("NOT_EDITABLE", "level1"),
        ("INVALID_CHOICE", "direction"),
    ]
    assert library()["i2"].mandatory is False

    changed = update_indicator(
        rows["i2"], {"target_value": "80", "scoring_method": "manual"}, user=user
    )
    assert (changed.target_value, changed.scoring_method) == (Decimal("80"), "manual")

    adopt_version(next_version(v1, drop=("i2",)))
    with pytest.raises(DomainError) as error:
        update_indicator(library()["i2"], {"name": "x"}, user=user)
    assert [p.code for p in error.value.problems] == ["RETIRED"]


def test_local_indicators_are_validated_and_never_touched_by_a_push(lsj, user) -> None:
    local = add_local_indicator(LOCAL)
    assert (local.source, local.template_id, local.weight) == ("local", None, Decimal("2"))
    # A local indicator may share a template indicator's code.
    same_code = add_local_indicator({**LOCAL, "code": "i1"})

    with pytest.raises(DomainError) as error:
        add_local_indicator(
            {
                "code": "local-1",
                "level1": "产出指标",
                "level2": "经济效益指标",
                "value_type": "guess",
                "weight": "-1",
                "colour": "red",
            }
        )
    assert sorted((p.code, p.field) for p in error.value.problems) == [
        ("CODE_TAKEN", "code"),
        ("INVALID", "weight"),
        ("INVALID_CHOICE", "level2"),
        ("INVALID_CHOICE", "value_type"),
        ("REQUIRED", "name"),
        ("UNKNOWN_FIELD", "colour"),
    ]

    v1 = make_version(2)
    adopt_version(v1)
    adopt_version(next_version(v1, {"i1": {"name": "改名"}}, drop=("i2",)))
    for before in (local, same_code):
        after = LibraryIndicator.objects.get(pk=before.pk)
        assert field_values(after) == field_values(before)
        assert (after.retired_at, after.updated_at) == (None, before.updated_at)

    # A local indicator is the unit's own: levels and policy flags may change.
    changed = update_indicator(local, {"level1": "效益指标", "level2": "社会效益"}, user=user)
    assert changed.level2 == "社会效益指标"


def test_selectors(lsj, user) -> None:
    v1 = make_version(2)
    adopt_version(v1)
    update_indicator(library()["i1"], {"weight": "8"}, user=user)
    add_local_indicator(LOCAL)
    adopt_version(next_version(v1, {"i1": {"weight": Decimal("6")}}, drop=("i2",)))

    rows = list(selectors.library_indicators())
    assert sorted(r.code for r in rows) == ["i1", "local-1"]
    assert {r.code: [c.field for c in r.open_conflicts] for r in rows} == {
        "i1": ["weight"],
        "local-1": [],
    }
    assert len(list(selectors.library_indicators(include_retired=True))) == 3
    assert [r.code for r in selectors.library_indicators(source="local")] == ["local-1"]
    assert [a.version.number for a in selectors.adopted_templates()] == [2]


def test_adopting_in_one_unit_writes_nothing_in_another(in_unit) -> None:
    version = make_version(3)
    with in_unit("lengshuijiang"):
        adopt_version(version)
        assert LibraryIndicator.objects.count() == 3
    with in_unit("lianyuan"):
        assert LibraryIndicator.objects.count() == 0
        assert AdoptedTemplate.objects.count() == 0
