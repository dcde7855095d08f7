"""File uploads over GraphQL: the ``Upload`` scalar and the multipart request spec
(https://github.com/jaydenseric/graphql-multipart-request-spec), implemented here rather than
with graphene-file-upload (docs/dependencies.md says why).

A request is ``multipart/form-data`` with, in this order:

- ``operations``: the JSON body a plain request would have (``query``, ``variables``,
  ``operationName``), each file's variable ``null``;
- ``map``: JSON ``{"0": ["variables.file"], ...}``, which part fills which variable;
- the file parts ``0``, ``1``, … .

Django's upload handlers stream the parts to temporary files (``backend/documents/uploads.py``
cuts off a file over the limit); ``operations_from`` puts each file where the map says.
Anything malformed is a typed request error (``INVALID_MULTIPART``, ``TOO_LARGE``,
``TOO_MANY_FILES``), never a 500. Batched operations (a JSON list) are not accepted, as the
plain endpoint does not batch either.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import graphene
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from graphene_django.views import HttpError
from graphql import GraphQLError

from backend.core.errors import BaseErrorCode, CoreErrorCode, DomainError
from backend.documents.services import read_upload
from graphql_schema.core.errors import ApiErrorCode

# Shown on every base64 file argument (and in docs/api.md, "Changelog").
BASE64_DEPRECATION = (
    "Send the file as `file` (an Upload, the GraphQL multipart request spec); the base64 "
    "arguments are removed after 2027-06-30."
)


class Upload(graphene.Scalar):
    """A file sent with the request as a multipart part (the GraphQL multipart request spec:
    ``operations``, ``map``, then the files). Input only."""

    @staticmethod
    def serialize(value: Any) -> Any:
        raise GraphQLError("Upload 只能用作输入。")

    @staticmethod
    def parse_literal(ast: Any, _variables: Any = None) -> Any:
        raise GraphQLError("文件须作为变量按 multipart 规范上传（operations、map 和文件部分）。")

    @staticmethod
    def parse_value(value: Any) -> UploadedFile:
        if isinstance(value, UploadedFile):
            return value
        raise GraphQLError("文件须作为变量按 multipart 规范上传（operations、map 和文件部分）。")


class UploadRequestError(HttpError):
    """A request the endpoint cannot read, answered as ``{"errors": [{message, extensions:
    {code, field}}]}`` with an HTTP status (413 for TOO_LARGE, 400 otherwise)."""

    def __init__(
        self, code: BaseErrorCode, message: str, status: int = 400, field: str | None = None
    ):
        super().__init__(HttpResponse(status=status), message)
        self.code = code
        self.field = field

    def as_dict(self) -> dict[str, Any]:
        extensions: dict[str, Any] = {"code": self.code}
        if self.field:
            extensions["field"] = self.field
        return {"message": self.message, "extensions": extensions}


def too_large(limit: int | None = None) -> UploadRequestError:
    """The request body is over ``limit`` bytes (by default the limit of the JSON body and of
    a multipart request's non-file fields, ``DATA_UPLOAD_MAX_MEMORY_SIZE``)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE if limit is None else limit
    hint = "文件请按 multipart 规范上传" if limit < settings.JIXIAO_UPLOAD_MAX_BYTES else ""
    return UploadRequestError(
        CoreErrorCode.TOO_LARGE,
        f"请求过大：不能超过 {limit / (1024 * 1024):.0f} MB{('，' + hint) if hint else ''}。",
        413,
    )


def check_request_size(request: HttpRequest) -> None:
    """Refuse a body larger than ``JIXIAO_UPLOAD_MAX_REQUEST_BYTES`` before reading it (when a
    middleware has already read it, the per-file limit applied while it streamed in)."""
    if getattr(request, "_read_started", False):
        return
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        raise UploadRequestError(ApiErrorCode.INVALID_MULTIPART, "Content-Length 无效。") from None
    if length > settings.JIXIAO_UPLOAD_MAX_REQUEST_BYTES:
        raise too_large(settings.JIXIAO_UPLOAD_MAX_REQUEST_BYTES)


def read_form(request: HttpRequest) -> tuple[Any, Any]:
    """``request.POST`` and ``request.FILES``, with Django's parse errors made typed."""
    try:
        return request.POST, request.FILES
    except RequestDataTooBig:
        raise too_large() from None
    except TooManyFilesSent:
        raise UploadRequestError(
            ApiErrorCode.TOO_MANY_FILES,
            f"一次请求最多上传 {settings.DATA_UPLOAD_MAX_NUMBER_FILES} 个文件。",
        ) from None
    except (MultiPartParserError, TooManyFieldsSent) as exc:
        raise UploadRequestError(
            ApiErrorCode.INVALID_MULTIPART, f"multipart 请求无法解析：{exc}"
        ) from None


def _invalid(message: str) -> UploadRequestError:
    return UploadRequestError(ApiErrorCode.INVALID_MULTIPART, message)


def _place(operations: dict[str, Any], path: str, file: UploadedFile) -> None:
    """Put ``file`` at the dotted ``path`` (``variables.file``, ``variables.files.0``), which
    must lead to a ``null`` inside the variables."""
    parts = path.split(".")
    if len(parts) < 2 or parts[0] != "variables":
        raise _invalid(f"map 中的路径“{path}”须指向 variables 中的变量。")
    node: Any = operations
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        if isinstance(node, dict):
            if part not in node:
                raise _invalid(f"map 中的路径“{path}”在 operations 中不存在。")
            if last:
                if node[part] is not None:
                    raise _invalid(f"map 中的路径“{path}”在 operations 中须为 null。")
                node[part] = file
            else:
                node = node[part]
        elif isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise _invalid(f"map 中的路径“{path}”在 operations 中不存在。")
            if last:
                if node[int(part)] is not None:
                    raise _invalid(f"map 中的路径“{path}”在 operations 中须为 null。")
                node[int(part)] = file
            else:
                node = node[int(part)]
        else:
            raise _invalid(f"map 中的路径“{path}”在 operations 中不存在。")


def operations_from(request: HttpRequest) -> dict[str, Any]:
    """The GraphQL request a multipart body carries, files in place."""
    post, files = read_form(request)
    try:
        operations = json.loads(post["operations"])
        files_map = json.loads(post.get("map") or "{}")
    except (KeyError, ValueError):
        raise _invalid("operations 和 map 须为有效的 JSON。") from None
    if isinstance(operations, list):
        raise _invalid("不支持批量操作：operations 须为一个 JSON 对象。")
    if not isinstance(operations, dict):
        raise _invalid("operations 须为一个 JSON 对象。")
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(p, str) for p in paths)
        for paths in files_map.values()
    ):
        raise _invalid("map 须为对象，每个文件对应一个路径列表。")
    if not isinstance(operations.get("variables") or {}, dict):
        raise _invalid("operations.variables 须为一个 JSON 对象。")
    for key, paths in files_map.items():
        file = files.get(key)
        if file is None:
            raise _invalid(f"map 中的文件“{key}”没有对应的文件部分。")
        for path in paths:
            _place(operations, path, file)
    return operations


