"""Per-unit figures merged into a feedback text (``backend/feedback/texts.py``), the service's
refusal of an unknown placeholder, ``extra_figures`` kept on the item, and the item's ``text``
on a unit's host through GraphQL."""

from __future__ import annotations

import pytest

from backend.accounts.models import Role
from backend.core.errors import DomainError
from backend.feedback import services, texts
from backend.feedback.models import FeedbackBatch, FeedbackItem


def test_merge_reads_each_placeholder_from_the_figures() -> None:
    figures = {
        "unit_name": "冷水江市人民检察院",
        "fiscal_year": 2026,
        "metric_label": "预算执行率",
        "metric_value": "61.50",
        "metric_unit": "%",
        "metric_rank": 120,
        "metric_units": 125,
        "metric_percentile": "4.03",
        "budget": "1234567.8",
        "self_grade": None,
    }
    text = (
        "{单位}{年度}年{指标}{指标值}，{排名}，百分位{百分位}，预算{预算}，等级{自评等级}，{别的}"
    )
    assert texts.merge(text, figures) == (
        "冷水江市人民检察院2026年预算执行率61.50%，第120名（共125个单位），百分位4.03%，"
        "预算1,234,567.80元，等级—，{别的}"
    )
    assert texts.unknown(text) == ["别的"]
    assert texts.unknown("无占位符 {} { 单位 }") == []
    assert (
        texts.merge("{指标值}", {"metric_value": "3", "metric_unit": "级（优=4 良=3 中=2 差=1）"})
        == "3"
    )


@pytest.mark.django_db
def test_the_service_refuses_an_unknown_placeholder_and_keeps_extra_figures(
    member, unit, gql, token_for
) -> None:
    reviewer = member("loudi", Role.CITY_REVIEWER, "texts-loudi")
    lsj = unit("lengshuijiang")
    with pytest.raises(DomainError) as refused:
        services.issue_feedback(
            unit("loudi"), reviewer, fiscal_year=2026, title="t", body="{单位}{排行}",
            unit_ids=[lsj.pk],
        )  # fmt: skip
    assert [(p.code, p.field) for p in refused.value.problems] == [("UNKNOWN_PLACEHOLDER", "body")]
    assert "{排行}" in refused.value.problems[0].message
    assert not FeedbackBatch.objects.exists()
    batch = services.issue_feedback(
        unit("loudi"), reviewer, fiscal_year=2026, title="t", body="{单位}：{排名}",
        unit_ids=[lsj.pk], extra_figures={lsj.pk: {"metric_rank": 5, "metric_units": 5}},
    )  # fmt: skip
    item = FeedbackItem.objects.select_related("batch", "unit").get(batch=batch)
    assert item.figures["metric_rank"] == 5 and "budget" in item.figures
    assert item.text == "冷水江市人民检察院：第5名（共5个单位）"
    finance = member("lengshuijiang", Role.UNIT_FINANCE, "texts-lsj")
    result = gql(
        "{ feedbackItems { edges { node { body text } } } }",
        host="lengshuijiang.localhost",
        token=token_for(finance),
    )
    node = result["data"]["feedbackItems"]["edges"][0]["node"]
    assert node == {"body": "{单位}：{排名}", "text": "冷水江市人民检察院：第5名（共5个单位）"}
