from __future__ import annotations

import pytest

from tenants import selectors

pytestmark = pytest.mark.django_db


def codes(units) -> list[str]:
    return [u.code for u in units]


def test_ancestors_are_one_query_root_first(unit, django_assert_num_queries) -> None:
    leaf = unit("lengshuijiang")
    with django_assert_num_queries(1):
        assert codes(selectors.ancestors(leaf)) == ["hunan", "loudi"]


def test_descendants_are_one_query_at_any_depth(unit, django_assert_num_queries) -> None:
    province = unit("hunan")
    with django_assert_num_queries(1):
        below = codes(selectors.descendants(province))
    assert len(below) == 9 and "hunan" not in below


def test_units_of_a_level_under_a_unit(unit, django_assert_num_queries) -> None:
    province = unit("hunan")
    with django_assert_num_queries(1):
        counties = set(codes(selectors.descendants(province, level="county")))
    assert counties == {
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
        "changsha-furong",
        "changsha-tianxin",
    }
    assert set(codes(selectors.descendants(unit("loudi"), level="county"))) == {
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
    }


def test_a_prefix_of_a_code_is_not_a_parent(unit) -> None:
    """``/hunan/changsha/`` must not match ``/hunan/changsha-furong/`` as its subtree root."""
    assert "changsha-furong" not in codes(selectors.descendants(unit("changsha-tianxin")))
    assert codes(selectors.descendants(unit("changsha"))) == ["changsha-furong", "changsha-tianxin"]
