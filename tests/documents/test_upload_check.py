"""The one upload check (``backend.documents.services.check_upload``): size, and type by
extension and by content, with the Chinese messages the API and the pages show."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.base import ContentFile

from backend.core.errors import DomainError
from backend.documents.services import SHEET_TYPES, check_upload
from backend.documents.uploads import OversizedUpload
from tests.documents import samples


def problems(name: str, content: bytes, **kwargs: Any) -> list[tuple[str, str | None]]:
    with pytest.raises(DomainError) as caught:
        check_upload(name, ContentFile(content, name=name), **kwargs)
    return [(p.code, p.field) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("整改报告.pdf", samples.PDF),
        ("现场照片.PNG", samples.PNG),
        ("现场照片.jpg", samples.JPEG),
        ("票据.jpeg", samples.JPEG),
        ("流程.gif", samples.GIF),
        ("会议纪要.docx", samples.DOCX),
        ("台账.xlsx", samples.xlsx()),
        ("汇报.pptx", samples.PPTX),
        ("旧版纪要.doc", samples.OLE2),
        ("旧版台账.xls", samples.OLE2),
        ("纪要.wps", samples.OLE2),
        ("台账.et", samples.xlsx()),
        ("电子公文.ofd", samples.OFD),
        ("扫描件.zip", samples.ZIP),
        ("说明.txt", samples.TEXT_UTF8),
        ("说明（GBK）.txt", samples.TEXT_GB18030),
        ("明细.csv", samples.CSV),
    ],
)
def test_evidence_of_every_allowed_kind_passes(name: str, content: bytes) -> None:
    extension = check_upload(name, ContentFile(content, name=name))
    assert extension == "." + name.rsplit(".", 1)[1].lower()


def test_a_type_not_allowed_is_refused_by_its_extension() -> None:
    assert problems("setup.exe", samples.EXE) == [("INVALID_FILE_TYPE", "file")]
    assert problems("无扩展名", samples.PDF) == [("INVALID_FILE_TYPE", "file")]
    with pytest.raises(DomainError) as caught:
        check_upload("脚本.js", ContentFile(b"alert(1)"), field="contentBase64")
    problem = caught.value.problems[0]
    assert problem.field == "contentBase64"
    assert problem.message.startswith("不支持上传扩展名为“.js”的文件，仅支持PDF")


def test_content_must_be_what_the_extension_says() -> None:
    # A renamed executable, a JPEG called .png, a workbook called .docx, text called .pdf.
    assert problems("整改报告.pdf", samples.EXE) == [("INVALID_FILE_TYPE", "file")]
    assert problems("照片.png", samples.JPEG) == [("INVALID_FILE_TYPE", "file")]
    assert problems("纪要.docx", samples.xlsx()) == [("INVALID_FILE_TYPE", "file")]
    assert problems("报告.pdf", samples.TEXT_UTF8) == [("INVALID_FILE_TYPE", "file")]
    assert problems("说明.txt", samples.PNG) == [("INVALID_FILE_TYPE", "file")]
    with pytest.raises(DomainError) as caught:
        check_upload("整改报告.pdf", ContentFile(samples.EXE))
    assert caught.value.problems[0].message.startswith("文件“整改报告.pdf”的内容与扩展名“.pdf”不符")


def test_a_macro_workbook_is_refused_even_when_renamed() -> None:
    with pytest.raises(DomainError) as caught:
        check_upload("台账.xlsx", ContentFile(samples.with_macro(samples.xlsx())))
    assert caught.value.problems[0].code == "INVALID_FILE_TYPE"
    assert "含宏" in caught.value.problems[0].message
    assert problems("台账.xlsm", samples.with_macro(samples.xlsx())) == [
        ("INVALID_FILE_TYPE", "file")
    ]


def test_the_sheets_the_platform_imports_must_be_xlsx() -> None:
    assert check_upload("表.xlsx", ContentFile(samples.xlsx()), allowed=SHEET_TYPES) == ".xlsx"
    assert problems("表.pdf", samples.PDF, allowed=SHEET_TYPES) == [("INVALID_FILE_TYPE", "file")]
    assert problems("表.xls", samples.OLE2, allowed=SHEET_TYPES) == [("INVALID_FILE_TYPE", "file")]
    with pytest.raises(DomainError) as caught:
        check_upload("表.xlsx", ContentFile(samples.DOCX), allowed=SHEET_TYPES)
    assert caught.value.problems[0].message.endswith("仅支持XLSX 表格。")


def test_size_limits(settings: Any) -> None:
    settings.JIXIAO_UPLOAD_MAX_BYTES = 1024
    assert check_upload("a.txt", ContentFile(b"x" * 1024)) == ".txt"
    with pytest.raises(DomainError) as caught:
        check_upload("大文件.txt", ContentFile(b"x" * 1025))
    assert [(p.code, p.field) for p in caught.value.problems] == [("TOO_LARGE", "file")]
    assert caught.value.problems[0].message == "文件“大文件.txt”超过 1024 字节 的上限。"
    # What the upload handler hands on for a file it cut off: refused whatever its size says.
    cut = OversizedUpload("大文件.pdf", "application/pdf", 10)
    with pytest.raises(DomainError) as caught:
        check_upload("大文件.pdf", cut)
    assert caught.value.problems[0].code == "TOO_LARGE"
    assert problems("空.pdf", b"") == [("REQUIRED", "file")]


def test_the_default_limit_is_fifty_megabytes(settings: Any) -> None:
    assert settings.JIXIAO_UPLOAD_MAX_BYTES == 50 * 1024 * 1024
    with pytest.raises(DomainError) as caught:
        check_upload("x.pdf", OversizedUpload("x.pdf", None, 50 * 1024 * 1024 + 1))
    assert caught.value.problems[0].message == "文件“x.pdf”超过 50 MB 的上限。"
