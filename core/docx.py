"""Official documents (公文: notices, circulars) as Word files (.docx), written directly as
WordprocessingML.

A .docx is a zip of a few XML parts; a notice needs only paragraphs with alignment, size, colour
and fonts, so this small writer avoids a dependency (python-docx). Used by every app that prints
notices (``workplan.docx``, ``cases.notice_docs``): they build the paragraphs, this writes the file
with an A4 page and the official margins (GB/T 9704).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

OOXML = "http://schemas.openxmlformats.org"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Types xmlns="{OOXML}/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    f'<Relationships xmlns="{OOXML}/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{OOXML}/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/>'
    "</Relationships>"
)
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
SECTION = (
    '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
    '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" '
    'w:header="851" w:footer="992" w:gutter="0"/>'
    "</w:sectPr>"
)
TITLE_FONT = "方正小标宋简体"
TITLE_COLOUR = "C00000"


def paragraph(
    text: str,
    *,
    align: str = "both",
    size: int = 32,
    font: str = "仿宋_GB2312",
    bold: bool = False,
    colour: str = "",
    indent: bool = False,
) -> str:
    ppr = f'<w:pPr><w:jc w:val="{align}"/>'
    if indent:
        ppr += '<w:ind w:firstLineChars="200" w:firstLine="640"/>'
    ppr += '<w:spacing w:line="560" w:lineRule="exact"/></w:pPr>'
    rpr = f'<w:rPr><w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}"/>'
    if bold:
        rpr += "<w:b/>"
    if colour:
        rpr += f'<w:color w:val="{colour}"/>'
    rpr += f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr>'
    return f'<w:p>{ppr}<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>'


def title(text: str) -> str:
    """The red document title (督办通知单, 通  报)."""
    return paragraph(text, align="center", size=44, font=TITLE_FONT, colour=TITLE_COLOUR)


def document(paragraphs: Iterable[str]) -> bytes:
    """The .docx file of ``paragraphs`` (from ``paragraph``/``title``) on an A4 page."""
    body = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'
        + "".join(paragraphs)
        + SECTION
        + "</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", body)
    return out.getvalue()
