"""Writes for identity: tokens, memberships, and the users the console manages."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts import policy, throttle
from backend.accounts.errors import AccountErrorCode
from backend.accounts.models import ApiToken, Membership, Role, User
from backend.core import cleaning
from backend.core.errors import CoreErrorCode, DomainError, PermissionDenied, Problem
from tenants.models import Procuratorate

TOKEN_PREFIX = "jx_"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once; only its digest is stored


def issue_token(user: User, *, name: str = "", ttl_days: int | None = None) -> IssuedToken:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    days = settings.JIXIAO_TOKEN_TTL_DAYS if ttl_days is None else ttl_days
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[:10],
        digest=digest(secret),
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )
    return IssuedToken(token=token, secret=secret)


def login(
    request: HttpRequest, username: str, password: str, *, token_name: str = "api"
) -> IssuedToken:
    """A new API token for the user whose password this is. Not one transaction on purpose:
    a failed attempt is recorded by the login throttling (``throttle.py``) and must stay
    recorded although the log-in fails; the token is written in a transaction of its own.
    Past the throttling limits the password is not checked: ``TOO_MANY_ATTEMPTS``. A user name
    longer than any user's can name nobody; it is refused before the throttling records it (its
    log table holds 255 characters)."""
    if len(username) > USERNAME_MAX:
        user = None
    else:
        user = authenticate(request, username=username, password=password)
    if user is None and throttle.is_locked_out(request):
        raise DomainError.single(
            throttle.TOO_MANY_ATTEMPTS,
            throttle.locked_message(request, {"username": username}),
            "password",
        )
    if user is None or not user.is_active:
        raise DomainError.single(
            AccountErrorCode.INVALID_CREDENTIALS, "用户名或密码错误。", "password"
        )
    with transaction.atomic():
        return issue_token(user, name=token_name)


def user_for_token(secret: str) -> User | None:
    """The active user a bearer secret belongs to, or None (unknown, revoked or expired)."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=digest(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None or not token.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


