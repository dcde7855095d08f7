"""Error codes — Benchmarking: metrics, peer groups, unit statistics.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class BenchmarkErrorCode(BaseErrorCode):
    BAD_BOUNDS = "BAD_BOUNDS", "上限须大于下限。"
    BOUNDS_REQUIRED = "BOUNDS_REQUIRED", "规模分组须至少指定一个界限。"
    CITY_REQUIRED = "CITY_REQUIRED", "按地区分组须指定本省的市院。"
    INDICATOR_REQUIRED = "INDICATOR_REQUIRED", "请指定指标编码。"
    INVALID_PERIOD = "INVALID_PERIOD", "周期无效：应为按月（month）或按年（year）。"
    INVALID_YEARS = "INVALID_YEARS", "年数无效。"
    KEPT = "KEPT", "未填写或填写为 0：保留已记录的值。"
    NEGATIVE_BOUND = "NEGATIVE_BOUND", "下限不能为负数。"
    NOT_MONTHLY = "NOT_MONTHLY", "该指标没有月度数据。"
    NOT_PROVINCE_ADMIN = "NOT_PROVINCE_ADMIN", "您不是该省院的管理员。"
    PROCURATORS_ABOVE_STAFF = "PROCURATORS_ABOVE_STAFF", "员额检察官人数不能多于在编人数。"
    PROVINCE_REQUIRED = "PROVINCE_REQUIRED", "请指定省院。"
    UNITS_REQUIRED = "UNITS_REQUIRED", "指定名单须至少包含一个单位。"
    UNKNOWN_METRIC = "UNKNOWN_METRIC", "没有该对标指标。"
    UNKNOWN_UNIT = "UNKNOWN_UNIT", "没有该单位。"
