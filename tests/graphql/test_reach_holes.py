"""The reach holes of issue 11, each shown with the request that used to get through:

- a city reviewer reads its counties but writes nothing into them (it generated reports there);
- an evaluator reaches no unit's host at all;
- the public host's cross-unit lists answer only the console roles, and only within the subtree
  of the membership that grants them (an evaluator, a unit's finance officer or a city's own
  finance officer listed every unit's goals, results, alerts and execution figures);
- the registry (``units``) lists the units whose host the caller may open, nothing more;
- the province's settings are read by the console roles, not by anyone holding a role below.

The expectations are written out here by hand, not read from the role table."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django_tenants.utils import schema_context
from graphql_relay import to_global_id

from backend.accounts.models import Membership, Role
from backend.documents.models import Document
from backend.feedback.models import BudgetLinkage, FeedbackBatch, FeedbackItem
from backend.oversight.models import GoalSubmission, ProvincePolicy
from graphql_schema.tenant import schema as tenant_schema
from tenants.models import Procuratorate
from tests.benchmarking.factories import (
    AlertRecordFactory,
    ExecutionFactFactory,
    UnitYearFactFactory,
)
from tests.conftest import GraphQLClient, error_codes
from tests.factories import UserFactory
from tests.feedback.factories import RectificationFactory, finalised
from tests.graphql import schema_calls
from tests.reports.factories import make_department, make_evaluation

pytestmark = pytest.mark.django_db
LSJ = "lengshuijiang.localhost"
REFUSED = {"PERMISSION_DENIED", "UNAUTHENTICATED"}
# Fields of a unit's host open to anyone signed in (they name no unit's data).
TENANT_OPEN = {"me", "login", "revokeToken"}
# What a city reviewer does in a county: the city's review of goals and of adjustment requests.
CITY_WRITES = {"reviewGoal", "reviewGoalAdjustment"}


def refused_fields(
    gql: GraphQLClient, token: str | None, host: str, schema: Any, operation: str, names: set[str]
) -> dict[str, set[str]]:
    """Send ``names`` (generated calls) in one request; each name → its error codes."""
    fields = {n: f for n, f in schema_calls.root_fields(schema, operation).items() if n in names}
    codes, _data = schema_calls.send_all(
        lambda text: gql(text, host=host, token=token), operation, fields
    )
    return codes


# --- a unit's host -----------------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = settings.MULTITENANT_RELATIVE_MEDIA_ROOT
    return tmp_path


def test_a_city_reviewer_generates_no_report_in_a_county(
    media: Any, gql: GraphQLClient, persona_token: Callable[[str], str | None]
) -> None:
    with schema_context("lengshuijiang"):
        evaluation = make_evaluation(name="办案业务经费", code="ba-2026")
        make_department()
    generate = """mutation($id: ID!) {
      generateSelfEvaluationReport(evaluationId: $id) { document { id } errors { code } }
      generateDepartmentReport(fiscalYear: 2026) { document { id } errors { code } }
    }"""
    variables = {"id": to_global_id("SelfEvaluation", evaluation.pk)}
    refused = gql(generate, host=LSJ, token=persona_token("city_reviewer"), variables=variables)
    assert error_codes(refused) == ["PERMISSION_DENIED", "PERMISSION_DENIED"], refused
    assert refused["data"] == {
        "generateSelfEvaluationReport": None,
        "generateDepartmentReport": None,
    }
    with schema_context("lengshuijiang"):
        assert not Document.objects.exists()
    # The county's own finance officer generates both.
    done = gql(generate, host=LSJ, token=persona_token("finance"), variables=variables)["data"]
    assert done["generateSelfEvaluationReport"]["errors"] == []
    assert done["generateDepartmentReport"]["errors"] == []
    with schema_context("lengshuijiang"):
        assert Document.objects.count() == 2


def test_a_city_reviewer_writes_nothing_into_a_county_but_its_review(
    gql: GraphQLClient, persona_token: Callable[[str], str | None]
) -> None:
    writes = set(schema_calls.root_fields(tenant_schema, "mutation")) - TENANT_OPEN
    codes = refused_fields(
        gql, persona_token("city_reviewer"), LSJ, tenant_schema, "mutation", writes
    )
    let_through = sorted(name for name, found in codes.items() if "PERMISSION_DENIED" not in found)
    assert let_through == sorted(CITY_WRITES)
    for name in CITY_WRITES:
        assert not codes[name] & REFUSED, name  # admitted; the id names nothing: NOT_FOUND


@pytest.mark.parametrize("operation", ["query", "mutation"])
def test_an_evaluator_reaches_nothing_on_a_units_host(
    gql: GraphQLClient, persona_token: Callable[[str], str | None], operation: str
) -> None:
    names = set(schema_calls.root_fields(tenant_schema, operation)) - TENANT_OPEN
    codes = refused_fields(gql, persona_token("evaluator"), LSJ, tenant_schema, operation, names)
    assert {name for name, found in codes.items() if "PERMISSION_DENIED" not in found} == set()


# --- the public host ---------------------------------------------------------------------------

# Each public list that names units, with the query that reads it and where its rows are.
PUBLIC_LISTS: dict[str, str] = {
    "goalSubmissions": "{ goalSubmissions { unit { code } } }",
    "reviewInbox": "{ reviewInbox { unit { code } } }",
    "evaluationResults": "{ evaluationResults { edges { node { unit { code } } } } }",
    "unitEvaluationResults": "{ unitEvaluationResults { unit { code } } }",
    "alertsAcrossUnits": "{ alertsAcrossUnits { edges { node { unit { code } } } } }",
    "executionFacts": "{ executionFacts(fiscalYear: 2026) { unit { code } } }",
    "rectifications": "{ rectifications { edges { node { unit { code } } } } }",
    "suggestedRectifications": ("{ suggestedRectifications { edges { node { unit { code } } } } }"),
    "budgetLinkages": "{ budgetLinkages { edges { node { unit { code } } } } }",
    "feedbackBatches": "{ feedbackBatches { edges { node { items { unit { code } } } } } }",
}


def units_named(value: Any) -> set[str]:
    """Every unit code anywhere in a response."""
    if isinstance(value, dict):
        found = {value["code"]} if isinstance(value.get("code"), str) else set()
        for item in value.values():
            found |= units_named(item)
        return found
    if isinstance(value, list):
        return set().union(*(units_named(v) for v in value)) if value else set()
    return set()


@pytest.fixture
def rows_in_two_cities() -> None:
    """One public row of every kind for 冷水江 (under 娄底) and for 芙蓉区 (under 长沙)."""
    loudi = Procuratorate.objects.get(code="loudi")
    for code, issuer in (("lengshuijiang", loudi), ("changsha-furong", None)):
        unit = Procuratorate.objects.get(code=code)
        issuer = issuer or Procuratorate.objects.get(code="changsha")
        GoalSubmission.objects.create(
            unit=unit,
            goal_id=1,
            project_code=f"{code}-p",
            project_name="项目",
            fiscal_year=2026,
            status="unit_approved",
        )
        finalised(unit=unit, self_score=Decimal("75.00"), self_grade="中")
        UnitYearFactFactory(unit=unit)
        AlertRecordFactory(unit=unit)
        ExecutionFactFactory(unit=unit)
        RectificationFactory(unit=unit, issuer=issuer)
        BudgetLinkage.objects.create(
            unit=unit,
            fiscal_year=2026,
            grade="中",
            score=Decimal("75.00"),
            base_budget=Decimal("1000.00"),
            suggested_action="reduce",
            suggested_min_pct=Decimal("-10.00"),
            suggested_max_pct=Decimal("0.00"),
        )
        batch = FeedbackBatch.objects.create(issuer=issuer, fiscal_year=2026, title="t", body="b")
        FeedbackItem.objects.create(batch=batch, unit=unit)


@pytest.mark.parametrize("name", ["evaluator", "finance", "leader", "city_finance"])
def test_no_one_below_the_console_roles_lists_units_on_the_public_host(
    rows_in_two_cities: None,
    gql: GraphQLClient,
    persona_token: Callable[[str], str | None],
    name: str,
) -> None:
    token = persona_token(name)
    for field, query in PUBLIC_LISTS.items():
        result = gql(query, token=token)
        assert error_codes(result) == ["PERMISSION_DENIED"], (name, field, result)
        assert units_named(result.get("data")) == set(), (name, field)


def test_the_console_scope_is_the_subtree_of_the_membership_that_grants_it(
    rows_in_two_cities: None, gql: GraphQLClient, token_for: Callable[..., str]
) -> None:
    """長沙's reviewer who is also an evaluator of the province and 冷水江's finance officer
    sees 長沙's units only: the other memberships grant no console reading."""
    user = UserFactory(username="changsha-reviewer-and-more")
    for code, role in (
        ("changsha", Role.CITY_REVIEWER),
        ("hunan", Role.EVALUATOR),
        ("lengshuijiang", Role.UNIT_FINANCE),
    ):
        Membership.objects.create(user=user, unit=Procuratorate.objects.get(code=code), role=role)
    token = token_for(user)
    for field, query in PUBLIC_LISTS.items():
        result = gql(query, token=token)
        assert "errors" not in result, (field, result)
        assert units_named(result["data"]) == {"changsha-furong"}, field


