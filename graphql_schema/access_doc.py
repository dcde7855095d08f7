"""``docs/access.md``: the role table in words, written from ``backend.accounts.policy`` and the
GraphQL access map (``graphql_schema.core.access``) by ``make schema``; a test compares the
committed file with this rendering, so the document cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from backend.accounts import policy
from backend.accounts.models import Role
from backend.accounts.policy import Grant, Op, Scope
from graphql_schema.core.access import PUBLIC, TENANT, Open, Rule, ops_of
from tenants.models import UnitLevel

LEVELS = {"province": "provincial", "city": "municipal", "county": "county", "special": "special"}
PATH = Path(__file__).resolve().parent.parent / "docs" / "access.md"

HEADER = """\
# Access: who may do what, where

<!-- Written by `make schema` (manage.py export_graphql_schema) from backend/accounts/policy.py
and graphql_schema/core/access.py; tests/graphql/test_reach.py fails when this file differs.
Do not edit by hand. -->

One role table decides who may do what, for the GraphQL API and the pages alike:
`backend/accounts/policy.py` (`ROLE_TABLE`: operation → grants). Every root field of both
GraphQL schemas names the operation it performs in `graphql_schema/core/access.py`, and a
gate checks it before any resolver runs; an unlisted field is refused. Every page names its
operation with `@unit_page(Op.X)` / `@console_page(Op.X)` (`docs/web.md`). The tables below are
that map in words.

## Roles and where they count

A user holds memberships: (user, unit, role). Roles: {roles}.

- **On a unit's host** (`<code>.<base>`, the unit's own data) a grant counts **at the unit**
  (the role is held at the unit itself: a unit's finance officer prepares its own goals) or
  **at the unit or above** (a city reviewer reads its counties, the province admin every
  unit). A unit role held at a city does not reach the city's counties, and an evaluator
  reaches no unit's host at all.
- **On the public host** (the console and the cross-unit API) a grant counts by the **level of
  the unit where the role is held**: `province_admin` at a provincial office, `city_reviewer`
  at a municipal office, `evaluator` anywhere. A console reader then sees the subtree of the
  membership that grants the operation — never the subtree of another membership of theirs.

Refusals: `UNAUTHENTICATED` without a valid log-in, `PERMISSION_DENIED` (a GraphQL error, no
data) when the table refuses; the pages answer 403, the file and chart URLs 401/403.
"""

URLS = """\
## Files and charts by URL

- Unit host: `/documents/<id>/download/` (the unit's documents) and `/monitoring/execution.svg`,
  `/monitoring/projects/<id>/execution.svg` (execution charts): `unit.view`
  (`backend/reports/access.py`, `backend/monitoring/views.py`).
- Public host: `/exports/benchmark.xlsx`, `/charts/benchmark-{bars,box}.{svg,png}`:
  `benchmark.view`, within the caller's benchmark scope.
"""

FINER = """\
## Finer checks (in the services and selectors, asking the same table)

- The goal workflow: the finance officer submits (`goal.submit`), the unit leader reviews
  (`goal.approve`); the city's stage only when the province asks for a city review, and only
  by the reviewer of the county's own parent city (`goal.city_review` held at that city).
- Console lists (`console.view`, `benchmark.view`, `key_evaluation.manage`) read the subtrees
  of the memberships that grant the operation; benchmarks leave out the reviewing unit itself.
- Feedback and rectification requests are issued as the unit where `feedback.send` is held
  (a city to its own counties); answers are accepted by `review` held at the issuer or above.
- Budget linkage: `linkage.decide` held above the unit (a city does not decide its own
  budget; the province decides its own).
- Province settings: `policy.manage` held at that province itself.
- Key evaluation: managers act for an issuer at or below their membership; an evaluator reads
  and scores only the key evaluations assigned to it (and sees only its own scores).
- Platform staff (the Django admin's operators) may change a province's settings and manage
  key evaluations through the services; the GraphQL gate admits by memberships only.
"""


def _role(role: str) -> str:
    return f"`{role}` ({Role(role).label})"


def _where(grant: Grant) -> str:
    if grant.levels is not None:
        if set(grant.levels) == set(UnitLevel.values):
            return "at any unit"
        levels = " or ".join(
            f"{LEVELS[level]} ({UnitLevel(level).label})" for level in sorted(grant.levels)
        )
        return f"at a {levels} office"
    return "at the unit or above" if grant.scope is Scope.REACH else "at the unit"


def _who(op: Op) -> str:
    return "; ".join(f"{_role(g.role)} {_where(g)}" for g in policy.ROLE_TABLE[op])


def _fields(rules: dict[str, Rule], op: Op) -> str:
    names = [
        f"`{field.partition('.')[2]}`"
        + (" (mutation)" if field.startswith("Mutation.") else "")
        + (
            " (or " + ", ".join(f"`{o}`" for o in ops_of(rule) if o != op) + ")"
            if len(ops_of(rule)) > 1
            else ""
        )
        for field, rule in rules.items()
        if op in ops_of(rule)
    ]
    return ", ".join(names) or "—"


def _table(ops: list[Op], rules: dict[str, Rule]) -> str:
    lines = [
        "| Operation | What | Who, where | GraphQL root fields |",
        "|---|---|---|---|",
    ]
    for op in ops:
        lines.append(f"| `{op}` | {policy.DESCRIPTIONS[op]} | {_who(op)} | {_fields(rules, op)} |")
    return "\n".join(lines) + "\n"


def _open(rules: dict[str, Rule], host: str) -> str:
    lines = []
    for marker, words in (
        (Open.ANYONE, "anyone, no log-in"),
        (Open.SIGNED_IN, "any signed-in user"),
    ):
        names = [f"`{f.partition('.')[2]}`" for f, rule in rules.items() if rule is marker]
        if names:
            lines.append(f"- {host}, {words}: {', '.join(names)}")
    return "\n".join(lines)


def rendered() -> str:
    order = list(Op)
    unit_ops = [op for op in order if op in policy.UNIT_OPS]
    console_ops = [op for op in order if op in policy.CONSOLE_OPS]
    roles = ", ".join(_role(role) for role in Role.values)
    return "\n".join(
        [
            HEADER.format(roles=roles),
            "## On a unit's host\n",
            _table(unit_ops, TENANT),
            "## On the public host\n",
            _table(console_ops, PUBLIC),
            "## Open to any caller\n",
            "These name no unit's data: the log-in, the caller's own account and tokens, the "
            "provincial indicator library and the registry of the units whose host the caller "
            "may open (`units`: the units where the caller may perform `unit.view`).\n",
            _open(TENANT, "Unit host"),
            _open(PUBLIC, "Public host") + "\n",
            URLS,
            FINER,
        ]
    )
