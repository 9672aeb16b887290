"""Photo uploads: checked by content (not by name), size-limited, re-encoded without metadata."""

from __future__ import annotations

import io

from django.core.files.base import ContentFile
from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_PHOTOS = 9
MAX_SIDE = 2560
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}


def clean_photo(upload, *, field: str = "photos") -> tuple[ContentFile, int, int]:
    """Validate one uploaded photo and return a metadata-free JPEG copy with its size.

    Re-encoding drops EXIF (including GPS); the orientation is applied first so the picture
    stays upright.
    """
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise ServiceError(f"照片“{getattr(upload, 'name', '')}”超过 10 MB", field=field)
    data = upload.read()
    if len(data) > MAX_BYTES:
        raise ServiceError(f"照片“{getattr(upload, 'name', '')}”超过 10 MB", field=field)
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data))
        if image.format not in ALLOWED_FORMATS:
            raise ServiceError("只能上传 JPEG、PNG、WEBP 或 GIF 图片", field=field)
        image = ImageOps.exif_transpose(image)
        image = image.convert("RGB")
        image.thumbnail((MAX_SIDE, MAX_SIDE))
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ServiceError(f"文件“{getattr(upload, 'name', '')}”不是有效的图片", field=field) from error
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, optimize=True)
    return ContentFile(out.getvalue(), name="photo.jpg"), image.width, image.height


def check_count(uploads, *, field: str = "photos") -> None:
    if len(uploads) > MAX_PHOTOS:
        raise ServiceError(f"最多上传 {MAX_PHOTOS} 张照片", field=field)
