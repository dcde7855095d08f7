from __future__ import annotations

from decimal import Decimal

import pytest

from backend.core.errors import DomainError
from backend.indicators import selectors
from backend.indicators.models import (
    Layout,
    Template,
    TemplateIndicator,
    TemplateVersion,
    VersionStatus,
)
from backend.indicators.services import authoring
from tests.factories import UserFactory
from tests.indicators.factories import (
    IndicatorFactory,
    effect,
    quantity,
    valid_split,
)

pytestmark = pytest.mark.django_db


def problems_of(caught: pytest.ExceptionInfo[DomainError]) -> set[tuple[str, str | None]]:
    return {(p.code, p.field) for p in caught.value.problems}


def new_template(code: str = "case-funds-test", **options) -> Template:
    return authoring.create_template(code=code, name="办案业务经费测试模板", user=None, **options)


def draft(template: Template) -> TemplateVersion:
    version = selectors.draft_of(template)
    assert version is not None
    return version


def published(code: str = "published-test") -> TemplateVersion:
    template = new_template(code)
    version = draft(template)
    for data in valid_split():
        authoring.add_indicator(version, data)
    return authoring.publish_version(version, user=None, changelog="首次发布")


# ------------------------------------------------------------------------ templates


def test_create_template_opens_an_empty_draft_version_1() -> None:
    user = UserFactory()
    template = authoring.create_template(
        code="case-funds-x",
        name=" 办案业务经费 ",
        user=user,
        project_kind="办案业务经费",
        group_weights={"output": Decimal("60"), "effect": Decimal("20"), "satisfaction": 10},
    )
    template.refresh_from_db()
    assert (template.code, template.name, template.created_by) == (
        "case-funds-x",
        "办案业务经费",
        user,
    )
    assert template.layout == Layout.SPLIT and template.execution_weight == Decimal("10")
    assert template.group_weights == {"output": "60", "effect": "20", "satisfaction": "10"}
    versions = list(template.versions.all())
    assert [(v.number, v.status) for v in versions] == [(1, VersionStatus.DRAFT)]
    assert not versions[0].indicators.exists()


def test_create_template_reports_every_problem_and_creates_nothing() -> None:
    before = Template.objects.count()
    with pytest.raises(DomainError) as caught:
        authoring.create_template(
            code="bad code!",
            name="  ",
            user=None,
            layout="zigzag",
            group_weights={"output": 50, "bonus": 40},
        )
    assert problems_of(caught) == {
        ("INVALID_CODE", "code"),
        ("REQUIRED", "name"),
        ("INVALID_CHOICE", "layout"),
        ("INVALID_WEIGHTS", "group_weights"),
    }
    messages = " ".join(p.message for p in caught.value.problems)
    assert "bonus" in messages and "效益指标" in messages  # unknown group, missing effect
    assert Template.objects.count() == before


def test_weights_must_add_up_to_100() -> None:
    with pytest.raises(DomainError) as caught:
        new_template(group_weights={"output": 50, "effect": 30, "satisfaction": 20})
    assert problems_of(caught) == {("INVALID_WEIGHTS", "group_weights")}
    assert "110.00" in caught.value.problems[0].message
    with pytest.raises(DomainError) as caught:
        new_template(execution_weight=Decimal("20"))  # with the default 50/30/10
    assert problems_of(caught) == {("INVALID_WEIGHTS", "group_weights")}
    # The pooled layout has no groups: only an explicit split is checked.
    pooled = new_template("pooled-x", layout=Layout.POOLED, execution_weight=Decimal("20"))
    assert pooled.group_weights is None


def test_a_taken_template_code_is_refused() -> None:
    new_template("taken-code")
    with pytest.raises(DomainError) as caught:
        new_template("taken-code")
    assert problems_of(caught) == {("CODE_TAKEN", "code")}


# ------------------------------------------------------------------------ indicators


