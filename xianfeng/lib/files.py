"""Checks of uploaded evidence files: the real type from the content, never from the name."""

from __future__ import annotations

import zipfile
from typing import Any

# The types an attachment or evidence file may have, with the content type it is served as.
FILE_KINDS: dict[str, str] = {
    "pdf": "application/pdf",
    "jpg": "image/jpeg",
    "png": "image/png",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def sniff(head: bytes, name: str = "") -> str | None:
    """The file's real type from its first bytes (PDF/JPEG/PNG); None for anything else."""
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


def office_kind(upload: Any) -> str | None:
    """A DOCX or XLSX is a ZIP with word/ or xl/ parts; look inside rather than trust the name."""
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    return None


def file_kind(upload: Any) -> str | None:
    """pdf / jpg / png / docx / xlsx judged by content, or None when it is none of them."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return sniff(head) or (office_kind(upload) if head.startswith(b"PK\x03\x04") else None)


def human_size(n: int) -> str:
    return f"{n / 1024 / 1024:.1f} MB" if n >= 1024 * 1024 else f"{n / 1024:.0f} KB"


KIND_LABELS = {"pdf": "PDF", "jpg": "JPEG", "png": "PNG", "docx": "DOCX", "xlsx": "XLSX"}


def attachment_max_bytes() -> int:
    """The largest attachment or evidence file: XF_ATTACHMENT_MAX_BYTES within XF_MAX_UPLOAD_BYTES."""
    from django.conf import settings

    limit = settings.XF_MAX_UPLOAD_BYTES
    own = getattr(settings, "XF_ATTACHMENT_MAX_BYTES", None)
    return min(limit, own) if own else limit


def check_upload(upload: Any, *, field: str, default_name: str, kinds: tuple[str, ...]) -> tuple[str, str]:
    """The upload's clean file name and its kind (by content); a ValidationError on ``field`` naming
    the file when it is too large, empty, or none of ``kinds``."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    name = (upload.name or default_name).rsplit("/", 1)[-1].rsplit("\\", 1)[-1][:200]
    limit = attachment_max_bytes()
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                field: gettext("文件“%(name)s”大小 %(size)s，超过上限 %(limit)s")
                % {"name": name, "size": human_size(upload.size or 0), "limit": human_size(limit)}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: gettext("文件“%(name)s”是空文件") % {"name": name}})
    kind = file_kind(upload)
    if kind not in kinds:
        allowed = gettext("、").join(KIND_LABELS[k] for k in kinds)
        raise ValidationError(
            {
                field: gettext("文件“%(name)s”不是允许的类型：只能上传 %(kinds)s 文件")
                % {"name": name, "kinds": allowed}
            }
        )
    return name, kind
