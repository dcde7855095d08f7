from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.core.errors import DomainError
from tenants.models import UnitLevel
from tenants.services import UnitSpec, provision_unit


class Command(BaseCommand):
    help = "Provision one procuratorate: its registry row, schema and domain."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="ASCII slug, also the host label (e.g. lengshuijiang)")
        parser.add_argument("name", help="e.g. 冷水江市人民检察院")
        parser.add_argument("--level", required=True, choices=UnitLevel.values)
        parser.add_argument("--parent", dest="parent_code", default=None)
        parser.add_argument("--region", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        spec = UnitSpec(
            code=str(options["code"]),
            name=str(options["name"]),
            level=str(options["level"]),
            parent_code=options["parent_code"] or None,
            region=str(options["region"]),
        )
        try:
            unit = provision_unit(spec)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"created {unit.code} (schema {unit.schema_name})"))
