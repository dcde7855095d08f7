from django.core.management.base import BaseCommand

from graphql_schema import access_doc
from graphql_schema.sdl import rendered


class Command(BaseCommand):
    help = (
        "Write graphql_schema/public.graphql and tenant.graphql from the code, and docs/access.md "
        "from the role table and the GraphQL access map."
    )

    def handle(self, *args: object, **options: object) -> None:
        for path, text in rendered().items():
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {path.name}")
        access_doc.PATH.write_text(access_doc.rendered(), encoding="utf-8")
        self.stdout.write(f"wrote {access_doc.PATH.name}")
