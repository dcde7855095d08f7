"""Every XLSX the platform reads or writes goes through here: one sheet toolkit.

- ``reading``: bounded streaming reads of an upload (``open_workbook``, ``require_sheet``,
  ``read_sheet`` → ``Grid``), typed cells through the one cleaner (``text``, ``quantity``:
  ``backend.core.cleaning.human_quantity`` with the cell's number format), problems capped
  (``capped``, ``fail``), the dry-run shape (``Change``, ``digest``).
- ``writing``: text cells never formulas (``put``, ``write``, ``append``, ``workbook_bytes``),
  numbers without trailing zeros (``number``), drop-downs (``list_validation``), the styles and
  number formats, and ``FormSheet``: title, merged headings, frozen header repeated as the print
  title, borders, widths, A4 page setup fitted to one page wide, protected computed cells.

Every form (goals, indicators, evaluation, benchmarking, reports) uses these and nothing of
another app's XLSX module; ``docs/sheets.md`` describes the layout rules.
"""

from backend.core.sheets.reading import (
    MAX_MEMBERS,
    Cell,
    Change,
    Grid,
    capped,
    check_archive,
    digest,
    fail,
    max_problems,
    max_rows,
    max_unpacked_bytes,
    open_workbook,
    quantity,
    read_sheet,
    require_sheet,
    text,
)
from backend.core.sheets.writing import (
    FormSheet,
    append,
    clean_text,
    info_sheet,
    list_validation,
    number,
    put,
    workbook_bytes,
    write,
)

__all__ = [
    "MAX_MEMBERS",
    "Cell",
    "Change",
    "FormSheet",
    "Grid",
    "append",
    "capped",
    "check_archive",
    "clean_text",
    "digest",
    "fail",
    "info_sheet",
    "list_validation",
    "max_problems",
    "max_rows",
    "max_unpacked_bytes",
    "number",
    "open_workbook",
    "put",
    "quantity",
    "read_sheet",
    "require_sheet",
    "text",
    "workbook_bytes",
    "write",
]
