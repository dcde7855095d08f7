"""Fixtures of the 单位与用户 page tests."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from backend.accounts.models import Membership, User
from tenants.models import Procuratorate
from tests.factories import UserFactory


@pytest.fixture
def queue() -> Iterator[Any]:
    """The real broker, emptied before and after the test: a provisioning a page queued while
    no worker runs must not be picked up later by another test's worker (its rows were rolled
    back with the test). Yields the Celery app with eager results stored, so that a test can
    run a queued task in place and have the page read its result."""
    from backend.celery import app
    from tenants.tasks import import_units_task

    app.control.purge()
    # Bound from ``task_store_eager_result`` when the app was set up: set on the task itself.
    stored = import_units_task.store_eager_result
    import_units_task.store_eager_result = True
    try:
        yield app
    finally:
        import_units_task.store_eager_result = stored
        app.control.purge()


def other_province_user() -> User:
    """A unit finance officer of 湖北 (a province of its own): out of 湖南's reach."""
    province = Procuratorate.objects.create(
        schema_name="t_hubei", code="t-hubei", name="湖北省人民检察院", level="province",
        path="/t-hubei/", depth=0,
    )  # fmt: skip
    user = UserFactory(username="t-hubei-finance")
    Membership.objects.create(user=user, unit=province, role="unit_finance")
    return user
