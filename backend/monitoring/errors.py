"""Error codes — Monitoring: monthly entries, rounds and alerts.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class MonitoringErrorCode(BaseErrorCode):
    CAUSE_REQUIRED = "CAUSE_REQUIRED", "预计不能确定完成，须选择偏差原因。"
    LIKELIHOOD_REQUIRED = "LIKELIHOOD_REQUIRED", "须填写年底能否完成。"
    MEASURE_REQUIRED = "MEASURE_REQUIRED", "预计不能确定完成，须填写纠偏措施。"
    NOTE_REQUIRED = "NOTE_REQUIRED", "反馈须填写说明。"
    ROUND_CLOSED = "ROUND_CLOSED", "本月监控已截止，逾期补报须填写逾期原因。"
    ROUND_NOT_OPEN = "ROUND_NOT_OPEN", "本月监控尚未开始填报。"
    SPENT_FROM_EXPENDITURES = (
        "SPENT_FROM_EXPENDITURES",
        "该项目已登记支出，累计支出按支出记录自动计算，不能手工填报。",
    )
    WRONG_ROUND = "WRONG_ROUND", "该监控轮次不属于本省。"
    WRONG_YEAR = "WRONG_YEAR", "不能填报其他年度的监控。"
