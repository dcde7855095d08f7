"""benchmarking: GraphQL mutations (public host, province admins): peer groups and unit
statistics."""

from __future__ import annotations

from typing import Any

import graphene

from backend.accounts.policy import Op
from backend.benchmarking import peers, statistics_xlsx
from backend.core import sheets
from backend.documents.services import SHEET_TYPES
from graphql_schema.benchmarking.types import PeerGroup, PeerGroupKindEnum, UnitStatistics
from graphql_schema.core.imports import (
    ImportPayload,
    changes_of,
    dry_run_argument,
    expected_digest_argument,
    warnings_of,
)
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_console
from graphql_schema.core.uploads import BASE64_DEPRECATION, Upload, uploaded_content


class TenantBenchmarkingMutations(graphene.ObjectType):
    """On a unit's host."""


class PeerGroupInput(graphene.InputObjectType):
    province = graphene.String(description="the province's code (when the admin has several)")
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    kind = PeerGroupKindEnum(required=True)
    city = graphene.String(description="region: the city's code")
    level = graphene.String(description="narrow to one level (county, city, special)")
    lower = graphene.Decimal(description="band: lower bound (included)")
    upper = graphene.Decimal(description="band: upper bound (excluded)")
    units = graphene.List(graphene.NonNull(graphene.String), description="list: unit codes")


class DefinePeerGroup(BaseMutation):
    """Create a peer group of the province or redefine it (by code)."""

    peer_group = graphene.Field(PeerGroup)

    class Arguments:
        input = PeerGroupInput(required=True)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: Any) -> dict[str, Any]:
        user = require_console(info, Op.STATISTICS_MANAGE)
        province = peers.admin_province(user, input.get("province"))
        group = peers.define_peer_group(
            province,
            code=input.code,
            name=input.name,
            kind=getattr(input.kind, "value", input.kind),
            city=input.get("city"),
            level=(input.get("level") or "").lower() or None,
            lower=input.get("lower"),
            upper=input.get("upper"),
            units=input.get("units"),
        )
        return {"peer_group": group}


class DeletePeerGroup(BaseMutation):
    deleted = graphene.Boolean(required=True)

    class Arguments:
        code = graphene.String(required=True)
        province = graphene.String()

    @classmethod
    def perform(
        cls, root: Any, info: graphene.ResolveInfo, code: str, province: str | None = None
    ) -> dict[str, Any]:
        user = require_console(info, Op.STATISTICS_MANAGE)
        peers.delete_peer_group(peers.admin_province(user, province), code)
        return {"deleted": True}

    @classmethod
    def mutate(cls, root: Any, info: graphene.ResolveInfo, **data: Any) -> Any:
        result = super().mutate(root, info, **data)
        if result.errors:
            result.deleted = False
        return result


class UnitStatisticsInput(graphene.InputObjectType):
    province = graphene.String()
    unit = graphene.String(required=True, description="the unit's code")
    fiscal_year = graphene.Int(required=True)
    staff = graphene.Int(description="在编人数")
    procurators = graphene.Int(description="员额检察官人数")
    cases = graphene.Int(description="办理案件数")


class SetUnitStatistics(BaseMutation):
    """Set a unit's staff, procurators and cases for a year (per-capita metrics)."""

    statistics = graphene.Field(UnitStatistics)

    class Arguments:
        input = UnitStatisticsInput(required=True)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: Any) -> dict[str, Any]:
        user = require_console(info, Op.STATISTICS_MANAGE)
        row = peers.set_unit_statistics(
            peers.admin_province(user, input.get("province")),
            unit=input.unit,
            fiscal_year=input.fiscal_year,
            staff=input.get("staff"),
            procurators=input.get("procurators"),
            cases=input.get("cases"),
            user=user,
        )
        return {"statistics": row}


class ImportUnitStatistics(ImportPayload, BaseMutation):
    """Import the filled 单位基本情况表 (XLSX) of a year: every bad cell named, nothing
    saved when one is bad; rows without figures are skipped, and a blank or 0 cell keeps a
    figure already recorded (said in `importWarnings`). With `dryRun: true` nothing is
    written: `changes` lists what would change, `digest` names it for `expectedDigest`."""

    rows = graphene.Int(description="units whose statistics were set")

    class Arguments:
        fiscal_year = graphene.Int(required=True)
        file = Upload(description="The filled sheet (XLSX), by the multipart request spec.")
        file_base64 = graphene.String(deprecation_reason=BASE64_DEPRECATION)
        province = graphene.String(description="the province's code (when the admin has several)")
        dry_run = dry_run_argument()
        expected_digest = expected_digest_argument()

    @classmethod
    def perform(
        cls,
        root: Any,
        info: graphene.ResolveInfo,
        fiscal_year: int,
        file: Any = None,
        file_base64: str | None = None,
        province: str | None = None,
        dry_run: bool = False,
        expected_digest: str | None = None,
    ) -> dict[str, Any]:
        user = require_console(info, Op.STATISTICS_MANAGE)
        content = uploaded_content(
            file=file, file_base64=file_base64, allowed=SHEET_TYPES, name="单位基本情况表.xlsx"
        )
        where = peers.admin_province(user, province)
        if dry_run:
            preview = statistics_xlsx.preview_statistics(where, fiscal_year, content)
            return {
                "rows": 0,
                "dry_run": True,
                "changes": changes_of(preview.changes),
                "import_warnings": warnings_of(preview.warnings),
                "digest": preview.digest,
            }
        result = statistics_xlsx.import_statistics(
            where, fiscal_year, content, user=user, expected=expected_digest
        )
        return {
            "rows": result.rows,
            "dry_run": False,
            "changes": changes_of(result.changes),
            "import_warnings": warnings_of(result.warnings),
            "digest": sheets.digest(result.changes),
        }


class PublicBenchmarkingMutations(graphene.ObjectType):
    """On the public host."""

    import_unit_statistics = ImportUnitStatistics.Field()

    define_peer_group = DefinePeerGroup.Field()
    delete_peer_group = DeletePeerGroup.Field()
    set_unit_statistics = SetUnitStatistics.Field()
