from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from backend.benchmarking import services
from tenants.models import Procuratorate


class Command(BaseCommand):
    help = (
        "Recompute the public fact tables (projects with approved goals and their standard "
        "indicators, with the results of finalised evaluations; execution and unit-year "
        "facts) from the units' schemas: every unit, or one with --unit. One transaction "
        "per unit, never one over many schemas; the result equals what the goal workflow "
        "writes as it goes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--unit", metavar="CODE", help="only this unit")

    def handle(self, *args: Any, **options: Any) -> None:
        units = Procuratorate.objects.order_by("path")
        if options["unit"]:
            units = units.filter(code=options["unit"])
            if not units.exists():
                raise CommandError(f"unknown unit: {options['unit']}")
        units = list(units)
        projects = indicators = unit_years = budgets = 0
        with tqdm(total=len(units), unit="unit", disable=options["verbosity"] == 0) as bar:
            for unit in units:
                result = services.rebuild_facts(unit)
                projects += result.projects
                indicators += result.indicators
                unit_years += result.unit_years
                budgets += result.budgets
                bar.update(1)
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(units)} units: {projects} project facts, {indicators} indicator facts, "
                f"{unit_years} unit-year facts, {budgets} budget facts"
            )
        )
