"""Evidence files uploaded through the pages (绩效自评, 结果应用): checked in the form by the
one upload check (``backend.documents.services.check_upload``: size, extension and content) so
that the message stands next to the file field and nothing is stored; ``store_document`` then
stores the file in the unit's storage prefix (and checks it again)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

from backend.core.errors import DomainError
from backend.documents.services import EVIDENCE_TYPES, check_upload

MAX_FILES = 10
ACCEPT = ",".join(sorted(EVIDENCE_TYPES))


def check_file(upload: UploadedFile) -> None:
    """Raise ``ValidationError`` (Chinese) unless ``upload`` passes the one size-and-type check
    of uploads (``backend.documents.services.check_upload``, the API's too)."""
    try:
        check_upload(upload.name or "", upload)
    except DomainError as error:
        raise forms.ValidationError([p.message for p in error.problems]) from None


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class EvidenceFiles(forms.FileField):
    """Several files in one field (Django's documented pattern), each checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[UploadedFile]:
        single = super().clean
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"一次最多上传 {MAX_FILES} 个文件。")
        cleaned = [single(f, initial) for f in files]
        for upload in cleaned:
            check_file(upload)
        return cleaned


class EvidenceFile(forms.FileField):
    """One file, checked."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        upload = super().clean(data, initial)
        if upload:
            check_file(upload)
        return upload
