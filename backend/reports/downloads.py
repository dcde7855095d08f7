"""Downloading a unit's documents (evidence, generated reports) on the unit's host:
``/documents/<id>/download/``.

The caller needs a membership reaching the unit (session or bearer token): anonymous → 401,
no role here → 403. The document is looked up in this host's schema only, so another unit's
document id is simply unknown here (404). On S3 the answer is a redirect to a presigned URL
that lives ``PRESIGNED_SECONDS``; on the file system the file is streamed."""

from __future__ import annotations

import mimetypes
from pathlib import PurePosixPath
from urllib.parse import quote

from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
)
from django.urls import reverse
from django.views.decorators.http import require_GET
from storages.backends.s3 import S3Storage

from backend.documents.models import Document
from backend.reports.access import unit_reader

PRESIGNED_SECONDS = 300


def download_path(document: Document) -> str:
    """The path of the download URL of ``document`` on its unit's host."""
    return reverse("document-download", kwargs={"document_id": document.pk})


def _stored_name(document: Document) -> str:
    name = document.file.name
    assert name is not None, "a document is never saved without its file"
    return name


def file_name(document: Document) -> str:
    """The name the browser saves: the title, with the stored file's extension."""
    suffix = PurePosixPath(_stored_name(document)).suffix
    title = document.title.replace("/", "_").replace("\\", "_")
    return title if title.lower().endswith(suffix.lower()) else f"{title}{suffix}"


def content_type(document: Document) -> str:
    return mimetypes.guess_type(_stored_name(document))[0] or "application/octet-stream"


@require_GET
def document_download(request: HttpRequest, document_id: int) -> HttpResponseBase:
    unit = unit_reader(request)
    if isinstance(unit, HttpResponse):
        return unit
    document = Document.objects.filter(pk=document_id).first()
    if document is None:
        raise Http404("没有该文件。")
    name = file_name(document)
    storage = document.file.storage
    if isinstance(storage, S3Storage):
        url = storage.url(
            document.file.name,
            expire=PRESIGNED_SECONDS,
            parameters={
                "ResponseContentDisposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "ResponseContentType": content_type(document),
            },
        )
        response: HttpResponseBase = HttpResponseRedirect(url)
    else:
        try:
            handle = document.file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("文件已不存在。") from exc
        response = FileResponse(
            handle, as_attachment=True, filename=name, content_type=content_type(document)
        )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
