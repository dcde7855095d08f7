"""What every XLSX import mutation answers about its dry run (docs/imports.md): the changes it
would make, cell by cell, the warnings naming their cells, and the digest an apply may be
held to (``expectedDigest``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import graphene

from backend.core.errors import Problem
from backend.core.sheets import Change
from graphql_schema.core.errors import ErrorCode


class ImportChange(graphene.ObjectType):
    """One thing an import would change (or, applied, changed)."""

    kind = graphene.String(
        required=True,
        description="goal | evaluation (a field of the form), added | changed | removed (an "
        "indicator or its field), result (a figure the engine computes: a score, the total).",
    )
    row = graphene.Int(description="The sheet row, when a cell says it.")
    cell = graphene.String(
        required=True, description="The cell, `绩效目标申报表!G14`; empty if none."
    )
    code = graphene.String(required=True, description="The indicator's code; empty for the form.")
    name = graphene.String(required=True, description="The indicator's name.")
    field = graphene.String(required=True, description="What changes, as the form labels it.")
    before = graphene.String(required=True)
    after = graphene.String(required=True)


class ImportWarning(graphene.ObjectType):
    """Something the import read in a way worth saying, kept or would not take: a cell written
    as people write it, a figure in 万元, a 0 that did not overwrite the recorded spending."""

    cell = graphene.String(
        description="The cell it concerns (`项目支出绩效自评表!D4`), or the field "
        "(`indicators.q1.target_value`), if any."
    )
    code = graphene.Field(ErrorCode, required=True, description="A stable machine-readable code.")
    message = graphene.String(required=True, description="In Chinese, for the user.")


def dry_run_argument() -> graphene.Boolean:
    return graphene.Boolean(
        description="Read and check the file, and answer what it would change (`changes`, "
        "`importWarnings`, `digest`) without writing anything."
    )


def expected_digest_argument() -> graphene.String:
    return graphene.String(
        description="The `digest` of the dry run the user confirmed: if the import would now "
        "change something else, nothing is written (STALE)."
    )


class ImportPayload:
    """The dry-run fields of an import mutation's payload (a mixin before ``BaseMutation``)."""

    dry_run = graphene.Boolean(
        required=True, description="True when nothing was written (a dry run)."
    )
    changes = graphene.List(
        graphene.NonNull(ImportChange),
        required=True,
        description="Every change, cell by cell (what a dry run would write).",
    )
    import_warnings = graphene.List(
        graphene.NonNull(ImportWarning),
        required=True,
        description="The warnings, each naming its cell.",
    )
    digest = graphene.String(description="Names exactly these changes (`expectedDigest`).")

    @staticmethod
    def resolve_dry_run(root: Any, info: graphene.ResolveInfo) -> bool:
        return bool(root.dry_run)

    @staticmethod
    def resolve_changes(root: Any, info: graphene.ResolveInfo) -> list[ImportChange]:
        return root.changes or []

    @staticmethod
    def resolve_import_warnings(root: Any, info: graphene.ResolveInfo) -> list[ImportWarning]:
        return root.import_warnings or []


def changes_of(changes: Iterable[Change]) -> list[ImportChange]:
    return [_change(c) for c in changes]


def _change(change: Change) -> ImportChange:
    return ImportChange(
        kind=change.kind,
        row=change.row,
        cell=change.cell,
        code=change.code,
        name=change.name,
        field=change.field,
        before=change.before,
        after=change.after,
    )


def warnings_of(problems: Iterable[Problem]) -> list[ImportWarning]:
    return [ImportWarning(cell=p.field, code=str(p.code), message=p.message) for p in problems]
