"""Error codes — Year-end self-evaluation (project and department) and its XLSX import.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class EvaluationErrorCode(BaseErrorCode):
    ACTUAL_KEPT = "ACTUAL_KEPT", "实际完成值未填写：保留已记录的值。"
    ACTUAL_REQUIRED = "ACTUAL_REQUIRED", "未填写实际完成值。"
    BAND_FROM_SCORE = "BAND_FROM_SCORE", "定性指标未填写完成档次：已按得分确定档次。"
    BAND_REQUIRED = "BAND_REQUIRED", "未选择完成档次。"
    BAND_SCORE_OUT_OF_RANGE = "BAND_SCORE_OUT_OF_RANGE", "得分不在所选档次的分数范围内。"
    BAND_SCORE_REQUIRED = "BAND_SCORE_REQUIRED", "须在所选档次内打分。"
    DEVIATION_REASON_REQUIRED = "DEVIATION_REASON_REQUIRED", "未完成目标，须说明偏差原因。"
    DUPLICATE_FUNDING = "DUPLICATE_FUNDING", "资金来源重复填写。"
    DUPLICATE_INDICATOR = "DUPLICATE_INDICATOR", "指标重复填报。"
    EXECUTED_KEPT = "EXECUTED_KEPT", "全年执行数未填写或为 0：保留已记录的执行数。"
    EXECUTED_REQUIRED = "EXECUTED_REQUIRED", "请填写全年执行数。"
    EXECUTION_SCORE_MISMATCH = "EXECUTION_SCORE_MISMATCH", "预算执行率得分与执行率不符。"
    GOAL_NOT_APPROVED = "GOAL_NOT_APPROVED", "项目没有已批复的绩效目标，不能开展自评。"
    INVALID_FUNDING_NAME = "INVALID_FUNDING_NAME", "资金来源名称无效。"
    INVALID_INDICATOR = (
        "INVALID_INDICATOR",
        "指标的目标值或分值无效，无法计分：请先通过目标调整更正。",
    )
    LAYOUT = "LAYOUT", "表格不是标准的项目支出绩效自评表。"
    MANUAL_REASON_REQUIRED = "MANUAL_REASON_REQUIRED", "评价人打分须说明打分理由。"
    MANUAL_SCORE_OUT_OF_RANGE = "MANUAL_SCORE_OUT_OF_RANGE", "评价人打分超出分值范围。"
    MANUAL_SCORE_REQUIRED = "MANUAL_SCORE_REQUIRED", "须由评价人打分。"
    NOT_MANUAL = "NOT_MANUAL", "不是评价人打分指标，请填写实际完成值或完成档次。"
    NO_BUDGET = "NO_BUDGET", "项目全年预算数为零，不能开展自评。"
    NO_FINALISED_PROJECTS = (
        "NO_FINALISED_PROJECTS",
        "该年度尚无定稿的项目自评，不能提交部门整体自评。",
    )
    OVERRIDE_OUT_OF_RANGE = "OVERRIDE_OUT_OF_RANGE", "调整后得分超出分值范围。"
    OVERRIDE_REASON_REQUIRED = "OVERRIDE_REASON_REQUIRED", "人工调整得分须说明理由。"
    READ_AS_WANYUAN = "READ_AS_WANYUAN", "资金行按万元读取。"
    SCORE_WITHOUT_ACTUAL = (
        "SCORE_WITHOUT_ACTUAL",
        "未填写实际完成值：保留表中得分作为人工调整得分；提交前仍须填写实际完成值。",
    )
    SHEET_MISSING = "SHEET_MISSING", "文件中没有所需的工作表。"
    TOTAL_MISMATCH = "TOTAL_MISMATCH", "总分与各项得分之和不符。"
    UNKNOWN_DOCUMENT = "UNKNOWN_DOCUMENT", "引用的佐证材料不存在。"
