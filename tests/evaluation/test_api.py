"""The evaluation API on both hosts, through HTTP: the whole workflow as GraphQL, finalise →
facts → public results, isolation (another unit's token, a city reviewer's reach), and the
XLSX table (export, import back, bad cells, consistency checks)."""

from __future__ import annotations

import base64
from collections.abc import Callable
from decimal import Decimal
from io import BytesIO
from typing import Any

import openpyxl
import pytest
from django_tenants.utils import tenant_context

from backend.accounts.models import Role, User
from backend.evaluation.models import SelfEvaluation
from tenants.models import Procuratorate
from tests.conftest import error_codes
from tests.evaluation.factories import MET, approved_goal

pytestmark = pytest.mark.django_db
D = Decimal
LSJ = "lengshuijiang.localhost"

START = """mutation($p: ID!) { startSelfEvaluation(projectId: $p, fiscalYear: 2026) {
  evaluation { id status total executed indicators { code weight finalScore } }
  errors { field code message } } }"""
RECORD = """mutation($id: ID!, $rows: [IndicatorResultInput!]) {
  recordSelfEvaluation(id: $id, indicators: $rows) {
  evaluation { total grade flags { code indicator } groupScores { group score }
    indicators { code computedScore finalScore rule computation band } }
  errors { field code message } } }"""
SUBMIT = """mutation($id: ID!) { submitSelfEvaluation(id: $id) {
  evaluation { status } errors { field code } } }"""
FINALISE = """mutation($id: ID!) { finaliseSelfEvaluation(id: $id) {
  evaluation { status total grade finalisedAt } errors { field code } } }"""
ONE = """query($id: ID!) { selfEvaluation(id: $id) { id status projectName total
  history { kind object user } xlsxBase64 } }"""
LIST = """query { selfEvaluations(fiscalYear: 2026) { totalCount edges { node { id status } } } }"""
RESULTS = """query($city: String, $grade: String) {
  evaluationResults(fiscalYear: 2026, city: $city, grade: $grade) {
  totalCount edges { node { unit { code } projectName selfScore selfGrade evaluationFlags
  executionRate finalisedAt } } } }"""
UNIT_RESULTS = """query { unitEvaluationResults(fiscalYear: 2026) {
  unit { code } evaluatedProjects projectScore projectGrade } }"""
IMPORT = """mutation($id: ID!, $f: String!) { importSelfEvaluationTable(id: $id, fileBase64: $f) {
  evaluation { total indicators { code finalScore } } warnings errors { field code message } } }"""
DEPT = """mutation { startDepartmentEvaluation(fiscalYear: 2026) {
  evaluation { id status projectScore total } errors { code } } }"""


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    names = {"actual_value": "actualValue", "band_score": "bandScore", "band": "band"}
    out = []
    for row in rows:
        item = {names.get(k, k): (str(v) if isinstance(v, Decimal) else v) for k, v in row.items()}
        if "band" in item:
            item["band"] = item["band"].upper()
        out.append(item)
    return out


@pytest.fixture
def tokens(member: Callable[..., User], token_for: Callable[[User], str]) -> dict[str, str]:
    return {
        "finance": token_for(member("lengshuijiang", Role.UNIT_FINANCE, "lsj-fin")),
        "leader": token_for(member("lengshuijiang", Role.UNIT_LEADER, "lsj-lead")),
        "other": token_for(member("lianyuan", Role.UNIT_FINANCE, "ly-fin")),
        "loudi": token_for(member("loudi", Role.CITY_REVIEWER, "loudi-rev")),
        "changsha": token_for(member("changsha", Role.CITY_REVIEWER, "cs-rev")),
        "province": token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-admin")),
    }


def project_id(unit: Procuratorate, **goal: Any) -> str:
    from graphql_relay import to_global_id

    with tenant_context(unit):
        return to_global_id("Project", approved_goal(**goal).project_id)


