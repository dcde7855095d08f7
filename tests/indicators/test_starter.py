from __future__ import annotations

from decimal import Decimal

import pytest

from backend.indicators import selectors
from backend.indicators.models import (
    Template,
    TemplateIndicator,
    TemplateVersion,
    ValueType,
    VersionStatus,
)
from backend.indicators.services import authoring, xlsx
from backend.indicators.services.starter import STARTER_TEMPLATES, load_starter_library
from backend.indicators.services.validation import validate_version
from backend.indicators.system import COST, EFFECT, OUTPUT, SATISFACTION
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CODES = ["case-funds", "informatisation", "equipment"]


def test_the_starter_library_is_published_and_valid() -> None:
    user = UserFactory()
    versions = load_starter_library(user=user)
    assert [v.template.code for v in versions] == CODES
    for version in versions:
        version.refresh_from_db()
        assert (version.number, version.status) == (1, VersionStatus.PUBLISHED)
        assert version.published_by == user and version.changelog
        indicators = list(selectors.indicators_of(version))
        assert 10 <= len(indicators) <= 20
        assert validate_version(version.template, indicators) == []
        assert sum(i.weight for i in indicators) == Decimal("90")
        assert any(i.mandatory for i in indicators) and not all(i.mandatory for i in indicators)
        assert any(i.locked for i in indicators) and not all(i.locked for i in indicators)
        kinds = {i.value_type for i in indicators}
        assert kinds == {ValueType.QUANTITATIVE, ValueType.QUALITATIVE}
        assert {i.level1 for i in indicators} >= {OUTPUT, EFFECT, SATISFACTION}
        assert all(i.code.startswith(("cf-", "inf-", "eq-")) for i in indicators)


def test_the_starter_library_uses_the_domain_examples_and_both_cost_layouts() -> None:
    versions = {v.template.code: v for v in load_starter_library()}
    names = set(
        TemplateIndicator.objects.filter(version__in=versions.values()).values_list(
            "name", flat=True
        )
    )
    for expected in (
        "审查逮捕案件数",
        "审查起诉案件数",
        "案件办结率",
        "公益诉讼案件数",
        "12309检察服务中心按时答复率",
        "智慧检务系统建成数",
        "当事人投诉率",
    ):
        assert expected in names
    complaints = versions["case-funds"].indicators.get(code="cf-complaint-rate")
    assert (complaints.direction, complaints.polarity, complaints.unit) == ("lte", "reverse", "%")
    assert versions["case-funds"].indicators.filter(level1=COST).exists()
    assert versions["informatisation"].indicators.filter(level1=OUTPUT, level2="成本指标").exists()
    satisfaction = versions["equipment"].indicators.get(level1=SATISFACTION)
    assert (satisfaction.direction, satisfaction.target_value) == ("gte", Decimal("90"))


def test_loading_twice_creates_nothing() -> None:
    first = load_starter_library()
    counts = (
        Template.objects.count(),
        TemplateVersion.objects.count(),
        TemplateIndicator.objects.count(),
    )
    second = load_starter_library()
    assert [v.pk for v in second] == [v.pk for v in first]
    assert (
        Template.objects.count(),
        TemplateVersion.objects.count(),
        TemplateIndicator.objects.count(),
    ) == counts


def test_a_later_version_is_returned_and_kept() -> None:
    v1 = load_starter_library()[0]
    draft = authoring.draft_version(v1.template, user=None)
    authoring.update_indicator(draft.indicators.get(code="cf-training"), {"target_value": 120})
    v2 = authoring.publish_version(draft, user=None, changelog="提高培训目标")
    assert load_starter_library()[0] == v2
    # the selectors agree
    latest = selectors.latest_published_versions(codes=CODES)
    assert {v.template.code: v.number for v in latest} == {
        "case-funds": 2,
        "informatisation": 1,
        "equipment": 1,
    }
    listed = {t.code: t for t in selectors.templates(search="指标")}
    assert (listed["case-funds"].latest_number, listed["case-funds"].published_number) == (2, 2)
    assert listed["case-funds"].draft_count == 0
    assert [i.code for i in selectors.version_with_indicators(v2.pk).indicators.all()] == [
        i.code for i in selectors.indicators_of(v1)
    ]
    assert v2.indicators.get(code="cf-training").target_value == Decimal("120")


def test_the_starter_templates_survive_a_sheet_round_trip() -> None:
    for version in load_starter_library():
        authoring.retire_version(version, user=None)
        copy = xlsx.import_version(
            version.template, xlsx.export_version(version), user=None, changelog="往返"
        )
        fields = ("code", *TemplateIndicator.CONTENT_FIELDS)
        assert [[getattr(i, f) for f in fields] for i in selectors.indicators_of(copy)] == [
            [getattr(i, f) for f in fields] for i in selectors.indicators_of(version)
        ]
        assert authoring.publish_version(copy, user=None).status == VersionStatus.PUBLISHED


def test_codes_are_stable() -> None:
    assert [spec.code for spec in STARTER_TEMPLATES] == CODES
    codes = [data["code"] for spec in STARTER_TEMPLATES for data in spec.indicators]
    assert len(codes) == len(set(codes))
