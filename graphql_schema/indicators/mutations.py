"""Authoring and pushing templates: province_admin only, on the public host."""

from __future__ import annotations

from typing import Any

import graphene
from django.core.files.uploadedfile import UploadedFile

from backend.accounts.policy import Op
from backend.core.errors import CoreErrorCode, DomainError
from backend.documents.services import SHEET_TYPES
from backend.indicators import models
from backend.indicators.services import authoring, push, xlsx
from graphql_schema.core.ids import get_for_update
from graphql_schema.core.mutations import BaseMutation
from graphql_schema.core.permissions import require_console
from graphql_schema.core.uploads import BASE64_DEPRECATION, Upload, uploaded_content
from graphql_schema.indicators.enums import LayoutEnum, TemplateScopeEnum
from graphql_schema.indicators.fields import IndicatorInput, input_data
from graphql_schema.indicators.types import (
    PushTarget,
    Template,
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
)


class CreateTemplateInput(graphene.InputObjectType):
    code = graphene.String(required=True)
    name = graphene.String(required=True)
    project_kind = graphene.String()
    description = graphene.String()
    scope = TemplateScopeEnum(
        description="PROJECT (default) or DEPARTMENT (部门整体: the unit-level indicators)"
    )
    layout = LayoutEnum(description="DEPARTMENT (投入/过程/产出/效果) only with scope DEPARTMENT")
    execution_weight = graphene.Decimal()
    group_weights = graphene.JSONString(
        description='e.g. {"output": 50, "effect": 30, "satisfaction": 10}; for the DEPARTMENT '
        'layout {"input": 15, "process": 55, "output": 20, "outcome": 10} (process includes '
        "the execution weight), or omitted: the unit's province policy at evaluation time"
    )


class CreateTemplate(BaseMutation):
    """Create a template with an empty draft version 1."""

    template = graphene.Field(Template)

    class Arguments:
        input = CreateTemplateInput(required=True)

    @classmethod
    def perform(cls, root: Any, info: graphene.ResolveInfo, input: Any) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        options = {k: getattr(v, "value", v) for k, v in input.items() if v is not None}
        return {"template": authoring.create_template(user=user, **options)}


class DraftTemplateVersion(BaseMutation):
    """Open a new draft version, a copy of the latest one."""

    version = graphene.Field(TemplateVersion)

    class Arguments:
        template_id = graphene.ID(required=True)
        changelog = graphene.String(
            description="变更说明, saved on the draft. Optional here; publishTemplateVersion "
            "requires one (this, or its own changelog argument): CHANGELOG_REQUIRED."
        )

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, template_id: str, changelog: str = ""
    ) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        template = get_for_update(models.Template, template_id, "Template", "templateId")
        return {"version": authoring.draft_version(template, user=user, changelog=changelog)}


class AddTemplateIndicator(BaseMutation):
    indicator = graphene.Field(TemplateIndicator)

    class Arguments:
        version_id = graphene.ID(required=True)
        input = IndicatorInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, version_id: str, input: IndicatorInput
    ) -> dict[str, Any]:
        require_console(info, Op.TEMPLATE_MANAGE)
        version = get_for_update(models.TemplateVersion, version_id, "TemplateVersion", "versionId")
        return {"indicator": authoring.add_indicator(version, input_data(input))}


class UpdateTemplateIndicator(BaseMutation):
    indicator = graphene.Field(TemplateIndicator)

    class Arguments:
        id = graphene.ID(required=True)
        input = IndicatorInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, input: IndicatorInput
    ) -> dict[str, Any]:
        require_console(info, Op.TEMPLATE_MANAGE)
        indicator = get_for_update(models.TemplateIndicator, id, "TemplateIndicator")
        return {"indicator": authoring.update_indicator(indicator, input_data(input))}


class RemoveTemplateIndicator(BaseMutation):
    removed_id = graphene.ID()

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_console(info, Op.TEMPLATE_MANAGE)
        authoring.remove_indicator(
            get_for_update(models.TemplateIndicator, id, "TemplateIndicator")
        )
        return {"removed_id": id}


class PublishTemplateVersion(BaseMutation):
    """Validate and publish a draft; a refusal lists every problem."""

    version = graphene.Field(TemplateVersion)

    class Arguments:
        id = graphene.ID(required=True)
        changelog = graphene.String(
            description="变更说明. Required unless the draft already carries one (saved by "
            "draftTemplateVersion or importTemplateVersion): without either the publication "
            "is refused with CHANGELOG_REQUIRED. Omitted, the draft's is kept."
        )

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, id: str, changelog: str | None = None
    ) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        version = get_for_update(models.TemplateVersion, id, "TemplateVersion")
        return {"version": authoring.publish_version(version, user=user, changelog=changelog)}


