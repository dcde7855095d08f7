"""Error codes — Key evaluation (重点评价) and sampling.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class KeyEvaluationErrorCode(BaseErrorCode):
    ALREADY_FINALISED = "ALREADY_FINALISED", "已定稿，不能再修改。"
    ALREADY_SELECTED = "ALREADY_SELECTED", "该项目已被选为重点评价或抽查复核。"
    CONFLICT_OF_INTEREST = "CONFLICT_OF_INTEREST", "评价人员不能评价本人所在单位的项目。"
    EVALUATOR_SUBMITTED = "EVALUATOR_SUBMITTED", "已提交评分的评价人员不能移除。"
    INVALID_ISSUER = "INVALID_ISSUER", "只有省级院或市级院可以组织重点评价。"
    MISSING_ACTUAL = "MISSING_ACTUAL", "指标尚未评分。"
    NEGATIVE = "NEGATIVE", "不能为负数。"
    NOT_AN_EVALUATOR = "NOT_AN_EVALUATOR", "该用户不是本院（或上级院）的评价人员。"
    NOT_FINALISED = "NOT_FINALISED", "项目的自评尚未定稿。"
    NOT_IN_SUBTREE = "NOT_IN_SUBTREE", "只能选择本院下级单位的项目。"
    NO_EVALUATORS = "NO_EVALUATORS", "尚未指定评价人员。"
    OUT_OF_BAND = "OUT_OF_BAND", "得分不在该档的分数范围内。"
    PENDING_EVALUATORS = "PENDING_EVALUATORS", "尚有评价人员未提交评分。"
