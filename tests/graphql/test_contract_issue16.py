"""API contract items of issue 16 on the public host: provincePolicy answers the effective
defaults when the province set none, and the department-wide weights are set and checked."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from backend.oversight.models import ProvincePolicy
from tests.conftest import GraphQLClient, error_codes

pytestmark = pytest.mark.django_db

READ = """{ provincePolicy(province: "hunan") { requireCityReview isDefault updatedAt
  departmentWeights { input process output outcome } } }"""
SET = """mutation($w: DepartmentWeightsInput) {
  setProvincePolicy(province: "hunan", requireCityReview: false, departmentWeights: $w) {
  policy { isDefault departmentWeights { input process output outcome } }
  errors { field code message } } }"""


def test_province_policy_defaults_and_department_weights(
    gql: GraphQLClient, persona_token: Callable[[str], str | None]
) -> None:
    admin = persona_token("province_admin")
    result = gql(READ, token=admin)
    assert "errors" not in result, result
    assert result["data"]["provincePolicy"] == {
        "requireCityReview": False,
        "isDefault": True,
        "updatedAt": None,
        "departmentWeights": {"input": "15", "process": "55", "output": "20", "outcome": "10"},
    }
    assert not ProvincePolicy.objects.exists()  # reading writes nothing
    bad = gql(
        SET,
        token=admin,
        variables={"w": {"input": "20", "process": "50", "output": "20", "outcome": "20"}},
    )["data"]["setProvincePolicy"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("departmentWeights", "WEIGHTS_MISMATCH")
    ]
    assert "合计 110，应为 100" in bad["errors"][0]["message"]
    bad = gql(
        SET,
        token=admin,
        variables={"w": {"input": "-5", "process": "75", "output": "20", "outcome": "10"}},
    )["data"]["setProvincePolicy"]
    assert [e["field"] for e in bad["errors"]] == ["departmentWeights.input"]
    good = gql(
        SET,
        token=admin,
        variables={"w": {"input": "20", "process": "50", "output": "20", "outcome": "10"}},
    )["data"]["setProvincePolicy"]
    assert good["errors"] == [] and good["policy"]["isDefault"] is False
    assert good["policy"]["departmentWeights"]["process"] == "50"
    # the console readers below the province admin still cannot read it
    assert error_codes(gql(READ, token=persona_token("finance"))) == ["PERMISSION_DENIED"]


def test_enum_names_mean_something() -> None:
    """No generated ``…Choices`` enum and no bare ``Kind`` in either SDL."""
    import re

    from graphql_schema.public import schema as public_schema
    from graphql_schema.tenant import schema as tenant_schema

    for schema in (public_schema, tenant_schema):
        sdl = str(schema)
        assert not re.findall(r"enum \w+Choices\b", sdl)
        assert "enum Kind " not in sdl and ": Kind!" not in sdl
    tenant = str(tenant_schema)
    assert "layout: Layout!" in tenant and "kind: RectificationEventKind!" in tenant


def test_project_execution_rate_in_percent() -> None:
    from types import SimpleNamespace

    from graphql_schema.goals.types import Project

    root = SimpleNamespace(spent=Decimal("875.00"), full_budget=Decimal("1000.00"))
    assert Project.resolve_execution_rate_percent(root, None) == Decimal("87.50")
    assert Project.resolve_execution_rate(root, None) == Decimal("0.8750")  # deprecated, 0–1
    assert (
        Project.resolve_execution_rate_percent(
            SimpleNamespace(spent=Decimal(0), full_budget=Decimal(0)), None
        )
        is None
    )
