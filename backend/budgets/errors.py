"""Error codes — Budgets: projects, adjustments and expenditures.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class BudgetErrorCode(BaseErrorCode):
    DATE_OUTSIDE_YEAR = "DATE_OUTSIDE_YEAR", "日期不在项目的预算年度内。"
    FROZEN = "FROZEN", "项目绩效目标已批复，年初预算数不能修改；请通过预算调整变更全年预算数。"
    MONTHLY_TOTAL_EXISTS = (
        "MONTHLY_TOTAL_EXISTS",
        "该月已按月度汇总数登记支出，不能再登记单笔支出。",
    )
    NEGATIVE_BUDGET = "NEGATIVE_BUDGET", "调整后全年预算数不能为负数。"
    PAYMENTS_EXIST = "PAYMENTS_EXIST", "该月已登记单笔支出，不能再设置月度汇总数。"
