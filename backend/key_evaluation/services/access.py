"""Who may organise key evaluations: the issuer's managers (``Op.KEY_EVALUATION_MANAGE``)."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.models import AnonymousUser

from backend.accounts import policy as role_table
from backend.accounts.models import User
from backend.accounts.policy import Op
from backend.core.errors import DomainError, PermissionDenied
from backend.key_evaluation.errors import KeyEvaluationErrorCode
from tenants.models import Procuratorate, UnitLevel

ISSUER_LEVELS = (UnitLevel.PROVINCE, UnitLevel.CITY)
DEFAULT_SHARE = Decimal(15)

Actor = User | AnonymousUser | None


def is_manager(actor: Actor, issuer: Procuratorate) -> bool:
    """Whether ``actor`` may act for ``issuer``: platform staff, or ``Op.KEY_EVALUATION_MANAGE``
    granted at the issuer or at a unit above it (a province_admin at the province, a
    city_reviewer at a city)."""
    if actor is None or not actor.is_authenticated:
        return False
    return bool(
        actor.is_staff or role_table.console_access(actor).covers(Op.KEY_EVALUATION_MANAGE, issuer)
    )


def require_manager(actor: Actor, issuer: Procuratorate) -> None:
    if not is_manager(actor, issuer):
        raise PermissionDenied("只有本院（或上级院）的管理员、审核人可以组织重点评价。")


def require_issuer(issuer: Procuratorate) -> None:
    if issuer.level not in ISSUER_LEVELS:
        raise DomainError.single(
            KeyEvaluationErrorCode.INVALID_ISSUER, "只有省级院或市级院可以组织重点评价。", "issuer"
        )


def is_under(unit: Procuratorate, issuer: Procuratorate) -> bool:
    """``unit`` lies strictly below ``issuer``."""
    return unit.pk != issuer.pk and unit.path.startswith(issuer.path)
