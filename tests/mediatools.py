"""Helpers of the media tests: images on a page, and what the media view answers for them."""

import html
import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

IMG_SRC = re.compile(r"<img\b[^>]*\bsrc=\"([^\"]+)\"")


def jpeg(name="photo.jpg", color="blue") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), color).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def pdf(name="文件.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", content_type="application/pdf"
    )


def body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def img_srcs(page: str) -> list[str]:
    return [html.unescape(src) for src in IMG_SRC.findall(page)]


def assert_images_load(client, page_url: str, *, expected: int) -> list[str]:
    """Every <img> of the page answers 200 with an image for the same client; returns the sources."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    sources = [src for src in img_srcs(page.content.decode()) if not src.startswith("data:")]
    assert len(sources) == expected, sources
    for src in sources:
        response = client.get(src)
        assert response.status_code == 200, src
        assert response["Content-Type"].startswith("image/"), src
        data = body(response)
        assert Image.open(io.BytesIO(data)).size[0] > 0
    return sources
