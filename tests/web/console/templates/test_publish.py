"""console:template-publish."""

from __future__ import annotations

import pytest

from backend.indicators.models import VersionStatus
from backend.indicators.services import authoring
from tests.indicators.factories import quantity, valid_split
from tests.web.console.templates.conftest import draft_of, new_template

pytestmark = pytest.mark.django_db


def test_city_reviewer_is_refused(persona, browse) -> None:
    version = draft_of(new_template("web-p"))
    for data in valid_split():
        authoring.add_indicator(version, data)
    page = browse(persona("city_reviewer"), None)
    response = page.post(f"/console/templates/versions/{version.pk}/publish/", {"changelog": "x"})
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_publish(admin) -> None:
    version = draft_of(new_template("web-p"))
    for data in valid_split():
        authoring.add_indicator(version, data)
    response = admin.post(
        f"/console/templates/versions/{version.pk}/publish/", {"changelog": "首次发布"}
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert (version.status, version.changelog) == (VersionStatus.PUBLISHED, "首次发布")


def test_a_refusal_lists_every_problem_and_publishes_nothing(admin) -> None:
    version = draft_of(new_template("web-p"))
    authoring.add_indicator(version, quantity("only", 30))
    response = admin.post(f"/console/templates/versions/{version.pk}/publish/", {"changelog": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="publish-problems"' in page and "至少需要一个效益指标" in page
    assert 'data-field-error="changelog"' in page and "发布版本须填写变更说明" in page
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT
