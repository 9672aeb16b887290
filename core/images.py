"""One checker for uploaded pictures, run BEFORE any pixel is decoded.

``Image.open`` reads only the header, so the declared width × height, the frame count and the byte
size are known cheaply; a picture over the limits is refused with a Chinese message before
``load``/``convert`` could allocate hundreds of megabytes (a 48 KB PNG can declare 20000 × 20000).
Pillow's own decompression-bomb guard (``DecompressionBombError``, and the warning when warnings
are errors) is turned into the same refusal, never a server error. Case photos, party meeting
photos, village photos and work-plan evidence pictures all go through ``open_checked``.
"""

from __future__ import annotations

import io

from PIL import Image, UnidentifiedImageError

from .errors import ServiceError

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # 40 megapixels: every phone camera fits, a bomb does not
MAX_SIDE = 12_000
MAX_FRAMES = 50
FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
FORMATS_TEXT = "JPEG、PNG、WEBP 或 GIF"


def _label(name: str) -> str:
    return f"“{name[-100:]}”" if name else ""


def check_header(image: Image.Image, *, name: str = "", field: str = "photos") -> None:
    """Refuse a picture whose header declares too many pixels, too long a side or too many frames."""
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ServiceError(f"图片{_label(name)}的尺寸无效", field=field)
    if width > MAX_SIDE or height > MAX_SIDE or width * height > MAX_PIXELS:
        raise ServiceError(
            f"图片{_label(name)}尺寸过大({width}×{height} 像素);"
            f"请上传不超过 {MAX_PIXELS // 1_000_000} 百万像素、边长不超过 {MAX_SIDE} 像素的图片",
            field=field,
        )
    frames = getattr(image, "n_frames", 1) or 1
    if frames > MAX_FRAMES:
        raise ServiceError(f"图片{_label(name)}的帧数过多({frames} 帧,最多 {MAX_FRAMES} 帧)", field=field)


def open_checked(
    data: bytes,
    *,
    name: str = "",
    field: str = "photos",
    max_bytes: int = MAX_BYTES,
    formats: set[str] | frozenset[str] = frozenset(FORMATS),
) -> Image.Image:
    """An opened (not yet decoded) image whose size, format, dimensions and frames are within limits.

    The caller decodes it (``convert``, ``thumbnail``) — under ``decoding`` so a bomb Pillow notices
    only then is still a refusal.
    """
    if len(data) > max_bytes:
        raise ServiceError(f"图片{_label(name)}超过 {max_bytes // (1024 * 1024)} MB", field=field)
    try:
        with decoding(name=name, field=field):
            with Image.open(io.BytesIO(data)) as probe:
                check_header(probe, name=name, field=field)
                probe.verify()
            image = Image.open(io.BytesIO(data))
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as error:
        raise ServiceError(f"文件{_label(name)}不是有效的图片", field=field) from error
    if image.format not in formats:
        raise ServiceError(f"只能上传 {FORMATS_TEXT} 图片", field=field)
    check_header(image, name=name, field=field)
    return image


class decoding:
    """Context manager: Pillow's bomb warning/error and broken data while decoding → ``ServiceError``."""

    def __init__(self, *, name: str = "", field: str = "photos"):
        self.name, self.field = name, field

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if kind is None or issubclass(kind, ServiceError):
            return False
        if issubclass(kind, Image.DecompressionBombWarning | Image.DecompressionBombError):
            raise ServiceError(
                f"图片{_label(self.name)}尺寸过大(像素过多,疑似“解压炸弹”);"
                f"请上传不超过 {MAX_PIXELS // 1_000_000} 百万像素、边长不超过 {MAX_SIDE} 像素的图片",
                field=self.field,
            ) from error
        if issubclass(kind, UnidentifiedImageError | OSError | SyntaxError | ValueError | EOFError):
            raise ServiceError(f"文件{_label(self.name)}不是有效的图片", field=self.field) from error
        return False
