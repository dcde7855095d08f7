from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from backend.accounts.models import ApiToken


class Command(BaseCommand):
    help = "Revoke API tokens by prefix (as shown in the admin) or every token of a user."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prefix")
        parser.add_argument("--user")

    def handle(self, *args: object, **options: object) -> None:
        tokens = ApiToken.objects.filter(revoked_at__isnull=True)
        if options["prefix"]:
            tokens = tokens.filter(prefix=options["prefix"])
        elif options["user"]:
            tokens = tokens.filter(user__username=options["user"])
        else:
            raise CommandError("give --prefix or --user")
        count = tokens.update(revoked_at=timezone.now())
        self.stdout.write(f"revoked {count} token(s)")
