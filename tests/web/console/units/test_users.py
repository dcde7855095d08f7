"""用户 (the list): access, search, who is listed (users holding a role in scope and users
holding none; not those of another province), the query count at two sizes."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.accounts.models import Membership
from tenants.models import Procuratorate
from tests.factories import UserFactory
from tests.web.conftest import Browser, User

URL = "/console/units/users/"


@pytest.mark.parametrize(("name", "status"), [("province_admin", 200), ("city_reviewer", 403)])
def test_access(
    name: str, status: int, persona: Callable[[str], User], browse: Callable[..., Browser]
) -> None:
    assert browse(persona(name), None).get(URL).status_code == status


def test_search_and_status(persona: Callable[[str], User], browse: Callable[..., Browser]) -> None:
    persona("finance")
    UserFactory(username="t-idle", full_name="闲置", is_active=False)
    page = browse(persona("province_admin"), None)
    names = [u.username for u in page.get(URL + "?q=冷水江").context["page"]]
    assert names == ["web-finance"]
    names = [u.username for u in page.get(URL + "?status=inactive").context["page"]]
    assert names == ["t-idle"]


@pytest.mark.parametrize("count", [10, 200])
def test_query_count_does_not_grow_with_the_users(
    count: int,
    persona: Callable[[str], User],
    browse: Callable[..., Browser],
    count_queries: Callable[[Callable[[], object]], int],
) -> None:
    units = list(Procuratorate.objects.all())
    for i in range(count):
        user = UserFactory(username=f"t-user-{i:03}")
        Membership.objects.create(user=user, unit=units[i % len(units)], role="unit_finance")
    page = browse(persona("province_admin"), None)
    page.get(URL)
    assert count_queries(lambda: page.get(URL)) <= 12
    assert count_queries(lambda: page.get(URL + "?q=t-user&page=2")) <= 12
