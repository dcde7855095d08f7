"""Issue 16 through GraphQL on the unit host: findings, manual scoring, funding sub-rows and
the new enum values; another unit's token reads none of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_tenants.utils import tenant_context

from backend.evaluation.models import IndicatorScore
from tenants.models import Procuratorate
from tests.conftest import error_codes
from tests.evaluation.test_api import LSJ, started, tokens  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

RECORD = """mutation($id: ID!, $rows: [IndicatorResultInput!],
  $funding: [EvaluationFundingSourceInput!]) {
  recordSelfEvaluation(id: $id, indicators: $rows, funding: $funding) {
  evaluation { total layout funding { name budget executed executionRate }
    findings { code label message indicator }
    indicators { code scoringMethod manualScore manualReason finalScore rule
      unexplainedDeduction } }
  errors { field code message } } }"""
FINDINGS = """query($id: ID!) { selfEvaluation(id: $id) { findings { code } } }"""


def test_findings_manual_and_funding(
    gql: Any,
    tokens: dict[str, str],  # noqa: F811 - the fixture of test_api
    unit: Callable[[str], Procuratorate],
) -> None:
    lsj = unit("lengshuijiang")
    eid = started(gql, tokens, lsj)
    with tenant_context(lsj):
        IndicatorScore.objects.filter(code="s1").update(scoring_method="manual")

    def record(**variables: Any) -> dict[str, Any]:
        result = gql(RECORD, host=LSJ, token=tokens["finance"], variables={"id": eid, **variables})
        return result["data"]["recordSelfEvaluation"]

    rows = [
        {"code": "q1", "actualValue": "60", "deviationReason": "人员不足", "overrideScore": "30",
         "overrideReason": "领导认可"},
        {"code": "q2", "actualValue": "95"},
        {"code": "e1", "band": "ACHIEVED", "bandScore": "27"},
        {"code": "s1", "manualScore": "8", "manualReason": "问卷样本偏少"},
    ]  # fmt: skip
    funding = [
        {"name": "财政拨款", "budget": "800000", "executed": "760000"},
        {"name": "其他资金", "budget": "200000", "executed": "140000"},
    ]
    payload = record(rows=rows, funding=funding)
    assert payload["errors"] == []
    sheet = payload["evaluation"]
    assert sheet["layout"] == "SPLIT"
    assert [tuple(f.values()) for f in sheet["funding"]] == [
        ("财政拨款", "800000.00", "760000.00", "95.00"),
        ("其他资金", "200000.00", "140000.00", "70.00"),
    ]
    by_code = {i["code"]: i for i in sheet["indicators"]}
    assert by_code["s1"] | {"finalScore": None} == {
        "code": "s1",
        "scoringMethod": "MANUAL",
        "manualScore": "8.00",
        "manualReason": "问卷样本偏少",
        "finalScore": None,
        "rule": "manual",
        "unexplainedDeduction": False,
    }
    assert by_code["q1"]["scoringMethod"] == "PROPORTIONAL"
    assert by_code["e1"]["scoringMethod"] == "BANDS" and by_code["e1"]["unexplainedDeduction"]
    assert sheet["findings"] == [
        {
            "code": "full_marks_target_missed",
            "label": "未完成目标却得满分",
            "message": "指标“办理案件数”未完成目标，却得满分30分",
            "indicator": "q1",
        }
    ]
    # a manual score without its reason is a typed error
    bad = record(rows=[{"code": "s1", "manualScore": "9", "manualReason": ""}])
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("indicators[0].manualReason", "MANUAL_REASON_REQUIRED")
    ]
    bad = record(funding=[{"name": "财政拨款", "budget": "abc", "executed": "0"}])
    assert [e["field"] for e in bad["errors"]] == ["funding[0].budget"]
    # another unit reads nothing
    other = gql(FINDINGS, host=LSJ, token=tokens["other"], variables={"id": eid})
    assert error_codes(other) == ["PERMISSION_DENIED"]
