"""A supervision notice or circular as a Word document (.docx), written directly as WordprocessingML.

A .docx is a zip of a few XML parts; a notice needs only paragraphs with alignment, size, colour
and fonts, so a small writer here avoids a dependency (python-docx) for one document type. The
layout follows the print page: red title, document number, addressee, body, signature and date.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape

from django.utils import timezone

from .models import Notice, NoticeKind

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
TITLES = {NoticeKind.NOTICE: "督办通知单", NoticeKind.CIRCULAR: "通  报", NoticeKind.REMINDER: "催办单"}


def _paragraph(
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


def notice_docx(notice: Notice) -> bytes:
    task = notice.task
    issued = timezone.localtime(notice.created_at)
    body = [
        _paragraph(
            TITLES.get(notice.kind, "督办单"), align="center", size=44, font="方正小标宋简体", colour="C00000"
        ),
        _paragraph(f"{task.org.name}　{notice.number}".strip(), align="center", size=28),
        _paragraph(""),
        _paragraph(f"{notice.unit.name}:", align="left"),
        _paragraph(notice.text, indent=True),
        _paragraph(
            f"督办事项:{task.title}(完成时限:{task.deadline:%Y年%m月%d日};所属计划:{task.plan.title})。",
            indent=True,
        ),
    ]
    if notice.reply_due_on:
        body.append(_paragraph(f"请于{notice.reply_due_on:%Y年%m月%d日}前书面回复。", indent=True))
    body += [
        _paragraph(""),
        _paragraph(task.org.name, align="right"),
        _paragraph(f"{issued:%Y年%m月%d日}", align="right"),
    ]
    if notice.replied_at:
        body += [
            _paragraph(""),
            _paragraph(f"情况说明({timezone.localtime(notice.replied_at):%Y年%m月%d日}):", bold=True),
        ]
        body.append(_paragraph(notice.reply, indent=True))
    section = (
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588" '
        'w:header="851" w:footer="992" w:gutter="0"/>'
        "</w:sectPr>"
    )
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{W}"><w:body>'
        + "".join(body)
        + section
        + "</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", RELS)
        archive.writestr("word/document.xml", document)
    return out.getvalue()
