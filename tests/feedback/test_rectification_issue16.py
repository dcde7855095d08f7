"""Issue 16: a rectification the system raised on its own (a 差 grade, issued in the
province's name) is reviewed by the city above the unit too; one a person issued stays with
its issuer; the unit's own people never accept their own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import Role, User
from backend.core.errors import PermissionDenied
from backend.feedback import services
from backend.feedback.models import RectificationOrigin, RectificationStatus
from tests.feedback.factories import RectificationFactory

pytestmark = pytest.mark.django_db


def test_the_city_accepts_the_automatic_rectifications_of_its_counties(
    unit: Callable[[str], object], member: Callable[..., User]
) -> None:
    lsj, hunan = unit("lengshuijiang"), unit("hunan")
    loudi = member("loudi", Role.CITY_REVIEWER)
    changsha = member("changsha", Role.CITY_REVIEWER)
    leader = member("lengshuijiang", Role.UNIT_LEADER)

    def raised(origin: str):
        return RectificationFactory(
            unit=lsj, issuer=hunan, origin=origin, status=RectificationStatus.RESPONDED
        )

    automatic = raised(RectificationOrigin.GRADE)
    for outsider in (changsha, leader):
        with pytest.raises(PermissionDenied):
            services.accept_rectification(automatic, outsider)
    assert services.can_review_rectification(loudi, automatic)
    done = services.accept_rectification(automatic, loudi, "整改到位")
    assert done.status == RectificationStatus.ACCEPTED
    # one the province issued itself (a feedback batch's) stays with the province
    issued = raised(RectificationOrigin.FEEDBACK)
    assert not services.can_review_rectification(loudi, issued)
    with pytest.raises(PermissionDenied):
        services.reject_rectification(issued, loudi, "不行")
    assert services.can_review_rectification(member("hunan", Role.PROVINCE_ADMIN), issued)
