"""Error codes — Templates and indicators: authoring, validation, XLSX, pushes.

Each member is the code clients receive and carries its default Chinese message
(``BaseErrorCode``); ``manage.py export_graphql_schema`` lists every code in docs/api.md."""

from backend.core.errors import BaseErrorCode


class IndicatorErrorCode(BaseErrorCode):
    CHANGELOG_REQUIRED = "CHANGELOG_REQUIRED", "发布版本须填写变更说明。"
    CONFLICT = "CONFLICT", "指标值中的比较符与运算符列不一致。"
    DIRECTION_NOT_ALLOWED = "DIRECTION_NOT_ALLOWED", "定性指标不应设置运算符。"
    DIRECTION_REQUIRED = "DIRECTION_REQUIRED", "定量指标须设置运算符（≥、≤ 或 =）。"
    DRAFT_EXISTS = "DRAFT_EXISTS", "该模板已有草稿版本，请先发布或删除该草稿。"
    GROUP_WEIGHT_MISMATCH = "GROUP_WEIGHT_MISMATCH", "分组分值合计与规定不符。"
    INVALID_BOOLEAN = "INVALID_BOOLEAN", "应为是或否。"
    INVALID_SCORING_METHOD = "INVALID_SCORING_METHOD", "计分方法与指标类型不符。"
    INVALID_WEIGHT = "INVALID_WEIGHT", "分值无效。"
    INVALID_WEIGHTS = "INVALID_WEIGHTS", "分值设置无效。"
    MISSING_EFFECT_INDICATOR = "MISSING_EFFECT_INDICATOR", "至少需要一个效益指标。"
    MISSING_QUANTITY_INDICATOR = "MISSING_QUANTITY_INDICATOR", "至少需要一个产出指标下的数量指标。"
    NEGATIVE_TARGET = "NEGATIVE_TARGET", "指标值不能为负数。"
    NOT_FAILED = "NOT_FAILED", "只能重试失败的推送对象。"
    NO_TARGETS = "NO_TARGETS", "没有符合条件的单位。"
    TARGET_TEXT_REQUIRED = "TARGET_TEXT_REQUIRED", "定性指标须填写定性目标。"
    TOTAL_WEIGHT_MISMATCH = "TOTAL_WEIGHT_MISMATCH", "指标分值合计与总分不符。"
    UNIT_REQUIRED = "UNIT_REQUIRED", "定量指标须设置计量单位。"
    VERSION_NOT_DRAFT = "VERSION_NOT_DRAFT", "该版本不是草稿，不能修改；请先创建新的草稿版本。"
    WRONG_SCHEMA = "WRONG_SCHEMA", "推送任务运行的模式不正确。"
