from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.accounts import services
from backend.accounts.models import User


class Command(BaseCommand):
    help = "Issue an API token for a user and print it once (only its hash is stored)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--days", type=int, default=None, help="lifetime; 0 = no expiry")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no user {options['username']!r}")
        issued = services.issue_token(
            user,
            name=str(options["name"]),
            ttl_days=options["days"],
        )
        self.stdout.write(issued.secret)