def revoke_token(user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(pk=token_id, user=user).first()
    if token is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "令牌不存在。", "id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def revoke_current(user: User, secret: str) -> ApiToken:
    token = ApiToken.objects.filter(user=user, digest=digest(secret)).first()
    if token is None:
        raise DomainError.single(CoreErrorCode.NOT_FOUND, "当前请求未使用令牌。", "id")
    return revoke_token(user, token.pk)


@transaction.atomic
def grant_membership(user: User, unit: Procuratorate, role: str) -> Membership:
    if role not in Role.values:
        raise DomainError.single(AccountErrorCode.INVALID_ROLE, f"角色“{role}”无效。", "role")
    membership, _ = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return membership


# ================================================================================================
# Users and memberships managed from the console (单位与用户, ``Op.UNIT_MANAGE``): the acting
# user ``by`` must hold the operation over the unit concerned (a province admin: every unit of
# its province). Users are deactivated, never deleted (docs/architecture.md, "Decisions").
# ================================================================================================

# Where a role counts: a console role only at the level the role table grants it at
# (``policy.ROLE_TABLE``); unit roles and the evaluator anywhere.
ROLE_LEVELS: dict[str, frozenset[str] | None] = {
    Role.PROVINCE_ADMIN: frozenset({"province"}),
    Role.CITY_REVIEWER: frozenset({"city"}),
    Role.UNIT_FINANCE: None,
    Role.UNIT_LEADER: None,
    Role.EVALUATOR: None,
}
USERNAME_MAX = 150
FULL_NAME_MAX = 100


def _manager_covers(by: User, unit: Procuratorate) -> bool:

    return policy.console_access(by).covers(policy.Op.UNIT_MANAGE, unit)


def _require_manager(by: User, unit: Procuratorate | None = None) -> None:

    access = policy.console_access(by)
    allowed = (
        access.covers(policy.Op.UNIT_MANAGE, unit)
        if unit is not None
        else access.allows(policy.Op.UNIT_MANAGE)
    )
    if not allowed:
        raise PermissionDenied(policy.DENIED_MESSAGES[policy.Op.UNIT_MANAGE])


def _require_user_in_reach(by: User, user: User) -> None:
    """Every unit where ``user`` holds a role must lie in ``by``'s reach: a province admin does
    not reset the password of, or deactivate, someone who also works in another province."""

    _require_manager(by)
    for membership in user.memberships.select_related("unit"):
        if not _manager_covers(by, membership.unit):
            raise PermissionDenied("该用户在您管辖范围以外的单位也有角色，请联系其所在省院处理。")


def _password_problems(password: str, user: User | None) -> list[Problem]:

    if not password:
        return [Problem(CoreErrorCode.REQUIRED, "请输入密码。", "password")]
    if "\x00" in password:
        return [
            Problem(AccountErrorCode.INVALID_PASSWORD, "密码不能包含空字符（NUL）。", "password")
        ]
    try:
        validate_password(password, user)
    except ValidationError as error:
        return [
            Problem(AccountErrorCode.WEAK_PASSWORD, str(message), "password")
            for message in error.messages
        ]
    return []


def create_user(
    *, username: str, full_name: str = "", password: str, email: str = "", by: User
) -> User:
    """A new, active user with a usable password and no role yet (grant one with
    ``grant_role``). Every problem is reported together."""

    _require_manager(by)
    problems: list[Problem] = []
    username = (username or "").strip()
    if not username:
        problems.append(Problem(CoreErrorCode.REQUIRED, "请输入用户名。", "username"))
    elif len(username) > USERNAME_MAX:
        problems.append(
            Problem(CoreErrorCode.TOO_LONG, f"用户名不能超过 {USERNAME_MAX} 个字符。", "username")
        )
    else:
        try:
            User.username_validator(username)
        except ValidationError:
            problems.append(
                Problem(
                    AccountErrorCode.INVALID_USERNAME,
                    "用户名只能包含字母、数字和 @ . + - _ 字符。",
                    "username",
                )
            )
        else:
            if User.objects.filter(username__iexact=username).exists():
                problems.append(
                    Problem(
                        AccountErrorCode.USERNAME_TAKEN, f"用户名“{username}”已被使用。", "username"
                    )
                )
    name, problem = cleaning.text(full_name, "full_name", "姓名", max_length=FULL_NAME_MAX)
    if problem:
        problems.append(problem)
    email = (email or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(
                Problem(AccountErrorCode.INVALID_EMAIL, "电子邮箱格式不正确。", "email")
            )
    problems += _password_problems(password, User(username=username, full_name=name or ""))
    if problems:
        raise DomainError(*problems)
    user = User(username=username, full_name=name or "", email=email)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def grant_role(user: User, unit: Procuratorate, role: str, *, by: User) -> Membership:
    """Give ``user`` the role ``role`` at ``unit`` (idempotent). A console role only where it
    counts: 省院管理员 at a 省级院, 市院审核人 at a 市级院."""

    _require_manager(by, unit)
    problems: list[Problem] = []
    if role not in Role.values:
        problems.append(Problem(AccountErrorCode.INVALID_ROLE, "请选择有效的角色。", "role"))
    else:
        levels = ROLE_LEVELS.get(role)
        if levels is not None and unit.level not in levels:
            where = "、".join(
                {"province": "省级院", "city": "市级院"}.get(level, level)
                for level in sorted(levels)
            )
            problems.append(
                Problem(
                    AccountErrorCode.ROLE_LEVEL,
                    f"“{Role(role).label}”只能授予{where}的人员。",
                    "role",
                )
            )
    if not user.is_active:
        problems.append(
            Problem(AccountErrorCode.USER_INACTIVE, "该用户已停用，请先启用后再授予角色。", "user")
        )
    if problems:
        raise DomainError(*problems)
    return grant_membership(user, unit, role)


@transaction.atomic
def revoke_role(membership: Membership, *, by: User) -> None:
    """Take a role away. Nobody takes away their own right to manage units (they would lock
    themselves out; another administrator does it)."""

    _require_manager(by, membership.unit)
    if membership.user_id == by.pk and policy.ConsoleAccess(
        ((membership.role, membership.unit),)
    ).allows(policy.Op.UNIT_MANAGE):
        raise PermissionDenied("不能撤销您本人的管理员角色，请由其他管理员操作。")
    Membership.objects.filter(pk=membership.pk).delete()


@transaction.atomic
def reset_password(user: User, password: str, *, by: User) -> User:
    """Set a new password (the user changes it at the next log-in, by their own choice)."""
    _require_user_in_reach(by, user)
    problems = _password_problems(password, user)
    if problems:
        raise DomainError(*problems)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


@transaction.atomic
def set_active(user: User, active: bool, *, by: User) -> User:
    """Deactivate (no log-in, no token, no session) or reactivate a user. Nobody deactivates
    themselves."""

    _require_user_in_reach(by, user)
    if not active and user.pk == by.pk:
        raise PermissionDenied("不能停用您本人的账号。")
    if active and is_anonymised(user):
        raise DomainError.single(
            AccountErrorCode.ANONYMISED, "已匿名化的用户不能重新启用。", "user"
        )
    if user.is_active != active:
        user.is_active = active
        user.save(update_fields=["is_active"])
    if not active:
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        _end_sessions(user)
    return user


# Unit schemas keep users' ids without a database constraint (tenants/references.py): a user is
# never deleted. A person who leaves is anonymised; the row stays, so every unit's history still
# points at it and reads "原用户" (a former user).
FORMER_USER_NAME = "原用户"


def is_anonymised(user: User) -> bool:
    return user.username == f"former-{user.pk}" and user.full_name == FORMER_USER_NAME


def _end_sessions(user: User) -> None:
    from django.contrib.sessions.models import Session

    key = str(user.pk)
    sessions = Session.objects.filter(expire_date__gt=timezone.now()).iterator()
    stale = [s.pk for s in sessions if s.get_decoded().get("_auth_user_id") == key]
    Session.objects.filter(pk__in=stale).delete()


@transaction.atomic
def anonymise_user(user: User, *, by: User) -> User:
    """Name and contacts erased, roles and tokens removed, no usable password; irreversible."""
    _require_user_in_reach(by, user)
    if user.pk == by.pk:
        raise PermissionDenied("不能匿名化您本人的账号。")
    user = User.objects.select_for_update().get(pk=user.pk)
    user.username = f"former-{user.pk}"
    user.full_name = FORMER_USER_NAME
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.save()
    ApiToken.objects.filter(user=user).delete()
    Membership.objects.filter(user=user).delete()
    _end_sessions(user)
    return user
