from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.core.errors import DomainError
from tenants.backup import backup_unit


class Command(BaseCommand):
    help = (
        "Back up one unit: its schema (structure and rows, one snapshot), its files and a "
        "manifest (migrations, per-table row counts and checksums). docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="the unit's code, e.g. lengshuijiang")
        parser.add_argument("directory", help="missing or empty directory to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = backup_unit(options["code"], Path(options["directory"]))
        except DomainError as error:
            raise CommandError(str(error)) from error
        rows = sum(t["rows"] for t in manifest["tables"].values())
        self.stdout.write(
            self.style.SUCCESS(
                f"{manifest['unit']['code']}: {len(manifest['tables'])} tables, {rows} rows, "
                f"{len(manifest['files'])} files → {options['directory']}"
            )
        )
