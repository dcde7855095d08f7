from typing import Any

from django.core.management.base import BaseCommand

from tenants import blueprint


class Command(BaseCommand):
    help = (
        "Migrate the blueprint schema and render its DDL for the current migration state. "
        "Run after migrate_schemas on every deploy; provisioning does it on demand otherwise."
    )

    def handle(self, *args: object, **options: Any) -> None:
        bp = blueprint.ensure_blueprint(verbosity=int(options["verbosity"]) - 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"blueprint {bp.state_key[:12]}: {len(bp.ddl.splitlines())} DDL lines, "
                f"{len(bp.migrations)} migrations"
            )
        )
