from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.core.errors import DomainError
from tenants.backup import restore_unit


class Command(BaseCommand):
    help = (
        "Restore a unit backed up by backup_unit into a fresh schema, checking every table "
        "against the manifest. Registers the unit when missing. docs/operations.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory")
        parser.add_argument("--as", dest="as_code", default=None, help="restore under this code")
        parser.add_argument(
            "--replace", action="store_true", help="drop and replace an existing schema"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            schema = restore_unit(
                Path(options["directory"]), as_code=options["as_code"], replace=options["replace"]
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"restored into schema {schema}; run manage.py check_references to list ids "
                "of shared rows this platform does not hold"
            )
        )
