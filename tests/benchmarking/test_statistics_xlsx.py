"""The province's 单位基本情况表 over GraphQL: exported pre-filled, filled offline, imported
back; every bad cell named and nothing saved when one is bad; province admins only."""

from __future__ import annotations

import base64
from collections.abc import Callable
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from backend.accounts.models import Role, User
from backend.benchmarking.models import UnitStatistics
from backend.benchmarking.statistics_xlsx import HEADER, export_statistics, import_statistics
from tenants.models import Procuratorate
from tests import hostile_xlsx as hostile
from tests import sheet_layout as layout
from tests.conftest import error_codes

pytestmark = pytest.mark.django_db

EXPORT = "query { unitStatisticsXlsxBase64(fiscalYear: 2026) }"
IMPORT = """mutation($f: String!) { importUnitStatistics(fiscalYear: 2026, fileBase64: $f) {
  rows errors { field code message } } }"""


def _rows_by_code(sheet: Any) -> dict[str, int]:
    return {row[0].value: row[0].row for row in sheet.iter_rows(min_row=3) if row[0].value}


def _b64(book: Any) -> str:
    out = BytesIO()
    book.save(out)
    return base64.b64encode(out.getvalue()).decode()


def test_the_sheet_goes_out_and_comes_back(
    gql: Any, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-stats"))
    exported = gql(EXPORT, token=admin)["data"]["unitStatisticsXlsxBase64"]
    book = openpyxl.load_workbook(BytesIO(base64.b64decode(exported)))
    sheet = book["单位基本情况表"]
    rows = _rows_by_code(sheet)
    assert "lengshuijiang" in rows and "hunan" not in rows  # the units under the province
    row = rows["lengshuijiang"]
    sheet[f"C{row}"], sheet[f"D{row}"], sheet[f"E{row}"] = 62, 25, 1180
    other = rows["lianyuan"]
    sheet[f"C{other}"], sheet[f"D{other}"] = 80, 30

    # Bad cells first: named one by one, nothing saved.
    bad = openpyxl.load_workbook(BytesIO(base64.b64decode(_b64(book))))
    bad_sheet = bad["单位基本情况表"]
    bad_sheet[f"D{row}"] = 70  # more procurators than staff
    bad_sheet[f"E{other}"] = "很多"
    bad_sheet.append(["no-such-unit", "", 1, 1, 1])
    result = gql(IMPORT, token=admin, variables={"f": _b64(bad)})["data"]["importUnitStatistics"]
    assert {(e["code"], e["field"]) for e in result["errors"]} == {
        ("PROCURATORS_ABOVE_STAFF", f"D{row}"),
        ("INVALID_NUMBER", f"E{other}"),
        ("UNKNOWN_UNIT", f"A{bad_sheet.max_row}"),
    }
    assert all("单位基本情况表!" in e["message"] for e in result["errors"])
    assert not UnitStatistics.objects.exists()

    done = gql(IMPORT, token=admin, variables={"f": _b64(book)})["data"]["importUnitStatistics"]
    assert done == {"rows": 2, "errors": []}
    got = {
        s.unit.code: (s.staff, s.procurators, s.cases)
        for s in UnitStatistics.objects.select_related("unit")
    }
    assert got == {"lengshuijiang": (62, 25, 1180), "lianyuan": (80, 30, None)}
    # Exported again, the known figures are filled in.
    again = openpyxl.load_workbook(
        BytesIO(base64.b64decode(gql(EXPORT, token=admin)["data"]["unitStatisticsXlsxBase64"]))
    )["单位基本情况表"]
    assert [c.value for c in again[row][2:5]] == [62, 25, 1180]


def test_only_a_province_admin_exports_or_imports(
    gql: Any, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    reviewer = token_for(member("loudi", Role.CITY_REVIEWER, "loudi-stats"))
    assert error_codes(gql(EXPORT, token=reviewer)) == ["PERMISSION_DENIED"]
    assert error_codes(gql(IMPORT, token=reviewer, variables={"f": "eA=="})) == [
        "PERMISSION_DENIED"
    ]
    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-stats2"))
    junk = gql(IMPORT, token=admin, variables={"f": base64.b64encode(b"junk").decode()})
    # Not an XLSX at all: refused by the upload check before the sheet is read.
    assert junk["data"]["importUnitStatistics"]["errors"][0]["code"] == "INVALID_FILE_TYPE"


def test_hostile_sheets_are_answered_quickly_with_a_typed_error(
    unit: Callable[[str], Procuratorate],
) -> None:
    hunan = unit("hunan")
    exported = export_statistics(hunan, 2026)

    def load(content: bytes) -> Callable[[], object]:
        return lambda: import_statistics(hunan, 2026, content, user=None)

    far = hostile.refused(load(hostile.far_away(exported, "单位基本情况表")))
    assert [(p.code, p.field) for p in far.problems] == [("TOO_MANY_ROWS", "file")]
    assert hostile.codes(hostile.refused(load(hostile.zip_bomb(exported)))) == ["FILE_TOO_LARGE"]
    # 100,000 bad cells: 4,990 rows of 20, no unit known, every figure a word.
    head = [["标题"], HEADER]
    bad = hostile.grid("单位基本情况表", head, 4_990, lambda i: [f"x{i}"] + ["坏"] * 19)
    many = hostile.refused(load(bad))
    assert len(many.problems) == 101 and many.problems[-1].code == "TOO_MANY_PROBLEMS"
    assert "另有 " in many.problems[-1].message
    assert not UnitStatistics.objects.exists()


def test_unit_names_are_exported_as_text(unit: Callable[[str], Procuratorate]) -> None:
    hunan = unit("hunan")
    Procuratorate.objects.filter(code="lianyuan").update(name='=HYPERLINK("http://x","涟源")')
    exported = export_statistics(hunan, 2026)
    assert hostile.formulas(exported) == [] and hostile.text_cells(exported) == {}
    sheet = openpyxl.load_workbook(BytesIO(exported))["单位基本情况表"]
    assert '=HYPERLINK("http://x","涟源")' in [row[1].value for row in sheet.iter_rows(min_row=3)]


DRY = """mutation($f: String!, $dry: Boolean, $digest: String) {
  importUnitStatistics(fiscalYear: 2026, fileBase64: $f, dryRun: $dry, expectedDigest: $digest) {
    rows dryRun digest changes { cell code field before after }
    importWarnings { cell code message } errors { field code message } } }"""


def test_a_dry_run_first_and_blanks_or_zeros_never_wipe_a_figure(
    gql: Any, member: Callable[..., User], token_for: Callable[[User], str]
) -> None:
    from backend.benchmarking.peers import set_unit_statistics

    admin = token_for(member("hunan", Role.PROVINCE_ADMIN, "hn-stats-dry"))
    hunan = Procuratorate.objects.get(code="hunan")
    set_unit_statistics(
        hunan, unit="lengshuijiang", fiscal_year=2026, staff=60, procurators=24, cases=1100
    )
    exported = gql(EXPORT, token=admin)["data"]["unitStatisticsXlsxBase64"]
    book = openpyxl.load_workbook(BytesIO(base64.b64decode(exported)))
    sheet = book["单位基本情况表"]
    row = _rows_by_code(sheet)["lengshuijiang"]
    # As people write them: a unit word, thousands separators, full width; cases left blank,
    # procurators typed as 0.
    sheet[f"C{row}"], sheet[f"D{row}"], sheet[f"E{row}"] = "６２人", 0, None
    content = _b64(book)

    dry = gql(DRY, token=admin, variables={"f": content, "dry": True})["data"][
        "importUnitStatistics"
    ]
    assert dry["errors"] == [] and dry["dryRun"] is True
    assert [(c["cell"], c["field"], c["before"], c["after"]) for c in dry["changes"]] == [
        (f"单位基本情况表!C{row}", "在编人数", "60", "62")
    ]
    assert {(w["cell"], w["code"]) for w in dry["importWarnings"]} == {
        (f"D{row}", "KEPT"),
        (f"E{row}", "KEPT"),
    }
    assert UnitStatistics.objects.get(unit__code="lengshuijiang").staff == 60

    stale = gql(DRY, token=admin, variables={"f": content, "digest": "x"})["data"]
    assert [e["code"] for e in stale["importUnitStatistics"]["errors"]] == ["STALE"]
    done = gql(DRY, token=admin, variables={"f": content, "digest": dry["digest"]})["data"][
        "importUnitStatistics"
    ]
    assert done["errors"] == [] and done["rows"] == 1
    stats = UnitStatistics.objects.get(unit__code="lengshuijiang")
    assert (stats.staff, stats.procurators, stats.cases) == (62, 24, 1100)


def test_the_sheet_prints_like_the_official_form(unit: Callable[[str], Procuratorate]) -> None:
    """A4 portrait, title merged, header frozen with the unit columns and printed on every
    page; the unit code and name locked, the three figures open."""
    sheet = layout.load(export_statistics(unit("hunan"), 2026), "单位基本情况表")
    layout.assert_official_form(
        sheet,
        header_row=2,
        orientation="portrait",
        columns=len(HEADER),
        freeze="C3",
        merged=["A1:E1"],
        locked=["A1", "A3", "B3"],
        open_cells=["C3", "D3", "E3"],
    )
