"""Writes of the documents app, and the one check every uploaded file goes through.

``check_upload(name, file)`` is the single place that decides whether a file may come in: its
size (``settings.JIXIAO_UPLOAD_MAX_BYTES``, 50 MB unless configured) and its type, by extension
*and* by content (the first bytes, and for Office/OFD files the names inside the archive). The
GraphQL mutations and the pages' multipart forms both call it (``store_document`` calls it
itself), so the rules and the Chinese messages are the same everywhere.

Evidence may be (docs/api.md, "Uploads"):

- PDF; OFD (the national 版式文档 format);
- images: JPEG, PNG, GIF, BMP, TIFF, WebP;
- Office and WPS documents: DOC/DOCX, XLS/XLSX, PPT/PPTX, WPS/ET/DPS (macro-enabled ones are
  refused, including a macro workbook renamed to .xlsx);
- text: TXT, CSV (UTF-8, GB18030 or UTF-16 with a byte-order mark);
- ZIP archives (a bundle of scans; stored as they are, never unpacked by the platform).

The sheets the platform imports (goal forms, self-evaluation tables, template and statistics
sheets) must be XLSX: ``check_upload(name, file, allowed=SHEET_TYPES)``.
"""

from __future__ import annotations

import struct
from pathlib import PurePosixPath

from django.conf import settings
from django.core.files.base import File
from django.db import transaction

from backend.accounts.models import User
from backend.core.errors import CoreErrorCode, DomainError, Problem
from backend.documents.errors import DocumentErrorCode
from backend.documents.models import Document

# extension -> the content families a file with that extension may hold
EVIDENCE_TYPES: dict[str, frozenset[str]] = {
    ".pdf": frozenset({"pdf"}),
    ".ofd": frozenset({"ofd"}),
    ".jpg": frozenset({"jpeg"}),
    ".jpeg": frozenset({"jpeg"}),
    ".png": frozenset({"png"}),
    ".gif": frozenset({"gif"}),
    ".bmp": frozenset({"bmp"}),
    ".tif": frozenset({"tiff"}),
    ".tiff": frozenset({"tiff"}),
    ".webp": frozenset({"webp"}),
    ".doc": frozenset({"ole2"}),
    ".xls": frozenset({"ole2"}),
    ".ppt": frozenset({"ole2"}),
    ".docx": frozenset({"docx"}),
    ".xlsx": frozenset({"xlsx"}),
    ".pptx": frozenset({"pptx"}),
    # WPS Office: binary (OLE2) files, or OOXML in recent versions.
    ".wps": frozenset({"ole2", "docx"}),
    ".et": frozenset({"ole2", "xlsx"}),
    ".dps": frozenset({"ole2", "pptx"}),
    ".txt": frozenset({"text"}),
    ".csv": frozenset({"text"}),
    ".zip": frozenset({"zip", "docx", "xlsx", "pptx", "ofd"}),
}
SHEET_TYPES: dict[str, frozenset[str]] = {".xlsx": frozenset({"xlsx"})}
EVIDENCE_LABEL = (
    "PDF、OFD、图片（JPG/PNG/GIF/BMP/TIFF/WebP）、Office/WPS 文档、TXT/CSV 文本或 ZIP 压缩包"
)
SHEET_LABEL = "XLSX 表格"

HEAD_BYTES = 8192
TITLE_MAX = Document._meta.get_field("title").max_length or 200
# An Office file lists its parts in the zip's central directory; more than this is no document.
MAX_ARCHIVE_ENTRIES = 10_000
_OOXML = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def max_upload_bytes() -> int:
    return settings.JIXIAO_UPLOAD_MAX_BYTES


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB" if size >= 1024 * 1024 else f"{size} 字节"


def _zip_names(file: File) -> list[str] | None:
    """The member names of a zip, read from its central directory only (nothing is
    decompressed); ``None`` when it is not a readable zip or lists too many members."""
    import zipfile

    file.seek(0, 2)
    end = file.tell()
    tail_size = min(end, 65_536 + 22)
    file.seek(end - tail_size)
    tail = file.read(tail_size)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (entries,) = struct.unpack("<H", tail[at + 10 : at + 12])
    if entries > MAX_ARCHIVE_ENTRIES or entries == 0xFFFF:  # 0xFFFF: a ZIP64 archive
        return None
    file.seek(0)
    try:
        with zipfile.ZipFile(file) as archive:
            return archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None
    finally:
        file.seek(0)


def _zip_family(file: File) -> str:
    names = _zip_names(file)
    if names is None:
        return "zip"
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return "macro"
    if "[Content_Types].xml" in names:
        for prefix, family in _OOXML.items():
            if any(n.startswith(prefix) for n in names):
                return family
    if "OFD.xml" in names:
        return "ofd"
    return "zip"