class RetireTemplateVersion(BaseMutation):
    version = graphene.Field(TemplateVersion)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        version = get_for_update(models.TemplateVersion, id, "TemplateVersion")
        return {"version": authoring.retire_version(version, user=user)}


class ImportTemplateVersion(BaseMutation):
    """Create a draft version from an indicator-library sheet (XLSX)."""

    version = graphene.Field(TemplateVersion)

    class Arguments:
        template_id = graphene.ID(required=True)
        file = Upload(description="The filled sheet (XLSX), by the multipart request spec.")
        file_base64 = graphene.String(deprecation_reason=BASE64_DEPRECATION)
        changelog = graphene.String(
            description="变更说明, saved on the draft. Optional here; publishTemplateVersion "
            "requires one (this, or its own changelog argument): CHANGELOG_REQUIRED."
        )

    @classmethod
    def perform(
        cls,
        root: None,
        info: graphene.ResolveInfo,
        template_id: str,
        file: UploadedFile | None = None,
        file_base64: str | None = None,
        changelog: str = "",
    ) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        template = get_for_update(models.Template, template_id, "Template", "templateId")
        content = uploaded_content(
            file=file, file_base64=file_base64, allowed=SHEET_TYPES, name="指标库.xlsx"
        )
        version = xlsx.import_version(template, content, user=user, changelog=changelog)
        return {"version": version}


class PushTargetsInput(graphene.InputObjectType):
    """Exactly one of: all, level, under, codes."""

    all = graphene.Boolean()
    level = graphene.String(description="province, city, county or special")
    under = graphene.String(description="a unit's code: every unit below it")
    codes = graphene.List(graphene.NonNull(graphene.String))


def _target_spec(targets: PushTargetsInput) -> push.TargetSpec:
    given = [
        name
        for name in ("all", "level", "under", "codes")
        if targets.get(name) not in (None, False)
    ]
    if len(given) != 1:
        raise DomainError.single(
            CoreErrorCode.INVALID_TARGETS,
            "请在 all、level、under、codes 中恰好指定一项。",
            "targets",
        )
    kind = given[0]
    if kind == "all":
        return push.TargetSpec(kind="all")
    if kind == "level":
        return push.TargetSpec(kind="level", level=targets.level.lower())
    if kind == "under":
        return push.TargetSpec(kind="subtree", under=targets.under)
    return push.TargetSpec(kind="codes", codes=tuple(targets.codes))


class PushTemplate(BaseMutation):
    """Push a published version to units: one background task per unit."""

    push = graphene.Field(TemplatePush)

    class Arguments:
        version_id = graphene.ID(required=True)
        targets = PushTargetsInput(required=True)

    @classmethod
    def perform(
        cls, root: None, info: graphene.ResolveInfo, version_id: str, targets: PushTargetsInput
    ) -> dict[str, Any]:
        user = require_console(info, Op.TEMPLATE_MANAGE)
        version = get_for_update(models.TemplateVersion, version_id, "TemplateVersion", "versionId")
        return {"push": push.push_version(version, _target_spec(targets), user=user)}


class RetryPushTarget(BaseMutation):
    """Queue a failed unit of a push again."""

    target = graphene.Field(PushTarget)

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_console(info, Op.TEMPLATE_MANAGE)
        return {"target": push.retry_target(get_for_update(models.PushTarget, id, "PushTarget"))}


class RerunPush(BaseMutation):
    """Queue every unit of a push that has not succeeded (succeeded ones are left alone)."""

    push = graphene.Field(TemplatePush)
    queued = graphene.Int()

    class Arguments:
        id = graphene.ID(required=True)

    @classmethod
    def perform(cls, root: None, info: graphene.ResolveInfo, id: str) -> dict[str, Any]:
        require_console(info, Op.TEMPLATE_MANAGE)
        template_push = get_for_update(models.TemplatePush, id, "TemplatePush")
        return {"push": template_push, "queued": push.rerun_push(template_push)}


class TemplateMutations(graphene.ObjectType):
    create_template = CreateTemplate.Field()
    draft_template_version = DraftTemplateVersion.Field()
    add_template_indicator = AddTemplateIndicator.Field()
    update_template_indicator = UpdateTemplateIndicator.Field()
    remove_template_indicator = RemoveTemplateIndicator.Field()
    publish_template_version = PublishTemplateVersion.Field()
    retire_template_version = RetireTemplateVersion.Field()
    import_template_version = ImportTemplateVersion.Field()
    push_template = PushTemplate.Field()
    retry_push_target = RetryPushTarget.Field()
    rerun_push = RerunPush.Field()
