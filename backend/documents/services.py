from __future__ import annotations

from django.core.files.base import File
from django.db import transaction

from backend.accounts.models import User
from backend.core.errors import DomainError
from backend.documents.models import Document

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024


@transaction.atomic
def store_document(*, title: str, content: File, uploaded_by: User | None) -> Document:
    """Store a file in the current unit's storage prefix and record it."""
    if not title.strip():
        raise DomainError.single("REQUIRED", "标题不能为空。", "title")
    if content.size is None or content.size > MAX_DOCUMENT_BYTES:
        raise DomainError.single("TOO_LARGE", "文件不能超过 50 MB。", "file")
    document = Document(title=title.strip(), size=content.size, uploaded_by=uploaded_by)
    document.file.save(content.name or "upload", content, save=False)
    document.save()
    return document