def _decodes(head: bytes, encoding: str) -> bool:
    # The head may cut a multi-byte character at its end: allow up to three bytes off.
    for cut in range(4 if len(head) == HEAD_BYTES else 1):
        try:
            head[: len(head) - cut].decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def _is_text(head: bytes) -> bool:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True  # UTF-16 with a byte-order mark (Excel's "Unicode text")
    if b"\x00" in head:
        return False
    return _decodes(head, "utf-8") or _decodes(head, "gb18030")


def sniff(file: File) -> str:
    """The content family of ``file`` from its first bytes (pdf, jpeg, png, gif, bmp, tiff,
    webp, ole2, docx, xlsx, pptx, ofd, macro, zip, text, or unknown)."""
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"BM") and len(head) >= 26:
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole2"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_family(file)
    if head and _is_text(head):
        return "text"
    return "unknown"


def check_upload(
    name: str,
    file: File,
    *,
    allowed: dict[str, frozenset[str]] | None = None,
    field: str = "file",
) -> str:
    """Check an uploaded file before anything stores or reads it; returns its extension
    (``".pdf"``). ``name`` is the file name the user gave (only its extension matters),
    ``file`` any Django ``File`` (an upload from ``request.FILES`` or a GraphQL ``Upload``, a
    ``ContentFile``); ``allowed`` maps extensions to content families (``EVIDENCE_TYPES``, the
    default, or ``SHEET_TYPES``); ``field`` names the input in the errors. Raises
    ``DomainError`` with one of:

    - ``TOO_LARGE``: over ``settings.JIXIAO_UPLOAD_MAX_BYTES`` (also a file the upload handler
      cut off, ``uploads.OversizedUpload``);
    - ``REQUIRED``: an empty file;
    - ``INVALID_FILE_TYPE``: an extension not allowed, or content that is not what the
      extension says (a renamed executable, a macro workbook named .xlsx).
    """
    allowed = EVIDENCE_TYPES if allowed is None else allowed
    label = SHEET_LABEL if allowed is SHEET_TYPES else EVIDENCE_LABEL
    shown = PurePosixPath(name or "").name or "文件"
    limit = max_upload_bytes()
    size = file.size
    if getattr(file, "oversized", False) or size is None or size > limit:
        raise DomainError.single(
            CoreErrorCode.TOO_LARGE, f"文件“{shown}”超过 {_megabytes(limit)} 的上限。", field
        )
    if size == 0:
        raise DomainError.single(CoreErrorCode.REQUIRED, f"文件“{shown}”是空文件。", field)
    extension = PurePosixPath(name or "").suffix.lower()
    families = allowed.get(extension)
    if families is None:
        what = f"扩展名为“{extension}”的文件" if extension else "没有扩展名的文件"
        raise DomainError.single(
            DocumentErrorCode.INVALID_FILE_TYPE, f"不支持上传{what}，仅支持{label}。", field
        )
    found = sniff(file)
    if found not in families:
        hint = "（含宏的 Office 文件不能上传）" if found == "macro" else ""
        raise DomainError.single(
            DocumentErrorCode.INVALID_FILE_TYPE,
            f"文件“{shown}”的内容与扩展名“{extension}”不符{hint}，仅支持{label}。",
            field,
        )
    return extension


def read_upload(
    name: str,
    file: File,
    *,
    allowed: dict[str, frozenset[str]] | None = None,
    field: str = "file",
) -> bytes:
    """``check_upload``, then the file's bytes (for the importers, which parse the whole
    sheet; the size is bounded by the check)."""
    check_upload(name, file, allowed=allowed, field=field)
    file.seek(0)
    return file.read()


@transaction.atomic
def store_document(
    *, title: str, content: File, uploaded_by: User | None, field: str = "file"
) -> Document:
    """Store a file in the current unit's storage prefix and record it as one of its documents
    (evidence, reports). ``content.name`` is the name the user gave: it is checked by
    ``check_upload`` (size and type, errors naming ``field``) and kept only for its extension;
    ``title`` is what the unit sees. Call on the unit's schema."""
    problems: list[Problem] = []
    title = (title or "").strip()
    if not title:
        problems.append(Problem(CoreErrorCode.REQUIRED, "标题不能为空。", "title"))
    elif len(title) > TITLE_MAX:
        problems.append(
            Problem(CoreErrorCode.TOO_LONG, f"标题不能超过 {TITLE_MAX} 个字符。", "title")
        )
    try:
        check_upload(content.name or "", content, field=field)
    except DomainError as error:
        problems += error.problems
    if problems:
        raise DomainError(*problems)
    content.seek(0)
    document = Document(title=title, size=content.size, uploaded_by=uploaded_by)
    document.file.save(content.name or "upload", content, save=False)
    document.save()
    return document
