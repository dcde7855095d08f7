"""Authoring the provincial indicator library: templates, their versions and indicators.

A template has numbered versions. At most one is a draft (the one being edited); publishing
checks it (``validation.validate_version``) and freezes it; a published version can be
retired. Published and retired versions are immutable: every write here refuses them, and a
change starts with ``draft_version``, which copies the latest version into a new draft.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone

from backend.accounts.models import User
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.indicators import system
from backend.indicators.errors import IndicatorErrorCode
from backend.indicators.models import (
    IndicatorFields,
    Layout,
    Scope,
    Template,
    TemplateIndicator,
    TemplateVersion,
    VersionStatus,
)
from backend.indicators.services import validation
from backend.indicators.system import ScoringGroup

CHANGELOG_MAX_LENGTH = 500


def _lock_version(version_id: int) -> TemplateVersion:
    """The version row, locked until the end of the transaction, as it is in the database
    (not as a caller's possibly stale object says)."""
    return TemplateVersion.objects.select_for_update().select_related("template").get(pk=version_id)


def _require_draft(version: TemplateVersion) -> None:
    if version.status != VersionStatus.DRAFT:
        raise DomainError.single(
            IndicatorErrorCode.VERSION_NOT_DRAFT,
            f"{version.template.code} 第 {version.number} 版"
            f"{VersionStatus(version.status).label}，不能修改；请先创建新的草稿版本。",
            "version",
        )


def _format_weight(value: Decimal) -> str:
    """A weight for the ``group_weights`` JSON: exact, without exponent (``"50"``, ``"12.5"``)."""
    text = format(value.normalize(), "f")
    return text


def clean_changelog(changelog: str) -> tuple[str, list[Problem]]:
    """The changelog stripped, and its problems (too long)."""
    text = (changelog or "").strip()
    if len(text) > CHANGELOG_MAX_LENGTH:
        return text, [
            Problem(
                CoreErrorCode.TOO_LONG,
                f"变更说明不能超过 {CHANGELOG_MAX_LENGTH} 个字符。",
                "changelog",
            )
        ]
    return text, []


def _clean_template_weights(
    layout: str, execution_weight: Any, group_weights: dict[str, Any] | None
) -> tuple[Decimal, dict[str, str] | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        execution = validation.to_decimal(execution_weight)
    except ValueError:
        return (
            Decimal(0),
            None,
            [
                Problem(
                    CoreErrorCode.INVALID_NUMBER,
                    f"预算执行率分值“{execution_weight}”不是有效的数字。",
                    "execution_weight",
                )
            ],
        )
    if not Decimal(0) <= execution <= Decimal(100) or execution != execution.quantize(
        Decimal("0.01")
    ):
        problems.append(
            Problem(
                IndicatorErrorCode.INVALID_WEIGHTS,
                "预算执行率分值应在 0 到 100 之间，最多两位小数。",
                "execution_weight",
            )
        )

    if layout == Layout.DEPARTMENT:
        stored_split, split_problems = _department_split(execution, group_weights)
        return execution, stored_split, problems + split_problems
    if group_weights is None:
        if layout == Layout.SPLIT:
            default = sum(system.DEFAULT_GROUP_WEIGHTS.values(), Decimal(0))
            if execution + default != 100:
                problems.append(
                    Problem(
                        IndicatorErrorCode.INVALID_WEIGHTS,
                        f"预算执行率分值 {validation.fmt(execution)} 与默认分组分值"
                        f"（合计 {validation.fmt(default)}）之和应为 100；"
                        "请同时设置分组分值。",
                        "group_weights",
                    )
                )
        return execution, None, problems

    if not isinstance(group_weights, dict):  # JSON of another shape: a list, a number…
        problems.append(
            Problem(
                IndicatorErrorCode.INVALID_WEIGHTS,
                '分组分值应为对象，如 {"output": 50, "effect": 30, "satisfaction": 10}。',
                "group_weights",
            )
        )
        return execution, None, problems
    stored: dict[str, str] = {}
    numbers: dict[str, Decimal] = {}
    for key, value in group_weights.items():
        if key not in {group.value for group in ScoringGroup}:
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"分组“{key}”无效，应为 {'、'.join(g.value for g in ScoringGroup)} 之一。",
                    "group_weights",
                )
            )
            continue
        try:
            number = validation.to_decimal(value)
        except ValueError:
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"分组“{key}”的分值“{value}”不是有效的数字。",
                    "group_weights",
                )
            )
            continue
        if number < 0 or number != number.quantize(Decimal("0.01")):
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"分组“{key}”的分值 {number} 应不小于 0，最多两位小数。",
                    "group_weights",
                )
            )
            continue
        numbers[key] = number
        stored[key] = _format_weight(number)
    for required in (ScoringGroup.OUTPUT, ScoringGroup.EFFECT):
        if required.value not in group_weights:
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"分组分值须包含{validation.GROUP_LABELS[required]}（{required.value}）。",
                    "group_weights",
                )
            )
    if not problems:
        total = execution + sum(numbers.values(), Decimal(0))
        if total != 100:
            problems.append(
                Problem(
                    IndicatorErrorCode.INVALID_WEIGHTS,
                    f"预算执行率分值与分组分值合计 {validation.fmt(total)}，应为 100.00。",
                    "group_weights",
                )
            )
    return execution, stored, problems


