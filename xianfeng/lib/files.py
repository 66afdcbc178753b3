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
