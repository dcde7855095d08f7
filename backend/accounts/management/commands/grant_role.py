from django.core.management.base import BaseCommand, CommandError, CommandParser

from backend.accounts import services
from backend.accounts.models import Role, User
from backend.core.errors import DomainError
from tenants.selectors import unit_by_code


class Command(BaseCommand):
    help = "Give a user a role at a unit (it reaches the unit's whole subtree)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("unit_code")
        parser.add_argument("role", choices=Role.values)

    def handle(self, *args: object, **options: object) -> None:
        user = User.objects.filter(username=options["username"]).first()
        unit = unit_by_code(str(options["unit_code"]))
        if user is None or unit is None:
            raise CommandError("unknown user or unit")
        try:
            services.grant_membership(user, unit, str(options["role"]))
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{user.username} is {options['role']} at {unit.code}")
