"""Error codes — Performance goals: drafting, review, adjustment, the declaration XLSX.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class GoalErrorCode(BaseErrorCode):
    ADJUSTMENT_OPEN = "ADJUSTMENT_OPEN", "该目标已有调整申请正在审核，请待其办结后再申请。"
    APPROVAL_HANDED = "APPROVAL_HANDED", "该目标的审核已移交给其他负责人。"
    BUDGET_DIFFERS = "BUDGET_DIFFERS", "申报表中的预算数与项目登记的预算数不一致。"
    BUDGET_UNREADABLE = "BUDGET_UNREADABLE", "无法读取申报表中的预算数。"
    GOAL_EXISTS = "GOAL_EXISTS", "该项目在该年度已有绩效目标。"
    GRADE_MISMATCH = "GRADE_MISMATCH", "等级与审核结论不一致。"
    GRADE_REQUIRED = "GRADE_REQUIRED", "须评定等级。"
    MANDATORY = "MANDATORY", "省院模板必选指标不能删除。"
    MISMATCH = "MISMATCH", "申报表中的项目编码或预算年度与项目不一致。"
    MISSING_FIELD = "MISSING_FIELD", "申报表缺少栏目。"
    NOT_A_LEADER = "NOT_A_LEADER", "不是本院负责人，不能审核目标。"
    SELF_APPROVAL = "SELF_APPROVAL", "不能审核本人编制的目标：请移交本院其他负责人审核。"
    TARGET_REQUIRED = "TARGET_REQUIRED", "定量指标须填写指标值。"
    TARGET_BELOW_LAST_YEAR = "TARGET_BELOW_LAST_YEAR", "目标值低于上年实际完成值。"
    TEMPLATE_NOT_ADOPTED = "TEMPLATE_NOT_ADOPTED", "本院未采用该模板，请先采用后再使用。"
    UNCHANGED = "UNCHANGED", "调整后的值与原值相同。"
