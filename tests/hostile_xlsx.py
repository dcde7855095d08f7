"""Hostile workbooks, built in the test: a far-away cell, a zip bomb, thousands of bad cells,
and checks that an export holds no formula."""

from __future__ import annotations

import time
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from io import BytesIO
from typing import Any

import openpyxl
import pytest

from backend.core.errors import DomainError

# Every hostile import must be answered within this many seconds. This bounds the harm (the
# file that cost hours of CPU before the bounds existed), it does not measure speed: they take
# a second or two on a quiet 2-core machine and up to ~20 s when the machine runs several test
# suites at once, hence the wide margin.
QUICK = 60.0


def saved(book: openpyxl.Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def far_away(content: bytes, sheet: str, ref: str = "XFD1048576") -> bytes:
    """``content`` with one more cell, at the very end of the grid."""
    book = openpyxl.load_workbook(BytesIO(content))
    book[sheet][ref] = "x"
    return saved(book)


def zip_bomb(content: bytes, megabytes: int = 64) -> bytes:
    """``content`` plus a member that inflates to ``megabytes`` of zeros (compressed: ~60 KB)."""
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        target.writestr("xl/media/padding.bin", b"\0" * (megabytes << 20))
    return out.getvalue()


def many_members(content: bytes, members: int = 2000) -> bytes:
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            target.writestr(item, source.read(item.filename))
        for index in range(members):
            target.writestr(f"xl/media/m{index}.bin", b"")
    return out.getvalue()


def grid(
    sheet: str, head: Sequence[Sequence[Any]], rows: int, row: Callable[[int], Sequence[Any]]
) -> bytes:
    """A workbook (written in streaming mode) whose ``sheet`` has the ``head`` rows and then
    ``rows`` rows made by ``row(index)``."""
    book = openpyxl.Workbook(write_only=True)
    target = book.create_sheet(sheet)
    for values in head:
        target.append(list(values))
    for index in range(rows):
        target.append(list(row(index)))
    return saved(book)


@contextmanager
def quickly(limit: float = QUICK) -> Iterator[None]:
    start = time.monotonic()
    yield
    elapsed = time.monotonic() - start
    assert elapsed < limit, f"took {elapsed:.1f} s"


def refused(action: Callable[[], object]) -> DomainError:
    """The ``DomainError`` ``action`` raises, within ``QUICK`` seconds."""
    with quickly(), pytest.raises(DomainError) as error:
        action()
    return error.value


def codes(error: DomainError) -> list[str]:
    return [p.code for p in error.problems]


def formulas(content: bytes) -> list[str]:
    """Every formula element in the worksheets of an XLSX file (an export must have none)."""
    found: list[str] = []
    with zipfile.ZipFile(BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name).decode("utf-8")
                found += [part.split("</f>")[0] for part in xml.split("<f>")[1:]]
                found += [part.split(">")[0] for part in xml.split("<f ")[1:]]
    return found


def text_cells(content: bytes) -> dict[str, Any]:
    """``sheet!ref`` → value of every cell openpyxl reads back as a non-text type while its
    value is a string (a formula or an error value)."""
    book = openpyxl.load_workbook(BytesIO(content))
    odd: dict[str, Any] = {}
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.data_type != "s":
                    odd[f"{sheet.title}!{cell.coordinate}"] = cell.value
    return odd
