"""reports: GraphQL types."""

from __future__ import annotations

import graphene
from django.http import HttpRequest
from graphql_relay import to_global_id

from backend.documents.models import Document
from backend.reports.downloads import content_type, download_path, file_name


class ReportDocument(graphene.ObjectType):
    """A generated report stored as one of the unit's documents. ``url`` downloads it on the
    unit's host (the caller's session or bearer token; on S3 it redirects to a short-lived
    presigned URL)."""

    id = graphene.ID(required=True, description="global ID of the Document")
    title = graphene.String(required=True)
    file_name = graphene.String(required=True)
    content_type = graphene.String(required=True)
    size = graphene.Int(required=True, description="bytes")
    created_at = graphene.DateTime(required=True)
    url = graphene.String(required=True, description="absolute download URL")

    @staticmethod
    def from_document(document: Document, request: HttpRequest) -> ReportDocument:
        return ReportDocument(
            id=to_global_id("Document", document.pk),
            title=document.title,
            file_name=file_name(document),
            content_type=content_type(document),
            size=document.size,
            created_at=document.created_at,
            url=request.build_absolute_uri(download_path(document)),
        )
