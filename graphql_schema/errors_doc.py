"""The list of every error code in ``docs/api.md``: a section between two markers, written from
the registry (``graphql_schema.core.errors.DOMAINS``) by ``make schema``; the test of the
committed SDL compares it too, so the list cannot drift from the code."""

from __future__ import annotations

from pathlib import Path

from graphql_schema.core.errors import registered

PATH = Path(__file__).resolve().parent.parent / "docs" / "api.md"
BEGIN = "<!-- error-codes: written by `make schema` from the registry; do not edit by hand -->"
END = "<!-- /error-codes -->"


def section() -> str:
    rows = sorted(registered(), key=lambda row: row[1].value)
    lines = [
        BEGIN,
        "",
        f"{len(rows)} codes. The message is the default text shown to users; a service may say",
        "more (which row, which value).",
        "",
        "| code | domain | message |",
        "| --- | --- | --- |",
        *(
            f"| `{code.value}` | {domain} | {code.message.replace('|', '&#124;')} |"
            for domain, code in rows
        ),
        "",
        END,
    ]
    return "\n".join(lines)


def rendered(current: str) -> str:
    """``current`` (the document as committed) with the section between the markers replaced."""
    start, end = current.index(BEGIN), current.index(END) + len(END)
    return current[:start] + section() + current[end:]
