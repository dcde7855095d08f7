"""What every XLSX import page shares (the goal form, the self-evaluation table): the upload
form (size and type checked before a service reads the file), the confirm form carrying the
dry run's digest, and the stash that keeps the uploaded file between the dry run and the
apply (in the unit's storage prefix, named in the session). docs/imports.md."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from backend.web.forms import PlainForm

MAX_UPLOAD_BYTES = 2 * 1024 * 1024  # a filled form is some tens of kB
XLSX_MAGIC = b"PK\x03\x04"  # an XLSX file is a ZIP archive
XLSX_ACCEPT = ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STASH_FOLDER = "sheet-imports"


def xlsx_download(content: bytes, name: str) -> HttpResponse:
    """A filled or blank form to download (``name``: the file name, Chinese allowed)."""
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, name)
    return response


def head_of(upload: Any) -> bytes:
    """The first bytes of an upload (to tell an XLSX by its ZIP header), refusing one above
    ``MAX_UPLOAD_BYTES`` in Chinese; the upload is rewound."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise forms.ValidationError(
            f"文件大小为 {upload.size / 1024 / 1024:.1f} MB，超过 2 MB 的上限。"
        )
    head = upload.read(len(XLSX_MAGIC))
    upload.seek(0)
    return bytes(head)


class SheetUploadForm(PlainForm):
    """A filled sheet: at most 2 MB, named ``.xlsx`` and a ZIP archive. ``sheet``: how the
    messages name the form (``绩效目标申报表``)."""

    sheet = "表格"

    file = forms.FileField(
        label="上传已填写的表格",
        help_text="Excel 文件（.xlsx），不超过 2 MB；上传后先列出将发生的变更，确认后才导入。",
        widget=forms.ClearableFileInput(attrs={"accept": XLSX_ACCEPT}),
        error_messages={"required": "请选择要上传的文件。", "empty": "上传的文件是空的。"},
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        head = head_of(upload)
        if not (upload.name or "").lower().endswith(".xlsx") or head != XLSX_MAGIC:
            raise forms.ValidationError(
                f"文件类型不正确：请上传 Excel（.xlsx）格式的{self.sheet}。"
            )
        return upload


class ApplyImportForm(PlainForm):
    """The explicit apply: the digest of the dry run the user saw (``STALE`` when the import
    would now change something else)."""

    digest = forms.CharField(widget=forms.HiddenInput, max_length=64)


def stash(request: HttpRequest, key: str, content: bytes, digest: str) -> None:
    """Keep an uploaded sheet until the user confirms it, under the session ``key``."""
    drop_stash(request, key)
    name = default_storage.save(f"{STASH_FOLDER}/{uuid.uuid4().hex}.xlsx", ContentFile(content))
    request.session[key] = {"name": name, "digest": digest}


def stashed(request: HttpRequest, key: str) -> bytes | None:
    """The sheet kept under ``key``; None when there is none (applied, expired, never)."""
    entry = request.session.get(key)
    if not entry or not default_storage.exists(entry["name"]):
        return None
    with default_storage.open(entry["name"]) as handle:
        return bytes(handle.read())


def drop_stash(request: HttpRequest, key: str) -> None:
    entry = request.session.pop(key, None)
    if entry and default_storage.exists(entry["name"]):
        default_storage.delete(entry["name"])
