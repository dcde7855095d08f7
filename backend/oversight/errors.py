"""Error codes — Oversight: the province's policies and monitoring rounds.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class OversightErrorCode(BaseErrorCode):
    DUPLICATE_MONTH = "DUPLICATE_MONTH", "月份重复设置。"
    INVALID_DATES = "INVALID_DATES", "截止日期不能早于开始日期。"
    INVALID_FLOORS = "INVALID_FLOORS", "各节点执行率下限须为“月份: 下限”。"
    INVALID_THRESHOLDS = "INVALID_THRESHOLDS", "预警阈值无效：红色预警应比黄色预警更严重。"
    UNKNOWN_SETTING = "UNKNOWN_SETTING", "没有该设置。"
    WEIGHTS_MISMATCH = "WEIGHTS_MISMATCH", "投入、过程、产出、效果分值合计应为 100。"
