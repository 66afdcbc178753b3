"""Upload checks: the refusal names the file and the reason, in the user's language."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from xianfeng.lib.files import check_upload


def _refusal(upload: SimpleUploadedFile) -> list[str]:
    with pytest.raises(ValidationError) as info:
        check_upload(upload, field="file", default_name="附件", kinds=("pdf", "png"))
    return info.value.message_dict["file"]


def test_a_pdf_passes_by_its_content() -> None:
    upload = SimpleUploadedFile("报告.bin", b"%PDF-1.7\n...")
    assert check_upload(upload, field="file", default_name="附件", kinds=("pdf", "png")) == (
        "报告.bin",
        "pdf",
    )


def test_refusals_in_chinese_and_in_english() -> None:
    empty, text = SimpleUploadedFile("空.pdf", b""), SimpleUploadedFile("说明.pdf", b"plain text")
    assert _refusal(empty) == ["文件“空.pdf”是空文件"]
    assert _refusal(text) == ["文件“说明.pdf”不是允许的类型：只能上传 PDF、PNG 文件"]
    with translation.override("en"):
        assert _refusal(empty) == ["File “空.pdf” is empty"]
        assert _refusal(text) == [
            "File “说明.pdf” is not an allowed type: only PDF, PNG files can be uploaded"
        ]
