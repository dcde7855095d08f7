"""Every list field of both schemas answers in a number of SQL queries that does not grow with
its rows (issue 17): each entry of ``ENTRIES`` builds 10 rows with factories, runs its query
and counts the queries, builds 190 more and counts again; the two counts are equal. Nested
objects come from DataLoaders (``graphql_schema/<domain>/dataloaders.py``).

The list fields are read off the schemas (every field reachable from ``Query`` whose type is a
list or a connection); ``test_every_list_field_has_an_entry`` fails when one is neither
selected by an entry's query nor named in ``NOT_YET_COUNTED``: a new list field comes with its
entry here."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import schema_context
from graphene import Schema
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    visit,
)

from backend.accounts.models import Role, User
from graphql_schema.public import schema as public_schema
from graphql_schema.tenant import schema as tenant_schema
from tests.graphql import query_count_rows as rows

PUBLIC = "localhost"
LSJ = "lengshuijiang.localhost"
SCHEMAS: dict[str, Schema] = {"public": public_schema, "tenant": tenant_schema}


@dataclass(frozen=True)
class Entry:
    """One query over a list: ``build(n)`` adds ``n`` rows (and their nested rows) that the
    caller holding ``role`` at ``unit`` sees in ``query``; ``count(data)`` is the number of
    rows the answer lists."""

    schema: str
    query: str
    build: Callable[[int], None]
    count: Callable[[dict[str, Any]], int]
    role: str
    unit: str


def edges(*path: str) -> Callable[[dict[str, Any]], int]:
    def count(data: dict[str, Any]) -> int:
        for key in path:
            data = data[key]
            if data is None:  # an object not there yet (the department evaluation)
                return 0
        return len(data["edges"]) if isinstance(data, dict) else len(data)

    return count


ENTRIES: dict[str, Entry] = {
    "projects": Entry(
        "tenant",
        """{ projects(first: 200) { totalCount edges { node { id code spent
          adjustments { id amount } expenditures { id amount }
          goal { id status indicators { id code } warnings { code }
            adjustments { id status } history { at kind object }
            reviews { comment reviewer indicatorComments { indicatorCode comment } } } } } } }""",
        rows.projects,
        edges("projects"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "templates": Entry(
        "public",
        """{ templates(first: 200) { edges { node { code versions { number status
          indicators { code name } } latestPublished { number } } } } }""",
        rows.templates,
        edges("templates"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "templatePushes": Entry(
        "public",
        """{ templatePushes(first: 200) { edges { node { id version { number }
          units { status unit { code } } } } } }""",
        rows.template_pushes,
        edges("templatePushes"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "library": Entry(
        "tenant",
        """{ library { indicators { code overriddenFields openConflicts { field status } }
          openConflicts { field } adoptedTemplates { templateCode } } }""",
        rows.library,
        edges("library", "indicators"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "monitoringEntries": Entry(
        "tenant",
        """{ monitoringEntries { id projectCode late indicators { code name targetValue unit
          valueToDate } } }""",
        rows.monitoring_entries,
        edges("monitoringEntries"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "alertsAcrossUnits": Entry(
        "public",
        """{ alertsAcrossUnits(first: 200) { edges { node { id unit { code parentCode } } } } }""",
        rows.alert_records,
        edges("alertsAcrossUnits"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "rectifications (public)": Entry(
        "public",
        """{ rectifications(first: 200) { edges { node { id title
          events { kind text evidenceIds actorName } } } } }""",
        rows.rectifications,
        edges("rectifications"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "rectifications (unit)": Entry(
        "tenant",
        """{ rectifications(first: 200) { edges { node { id title
          events { kind text evidenceIds actorName } } } } }""",
        rows.rectifications,
        edges("rectifications"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "selfEvaluations": Entry(
        "tenant",
        """{ selfEvaluations(first: 200) { edges { node { id projectCode projectName
          indicators { code flags { code } evidenceIds } funding { name executionRate }
          flags { code } findings { code } groupScores { group score }
          history { at kind object } } } } }""",
        rows.self_evaluations,
        edges("selfEvaluations"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "goalSubmissions": Entry(
        "public",
        "{ goalSubmissions { goalId projectCode status unit { code parentCode } } }",
        rows.goal_submissions,
        edges("goalSubmissions"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "reviewInbox": Entry(
        "public",
        "{ reviewInbox { goalId projectCode status unit { code parentCode } } }",
        rows.goal_submissions,
        edges("reviewInbox"),
        Role.CITY_REVIEWER,
        "loudi",
    ),
    "departmentEvaluation": Entry(
        "tenant",
        """{ departmentEvaluation(fiscalYear: 2026) { indicators { code flags { code } }
          flags { code } findings { code } groupScores { group } history { at kind } } }""",
        rows.department_indicators,
        edges("departmentEvaluation", "indicators"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "feedbackBatches": Entry(
        "public",
        """{ feedbackBatches(first: 200) { edges { node { title responseRate closureRate
          items { unit { code } evidenceIds title issuer { code } rectification { id } } } } } }""",
        rows.feedback,
        edges("feedbackBatches"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "feedbackItems": Entry(
        "tenant",
        """{ feedbackItems(first: 200) { edges { node { title body evidenceIds issuer { code }
          rectification { id } } } } }""",
        rows.feedback,
        edges("feedbackItems"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "budgetLinkages (public)": Entry(
        "public",
        """{ budgetLinkages(first: 200) { edges { node { projectCode decidedByName
          unit { code } } } } }""",
        rows.budget_linkages,
        edges("budgetLinkages"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "budgetLinkages (unit)": Entry(
        "tenant",
        """{ budgetLinkages(first: 200) { edges { node { projectCode decidedByName
          unit { code } } } } }""",
        rows.budget_linkages,
        edges("budgetLinkages"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "alerts": Entry(
        "tenant",
        "{ alerts(first: 200) { edges { node { id projectCode projectName indicatorCode } } } }",
        rows.alerts,
        edges("alerts"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "documents": Entry(
        "tenant",
        "{ documents(limit: 200) { title } }",
        rows.documents,
        edges("documents"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "peerGroups": Entry(
        "public",
        """{ peerGroups(first: 200) { edges { node { code cityCode memberCodes } } } }""",
        rows.peer_groups,
        edges("peerGroups"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "keyEvaluations (public)": Entry(
        "public",
        """{ keyEvaluations(first: 200) { edges { node { projectCode
          indicators { code } assignments { status scores { indicatorCode } } } } } }""",
        rows.key_evaluations,
        edges("keyEvaluations"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "keyEvaluations (unit)": Entry(
        "tenant",
        """{ keyEvaluations(first: 200) { edges { node { projectCode issuer { code }
          indicators { code } } } } }""",
        rows.key_evaluations,
        edges("keyEvaluations"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "myTasks": Entry(
        "tenant",
        "{ myTasks { tasks { kind title subject detail targetId projectId dueOn } } }",
        rows.tasks,
        edges("myTasks", "tasks"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
    "units": Entry(
        "public",
        """{ units(under: "qc-city", first: 200) { totalCount edges { node { code parentCode
          domain parent { code parentCode } } } } }""",
        rows.units,
        edges("units"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "benchmark": Entry(
        "public",
        """{ benchmark(metric: BUDGET, fiscalYear: 2026, level: "county", city: "qc-city") {
          distribution { count median } rows { totalCount edges { node { code cityCode value
          rank percentile } } } } }""",
        rows.units,
        edges("benchmark", "rows"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "unitStatistics": Entry(
        "public",
        """{ unitStatistics(fiscalYear: 2026, first: 200) { edges { node { unitCode staff
          procurators cases } } } }""",
        rows.unit_statistics,
        edges("unitStatistics"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "executionFacts": Entry(
        "public",
        """{ executionFacts(fiscalYear: 2026) { month executionRate
          unit { code parentCode parent { code } } } }""",
        rows.execution_facts,
        edges("executionFacts"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "evaluationResults": Entry(
        "public",
        """{ evaluationResults(first: 200) { edges { node { projectCode selfGrade
          unit { code parentCode parent { code } } } } } }""",
        rows.evaluation_results,
        edges("evaluationResults"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "unitEvaluationResults": Entry(
        "public",
        """{ unitEvaluationResults { fiscalYear projectGrade
          unit { code parentCode parent { code } } } }""",
        rows.unit_year_facts,
        edges("unitEvaluationResults"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "suggestedRectifications": Entry(
        "public",
        """{ suggestedRectifications(first: 200) { edges { node { projectId projectCode
          unit { code parentCode parent { code } } } } } }""",
        rows.suggested_rectifications,
        edges("suggestedRectifications"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "keyEvaluators": Entry(
        "public",
        """{ keyEvaluators(issuer: "hunan") { id username fullName } }""",
        rows.key_evaluators,
        edges("keyEvaluators"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "myKeyEvaluationAssignments": Entry(
        "public",
        """{ myKeyEvaluationAssignments(first: 200) { edges { node { status
          evaluator { username } scores { indicatorCode }
          keyEvaluation { projectCode unit { code parent { code } } issuer { code }
            indicators { code } assignments { status evaluator { username } } } } } } }""",
        rows.my_assignments,
        edges("myKeyEvaluationAssignments"),
        Role.EVALUATOR,
        "hunan",
    ),
    "samplingDraws": Entry(
        "public",
        """{ samplingDraws(first: 200) { edges { node { seed drawnBy chosen
          issuer { code parent { code } } } } } }""",
        rows.sampling_draws,
        edges("samplingDraws"),
        Role.PROVINCE_ADMIN,
        "hunan",
    ),
    "poorProjects": Entry(
        "tenant",
        """{ departmentEvaluation(fiscalYear: 2026) { poorProjects { evaluationId projectCode
          projectName total grade } } }""",
        rows.poor_projects,
        edges("departmentEvaluation", "poorProjects"),
        Role.UNIT_FINANCE,
        "lengshuijiang",
    ),
}

# List fields without an entry yet ("schema:Type.field"), each with the reason; the list only
# shrinks. Bounded lists do not grow with a unit's rows; the others still need a row builder.
NOT_YET_COUNTED: dict[str, str] = {
    "public:User.memberships": (
        "bounded, not rows that grow: the caller's roles, one select_related query"
    ),
    "tenant:User.memberships": (
        "bounded, not rows that grow: the caller's roles, one select_related query"
    ),
    "tenant:UnitPath.ancestors": (
        "bounded, not rows that grow: the unit's parents (depth ≤ 3), one query"
    ),
    "public:Query.benchmarkMetrics": "bounded, not rows that grow: the metric registry, no query",
    "tenant:Query.monitoringRounds": (
        "bounded, not rows that grow: at most 12 rounds a year, one query"
    ),
    "tenant:MyTasks.openRounds": "bounded, not rows that grow: at most 12 rounds a year",
    "tenant:Query.executionCurve": "bounded, not rows that grow: 12 months, one aggregate query",
    "public:Trend.points": "bounded, not rows that grow: one point a year, one aggregate query",
    "tenant:Trend.points": "bounded, not rows that grow: one point a year, one aggregate query",
    "tenant:UnitPosition.positions": (
        "bounded, not rows that grow: one per metric, aggregate queries"
    ),
    "public:Weaknesses.deviationCauses": (
        "bounded, not rows that grow: grouped counts, one aggregate query"
    ),
    "public:Weaknesses.gradesByCity": (
        "bounded, not rows that grow: one per city, one aggregate query"
    ),
    "public:Weaknesses.missedIndicators": (
        "bounded, not rows that grow: grouped counts, one aggregate query"
    ),
    "public:Weaknesses.selfKeyGaps": (
        "bounded, not rows that grow: grouped rows, one aggregate query"
    ),
}


def _unwrap(type_: Any) -> Any:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return type_


def _is_list_field(type_: Any) -> bool:
    inner = _unwrap(type_)
    if isinstance(inner, GraphQLList):
        return True
    named = get_named_type(type_)
    return isinstance(named, GraphQLObjectType) and "edges" in named.fields


def list_fields(schema: GraphQLSchema) -> set[str]:
    """``Type.field`` of every list or connection field reachable from the query root (the
    connections' own ``edges`` left out: their connection field is the one that counts)."""
    assert schema.query_type is not None
    found: set[str] = set()
    seen: set[str] = set()
    todo: list[GraphQLObjectType] = [schema.query_type]
    while todo:
        type_ = todo.pop()
        if type_.name in seen:
            continue
        seen.add(type_.name)
        for name, field in type_.fields.items():
            named = get_named_type(field.type)
            connection_part = type_.name.endswith(("Connection", "Edge"))
            if _is_list_field(field.type) and not connection_part:
                found.add(f"{type_.name}.{name}")
            if isinstance(named, GraphQLObjectType):
                todo.append(named)
    return found


def selected_list_fields(schema: GraphQLSchema, query: str) -> set[str]:
    """``Type.field`` of the list fields that ``query`` selects."""
    info = TypeInfo(schema)
    found: set[str] = set()

    class Collect(Visitor):
        def enter_field(self, node: Any, *_args: Any) -> None:
            parent, field = info.get_parent_type(), info.get_field_def()
            if parent is not None and field is not None and _is_list_field(field.type):
                found.add(f"{parent.name}.{node.name.value}")

    visit(parse(query), TypeInfoVisitor(info, Collect()))
    return found


def covered(name: str) -> set[str]:
    schema = SCHEMAS[name].graphql_schema
    return {
        field
        for entry in ENTRIES.values()
        if entry.schema == name
        for field in selected_list_fields(schema, entry.query)
    }


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_every_list_field_has_an_entry(name: str) -> None:
    fields = list_fields(SCHEMAS[name].graphql_schema)
    pending = {f.split(":", 1)[1] for f in NOT_YET_COUNTED if f.startswith(f"{name}:")}
    missing = fields - covered(name) - pending
    assert not missing, f"list fields of the {name} schema without a query-count entry: {missing}"
    assert not pending & covered(name), "counted now: remove from NOT_YET_COUNTED"
    assert pending <= fields, f"no longer in the schema: {pending - fields}"


@pytest.fixture
def caller(member: Callable[..., User], token_for: Callable[[User], str]) -> Iterator[Any]:
    made: dict[tuple[str, str], str] = {}

    def token(unit: str, role: str) -> str:
        if (unit, role) not in made:
            made[unit, role] = token_for(member(unit, role, username=f"qc-{unit}-{role}"))
        return made[unit, role]

    yield token


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(ENTRIES))
def test_query_count_does_not_grow_with_rows(key: str, gql: Any, caller: Any) -> None:
    entry = ENTRIES[key]
    token = caller(entry.unit, entry.role)
    host = LSJ if entry.schema == "tenant" else PUBLIC
    tenant_schema_name = "lengshuijiang" if entry.schema == "tenant" else "public"

    def run() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            result = gql(entry.query, host=host, token=token)
        assert "errors" not in result, result["errors"]
        return len(queries), entry.count(result["data"])

    run()  # the first request of a caller does once what the next ones do not
    counts = []
    for n in (10, 190):
        with schema_context(rows.schema_of(tenant_schema_name)):
            entry.build(n)
        counts.append(run())
    (small, listed_small), (large, listed_large) = counts
    assert listed_large - listed_small == 190, (listed_small, listed_large)
    assert small == large, f"{key}: {small} queries at 10 rows, {large} at 200"