def test_add_indicator_normalises_and_appends() -> None:
    version = draft(new_template())
    first = authoring.add_indicator(version, quantity("arrests", 10, name=" 审查逮捕案件数 "))
    second = authoring.add_indicator(version, effect("social", 5, level2="社会效益"))
    assert (first.sort_order, second.sort_order) == (1, 2)
    assert first.name == "审查逮捕案件数"
    assert second.level2 == "社会效益指标"  # alias normalised
    second.refresh_from_db()
    assert second.weight == Decimal("5.00") and second.target_value == Decimal("100.0000")
    explicit = authoring.add_indicator(version, quantity("third", 1, sort_order=0))
    assert explicit.sort_order == 0
    assert [i.code for i in selectors.indicators_of(version)] == ["third", "arrests", "social"]


def test_add_indicator_reports_every_field_problem() -> None:
    version = draft(new_template())
    authoring.add_indicator(version, quantity("arrests", 10))
    with pytest.raises(DomainError) as caught:
        authoring.add_indicator(
            version,
            {
                "code": "bad code",
                "level1": "产出指标",
                "level2": "经济效益",  # not under 产出指标
                "value_type": "numeric",
                "weight": "-1",
                "target_value": "很多",
                "mandatory": "yes",
                "colour": "red",
            },
        )
    assert problems_of(caught) == {
        ("UNKNOWN_FIELD", "colour"),
        ("REQUIRED", "name"),
        ("INVALID_CODE", "code"),
        ("INVALID_LEVEL", "level2"),
        ("INVALID_CHOICE", "value_type"),
        ("INVALID_WEIGHT", "weight"),
        ("INVALID_NUMBER", "target_value"),
        ("INVALID_BOOLEAN", "mandatory"),
    }
    with pytest.raises(DomainError) as caught:
        authoring.add_indicator(version, quantity("arrests", "1.234"))
    assert problems_of(caught) == {("DUPLICATE_CODE", "code"), ("INVALID_NUMBER", "weight")}
    assert version.indicators.count() == 1


def test_update_indicator_is_partial_and_checked() -> None:
    version = draft(new_template())
    indicator = authoring.add_indicator(version, quantity("arrests", 10))
    authoring.add_indicator(version, quantity("prosecutions", 10))

    updated = authoring.update_indicator(indicator, {"weight": "12.5", "level2": "质量指标"})
    indicator.refresh_from_db()
    assert (indicator.weight, indicator.level2, indicator.name) == (
        Decimal("12.50"),
        "质量指标",
        "指标 arrests",
    )
    assert updated.pk == indicator.pk

    with pytest.raises(DomainError) as caught:
        authoring.update_indicator(
            indicator, {"code": "prosecutions", "level2": "社会效益指标", "name": ""}
        )
    assert problems_of(caught) == {
        ("DUPLICATE_CODE", "code"),
        ("INVALID_LEVEL", "level2"),  # checked against the current level 1
        ("REQUIRED", "name"),
    }
    # Level 1 and level 2 changed together are checked together.
    authoring.update_indicator(indicator, {"level1": "效益指标", "level2": "可持续影响"})
    indicator.refresh_from_db()
    assert (indicator.level1, indicator.level2) == ("效益指标", "可持续影响指标")


def test_remove_indicator() -> None:
    version = draft(new_template())
    indicator = authoring.add_indicator(version, quantity("arrests", 10))
    authoring.remove_indicator(indicator)
    assert not version.indicators.exists()


# ------------------------------------------------------------------------ publish / retire


def test_publish_freezes_the_version() -> None:
    user = UserFactory()
    template = new_template()
    version = draft(template)
    for data in valid_split():
        authoring.add_indicator(version, data)
    result = authoring.publish_version(version, user=user, changelog=" 首次发布 ")
    result.refresh_from_db()
    assert result.status == VersionStatus.PUBLISHED
    assert result.published_by == user and result.published_at is not None
    assert result.changelog == "首次发布"
    assert selectors.latest_published_version(template) == result
    assert selectors.draft_of(template) is None


