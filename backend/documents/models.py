"""Files a unit keeps (evidence, generated reports). Tenant schema; stored through the default
storage under the unit's own prefix."""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils import timezone


def document_key(instance: Document, filename: str) -> str:
    """``documents/<yyyy>/<mm>/<uuid><ext>``: the name the user gave is kept in ``title`` and
    never used as a storage key."""
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    now = timezone.now()
    return f"documents/{now:%Y}/{now:%m}/{uuid.uuid4().hex}{suffix}"


class Document(models.Model):
    title = models.CharField("标题", max_length=200)
    file = models.FileField("文件", upload_to=document_key, max_length=255)
    size = models.PositiveBigIntegerField("大小（字节）")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="上传人",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        related_name="+",
        db_constraint=False,
        db_index=False,
    )
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "文件"
        verbose_name_plural = "文件"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_at"], name="document_created")]

    def __str__(self) -> str:
        return self.title
