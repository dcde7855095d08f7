"""What every part of results application shares: money to the cent, the unit's province and
its policy, and who may act (the issuer's managers, the unit's people, the reviewer above)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import PermissionDenied
from backend.evaluation.scoring import GRADE_EXCELLENT, GRADE_FAIR, GRADE_GOOD, GRADE_POOR
from backend.feedback.models import (
    RectificationOrigin,
    RectificationRequest,
)
from backend.oversight.models import ProvincePolicy
from backend.oversight.selectors import policy_for, province_code
from tenants.models import Procuratorate, UnitLevel

CENT = Decimal("0.01")
HUNDRED = Decimal(100)

GRADES = (GRADE_EXCELLENT, GRADE_GOOD, GRADE_FAIR, GRADE_POOR)


def money(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ================================================================================================
# Who may act
# ================================================================================================


def province_of(unit: Procuratorate) -> Procuratorate:
    if unit.level == UnitLevel.PROVINCE:
        return unit
    province = Procuratorate.objects.filter(
        code=province_code(unit), level=UnitLevel.PROVINCE
    ).first()
    return province or unit


def policy_or_default(unit: Procuratorate) -> ProvincePolicy:
    """The unit's province settings, or an unsaved instance holding the defaults."""
    return policy_for(unit) or ProvincePolicy()


def in_subtree(unit: Procuratorate, root: Procuratorate) -> bool:
    return unit.path.startswith(root.path)


def require_issuer(actor: User | None, issuer: Procuratorate) -> None:
    """``Op.FEEDBACK_SEND`` granted by a membership at the issuing unit itself: a province_admin
    at the province, a city_reviewer at a city (for its own counties)."""
    if actor is None or not role_table.console_access(actor).at(Op.FEEDBACK_SEND, issuer):
        raise PermissionDenied("只有省院管理员或市院审核人可以下达整改或反馈。")


def require_unit_person(actor: User | None, unit: Procuratorate) -> None:
    """The unit's own finance or leader (``Op.RESULTS_RESPOND``: a role held at the unit)."""
    if actor is None:
        raise PermissionDenied()
    role_table.require(actor, Op.RESULTS_RESPOND, unit)


def can_review_rectification(actor: User | None, request: RectificationRequest) -> bool:
    """``Op.REVIEW`` granted at the issuing unit or above it; for a rectification the system
    raised on its own (a 差 grade, issued in the province's name) also at any unit strictly
    above the rectified one, so the city reviews its counties'. Never the unit's own people."""
    if actor is None or not actor.is_authenticated:
        return False
    access = role_table.console_access(actor)
    if access.covers(Op.REVIEW, request.issuer):
        return True
    if request.origin != RectificationOrigin.GRADE:
        return False
    unit = request.unit
    return any(
        unit.path.startswith(granting.path) and granting.pk != unit.pk
        for granting in access.units_for(Op.REVIEW)
    )


def require_reviewer_of(actor: User | None, request: RectificationRequest) -> None:
    """Accept/reject: see ``can_review_rectification``."""
    if not can_review_rectification(actor, request):
        raise PermissionDenied("只有下达整改的上级院（系统自动下达的，本院的上级院）可以验收。")


def can_decide_linkage(actor: User | None, unit: Procuratorate) -> bool:
    """``Op.LINKAGE_DECIDE`` granted at the unit's province, or at the city above the unit
    (never at the unit itself unless it is the province: a city does not decide its own
    budget)."""
    if actor is None or not actor.is_authenticated:
        return False
    return any(
        unit.path.startswith(granting.path)
        and (granting.pk != unit.pk or granting.level == UnitLevel.PROVINCE)
        for granting in role_table.console_access(actor).units_for(Op.LINKAGE_DECIDE)
    )