def started(gql: Any, tokens: dict[str, str], unit: Procuratorate) -> str:
    result = gql(START, host=LSJ, token=tokens["finance"], variables={"p": project_id(unit)})
    payload = result["data"]["startSelfEvaluation"]
    assert payload["errors"] == []
    return payload["evaluation"]["id"]


def test_the_workflow_through_graphql_writes_the_public_results(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    lsj = unit("lengshuijiang")
    eid = started(gql, tokens, lsj)
    bad = gql(
        RECORD,
        host=LSJ,
        token=tokens["finance"],
        variables={"id": eid, "rows": [{"code": "e1", "band": "ACHIEVED", "bandScore": "5"}]},
    )["data"]["recordSelfEvaluation"]
    assert [(e["field"], e["code"]) for e in bad["errors"]] == [
        ("indicators[0].bandScore", "BAND_SCORE_OUT_OF_RANGE")
    ]
    rec = gql(RECORD, host=LSJ, token=tokens["finance"], variables={"id": eid, "rows": _rows(MET)})[
        "data"
    ]["recordSelfEvaluation"]
    assert rec["errors"] == [] and rec["evaluation"]["total"] == "96.00"
    assert (
        gql(SUBMIT, host=LSJ, token=tokens["finance"], variables={"id": eid})["data"][
            "submitSelfEvaluation"
        ]["evaluation"]["status"]
        == "SUBMITTED"
    )
    # The finance officer cannot finalise: a typed permission error.
    denied = gql(FINALISE, host=LSJ, token=tokens["finance"], variables={"id": eid})
    assert error_codes(denied) == ["PERMISSION_DENIED"]
    assert denied["data"]["finaliseSelfEvaluation"] is None
    done = gql(FINALISE, host=LSJ, token=tokens["leader"], variables={"id": eid})["data"][
        "finaliseSelfEvaluation"
    ]
    assert done["evaluation"]["status"] == "FINALISED" and done["evaluation"]["grade"] == "优"
    one = gql(ONE, host=LSJ, token=tokens["leader"], variables={"id": eid})["data"][
        "selfEvaluation"
    ]
    assert one["status"] == "FINALISED" and {h["user"] for h in one["history"]} == {
        "lsj-fin",
        "lsj-lead",
    }
    # Public host: the province and 娄底 see it; 长沙 does not; the grade filter works; a unit's
    # people read their results on their host, not here.
    for who, expected in (("province", 1), ("loudi", 1), ("changsha", 0)):
        data = gql(RESULTS, token=tokens[who])["data"]["evaluationResults"]
        assert data["totalCount"] == expected, who
    assert error_codes(gql(RESULTS, token=tokens["other"])) == ["PERMISSION_DENIED"]
    node = gql(RESULTS, token=tokens["loudi"])["data"]["evaluationResults"]["edges"][0]["node"]
    assert (node["unit"]["code"], node["selfScore"], node["selfGrade"], node["executionRate"]) == (
        "lengshuijiang",
        "96.00",
        "优",
        "90.00",
    )
    assert (
        gql(RESULTS, token=tokens["province"], variables={"grade": "差"})["data"][
            "evaluationResults"
        ]["totalCount"]
        == 0
    )
    assert (
        gql(RESULTS, token=tokens["province"], variables={"city": "changsha"})["data"][
            "evaluationResults"
        ]["totalCount"]
        == 0
    )
    units = gql(UNIT_RESULTS, token=tokens["loudi"])["data"]["unitEvaluationResults"]
    assert units == [
        {
            "unit": {"code": "lengshuijiang"},
            "evaluatedProjects": 1,
            "projectScore": "96.00",
            "projectGrade": "优",
        }
    ]
    assert gql(UNIT_RESULTS, token=tokens["changsha"])["data"]["unitEvaluationResults"] == []
    dept = gql(DEPT, host=LSJ, token=tokens["finance"])["data"]["startDepartmentEvaluation"]
    assert dept["evaluation"]["projectScore"] == "96.00"


def test_another_unit_cannot_read_or_write_an_evaluation(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    eid = started(gql, tokens, unit("lengshuijiang"))
    for query, variables in (
        (ONE, {"id": eid}),
        (LIST, {}),
        (SUBMIT, {"id": eid}),
        (RECORD, {"id": eid, "rows": []}),
    ):
        result = gql(query, host=LSJ, token=tokens["other"], variables=variables)
        assert error_codes(result) == ["PERMISSION_DENIED"], query
    # On its own host the id names nothing.
    own = gql(ONE, host="lianyuan.localhost", token=tokens["other"], variables={"id": eid})
    assert own["data"]["selfEvaluation"] is None
    # A city reviewer reads the county's evaluation but does not write it.
    assert gql(LIST, host=LSJ, token=tokens["loudi"])["data"]["selfEvaluations"]["totalCount"] == 1
    write = gql(SUBMIT, host=LSJ, token=tokens["loudi"], variables={"id": eid})
    assert error_codes(write) == ["PERMISSION_DENIED"]
    assert write["data"]["submitSelfEvaluation"] is None
    # Unauthenticated.
    assert error_codes(gql(LIST, host=LSJ)) == ["UNAUTHENTICATED"]


def _sheet(b64: str) -> tuple[Any, Any]:
    book = openpyxl.load_workbook(BytesIO(base64.b64decode(b64)))
    return book, book["项目支出绩效自评表"]


def _b64(book: Any) -> str:
    buffer = BytesIO()
    book.save(buffer)
    return base64.b64encode(buffer.getvalue()).decode()


def _row_of(sheet: Any, code: str) -> int:
    return next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == code)


def test_the_table_exports_and_imports_back(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    eid = started(gql, tokens, unit("lengshuijiang"))
    gql(RECORD, host=LSJ, token=tokens["finance"], variables={"id": eid, "rows": _rows(MET)})
    one = gql(ONE, host=LSJ, token=tokens["finance"], variables={"id": eid})["data"][
        "selfEvaluation"
    ]
    book, sheet = _sheet(one["xlsxBase64"])
    assert sheet["A1"].value == "项目支出绩效自评表（2026年度）"
    assert [sheet.cell(3, c).value for c in range(2, 8)] == [
        "年初预算数",
        "全年预算数",
        "全年执行数",
        "分值",
        "执行率（%）",
        "得分",
    ]
    q1 = _row_of(sheet, "q1")
    assert (sheet[f"E{q1}"].value, sheet[f"H{q1}"].value) == ("≥120件", 30)
    # Import back: q1 missed (100 of 120) with a reason, s1 met but deducted with a reason.
    sheet[f"F{q1}"] = 100
    sheet[f"H{q1}"] = 25
    sheet[f"I{q1}"] = "案源减少"
    s1 = _row_of(sheet, "s1")
    sheet[f"H{s1}"] = 9
    sheet[f"K{s1}"] = "问卷样本偏少"
    result = gql(IMPORT, host=LSJ, token=tokens["finance"], variables={"id": eid, "f": _b64(book)})
    payload = result["data"]["importSelfEvaluationTable"]
    assert payload["errors"] == []
    scores = {i["code"]: i["finalScore"] for i in payload["evaluation"]["indicators"]}
    assert (scores["q1"], scores["s1"]) == ("25.00", "9.00")
    # 9 + 25 + 20 + 27 + 9 = 90.00; the table's own total (96.00) no longer adds up.
    assert payload["evaluation"]["total"] == "90.00"
    assert any("不符" in w for w in payload["warnings"])


def test_bad_cells_are_named_and_nothing_is_saved(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    eid = started(gql, tokens, unit("lengshuijiang"))
    one = gql(ONE, host=LSJ, token=tokens["finance"], variables={"id": eid})["data"][
        "selfEvaluation"
    ]
    book, sheet = _sheet(one["xlsxBase64"])
    q1, e1, s1 = (_row_of(sheet, c) for c in ("q1", "e1", "s1"))
    sheet[f"F{q1}"] = "很多"
    sheet[f"J{e1}"] = "优秀"
    sheet[f"F{s1}"] = 95
    sheet[f"H{s1}"] = 8  # a deduction on a met indicator without a reason
    sheet["D4"] = 950000
    sheet["G4"] = 3  # 90 % of 10 is 9, not 3
    result = gql(IMPORT, host=LSJ, token=tokens["finance"], variables={"id": eid, "f": _b64(book)})
    errors = result["data"]["importSelfEvaluationTable"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (f"项目支出绩效自评表!F{q1}", "INVALID_NUMBER"),
        (f"项目支出绩效自评表!J{e1}", "INVALID_CHOICE"),
    ]
    sheet[f"F{q1}"] = 120
    sheet[f"J{e1}"] = None
    result = gql(IMPORT, host=LSJ, token=tokens["finance"], variables={"id": eid, "f": _b64(book)})
    errors = result["data"]["importSelfEvaluationTable"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [
        (f"项目支出绩效自评表!K{s1}", "OVERRIDE_REASON_REQUIRED")
    ]
    with tenant_context(unit("lengshuijiang")):
        evaluation = SelfEvaluation.objects.get()
        assert evaluation.executed == D("900000.00")
        assert not evaluation.indicators.filter(actual_value__isnull=False).exists()
    sheet[f"K{s1}"] = "抽样不足"
    result = gql(IMPORT, host=LSJ, token=tokens["finance"], variables={"id": eid, "f": _b64(book)})
    payload = result["data"]["importSelfEvaluationTable"]
    assert payload["errors"] == []
    assert any("G4" in w and "应为9.00" in w for w in payload["warnings"]), payload["warnings"]


DRY = """mutation($id: ID!, $f: String!, $dry: Boolean, $digest: String) {
  importSelfEvaluationTable(id: $id, fileBase64: $f, dryRun: $dry, expectedDigest: $digest) {
    dryRun digest evaluation { total executed }
    changes { kind row cell code name field before after }
    importWarnings { cell code message } warnings errors { field code message } } }"""


def test_the_import_has_a_dry_run_in_the_api(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    from tests.fixtures.real_tables import self_evaluation_xlsx, standard_table

    eid = started(gql, tokens, unit("lengshuijiang"))
    table = base64.b64encode(self_evaluation_xlsx(standard_table(executed="91万元"))).decode()

    def send(**variables: Any) -> dict[str, Any]:
        result = gql(
            DRY, host=LSJ, token=tokens["finance"], variables={"id": eid, "f": table, **variables}
        )
        return result["data"]["importSelfEvaluationTable"]

    dry = send(dry=True)
    assert dry["errors"] == [] and dry["dryRun"] is True
    assert dry["evaluation"] == {"total": dry["evaluation"]["total"], "executed": "900000.00"}
    executed = next(c for c in dry["changes"] if c["field"] == "全年执行数")
    assert (executed["cell"], executed["before"], executed["after"]) == (
        "项目支出绩效自评表!D4",
        "900,000.00 元",
        "910,000.00 元",
    )
    assert "BAND_FROM_SCORE" in {w["code"] for w in dry["importWarnings"]}

    stale = send(digest="0" * 64)
    assert [(e["field"], e["code"]) for e in stale["errors"]] == [("file", "STALE")]

    applied = send(digest=dry["digest"])
    assert applied["errors"] == [] and applied["dryRun"] is False
    assert applied["evaluation"]["executed"] == "910000.00"
    assert applied["changes"] == dry["changes"]


def test_only_the_units_preparers_may_dry_run_an_import(
    gql: Any, tokens: dict[str, str], unit: Callable[[str], Procuratorate]
) -> None:
    from tests.fixtures.real_tables import self_evaluation_xlsx, standard_table

    eid = started(gql, tokens, unit("lengshuijiang"))
    table = base64.b64encode(self_evaluation_xlsx(standard_table())).decode()
    for who in ("other", "loudi", "changsha"):
        result = gql(
            DRY, host=LSJ, token=tokens[who], variables={"id": eid, "f": table, "dry": True}
        )
        assert error_codes(result) == ["PERMISSION_DENIED"], who
        assert result["data"]["importSelfEvaluationTable"] is None
