"""Error codes — Results application: rectifications, feedback, budget linkage.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class FeedbackErrorCode(BaseErrorCode):
    DUE_IN_PAST = "DUE_IN_PAST", "整改期限不能早于今天。"
    EVIDENCE_NOT_FOUND = "EVIDENCE_NOT_FOUND", "佐证材料不存在。"
    INVALID_ACTION = "INVALID_ACTION", "无效的处理方式。"
    INVALID_FILTER = "INVALID_FILTER", "筛选条件无效。"
    INVALID_GRADE = "INVALID_GRADE", "等级无效。"
    INVALID_PCT = "INVALID_PCT", "调整比例无效。"
    NO_SELECTION = "NO_SELECTION", "请选择单位或筛选条件。"
    NO_UNITS = "NO_UNITS", "没有符合条件的单位。"
    PCT_MISMATCH = "PCT_MISMATCH", "调整比例与处理方式不符。"
    PCT_RANGE = "PCT_RANGE", "调整比例过大。"
    UNKNOWN_PLACEHOLDER = "UNKNOWN_PLACEHOLDER", "未知的占位符。"
