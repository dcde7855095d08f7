"""reports: GraphQL queries. Tenant: the unit's documents (uploaded evidence and generated
reports), newest first."""

from __future__ import annotations

import graphene

from backend.core import cleaning
from backend.documents.models import Document
from graphql_schema.core.errors import InvalidArgument
from graphql_schema.core.permissions import require_unit_access
from graphql_schema.reports.types import ReportDocument

MAX_DOCUMENTS = 200


class TenantReportQueries(graphene.ObjectType):
    """On a unit's host."""

    documents = graphene.List(
        graphene.NonNull(ReportDocument),
        required=True,
        limit=graphene.Int(default_value=50, description=f"at most {MAX_DOCUMENTS}"),
        description="The unit's documents (evidence, generated reports), newest first.",
    )

    @staticmethod
    def resolve_documents(
        root: None, info: graphene.ResolveInfo, limit: int | None = 50
    ) -> list[ReportDocument]:
        require_unit_access(info)
        count, problem = cleaning.limit(limit, default=50, maximum=MAX_DOCUMENTS)
        if problem is not None:
            raise InvalidArgument(problem)
        return [
            ReportDocument.from_document(document, info.context)
            for document in Document.objects.order_by("-created_at", "-id")[:count]
        ]


class PublicReportQueries(graphene.ObjectType):
    """On the public host."""