def _department_split(
    execution: Decimal, group_weights: dict[str, Any] | None
) -> tuple[dict[str, str] | None, list[Problem]]:
    """The department layout's own split of 投入 / 过程 / 产出 / 效果 (``input``, ``process``,
    ``output``, ``outcome``: all four, together 100, 过程 at least the execution weight, which
    counts inside it). ``None``: the unit's province policy decides at evaluation time."""
    if group_weights is None:
        return None, []
    keys = [group.value for group in system.DepartmentGroup]
    if not isinstance(group_weights, dict) or set(group_weights) != set(keys):
        example = '{"input": 15, "process": 55, "output": 20, "outcome": 10}'
        message = f"部门整体的分组分值须包含投入、过程、产出、效果四项，如 {example}。"
        return None, [Problem(IndicatorErrorCode.INVALID_WEIGHTS, message, "group_weights")]
    stored: dict[str, str] = {}
    numbers: dict[str, Decimal] = {}
    for key in keys:
        value = group_weights[key]
        try:
            number = validation.to_decimal(value)
        except ValueError:
            number = Decimal(-1)
        if number < 0 or number != number.quantize(Decimal("0.01")):
            message = f"分组“{key}”的分值“{value}”应为不小于 0 的数字，最多两位小数。"
            return None, [Problem(IndicatorErrorCode.INVALID_WEIGHTS, message, "group_weights")]
        numbers[key], stored[key] = number, _format_weight(number)
    total = sum(numbers.values(), Decimal(0))
    if total != 100:
        message = f"投入、过程、产出、效果分值合计 {validation.fmt(total)}，应为 100.00。"
        return None, [Problem(IndicatorErrorCode.INVALID_WEIGHTS, message, "group_weights")]
    if numbers["process"] < execution:
        message = (
            f"过程分值 {validation.fmt(numbers['process'])} 小于预算执行率分值 "
            f"{validation.fmt(execution)}（预算执行率计入过程）。"
        )
        return None, [Problem(IndicatorErrorCode.INVALID_WEIGHTS, message, "group_weights")]
    return stored, []


@transaction.atomic
def create_template(
    *,
    code: str,
    name: str,
    user: User | None,
    project_kind: str = "",
    description: str = "",
    layout: str = Layout.SPLIT,
    execution_weight: Decimal = Decimal("10"),
    group_weights: dict[str, Decimal] | None = None,
    scope: str = Scope.PROJECT,
) -> Template:
    """Create a template and its version 1, an empty draft.

    ``scope``: project goals' indicators, or a department template's unit-level ones; the
    department layout (投入 / 过程 / 产出 / 效果, its split in ``group_weights`` keyed
    ``input``/``process``/``output``/``outcome``, or None: the province policy's at
    evaluation time) is for department templates only.

    ``group_weights`` maps scoring groups (``output``, ``effect``, ``satisfaction``) to their
    points; ``None`` keeps the default 50/30/10. With the split layout, the execution weight
    and the group weights must add up to 100 (with the pooled layout the group weights are not
    used, and are checked only when given).
    """
    code = (code or "").strip()
    name = (name or "").strip()
    project_kind = (project_kind or "").strip()
    problems: list[Problem] = []
    if len(code) > validation.CODE_MAX_LENGTH or not validation.CODE_PATTERN.match(code):
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CODE,
                f"模板编码“{code}”无效：只能使用字母、数字、连字符和下划线，"
                f"长度 1–{validation.CODE_MAX_LENGTH}。",
                "code",
            )
        )
    elif Template.objects.filter(code=code).exists():
        problems.append(Problem(CoreErrorCode.CODE_TAKEN, f"模板编码“{code}”已被使用。", "code"))
    if not name:
        problems.append(Problem(CoreErrorCode.REQUIRED, "模板名称不能为空。", "name"))
    elif len(name) > 200:
        problems.append(Problem(CoreErrorCode.TOO_LONG, "模板名称不能超过 200 个字符。", "name"))
    if len(project_kind) > 100:
        problems.append(
            Problem(CoreErrorCode.TOO_LONG, "适用项目不能超过 100 个字符。", "project_kind")
        )
    if layout not in Layout.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                f"计分结构“{layout}”无效，应为 {'、'.join(Layout.values)} 之一。",
                "layout",
            )
        )
    if scope not in Scope.values:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                f"适用对象“{scope}”无效，应为 {'、'.join(Scope.values)} 之一。",
                "scope",
            )
        )
    elif layout == Layout.DEPARTMENT and scope != Scope.DEPARTMENT:
        problems.append(
            Problem(
                CoreErrorCode.INVALID_CHOICE,
                "投入/过程/产出/效果计分结构只用于部门整体支出模板。",
                "layout",
            )
        )
    execution, stored, weight_problems = _clean_template_weights(
        layout, execution_weight, group_weights
    )
    problems.extend(weight_problems)
    if problems:
        raise DomainError(*problems)

    try:
        with transaction.atomic():
            template = Template.objects.create(
                code=code,
                name=name,
                project_kind=project_kind,
                description=(description or "").strip(),
                layout=layout,
                scope=scope,
                execution_weight=execution,
                group_weights=stored,
                created_by=user,
            )
    except IntegrityError as exc:  # lost a race against a concurrent creation
        raise DomainError.single(
            CoreErrorCode.CODE_TAKEN, f"模板编码“{code}”已被使用。", "code"
        ) from exc
    TemplateVersion.objects.create(
        template=template, number=1, status=VersionStatus.DRAFT, created_by=user
    )
    return template


