"""What every generated form must look like (``backend.core.sheets.FormSheet``): A4 fitted to one
page wide, the header row frozen and repeated as the print title, borders, set column widths,
merged headings, and a protected sheet whose computed cells are locked and input cells open."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

import openpyxl


def load(content: bytes, name: str) -> Any:
    """The sheet ``name`` of ``content``, with its styles (not read-only)."""
    return openpyxl.load_workbook(BytesIO(content))[name]


def assert_official_form(
    sheet: Any,
    *,
    header_row: int,
    orientation: str,
    columns: int,
    freeze: str | None = None,
    merged: Iterable[str] = (),
    locked: Iterable[str] = (),
    open_cells: Iterable[str] = (),
) -> None:
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9  # A4
    assert setup.orientation == orientation
    assert int(setup.fitToWidth) == 1 and int(setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    last = openpyxl.utils.get_column_letter(columns)
    assert sheet.print_area.startswith(f"'{sheet.title}'!$A$1:${last}$")
    assert sheet.freeze_panes == (freeze or f"A{header_row + 1}")
    assert "&P" in sheet.oddFooter.center.text and sheet.oddHeader.center.text
    ranges = {str(r) for r in sheet.merged_cells.ranges}
    for ref in merged:
        assert ref in ranges, (ref, ranges)
    for column in range(1, columns + 1):
        header = sheet.cell(row=header_row, column=column)
        assert header.value and header.font.bold, header.coordinate
        assert header.border.left.style == "thin" and header.border.bottom.style == "thin"
        assert header.protection.locked
        letter = openpyxl.utils.get_column_letter(column)
        assert sheet.column_dimensions[letter].customWidth, letter
    assert sheet.protection.sheet
    for ref in locked:
        assert sheet[ref].protection.locked, f"{ref} should be locked"
    for ref in open_cells:
        assert not sheet[ref].protection.locked, f"{ref} should be open"
