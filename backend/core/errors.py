"""Domain errors. Services raise them; the GraphQL layer maps them to typed payload errors
(``errors { field code message }``) and management commands print them.

Every code is a member of one registry: an enum per domain (``backend/<app>/errors.py``,
``tenants/errors.py``, the API's own in ``graphql_schema/core/errors.py``), the codes several
domains share here in ``CoreErrorCode``. A member's value is its name — the string clients
receive — and it carries the default Chinese message; a call site may still pass a more specific
one. ``graphql_schema/core/error_codes.py`` gathers them into the GraphQL enum ``ErrorCode`` and
the list in docs/api.md."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Self


class BaseErrorCode(StrEnum):
    """Base of every domain's error codes. A member is declared ``NAME = "NAME", "默认提示。"``:
    its value is its name and ``message`` its default Chinese text."""

    message: str

    def __new__(cls, value: str, message: str) -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.message = message
        return member


class CoreErrorCode(BaseErrorCode):
    """The codes shared by several domains: input cleaning, files, pages, permissions, state."""

    ALREADY_SUBMITTED = "ALREADY_SUBMITTED", "已提交，不能再修改。"
    CODE_TAKEN = "CODE_TAKEN", "编码已被使用。"
    COMMENT_REQUIRED = "COMMENT_REQUIRED", "退回须填写意见。"
    DUPLICATE = "DUPLICATE", "重复填写。"
    DUPLICATE_CODE = "DUPLICATE_CODE", "指标编码重复。"
    FILE_TOO_LARGE = "FILE_TOO_LARGE", "文件解压后超过上限，不是正常的 Excel 表格。"
    FORMULA_ERROR = (
        "FORMULA_ERROR",
        "单元格为公式错误：以“=”开头的文字请设为文本格式或在前面加英文单引号（'）后重新填写。",
    )
    INCOMPATIBLE_UNIT = "INCOMPATIBLE_UNIT", "填写的单位与指标的计量单位不一致。"
    INVALID = "INVALID", "格式不正确。"
    INVALID_CHOICE = "INVALID_CHOICE", "选项无效。"
    INVALID_CODE = "INVALID_CODE", "编码无效：只能使用字母、数字、连字符和下划线。"
    INVALID_CURSOR = "INVALID_CURSOR", "分页游标无效。"
    INVALID_DATE = "INVALID_DATE", "日期无效，应为 YYYY-MM-DD。"
    INVALID_FILE = "INVALID_FILE", "无法读取文件：请上传 Excel（.xlsx）格式的文件。"
    INVALID_HEADER = "INVALID_HEADER", "表头与模板不一致。"
    INVALID_KIND = "INVALID_KIND", "类型无效。"
    INVALID_LEVEL = "INVALID_LEVEL", "层级无效。"
    INVALID_MONTH = "INVALID_MONTH", "月份无效，应为 1–12。"
    INVALID_NUMBER = "INVALID_NUMBER", "不是有效的数字，或超出允许范围。"
    INVALID_PAGINATION = "INVALID_PAGINATION", "分页参数无效。"
    INVALID_TARGETS = "INVALID_TARGETS", "推送范围无效。"
    INVALID_TEXT = "INVALID_TEXT", "包含不可见的控制字符（如空字符），请删除后重试。"
    INVALID_TRANSITION = "INVALID_TRANSITION", "当前状态下不能执行此操作。"
    INVALID_YEAR = "INVALID_YEAR", "年度无效。"
    LOCKED = "LOCKED", "该项已被省院锁定，不能修改。"
    NEGATIVE_AMOUNT = "NEGATIVE_AMOUNT", "金额不能为负数。"
    NEGATIVE_NUMBER = "NEGATIVE_NUMBER", "不能为负数。"
    NOT_ADJUSTABLE = "NOT_ADJUSTABLE", "该项不能调整。"
    NOT_A_PROVINCE = "NOT_A_PROVINCE", "只有省级院可以进行此项设置。"
    NOT_EDITABLE = "NOT_EDITABLE", "不能修改。"
    NOT_FOUND = "NOT_FOUND", "不存在或已被删除。"
    NOT_QUALITATIVE = "NOT_QUALITATIVE", "定量指标请填写实际完成值，不评定档次。"
    NOT_QUANTITATIVE = "NOT_QUANTITATIVE", "定性指标请评定档次，不填实际值。"
    NO_INDICATORS = "NO_INDICATORS", "至少需要一个三级指标。"
    OUT_OF_RANGE = "OUT_OF_RANGE", "超出允许范围。"
    OUT_OF_REACH = "OUT_OF_REACH", "所选单位不在您的管辖范围内。"
    PERMISSION_DENIED = "PERMISSION_DENIED", "您无权执行此操作。"
    READ_AS = "READ_AS", "按表中写法换算读取。"
    REASON_REQUIRED = "REASON_REQUIRED", "请填写理由。"
    REQUIRED = "REQUIRED", "必填。"
    RETIRED = "RETIRED", "指标已停用。"
    STALE = "STALE", "已被他人修改，请查看最新内容后再提交。"
    TOO_LARGE = "TOO_LARGE", "文件或请求超过大小上限。"
    TOO_LONG = "TOO_LONG", "内容过长。"
    TOO_MANY_PROBLEMS = (
        "TOO_MANY_PROBLEMS",
        "错误过多，只列出前若干处：请先修正以上错误后重新导入。",
    )
    TOO_MANY_ROWS = "TOO_MANY_ROWS", "行数超过上限，请删除多余的行或分批导入。"
    UNKNOWN_FIELD = "UNKNOWN_FIELD", "未知字段。"
    UNKNOWN_INDICATOR = "UNKNOWN_INDICATOR", "指标不存在。"
    UNKNOWN_PEER_GROUP = "UNKNOWN_PEER_GROUP", "对标组不存在。"
    UNKNOWN_UNITS = "UNKNOWN_UNITS", "部分单位不存在。"
    VERSION_NOT_PUBLISHED = "VERSION_NOT_PUBLISHED", "该版本尚未发布。"
    ZERO_AMOUNT = "ZERO_AMOUNT", "不能为零。"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input: which field, a stable machine code, a human message
    (the code's default message when none is given)."""

    code: BaseErrorCode
    message: str = ""
    field: str | None = None

    def __post_init__(self) -> None:
        if not self.message:
            object.__setattr__(self, "message", self.code.message)


class DomainError(Exception):
    """An expected failure of a business action. Carries every problem found, not just the
    first, so a user can fix them all at once."""

    def __init__(self, *problems: Problem) -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def single(
        cls, code: BaseErrorCode, message: str = "", field: str | None = None
    ) -> DomainError:
        return cls(Problem(code=code, message=message, field=field))

    def __str__(self) -> str:
        return "; ".join(f"{p.field}: {p.message}" if p.field else p.message for p in self.problems)


class PermissionDenied(DomainError):
    """The caller may not do this (or may not see that it exists)."""

    def __init__(self, message: str = CoreErrorCode.PERMISSION_DENIED.message) -> None:
        super().__init__(Problem(code=CoreErrorCode.PERMISSION_DENIED, message=message))
