"""Photo uploads: checked by content (not by name), size-limited, re-encoded without metadata."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import ImageOps

from core import images
from core.errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
MAX_SIDE = 2560
ALLOWED_FORMATS = images.FORMATS


def clean_photo(upload, *, field: str = "photos") -> tuple[ContentFile, int, int]:
    """Validate one uploaded photo and return a metadata-free JPEG copy with its size.

    Limits (bytes, pixels, sides, frames) are checked on the header before decoding
    (``core.images``). Re-encoding drops EXIF (including GPS); the orientation is applied first so
    the picture stays upright.
    """
    name = getattr(upload, "name", "") or ""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ServiceError(f"照片“{name}”超过 10 MB", field=field)
    data = upload.read(MAX_BYTES + 1)
    image = images.open_checked(data, name=name, field=field, max_bytes=MAX_BYTES, formats=ALLOWED_FORMATS)
    with images.decoding(name=name, field=field):
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg"), image.width, image.height


def check_count(uploads, *, field: str = "photos") -> None:
    if len(uploads) > MAX_PHOTOS:
        raise ServiceError(f"最多上传 {MAX_PHOTOS} 张照片", field=field)