def test_publish_requires_a_changelog() -> None:
    template = new_template()
    version = draft(template)
    for data in valid_split():
        authoring.add_indicator(version, data)
    with pytest.raises(DomainError) as caught:
        authoring.publish_version(version, user=None)
    assert problems_of(caught) == {("CHANGELOG_REQUIRED", "changelog")}
    with pytest.raises(DomainError) as caught:
        authoring.publish_version(version, user=None, changelog="   ")
    assert problems_of(caught) == {("CHANGELOG_REQUIRED", "changelog")}
    assert draft(template).status == VersionStatus.DRAFT


def test_publish_refusal_lists_every_problem() -> None:
    version = draft(new_template())
    # Written straight to the database: the kinds of rows an older import or the admin might
    # have left, which add_indicator would refuse field by field.
    IndicatorFactory(version=version, code="arrests", weight=Decimal("30"), direction="", unit="")
    IndicatorFactory(
        version=version,
        code="quality",
        level1="效益指标",
        level2="数量指标",  # not a child of 效益指标
        weight=Decimal("0"),
    )
    IndicatorFactory(
        version=version,
        code="opinion",
        level1="效益指标",
        level2="社会效益指标",
        value_type="qualitative",
        direction="gte",
        target_value=None,
        target_text="",
        scoring_method="proportional",
        weight=Decimal("20"),
    )
    with pytest.raises(DomainError) as caught:
        authoring.publish_version(version, user=None)
    found = problems_of(caught)
    assert {
        ("DIRECTION_REQUIRED", "indicators.arrests.direction"),
        ("UNIT_REQUIRED", "indicators.arrests.unit"),
        ("INVALID_LEVEL", "indicators.quality.level2"),
        ("INVALID_WEIGHT", "indicators.quality.weight"),
        ("DIRECTION_NOT_ALLOWED", "indicators.opinion.direction"),
        ("TARGET_TEXT_REQUIRED", "indicators.opinion.target_text"),
        ("INVALID_SCORING_METHOD", "indicators.opinion.scoring_method"),
        ("GROUP_WEIGHT_MISMATCH", "weights.output"),
        ("TOTAL_WEIGHT_MISMATCH", "weights.total"),
        ("CHANGELOG_REQUIRED", "changelog"),
    } <= found, found
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT and version.published_at is None


def test_published_and_retired_versions_are_immutable() -> None:
    version = published()
    indicator = version.indicators.get(code="cases")
    refusals = [
        lambda: authoring.add_indicator(version, quantity("more", 1)),
        lambda: authoring.update_indicator(indicator, {"weight": 1}),
        lambda: authoring.remove_indicator(indicator),
        lambda: authoring.publish_version(version, user=None, changelog="再次发布"),
    ]
    for refuse in refusals:
        with pytest.raises(DomainError) as caught:
            refuse()
        assert problems_of(caught) == {("VERSION_NOT_DRAFT", "version")}

    retired = authoring.retire_version(version, user=None)
    assert retired.status == VersionStatus.RETIRED and retired.retired_at is not None
    for refuse in refusals:
        with pytest.raises(DomainError) as caught:
            refuse()
        assert problems_of(caught) == {("VERSION_NOT_DRAFT", "version")}
    with pytest.raises(DomainError) as caught:
        authoring.retire_version(version, user=None)
    assert problems_of(caught) == {("VERSION_NOT_PUBLISHED", "version")}
    indicator.refresh_from_db()
    assert indicator.weight == Decimal("30.00")
    assert version.indicators.count() == len(valid_split())


def test_a_stale_object_does_not_bypass_immutability() -> None:
    version = published("stale-test")
    stale = TemplateVersion.objects.get(pk=version.pk)
    stale.status = VersionStatus.DRAFT  # what a caller's outdated copy might say
    with pytest.raises(DomainError) as caught:
        authoring.add_indicator(stale, quantity("more", 1))
    assert problems_of(caught) == {("VERSION_NOT_DRAFT", "version")}


def test_a_draft_cannot_be_retired() -> None:
    version = draft(new_template())
    with pytest.raises(DomainError) as caught:
        authoring.retire_version(version, user=None)
    assert problems_of(caught) == {("VERSION_NOT_PUBLISHED", "version")}


# ------------------------------------------------------------------------ new drafts