@transaction.atomic
def draft_version(template: Template, *, user: User | None, changelog: str = "") -> TemplateVersion:
    """Start a new draft of ``template``, numbered after its latest version, holding a copy
    of every indicator of that version (published or retired). Refused while a draft exists."""
    return new_draft(template, changelog=changelog, copy_latest=True, user=user)


@transaction.atomic
def new_draft(
    template: Template, *, changelog: str = "", copy_latest: bool, user: User | None = None
) -> TemplateVersion:
    """A new draft of ``template`` numbered last+1, empty or (``copy_latest``) with the
    indicators of the latest version. Refused while a draft exists. The building block of
    ``draft_version`` and of the sheet import."""
    # The template row serialises concurrent drafts (the partial unique constraint backs it).
    template = Template.objects.select_for_update().get(pk=template.pk)
    text, problems = clean_changelog(changelog)
    versions = list(TemplateVersion.objects.filter(template=template).order_by("-number"))
    draft = next((v for v in versions if v.status == VersionStatus.DRAFT), None)
    if draft is not None:
        problems.append(
            Problem(
                IndicatorErrorCode.DRAFT_EXISTS,
                f"模板“{template.name}”已有草稿版本（第 {draft.number} 版），"
                "请先发布或删除该草稿。",
                "template",
            )
        )
    if problems:
        raise DomainError(*problems)
    latest = versions[0] if versions else None
    try:
        with transaction.atomic():
            version = TemplateVersion.objects.create(
                template=template,
                number=(latest.number + 1) if latest else 1,
                status=VersionStatus.DRAFT,
                changelog=text,
                created_by=user,
            )
    except IntegrityError as exc:
        raise DomainError.single(
            IndicatorErrorCode.DRAFT_EXISTS, f"模板“{template.name}”已有草稿版本。", "template"
        ) from exc
    if copy_latest and latest is not None:
        fields = ("code", *IndicatorFields.CONTENT_FIELDS)
        TemplateIndicator.objects.bulk_create(
            TemplateIndicator(version=version, **{f: getattr(source, f) for f in fields})
            for source in latest.indicators.order_by("sort_order", "id")
        )
    return version


@transaction.atomic
def add_indicator(version: TemplateVersion, data: dict[str, Any]) -> TemplateIndicator:
    """Add a level-3 indicator to a draft version.

    ``data`` holds ``IndicatorFields`` values by field name; ``code``, ``level1``, ``level2``,
    ``name``, ``value_type`` and ``weight`` are required. Every field-level problem is reported
    at once, each naming its field. Without ``sort_order`` the indicator goes last."""
    version = _lock_version(version.pk)
    _require_draft(version)
    layout = Template.objects.values_list("layout", flat=True).get(pk=version.template_id)
    cleaned, problems = validation.clean_indicator_fields(data, layout=layout)
    code = cleaned.get("code")
    if code and version.indicators.filter(code=code).exists():
        problems.append(_duplicate(code))
    if problems:
        raise DomainError(*problems)
    if "sort_order" not in cleaned:
        last = version.indicators.aggregate(last=Max("sort_order"))["last"]
        cleaned["sort_order"] = (last or 0) + 1
    try:
        with transaction.atomic():
            return TemplateIndicator.objects.create(version=version, **cleaned)
    except IntegrityError as exc:
        raise DomainError(_duplicate(code)) from exc


