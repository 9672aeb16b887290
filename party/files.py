"""Meeting photos and files: checked by content, size-limited; photos re-encoded without EXIF/GPS
and given a perceptual hash (``imagehash`` pHash) to find photos reused across meetings."""

from __future__ import annotations

import io

import imagehash
from django.core.files.base import ContentFile
from PIL import Image, ImageOps

from core import images
from core.errors import ServiceError

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UPLOADS = 12
MAX_SIDE = 2560
PHOTO_FORMATS = images.FORMATS
# Documents recognised by their first bytes (not by name): PDF, OOXML (docx/xlsx), OLE (doc/xls).
FILE_MAGIC = {b"%PDF-": "pdf", b"PK\x03\x04": "ooxml", b"\xd0\xcf\x11\xe0": "ole"}


def upload_name(upload) -> str:
    return (getattr(upload, "name", "") or "附件")[-150:]


def clean_photo(upload) -> tuple[ContentFile, str]:
    """A metadata-free JPEG copy of an uploaded photo and its 16-hex-digit pHash (limits checked on
    the header before decoding, ``core.images``)."""
    data = upload.read(MAX_PHOTO_BYTES + 1)
    if len(data) > MAX_PHOTO_BYTES:
        raise ServiceError(f"照片“{upload_name(upload)}”超过 10 MB", field="photos")
    name = upload_name(upload)
    image = images.open_checked(data, name=name, field="photos", formats=PHOTO_FORMATS)
    with images.decoding(name=name, field="photos"):
        image = ImageOps.exif_transpose(image).convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg"), photo_hash(image)


def photo_hash(image: Image.Image) -> str:
    return str(imagehash.phash(image))


def clean_file(upload) -> ContentFile:
    data = upload.read()
    if len(data) > MAX_FILE_BYTES:
        raise ServiceError(f"文件“{upload_name(upload)}”超过 20 MB", field="files")
    if not any(data.startswith(magic) for magic in FILE_MAGIC):
        raise ServiceError(f"文件“{upload_name(upload)}”格式不支持(仅限 PDF、Word、Excel)", field="files")
    return ContentFile(data, name=upload_name(upload))


def hamming(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")