def test_the_registry_lists_the_units_whose_host_the_caller_may_open(
    gql: GraphQLClient, persona_token: Callable[[str], str | None]
) -> None:
    query = "{ units { edges { node { code } } } }"

    def listed(name: str) -> set[str]:
        return units_named(gql(query, token=persona_token(name))["data"])

    assert listed("evaluator") == set()
    assert listed("city_finance") == {"loudi"}
    assert listed("finance") == {"lengshuijiang"}
    assert listed("city_reviewer") == {
        "loudi",
        "loudi-louxing",
        "shuangfeng",
        "xinhua",
        "lengshuijiang",
        "lianyuan",
    }
    assert len(listed("province_admin")) == 10
    evaluator = gql('{ unit(code: "lengshuijiang") { code } }', token=persona_token("evaluator"))
    assert evaluator["data"] == {"unit": None}


@pytest.mark.parametrize("name", ["evaluator", "finance", "city_finance"])
def test_the_provinces_settings_are_read_by_the_console_roles(
    gql: GraphQLClient, persona_token: Callable[[str], str | None], name: str
) -> None:
    ProvincePolicy.objects.create(
        province=Procuratorate.objects.get(code="hunan"), require_city_review=True
    )
    settings = """{
      provincePolicy(province: "hunan") { requireCityReview }
      resultsPolicy(province: "hunan") { rectificationDays }
      keyEvaluationPolicy(province: "hunan") { samplingShare }
    }"""
    result = gql(settings, token=persona_token(name))
    assert sorted(error_codes(result)) == ["PERMISSION_DENIED"] * 3, result
    assert not any((result.get("data") or {}).values())
    admin = gql(settings, token=persona_token("province_admin"))
    assert "errors" not in admin
    assert admin["data"]["provincePolicy"] == {"requireCityReview": True}


def test_an_evaluator_on_the_public_host_reads_its_own_sheets_only(
    gql: GraphQLClient, persona_token: Callable[[str], str | None]
) -> None:
    token = persona_token("evaluator")
    mine = gql(
        "{ myKeyEvaluationAssignments { totalCount } keyEvaluations { totalCount } }", token=token
    )
    assert "errors" not in mine
    managed = gql(
        '{ samplingDraws { totalCount } keyEvaluators(issuer: "hunan") { username } }',
        token=token,
    )
    assert error_codes(managed) == ["PERMISSION_DENIED", "PERMISSION_DENIED"], managed
