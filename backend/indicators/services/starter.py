"""The starter library: three provincial templates for the projects every procuratorate runs
(办案业务经费, 信息化建设, 检察技术装备), with indicators drawn from real performance tables.
Each passes ``validation.validate_version`` under the default 10/50/30/10 split: output 50
(with cost), effect 30, satisfaction 10.

``case-funds`` and ``equipment`` declare cost indicators as their own level 1 (the 2021
layout); ``informatisation`` keeps them under 产出指标 (the earlier layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from backend.accounts.models import User
from backend.indicators import selectors
from backend.indicators.models import (
    Direction,
    Polarity,
    ScoringMethod,
    TargetBasis,
    Template,
    TemplateVersion,
    ValueType,
)
from backend.indicators.services import authoring
from backend.indicators.system import COST, EFFECT, OUTPUT, SATISFACTION

CHANGELOG = "初始版本（省院示例指标库）。"

# level 2 names
QUANTITY, QUALITY, TIMELINESS = "数量指标", "质量指标", "时效指标"
ECONOMIC_COST = "经济成本指标"
SOCIAL, SUSTAINABLE = "社会效益指标", "可持续影响指标"
SERVED = "服务对象满意度指标"

HISTORY, SECTOR, PLAN = TargetBasis.HISTORY, TargetBasis.SECTOR, TargetBasis.PLAN


def quantitative(
    code: str,
    level1: str,
    level2: str,
    name: str,
    direction: Direction,
    target: str,
    unit: str,
    weight: str,
    *,
    basis: TargetBasis = PLAN,
    reverse: bool = False,
    guidance: str = "",
    mandatory: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUANTITATIVE,
        "direction": direction,
        "polarity": Polarity.REVERSE if reverse else Polarity.POSITIVE,
        "unit": unit,
        "target_value": Decimal(target),
        "weight": Decimal(weight),
        "scoring_method": ScoringMethod.PROPORTIONAL,
        "target_basis": basis,
        "guidance": guidance,
        "mandatory": mandatory,
        "locked": locked,
    }


def qualitative(
    code: str,
    level1: str,
    level2: str,
    name: str,
    target_text: str,
    weight: str,
    *,
    basis: TargetBasis = PLAN,
    guidance: str = "",
    mandatory: bool = False,
    locked: bool = False,
) -> dict[str, Any]:
    return {
        "code": code,
        "level1": level1,
        "level2": level2,
        "name": name,
        "value_type": ValueType.QUALITATIVE,
        "direction": "",
        "target_text": target_text,
        "weight": Decimal(weight),
        "scoring_method": ScoringMethod.BANDS,
        "target_basis": basis,
        "guidance": guidance,
        "mandatory": mandatory,
        "locked": locked,
    }


GTE, LTE, EQ = Direction.GTE, Direction.LTE, Direction.EQ


@dataclass(frozen=True)
class StarterTemplate:
    code: str
    name: str
    project_kind: str
    description: str
    indicators: tuple[dict[str, Any], ...]


CASE_FUNDS = StarterTemplate(
    code="case-funds",
    name="基层检察院办案业务经费项目绩效指标",
    project_kind="办案业务经费",
    description="基层检察院办案业务经费项目的绩效目标申报和自评参考指标。",
    indicators=(
        # 产出指标 50 (with 成本指标 as its own level 1)
        quantitative(
            "cf-arrest-cases",
            OUTPUT,
            QUANTITY,
            "审查逮捕案件数",
            GTE,
            "200",
            "件",
            "6",
            basis=HISTORY,
            guidance="年度内受理并审结的审查逮捕案件数，以检察业务应用系统统计为准。",
            mandatory=True,
        ),
        quantitative(
            "cf-prosecution-cases",
            OUTPUT,
            QUANTITY,
            "审查起诉案件数",
            GTE,
            "400",
            "件",
            "6",
            basis=HISTORY,
            guidance="年度内受理并审结的审查起诉案件数，以检察业务应用系统统计为准。",
            mandatory=True,
        ),
        quantitative(
            "cf-pil-cases",
            OUTPUT,
            QUANTITY,
            "公益诉讼案件数",
            GTE,
            "20",
            "件",
            "5",
            basis=PLAN,
            guidance="年度内立案办理的民事、行政公益诉讼案件数（含诉前程序）。",
            mandatory=True,
        ),
        quantitative(
            "cf-training",
            OUTPUT,
            QUANTITY,
            "业务培训人次",
            GTE,
            "100",
            "人次",
            "4",
            guidance="参加各级业务培训的检察人员人次。",
        ),
        quantitative(
            "cf-closure-rate",
            OUTPUT,
            QUALITY,
            "案件办结率",
            GTE,
            "95",
            "%",
            "6",
            basis=SECTOR,
            guidance="已办结案件数 ÷ 受理案件数 × 100%。",
            mandatory=True,
            locked=True,
        ),
        quantitative(
            "cf-12309-response",
            OUTPUT,
            QUALITY,
            "12309检察服务中心按时答复率",
            GTE,
            "98",
            "%",
            "5",
            basis=SECTOR,
            guidance="7日内程序回复、3个月内办理过程或结果答复的来信来访件数 ÷ 应答复件数。",
            locked=True,
        ),
        quantitative(
            "cf-case-quality",
            OUTPUT,
            QUALITY,
            "案件质量评查合格率",
            GTE,
            "95",
            "%",
            "4",
            basis=SECTOR,
        ),
        quantitative(
            "cf-payment-timeliness",
            OUTPUT,
            TIMELINESS,
            "办案经费支付及时率",
            GTE,
            "95",
            "%",
            "4",
            guidance="在规定时限内完成报销支付的笔数 ÷ 应支付笔数。",
        ),
        quantitative(
            "cf-cost-per-case",
            COST,
            ECONOMIC_COST,
            "案均办案经费",
            LTE,
            "0.8",
            "万元",
            "5",
            basis=HISTORY,
            reverse=True,
            guidance="办案业务经费支出 ÷ 办结案件数。",
        ),
        quantitative(
            "cf-budget-control",
            COST,
            ECONOMIC_COST,
            "办案业务经费支出总额",
            LTE,
            "120",
            "万元",
            "5",
            reverse=True,
            guidance="不超过批复的全年预算数。",
            locked=True,
        ),
        # 效益指标 30
        qualitative(
            "cf-supervision-effect",
            EFFECT,
            SOCIAL,
            "法律监督质效",
            "法律监督质效明显提升，案件质量评查无重大瑕疵",
            "8",
        ),
        quantitative(
            "cf-pil-rectification",
            EFFECT,
            SOCIAL,
            "公益诉讼诉前检察建议回复整改率",
            GTE,
            "90",
            "%",
            "8",
            basis=SECTOR,
        ),
        quantitative(
            "cf-complaint-rate",
            EFFECT,
            SOCIAL,
            "当事人投诉率",
            LTE,
            "1",
            "%",
            "6",
            basis=HISTORY,
            reverse=True,
            guidance="经核实的当事人有效投诉件数 ÷ 办结案件数。",
            locked=True,
        ),
        qualitative(
            "cf-sustainable-mechanism",
            EFFECT,
            SUSTAINABLE,
            "办案经费保障长效机制",
            "办案经费保障制度健全并持续有效运行",
            "8",
        ),
        # 满意度指标 10
        quantitative(
            "cf-satisfaction",
            SATISFACTION,
            SERVED,
            "当事人及群众满意度",
            GTE,
            "90",
            "%",
            "10",
            basis=SECTOR,
            guidance="以问卷调查或第三方测评结果为准。",
            mandatory=True,
            locked=True,
        ),
    ),
)

INFORMATISATION = StarterTemplate(
    code="informatisation",
    name="信息化建设项目绩效指标",
    project_kind="信息化建设",
    description="智慧检务等信息化建设项目的绩效目标申报和自评参考指标（成本指标列于产出指标下）。",
    indicators=(
        # 产出指标 50 (成本指标 under 产出指标, the pre-2021 layout)
        quantitative(
            "inf-systems-delivered",
            OUTPUT,
            QUANTITY,
            "智慧检务系统建成数",
            GTE,
            "3",
            "个",
            "8",
            guidance="按项目实施方案建成并通过验收的应用系统数。",
            mandatory=True,
        ),
        quantitative(
            "inf-terminals",
            OUTPUT,
            QUANTITY,
            "办案终端部署数量",
            GTE,
            "120",
            "台",
            "6",
        ),
        quantitative(
            "inf-training",
            OUTPUT,
            QUANTITY,
            "系统应用培训人次",
            GTE,
            "150",
            "人次",
            "5",
        ),
        quantitative(
            "inf-acceptance-rate",
            OUTPUT,
            QUALITY,
            "项目验收合格率",
            EQ,
            "100",
            "%",
            "8",
            basis=SECTOR,
            mandatory=True,
            locked=True,
        ),
        quantitative(
            "inf-availability",
            OUTPUT,
            QUALITY,
            "系统运行可用率",
            GTE,
            "99",
            "%",
            "6",
            basis=SECTOR,
        ),
        qualitative(
            "inf-security-assessment",
            OUTPUT,
            QUALITY,
            "网络安全等级保护测评",
            "通过网络安全等级保护三级测评",
            "5",
            basis=SECTOR,
        ),
        quantitative(
            "inf-on-schedule",
            OUTPUT,
            TIMELINESS,
            "项目按计划完成率",
            GTE,
            "95",
            "%",
            "4",
        ),
        quantitative(
            "inf-cost-control",
            OUTPUT,
            "成本指标",
            "项目建设成本控制率",
            LTE,
            "100",
            "%",
            "8",
            reverse=True,
            guidance="实际建设支出 ÷ 批复预算 × 100%。",
            mandatory=True,
            locked=True,
        ),
        # 效益指标 30
        quantitative(
            "inf-online-handling",
            EFFECT,
            SOCIAL,
            "案件网上办理率",
            GTE,
            "95",
            "%",
            "8",
            basis=SECTOR,
            mandatory=True,
        ),
        qualitative(
            "inf-efficiency",
            EFFECT,
            SOCIAL,
            "办案效率提升",
            "案件平均办理周期明显缩短",
            "7",
        ),
        quantitative(
            "inf-service-life",
            EFFECT,
            SUSTAINABLE,
            "系统持续使用年限",
            GTE,
            "5",
            "年",
            "8",
            basis=SECTOR,
        ),
        qualitative(
            "inf-data-sharing",
            EFFECT,
            SUSTAINABLE,
            "政法跨部门数据共享",
            "实现与公安、法院案件信息互联互通",
            "7",
        ),
        # 满意度指标 10
        quantitative(
            "inf-user-satisfaction",
            SATISFACTION,
            SERVED,
            "干警使用满意度",
            GTE,
            "90",
            "%",
            "10",
            basis=SECTOR,
            locked=True,
        ),
    ),
)

EQUIPMENT = StarterTemplate(
    code="equipment",
    name="检察技术装备项目绩效指标",
    project_kind="检察技术装备",
    description="检察技术装备、办案用车等购置项目的绩效目标申报和自评参考指标。",
    indicators=(
        # 产出指标 50 (with 成本指标 as its own level 1)
        quantitative(
            "eq-purchased",
            OUTPUT,
            QUANTITY,
            "技术装备采购数量",
            GTE,
            "50",
            "台（套）",
            "8",
            mandatory=True,
        ),
        quantitative(
            "eq-vehicles",
            OUTPUT,
            QUANTITY,
            "办案用车购置数量",
            LTE,
            "1",
            "辆",
            "4",
            reverse=True,
            guidance="不超过编制和批复数量。",
            locked=True,
        ),
        quantitative(
            "eq-forensic-exams",
            OUTPUT,
            QUANTITY,
            "电子数据检验鉴定数量",
            GTE,
            "80",
            "件",
            "5",
            basis=HISTORY,
        ),
        quantitative(
            "eq-acceptance-rate",
            OUTPUT,
            QUALITY,
            "装备验收合格率",
            EQ,
            "100",
            "%",
            "7",
            basis=SECTOR,
            mandatory=True,
            locked=True,
        ),
        quantitative(
            "eq-intact-rate",
            OUTPUT,
            QUALITY,
            "装备完好率",
            GTE,
            "95",
            "%",
            "6",
            basis=SECTOR,
        ),
        quantitative(
            "eq-delivery",
            OUTPUT,
            TIMELINESS,
            "装备采购按期到位率",
            GTE,
            "95",
            "%",
            "5",
        ),
        quantitative(
            "eq-cost-control",
            COST,
            ECONOMIC_COST,
            "装备采购成本控制率",
            LTE,
            "100",
            "%",
            "8",
            reverse=True,
            guidance="实际采购支出 ÷ 批复预算 × 100%。",
            mandatory=True,
            locked=True,
        ),
        quantitative(
            "eq-unit-cost",
            COST,
            ECONOMIC_COST,
            "单台（套）平均采购成本",
            LTE,
            "3",
            "万元",
            "7",
            basis=SECTOR,
            reverse=True,
        ),
        # 效益指标 30
        quantitative(
            "eq-cases-supported",
            EFFECT,
            SOCIAL,
            "技术支持办案案件数",
            GTE,
            "150",
            "件",
            "8",
            basis=HISTORY,
        ),
        qualitative(
            "eq-capability",
            EFFECT,
            SOCIAL,
            "检察技术保障能力",
            "检察技术保障能力明显增强，满足办案需要",
            "7",
        ),
        quantitative(
            "eq-service-life",
            EFFECT,
            SUSTAINABLE,
            "装备使用年限",
            GTE,
            "6",
            "年",
            "8",
            basis=SECTOR,
        ),
        qualitative(
            "eq-maintenance",
            EFFECT,
            SUSTAINABLE,
            "装备管理维护制度",
            "建立健全装备管理和维护制度并有效执行",
            "7",
        ),
        # 满意度指标 10
        quantitative(
            "eq-user-satisfaction",
            SATISFACTION,
            SERVED,
            "办案部门使用满意度",
            GTE,
            "90",
            "%",
            "10",
            basis=SECTOR,
            mandatory=True,
        ),
    ),
)

STARTER_TEMPLATES: tuple[StarterTemplate, ...] = (CASE_FUNDS, INFORMATISATION, EQUIPMENT)


@transaction.atomic
def load_starter_library(*, user: User | None = None) -> list[TemplateVersion]:
    """Create and publish (as version 1) each starter template whose code is not taken yet,
    through the authoring services (so with their validation). Idempotent: a template that
    exists is left alone. Returns the latest published version of each starter template, in
    ``STARTER_TEMPLATES`` order (a template that exists without a published version, being
    authored by hand, is skipped)."""
    codes = [spec.code for spec in STARTER_TEMPLATES]
    existing = {t.code: t for t in Template.objects.filter(code__in=codes)}
    versions: list[TemplateVersion] = []
    for spec in STARTER_TEMPLATES:
        template = existing.get(spec.code)
        if template is not None:
            published = selectors.latest_published_version(template)
            if published is not None:
                versions.append(published)
            continue
        template = authoring.create_template(
            code=spec.code,
            name=spec.name,
            user=user,
            project_kind=spec.project_kind,
            description=spec.description,
        )
        draft = selectors.draft_of(template)
        assert draft is not None  # create_template opens version 1
        for data in spec.indicators:
            authoring.add_indicator(draft, data)
        versions.append(authoring.publish_version(draft, user=user, changelog=CHANGELOG))
    return versions


# --- the department-wide template (部门整体支出绩效评价) ----------------------------------------
# Unit-level indicators of a procuratorate, scored with the pooled layout: budget execution 10
# + these 90 points. Kept apart from STARTER_TEMPLATES (those are per project kind).

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
DEPARTMENT_TEMPLATES: tuple[StarterTemplate, ...] = (DEPARTMENT,)


@transaction.atomic
def load_department_templates(*, user: User | None = None) -> list[TemplateVersion]:
    """Create and publish the department-scope starter template(s) (``scope = department``,
    pooled layout 10 + 90) when their code is free; idempotent like ``load_starter_library``."""
    from backend.indicators.models import Layout, Scope

    versions: list[TemplateVersion] = []
    for spec in DEPARTMENT_TEMPLATES:
        template = Template.objects.filter(code=spec.code).first()
        if template is not None:
            published = selectors.latest_published_version(template)
            if published is not None:
                versions.append(published)
            continue
        template = authoring.create_template(
            code=spec.code,
            name=spec.name,
            user=user,
            description=spec.description,
            layout=Layout.POOLED,
            scope=Scope.DEPARTMENT,
        )
        draft = selectors.draft_of(template)
        assert draft is not None
        for data in spec.indicators:
            authoring.add_indicator(draft, data)
        versions.append(authoring.publish_version(draft, user=user, changelog=CHANGELOG))
    return versions
