"""Writes for identity: tokens, memberships."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from backend.accounts import throttle
from backend.accounts.models import ApiToken, Membership, Role, User
from backend.core.errors import DomainError, PermissionDenied
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
    Past the throttling limits the password is not checked: ``TOO_MANY_ATTEMPTS``."""
    user = authenticate(request, username=username, password=password)
    if user is None and throttle.is_locked_out(request):
        raise DomainError.single(
            throttle.TOO_MANY_ATTEMPTS,
            throttle.locked_message(request, {"username": username}),
            "password",
        )
    if user is None or not user.is_active:
        raise DomainError.single("INVALID_CREDENTIALS", "用户名或密码错误。", "password")
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
        raise DomainError.single("NOT_FOUND", "令牌不存在。", "id")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def revoke_current(user: User, secret: str) -> ApiToken:
    token = ApiToken.objects.filter(user=user, digest=digest(secret)).first()
    if token is None:
        raise DomainError.single("NOT_FOUND", "当前请求未使用令牌。", "id")
    return revoke_token(user, token.pk)


@transaction.atomic
def grant_membership(user: User, unit: Procuratorate, role: str) -> Membership:
    if role not in Role.values:
        raise DomainError.single("INVALID_ROLE", f"角色“{role}”无效。", "role")
    membership, _ = Membership.objects.get_or_create(user=user, unit=unit, role=role)
    return membership


# --- Leaving the platform: users are never deleted (unit schemas keep their ids) -------------

FORMER_USER_NAME = "原用户"


def _require_manager(by: User, user: User) -> None:
    """``by`` must hold unit management over every unit where ``user`` holds a role (a user
    with no membership left is the province admins' business)."""
    from backend.accounts.policy import Op, console_access

    access = console_access(by)
    if not access.allows(Op.UNIT_MANAGE):
        raise PermissionDenied()
    units = [m.unit for m in user.memberships.select_related("unit")]
    if not all(access.covers(Op.UNIT_MANAGE, unit) for unit in units):
        raise PermissionDenied()
    if user.pk == by.pk:
        raise DomainError.single("SELF_NOT_ALLOWED", "不能停用或匿名化自己的账号。", "user")


def _end_sessions(user: User) -> None:
    from django.contrib.sessions.models import Session

    key = str(user.pk)
    stale = [
        s.pk for s in Session.objects.iterator() if s.get_decoded().get("_auth_user_id") == key
    ]
    Session.objects.filter(pk__in=stale).delete()


@transaction.atomic
def deactivate_user(user: User, *, by: User) -> User:
    """Stop a user from signing in (tokens revoked, sessions ended); everything the user did
    stays theirs. ``activate_user`` undoes it."""
    _require_manager(by, user)
    user = User.objects.select_for_update().get(pk=user.pk)
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _end_sessions(user)
    return user


@transaction.atomic
def activate_user(user: User, *, by: User) -> User:
    _require_manager(by, user)
    if user.username.startswith("former-") and user.full_name == FORMER_USER_NAME:
        raise DomainError.single("ANONYMISED", "已匿名化的用户不能重新启用。", "user")
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.refresh_from_db()
    return user


@transaction.atomic
def anonymise_user(user: User, *, by: User) -> User:
    """A person who has left: name and contacts erased, roles removed, the row kept so the
    units' history still points at it and reads "原用户" (a former user). Irreversible."""
    _require_manager(by, user)
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
