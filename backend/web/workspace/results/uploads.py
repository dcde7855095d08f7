"""Evidence files uploaded through the pages (绩效自评, 结果应用): the size and type a page
accepts, checked in the form so that the message stands next to the file field and nothing is
stored; ``store_document`` (``backend/documents/services.py``) then stores the file in the
unit's storage prefix and keeps its own limits."""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES = 10
# Extension → the first bytes a file of that type starts with (None: not checked).
SIGNATURES: dict[str, tuple[bytes, ...] | None] = {
    ".pdf": (b"%PDF-",),
    ".ofd": (b"PK\x03\x04",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".doc": (b"\xd0\xcf\x11\xe0",),
    ".xls": (b"\xd0\xcf\x11\xe0",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".zip": (b"PK\x03\x04",),
}
TYPES_TEXT = "PDF、OFD、JPG、PNG、Word、Excel 或 ZIP"
ACCEPT = ",".join(SIGNATURES)


def check_file(upload: UploadedFile) -> None:
    """Raise ``ValidationError`` (Chinese) unless ``upload`` is a non-empty file of an accepted
    type, no larger than ``MAX_BYTES``, whose first bytes match its extension."""
    name = upload.name or ""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SIGNATURES:
        raise forms.ValidationError(f"“{name}”的类型不支持，只能上传 {TYPES_TEXT} 文件。")
    if not upload.size:
        raise forms.ValidationError(f"“{name}”是空文件。")
    if upload.size > MAX_BYTES:
        raise forms.ValidationError(
            f"“{name}”有 {upload.size / 1024 / 1024:.1f} MB，单个文件不能超过 "
            f"{MAX_BYTES // 1024 // 1024} MB。"
        )
    signatures = SIGNATURES[suffix]
    if signatures:
        head = upload.read(16)
        upload.seek(0)
        if not any(head.startswith(s) for s in signatures):
            raise forms.ValidationError(f"“{name}”的内容与扩展名 {suffix} 不符。")


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
