"""Reads of the provincial indicator library (public schema)."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Prefetch, Q, QuerySet, Subquery

from backend.indicators.models import (
    PushStatus,
    PushTarget,
    Template,
    TemplateIndicator,
    TemplatePush,
    TemplateVersion,
    VersionStatus,
)


def templates(*, search: str | None = None) -> QuerySet[Template]:
    """Every template by code, each annotated with ``latest_number`` (its highest version
    number), ``published_number`` (its highest published version number, or None) and
    ``draft_count`` (0 or 1). ``search`` matches the code, the name or the project kind."""
    published = (
        TemplateVersion.objects.filter(template=OuterRef("pk"), status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .values("number")[:1]
    )
    qs = Template.objects.annotate(
        latest_number=Max("versions__number"),
        published_number=Subquery(published),
        draft_count=Count("versions", filter=Q(versions__status=VersionStatus.DRAFT)),
    ).order_by("code")
    if search:
        qs = qs.filter(
            Q(code__icontains=search)
            | Q(name__icontains=search)
            | Q(project_kind__icontains=search)
        )
    return qs


def template_by_code(code: str) -> Template | None:
    return Template.objects.filter(code=code).first()


def versions_of(template: Template) -> QuerySet[TemplateVersion]:
    """The template's versions, oldest first, each with ``indicator_count``."""
    return (
        TemplateVersion.objects.filter(template=template)
        .annotate(indicator_count=Count("indicators"))
        .order_by("number")
    )


def indicators_of(version: TemplateVersion) -> QuerySet[TemplateIndicator]:
    """The version's indicators in their display order."""
    return TemplateIndicator.objects.filter(version=version).order_by("sort_order", "id")


def version_with_indicators(version_id: int) -> TemplateVersion | None:
    """A version with its template and its indicators (ordered, prefetched: read them with
    ``version.indicators.all()``), or None."""
    return (
        TemplateVersion.objects.select_related("template", "published_by")
        .prefetch_related(
            Prefetch("indicators", queryset=TemplateIndicator.objects.order_by("sort_order", "id"))
        )
        .filter(pk=version_id)
        .first()
    )


def latest_version(template: Template) -> TemplateVersion | None:
    """The highest-numbered version, whatever its status."""
    return TemplateVersion.objects.filter(template=template).order_by("-number").first()


def latest_published_version(template: Template) -> TemplateVersion | None:
    """The highest-numbered published version (retired ones are not offered), or None."""
    return (
        TemplateVersion.objects.filter(template=template, status=VersionStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


def draft_of(template: Template) -> TemplateVersion | None:
    """The template's draft version, if one is being edited."""
    return TemplateVersion.objects.filter(template=template, status=VersionStatus.DRAFT).first()


def latest_published_versions(*, codes: list[str] | None = None) -> QuerySet[TemplateVersion]:
    """The latest published version of every template (or of the templates with ``codes``),
    in template-code order. One query (``DISTINCT ON``)."""
    qs = TemplateVersion.objects.filter(status=VersionStatus.PUBLISHED)
    if codes is not None:
        qs = qs.filter(template__code__in=codes)
    return (
        qs.select_related("template")
        .order_by("template__code", "template_id", "-number")
        .distinct("template__code", "template_id")
    )


def pushes(*, version: TemplateVersion | None = None) -> QuerySet[TemplatePush]:
    """Pushes, newest first (of one version if given), with per-status target counts
    (``target_count``, ``succeeded_count``, ``conflicted_count``, ``failed_count``)."""
    qs = TemplatePush.objects.select_related("version__template")
    if version is not None:
        qs = qs.filter(version=version)

    def of_status(status: str) -> Count:
        return Count("push_targets", filter=Q(push_targets__status=status))

    return qs.annotate(
        target_count=Count("push_targets"),
        succeeded_count=of_status(PushStatus.SUCCEEDED),
        conflicted_count=of_status(PushStatus.CONFLICTED),
        failed_count=of_status(PushStatus.FAILED),
    ).order_by("-created_at", "-id")


def push_targets(push: TemplatePush, *, status: str | None = None) -> QuerySet[PushTarget]:
    """The units of a push in hierarchy order, optionally of one status."""
    qs = PushTarget.objects.filter(push=push).select_related("unit")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("unit__path")
