"""Data of the console's 审核 page tests: a county's goal approved by its leader for the city's
review (through the real workflow), and rectification answers waiting for acceptance."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest

from backend.accounts.models import User
from backend.feedback import services as feedback_services
from backend.feedback.models import RectificationRequest
from backend.goals.models import GoalStatus, PerformanceGoal
from tenants.models import Procuratorate
from tests.web.workspace.goals import builders


@pytest.fixture
def unit_approved(persona: Callable[[str], User]) -> Callable[..., PerformanceGoal]:
    """``unit_approved(name=…)``: a goal of 冷水江 waiting for 娄底's review."""
    builders.city_review_required()

    def make(name: str = "县院项目") -> PerformanceGoal:
        goal = builders.submit(builders.goal(project__name=name), persona("finance"))
        goal = builders.review(goal, persona("leader"), "good")
        assert goal.status == GoalStatus.UNIT_APPROVED
        return goal

    return make


@pytest.fixture
def responded(persona: Callable[[str], User]) -> Callable[..., RectificationRequest]:
    """``responded(unit="lengshuijiang", issuer="hunan", title=…)``: a rectification the unit
    answered, waiting for the issuer's acceptance."""

    def make(
        unit: str = "lengshuijiang", issuer: str = "hunan", title: str = "整改预算执行偏慢"
    ) -> RectificationRequest:
        issuer_unit = Procuratorate.objects.get(code=issuer)
        target = Procuratorate.objects.get(code=unit)
        issuer_user = persona("province_admin" if issuer == "hunan" else "city_reviewer")
        request = feedback_services.open_rectification(
            issuer_unit,
            target,
            issuer_user,
            fiscal_year=2026,
            title=title,
            requirement="按季度报送执行进度。",
            due_on=datetime.date.today() + datetime.timedelta(days=30),
        )
        answerer = User.objects.create(username=f"answer-{unit}-{request.pk}")
        from backend.accounts.models import Membership, Role

        Membership.objects.create(user=answerer, unit=target, role=Role.UNIT_FINANCE)
        return feedback_services.respond_rectification(request, answerer, "已建立季度通报制度。")

    return make