def test_draft_version_copies_the_latest_version() -> None:
    v1 = published("drafts-test")
    template = v1.template
    v2 = authoring.draft_version(template, user=None, changelog="调整分值")
    assert (v2.number, v2.status, v2.changelog) == (2, VersionStatus.DRAFT, "调整分值")
    fields = ("code", *TemplateIndicator.CONTENT_FIELDS)

    def rows(version: TemplateVersion) -> list[tuple]:
        return [tuple(getattr(i, f) for f in fields) for i in selectors.indicators_of(version)]

    assert rows(v2) == rows(v1) and len(rows(v2)) == len(valid_split())

    # the copy is independent of the published version
    authoring.update_indicator(v2.indicators.get(code="cases"), {"weight": 25})
    authoring.add_indicator(v2, quantity("cases-2", 5))
    assert v1.indicators.get(code="cases").weight == Decimal("30.00")
    v2 = authoring.publish_version(v2, user=None)  # the draft's changelog
    assert v2.changelog == "调整分值"

    # v3 copies v2 (the latest), even once v2 is retired
    authoring.retire_version(v2, user=None)
    v3 = authoring.draft_version(template, user=None)
    assert v3.number == 3 and rows(v3) == rows(v2)
    assert {v.number: v.status for v in selectors.versions_of(template)} == {
        1: VersionStatus.PUBLISHED,
        2: VersionStatus.RETIRED,
        3: VersionStatus.DRAFT,
    }


def test_only_one_draft_at_a_time() -> None:
    template = new_template()
    with pytest.raises(DomainError) as caught:
        authoring.draft_version(template, user=None)
    assert problems_of(caught) == {("DRAFT_EXISTS", "template")}
    assert template.versions.count() == 1


def test_discard_draft() -> None:
    v1 = published("discard-test")
    v2 = authoring.draft_version(v1.template, user=None)
    authoring.discard_draft(v2)
    assert list(v1.template.versions.values_list("number", flat=True)) == [1]
    assert not TemplateIndicator.objects.filter(version_id=v2.pk).exists()
    with pytest.raises(DomainError) as caught:
        authoring.discard_draft(v1)
    assert problems_of(caught) == {("VERSION_NOT_DRAFT", "version")}
    assert authoring.draft_version(v1.template, user=None).number == 2


# ------------------------------------------------------------------------ admin


def test_the_admin_shows_the_library_read_only(rf) -> None:
    """At the ModelAdmin level: the admin pages of the public host do not render at the moment
    (django-tenants' admin index calls ``request.tenant.schema_name`` on a ``None`` tenant)."""
    from django.contrib import admin

    from backend.indicators.models import PushTarget, TemplatePush
    from tenants.models import Procuratorate

    version = published("admin-test")
    push = TemplatePush.objects.create(version=version, targets={"kind": "all"})
    target = PushTarget.objects.create(push=push, unit=Procuratorate.objects.get(code="xinhua"))
    objects = [version.template, version, version.indicators.first(), push, target]
    user = UserFactory(username="admin-test", is_staff=True, is_superuser=True)
    request, search = rf.get("/admin/"), rf.get("/admin/", {"q": "admin-test"})
    request.user = search.user = user
    for obj in objects:
        model_admin = admin.site._registry[type(obj)]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_delete_permission(request, obj)
        assert model_admin.has_view_permission(request, obj)
        assert obj in list(model_admin.get_changelist_instance(request).result_list)
        list(model_admin.get_changelist_instance(search).result_list)  # the search fields work
        for inline in model_admin.get_inline_instances(request, obj):
            assert not inline.has_add_permission(request, obj)
            assert not inline.has_change_permission(request, obj)
    # Only a template's descriptive texts are editable.
    template_admin = admin.site._registry[Template]
    assert template_admin.has_change_permission(request, version.template)
    editable = set(template_admin.get_fields(request, version.template)) - set(
        template_admin.get_readonly_fields(request, version.template)
    )
    assert editable == {"name", "project_kind", "description"}
    for obj in objects[1:]:
        assert not admin.site._registry[type(obj)].has_change_permission(request, obj)