def _duplicate(code: str | None) -> Problem:
    return Problem(CoreErrorCode.DUPLICATE_CODE, f"本版本中已有指标编码“{code}”。", "code")


@transaction.atomic
def update_indicator(indicator: TemplateIndicator, data: dict[str, Any]) -> TemplateIndicator:
    """Change some fields of an indicator of a draft version (the keys of ``data``), with the
    checks of ``add_indicator``. Returns the indicator as saved."""
    version = _lock_version(indicator.version_id)
    _require_draft(version)
    current = TemplateIndicator.objects.filter(pk=indicator.pk, version=version).first()
    if current is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "指标不存在或已被删除。", "indicator")
    base = {field: getattr(current, field) for field in validation.INDICATOR_FIELDS}
    layout = Template.objects.values_list("layout", flat=True).get(pk=version.template_id)
    cleaned, problems = validation.clean_indicator_fields(
        data, partial=True, base=base, layout=layout
    )
    code = cleaned.get("code")
    if (
        code
        and code != current.code
        and version.indicators.filter(code=code).exclude(pk=current.pk).exists()
    ):
        problems.append(_duplicate(code))
    if problems:
        raise DomainError(*problems)
    if not cleaned:
        return current
    for field, value in cleaned.items():
        setattr(current, field, value)
    try:
        with transaction.atomic():
            current.save(update_fields=list(cleaned))
    except IntegrityError as exc:
        raise DomainError(_duplicate(code)) from exc
    return current


@transaction.atomic
def remove_indicator(indicator: TemplateIndicator) -> None:
    """Delete an indicator of a draft version."""
    version = _lock_version(indicator.version_id)
    _require_draft(version)
    TemplateIndicator.objects.filter(pk=indicator.pk, version=version).delete()


@transaction.atomic
def discard_draft(version: TemplateVersion) -> None:
    """Delete a draft version and its indicators (published and retired versions are kept
    for good: units run on them)."""
    version = _lock_version(version.pk)
    _require_draft(version)
    TemplateIndicator.objects.filter(version=version).delete()
    # Not version.delete(): Django's collector would look for the rows of tenant tables that
    # reference versions (a unit's adopted version) in the public schema, where those tables
    # do not exist. A draft is never pushed nor adopted, and the database's foreign keys
    # would refuse the delete if it were.
    with connection.cursor() as cursor:
        cursor.execute(
            f'DELETE FROM "{TemplateVersion._meta.db_table}" WHERE id = %s', [version.pk]
        )


@transaction.atomic
def publish_version(
    version: TemplateVersion, *, user: User | None, changelog: str | None = None
) -> TemplateVersion:
    """Publish a draft: it must pass ``validation.validate_version`` and carry a changelog
    (``changelog``, else the one saved on the draft). Every problem is reported at once; the
    published version is frozen."""
    version = _lock_version(version.pk)
    _require_draft(version)
    text, problems = clean_changelog(version.changelog if changelog is None else changelog)
    if not text:
        problems.append(
            Problem(IndicatorErrorCode.CHANGELOG_REQUIRED, "发布版本须填写变更说明。", "changelog")
        )
    indicators = list(version.indicators.order_by("sort_order", "id"))
    problems = validation.validate_version(version.template, indicators) + problems
    if problems:
        raise DomainError(*problems)
    version.status = VersionStatus.PUBLISHED
    version.changelog = text
    version.published_at = timezone.now()
    version.published_by = user
    version.save(update_fields=["status", "changelog", "published_at", "published_by"])
    return version


@transaction.atomic
def retire_version(version: TemplateVersion, *, user: User | None) -> TemplateVersion:
    """Retire a published version: it stays readable (and can seed a new draft) but is no
    longer offered. ``user`` is accepted for the audit trail; the version records only when."""
    version = _lock_version(version.pk)
    if version.status != VersionStatus.PUBLISHED:
        raise DomainError.single(
            CoreErrorCode.VERSION_NOT_PUBLISHED,
            f"{version.template.code} 第 {version.number} 版"
            f"{VersionStatus(version.status).label}，只有已发布的版本可以停用。",
            "version",
        )
    version.status = VersionStatus.RETIRED
    version.retired_at = timezone.now()
    version.retired_by = user
    version.save(update_fields=["status", "retired_at", "retired_by"])
    return version
