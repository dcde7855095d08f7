import time
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend.core.errors import DomainError
from tenants import services
from tenants.tasks import import_units_task


class Command(BaseCommand):
    help = (
        "Provision the units of a CSV (code,name,level,parent_code,region). Idempotent: units "
        "already registered are skipped. A bad row is reported with its line number and leaves "
        "nothing behind."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("csv_path")
        parser.add_argument(
            "--background",
            action="store_true",
            help="queue the import as a Celery task and follow its progress",
        )

    def handle(self, *args: object, **options: object) -> None:
        try:
            rows = services.read_units_csv(str(options["csv_path"]))
        except (OSError, DomainError) as error:
            raise CommandError(str(error)) from error
        if options["background"]:
            result = self._run_in_background(rows)
            errors = [(e["line"], e["message"]) for e in result["errors"]]
            created, skipped = result["created"], result["skipped"]
        else:
            with tqdm(total=len(rows), unit="unit", disable=options["verbosity"] == 0) as bar:
                report = services.import_units(rows, progress=lambda *_: bar.update(1))
            errors = [(line, str(error)) for line, error in report.errors]
            created, skipped = report.created, report.skipped
        for line, message in errors:
            self.stderr.write(f"line {line}: {message}")
        summary = f"created {len(created)}, skipped {len(skipped)}, failed {len(errors)}"
        if errors:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))

    def _run_in_background(self, rows: list[tuple[int, services.UnitSpec]]) -> dict:
        payload = [{"line": line, "unit": asdict(spec)} for line, spec in rows]
        result = import_units_task.delay(payload)
        with tqdm(total=len(rows), unit="unit") as bar:
            while not result.ready():
                info = result.info if result.state == "PROGRESS" else None
                if isinstance(info, dict):
                    bar.update(info["done"] - bar.n)
                time.sleep(0.2)
            bar.update(len(rows) - bar.n)
        return result.get()
