import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend.monitoring import services
from tenants.models import Procuratorate


class Command(BaseCommand):
    help = (
        "Run the in-year monitoring rules (the sweep the beat schedule queues every morning) "
        "in this process: every active unit, or one with --unit. One transaction per unit; a "
        "unit that fails is rolled back alone and reported, the others go on."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", metavar="CODE", help="only this unit")
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD",
            type=datetime.date.fromisoformat,
            help="the day the rules look from (default: today)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        units = Procuratorate.objects.filter(active=True).order_by("path")
        if options["unit"]:
            units = Procuratorate.objects.filter(code=options["unit"])
            if not units.exists():
                raise CommandError(f"unknown unit: {options['unit']}")
        todo = list(units)
        with tqdm(total=len(todo), unit="unit", disable=options["verbosity"] == 0) as bar:

            def progress(unit: Procuratorate, _result: services.SweepResult | None) -> None:
                bar.set_postfix_str(unit.code)
                bar.update(1)

            results = services.sweep_all_inline(
                as_of=options["as_of"], units=todo, progress=progress
            )
        total = services.SweepResult()
        failed: list[str] = []
        for code, result in results.items():
            if isinstance(result, services.SweepResult):
                total += result
            else:
                failed.append(f"{code}: {result}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(results) - len(failed)} units swept: {total.raised} alerts raised, "
                f"{total.updated} updated, {total.resolved} resolved"
            )
        )
        if failed:
            raise CommandError("sweep failed for " + "; ".join(failed))
