from django.core.management.base import BaseCommand

from graphql_schema import access_doc, errors_doc
from graphql_schema.sdl import rendered


class Command(BaseCommand):
    help = (
        "Write graphql_schema/public.graphql and tenant.graphql from the code, docs/access.md "
        "from the role table and the GraphQL access map, and the list of error codes in "
        "docs/api.md from the registry."
    )

    def handle(self, *args: object, **options: object) -> None:
        for path, text in rendered().items():
            path.write_text(text, encoding="utf-8")
            self.stdout.write(f"wrote {path.name}")
        access_doc.PATH.write_text(access_doc.rendered(), encoding="utf-8")
        self.stdout.write(f"wrote {access_doc.PATH.name}")
        current = errors_doc.PATH.read_text(encoding="utf-8")
        errors_doc.PATH.write_text(errors_doc.rendered(current), encoding="utf-8")
        self.stdout.write(f"wrote the error codes in {errors_doc.PATH.name}")
