"""The per-file size limit, applied while a multipart request streams in.

``LimitedUploadHandler`` is the first of ``settings.FILE_UPLOAD_HANDLERS``: it counts each
file's bytes and passes them on to Django's own handlers (memory for small requests, a
temporary file on disk otherwise). Once a file passes ``JIXIAO_UPLOAD_MAX_BYTES`` the rest of
it is read from the network and dropped — never stored — whatever the later handlers held of it
is closed (a temporary file is deleted), and the file appears in ``request.FILES`` as an
``OversizedUpload``: a file with no content whose ``size`` is what was seen. The service's
check (``backend.documents.services.check_upload``) turns that into ``TOO_LARGE`` naming the
field, so an over-limit upload is a typed error like any other, not a 400 or a 500.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler


class OversizedUpload(UploadedFile):
    """A file part that went over the limit: its name and the bytes seen, no content."""

    oversized = True

    def __init__(self, name: str, content_type: str | None, size: int) -> None:
        super().__init__(io.BytesIO(), name=name, content_type=content_type, size=size)


class LimitedUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.limit = settings.JIXIAO_UPLOAD_MAX_BYTES
        self.seen = 0
        # A part that announces its own length (browsers rarely do) is judged at once.
        self.oversized = self.content_length is not None and self.content_length > self.limit

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.seen += len(raw_data)
        if self.seen > self.limit:
            self.oversized = True
        # None: the later handlers (memory, temporary file) never see the rest.
        return None if self.oversized else raw_data

    def file_complete(self, file_size: int) -> UploadedFile | None:
        if not self.oversized:
            return None  # the next handler returns the file it stored
        for handler in self.request.upload_handlers if self.request is not None else ():
            held = getattr(handler, "file", None)
            if handler is not self and held is not None:
                held.close()  # a TemporaryUploadedFile deletes itself
        return OversizedUpload(self.file_name or "upload", self.content_type, self.seen)
