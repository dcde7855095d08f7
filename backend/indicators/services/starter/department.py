"""部门整体支出绩效评价: the unit-level indicators of a procuratorate, scored with the pooled
layout: budget execution 10 + these 90 points. Kept apart from ``STARTER_TEMPLATES`` (those are
per project kind)."""

from __future__ import annotations

from backend.indicators.services.starter.builders import (
    ECONOMIC_COST,
    GTE,
    LTE,
    QUALITY,
    QUANTITY,
    SECTOR,
    SERVED,
    SOCIAL,
    StarterTemplate,
    qualitative,
    quantitative,
)
from backend.indicators.system import COST, EFFECT, OUTPUT, SATISFACTION

DEPARTMENT = StarterTemplate(
    code="department",
    name="检察院部门整体支出绩效评价指标",
    project_kind="",
    description="检察院部门整体支出绩效自评的单位层面指标（预算执行率 10 分 + 指标 90 分）。",
    indicators=(
        quantitative(
            "dp-budget-accuracy",
            OUTPUT,
            QUALITY,
            "预算编制准确率",
            GTE,
            "90",
            "%",
            "15",
            guidance="1 − |决算数 − 年初预算数| ÷ 年初预算数",
        ),
        quantitative(
            "dp-carryover",
            OUTPUT,
            QUALITY,
            "结转结余率",
            LTE,
            "10",
            "%",
            "10",
            reverse=True,
            guidance="年末结转结余资金 ÷ 全年预算数",
        ),
        quantitative("dp-procurement", OUTPUT, QUANTITY, "政府采购执行率", GTE, "95", "%", "10"),
        qualitative(
            "dp-assets",
            OUTPUT,
            QUALITY,
            "资产管理规范性",
            "资产管理制度健全，账实相符，处置规范",
            "10",
        ),
        quantitative(
            "dp-three-public",
            COST,
            ECONOMIC_COST,
            "“三公”经费控制率",
            LTE,
            "100",
            "%",
            "10",
            reverse=True,
            guidance="“三公”经费实际支出 ÷ 预算数",
        ),
        quantitative(
            "dp-case-quality",
            EFFECT,
            SOCIAL,
            "办案质效（案件质量评查合格率）",
            GTE,
            "95",
            "%",
            "20",
            basis=SECTOR,
        ),
        quantitative(
            "dp-satisfaction", SATISFACTION, SERVED, "社会公众满意度", GTE, "90", "%", "15"
        ),
    ),
)
