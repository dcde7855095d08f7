"""Error codes — Accounts: users, log-in, roles and memberships.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class AccountErrorCode(BaseErrorCode):
    ANONYMISED = "ANONYMISED", "已匿名化的用户不能重新启用。"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS", "用户名或密码错误。"
    INVALID_EMAIL = "INVALID_EMAIL", "电子邮箱格式不正确。"
    INVALID_PASSWORD = "INVALID_PASSWORD", "密码无效。"
    INVALID_ROLE = "INVALID_ROLE", "角色无效。"
    INVALID_USERNAME = "INVALID_USERNAME", "用户名只能包含字母、数字和 @ . + - _ 字符。"
    ROLE_LEVEL = "ROLE_LEVEL", "该角色不能授予此层级单位的人员。"
    TOO_MANY_ATTEMPTS = "TOO_MANY_ATTEMPTS", "登录失败次数过多，请稍后再试。"
    USERNAME_TAKEN = "USERNAME_TAKEN", "用户名已被使用。"
    USER_INACTIVE = "USER_INACTIVE", "该用户已停用，请先启用后再授予角色。"
    WEAK_PASSWORD = "WEAK_PASSWORD", "密码强度不足。"
