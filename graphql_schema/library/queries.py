import graphene

from graphql_schema.core.permissions import require_unit_access
from graphql_schema.library.types import Library


class LibraryQueries(graphene.ObjectType):
    library = graphene.Field(Library, required=True, description="本院指标库")

    @staticmethod
    def resolve_library(root: None, info: graphene.ResolveInfo) -> Library:
        require_unit_access(info)
        return Library()
