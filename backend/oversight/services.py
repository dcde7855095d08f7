"""Writes of the public oversight tables.

- ``set_policy``: a province's settings for the units under it;
- ``sync_submission``: the public view of one unit's goal, upserted by the goal workflow in the
  same transaction as each transition (the connection is on the unit's schema, with ``public``
  behind it on the search path).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from backend.accounts import selectors as access
from backend.accounts.models import Role, User
from backend.core.errors import DomainError, PermissionDenied
from backend.oversight.models import GoalSubmission, ProvincePolicy
from tenants.models import Procuratorate, UnitLevel

if TYPE_CHECKING:
    from backend.goals.models import PerformanceGoal


@transaction.atomic
def set_policy(
    province: Procuratorate, *, require_city_review: bool, user: User | AnonymousUser | None
) -> ProvincePolicy:
    """Create or change the province's settings. Allowed to a ``province_admin`` of that
    province and to platform staff (the admin)."""
    if province.level != UnitLevel.PROVINCE:
        raise DomainError.single("NOT_A_PROVINCE", "只有省级院可以设置审核规则。", field="province")
    if not (
        user is not None
        and user.is_authenticated
        and (user.is_staff or Role.PROVINCE_ADMIN in access.roles_here(user, province))
    ):
        raise PermissionDenied("只有本省的省院管理员可以修改审核规则。")
    policy, _ = ProvincePolicy.objects.update_or_create(
        province=province,
        defaults={"require_city_review": require_city_review, "updated_by": user},
    )
    return policy


@transaction.atomic
def sync_submission(unit: Procuratorate, goal: PerformanceGoal) -> GoalSubmission:
    """Upsert the (unit, goal) row from the goal, its project and its latest adjustment
    request (two reads, one upsert)."""
    project = goal.project
    latest = goal.adjustments.order_by("-created_at", "-id").values_list("status", flat=True)
    adjustment_status = latest.first() or ""
    row, _ = GoalSubmission.objects.update_or_create(
        unit=unit,
        goal_id=goal.pk,
        defaults={
            "project_code": project.code,
            "project_name": project.name,
            "fiscal_year": goal.fiscal_year,
            "full_budget": project.full_budget,
            "status": goal.status,
            "adjustment_status": adjustment_status,
            "grade": goal.grade,
            "warnings": len(goal.warnings or []),
            "submitted_at": goal.submitted_at,
        },
    )
    return row
