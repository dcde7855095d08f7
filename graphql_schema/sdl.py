"""The committed SDL of both GraphQL schemas: ``make schema`` writes it, a test compares it."""

from __future__ import annotations

from pathlib import Path

from graphql import print_schema

FOLDER = Path(__file__).resolve().parent


def rendered() -> dict[Path, str]:
    from graphql_schema.public import schema as public
    from graphql_schema.tenant import schema as tenant

    return {
        FOLDER / "public.graphql": print_schema(public.graphql_schema) + "\n",
        FOLDER / "tenant.graphql": print_schema(tenant.graphql_schema) + "\n",
    }
