"""Evidence uploads (佐证材料): checked by content and size, stored through Django's storage API.

The name's extension must match what the bytes are (a renamed executable is refused), and only
the formats offices exchange as proof are accepted: PDF, Word/Excel/PowerPoint (OOXML and the
old binary formats), JPEG/PNG photos and plain text.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from django.core.files.base import ContentFile

from core import images
from core.errors import ServiceError

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
FORMATS = {
    "pdf": ("application/pdf", "PDF"),
    "jpg": ("image/jpeg", "JPEG 图片"),
    "jpeg": ("image/jpeg", "JPEG 图片"),
    "png": ("image/png", "PNG 图片"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word 文档"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel 表格"),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPT 演示文稿"),
    "doc": ("application/msword", "Word 文档"),
    "xls": ("application/vnd.ms-excel", "Excel 表格"),
    "txt": ("text/plain", "文本"),
}
OOXML_PART = {"docx": "word/", "xlsx": "xl/", "pptx": "ppt/"}
ALLOWED_TEXT = "PDF、Word、Excel、PPT、JPG、PNG 或 TXT"


@dataclass
class CheckedFile:
    name: str
    content: ContentFile
    content_type: str
    size: int


def _matches(extension: str, data: bytes) -> bool:
    if extension == "pdf":
        return data.startswith(b"%PDF-")
    if extension in ("jpg", "jpeg"):
        return data.startswith(b"\xff\xd8\xff")
    if extension == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in OOXML_PART:
        if not data.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return any(name.startswith(OOXML_PART[extension]) for name in archive.namelist())
        except zipfile.BadZipFile:
            return False
    if extension in ("doc", "xls"):
        return data.startswith(OLE)
    if extension == "txt":
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                data.decode("gb18030")
            except UnicodeDecodeError:
                return False
        return b"\x00" not in data
    return False


def check_upload(upload, max_mb: int = 20, *, field: str = "evidence") -> CheckedFile:
    name = (getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:200]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in FORMATS:
        raise ServiceError(f"“{name}”的格式不支持,佐证材料只能是 {ALLOWED_TEXT}", field=field)
    limit = max_mb * 1024 * 1024
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ServiceError(f"“{name}”超过 {max_mb} MB", field=field)
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ServiceError(f"“{name}”超过 {max_mb} MB", field=field)
    if not data:
        raise ServiceError(f"“{name}”是空文件", field=field)
    if not _matches(extension, data):
        raise ServiceError(f"“{name}”的内容与扩展名不符(不是有效的{FORMATS[extension][1]})", field=field)
    if extension in ("jpg", "jpeg", "png"):  # stored as uploaded: refuse bombs by their header
        images.open_checked(data, name=name, field=field, max_bytes=limit, formats={"JPEG", "MPO", "PNG"})
    return CheckedFile(name, ContentFile(data, name=name), FORMATS[extension][0], len(data))
