from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tenants.references import BATCH, dangling_references, shared_references, unit_schemas


class Command(BaseCommand):
    help = (
        "Report every id in every unit schema that points at no shared row (users, templates, "
        "template versions, pushes, monitoring rounds): the check that replaces the foreign-key "
        "constraints unit schemas do not carry (docs/scaling.md). Exits 1 when any is found."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=BATCH, help="unit schemas per query")

    def handle(self, *args: Any, **options: Any) -> None:
        schemas = unit_schemas()
        found = 0
        for item in dangling_references(schemas, batch=options["batch"]):
            found += 1
            self.stdout.write(
                f"{item.schema}: {item.reference.table}.id={item.row_id} "
                f"{item.reference.column}={item.value} → no {item.reference.target_table} row"
            )
        summary = (
            f"{len(shared_references())} shared references checked in {len(schemas)} units: "
            f"{found} dangling"
        )
        if found:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