# --- what the mutations call --------------------------------------------------------------------


def uploaded_content(
    *,
    file: UploadedFile | None,
    file_base64: str | None,
    allowed: dict[str, frozenset[str]] | None = None,
    name: str = "upload.xlsx",
    base64_field: str = "fileBase64",
) -> bytes:
    """The bytes of a file argument, given either as an ``Upload`` (``file``) or as the
    deprecated base64 string, after ``check_upload`` (size and type). ``name`` is the file name
    assumed for base64 content, which carries none."""
    check_one_file(file, file_base64, base64_field)
    if file is not None:
        return read_upload(file.name or "", file, allowed=allowed, field="file")
    return read_upload(
        name,
        base64_file(file_base64 or "", name=name, field=base64_field),
        allowed=allowed,
        field=base64_field,
    )


def check_one_file(file: Any, base64_text: str | None, base64_field: str) -> None:
    """Exactly one of an ``Upload`` and the deprecated base64 argument."""
    if file is None and base64_text is None:
        raise DomainError.single(CoreErrorCode.REQUIRED, "请上传一个文件（file）。", "file")
    if file is not None and base64_text is not None:
        raise DomainError.single(
            ApiErrorCode.INVALID_INPUT,
            f"file 与 {base64_field} 只能二选一，请只用 file。",
            base64_field,
        )


def base64_file(text: str, *, name: str, field: str) -> File:
    """Decode a deprecated base64 file argument (``INVALID_FILE`` when it is not base64)."""
    if len(text) > (settings.JIXIAO_UPLOAD_MAX_BYTES * 4) // 3 + 4:
        limit = settings.JIXIAO_UPLOAD_MAX_BYTES // (1024 * 1024)
        raise DomainError.single(CoreErrorCode.TOO_LARGE, f"文件超过 {limit} MB 的上限。", field)
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        message = "文件内容不是有效的 base64 编码。"
        raise DomainError.single(CoreErrorCode.INVALID_FILE, message, field) from None
    return ContentFile(content, name=name)
