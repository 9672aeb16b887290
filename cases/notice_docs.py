"""A case supervision notice (督办通知单) or circular (通报) as an official document: the lines of
the A4 print page and of the Word file come from ``notice_document`` so both say the same.

The document carries the issuer, its 文号 (岳督办〔2026〕12号, ``supervision.number_notice``), the
addressee (the unit that must act), the text, the case it concerns (by its public 事项编号, never
a database id), the reply deadline, the issuer again as signature and the date. No rule codes or
internal notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from core.docx import document, paragraph, title

from .models import NoticeKind, SupervisionNotice

TITLES = {NoticeKind.NOTICE: "督办通知单", NoticeKind.CIRCULAR: "通  报"}


@dataclass
class NoticeDocument:
    title: str
    issuer: str
    number: str
    addressee: str
    paragraphs: list[str] = field(default_factory=list)
    date: str = ""
    reply_heading: str = ""
    reply: str = ""


def _when(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def notice_document(notice: SupervisionNotice) -> NoticeDocument:
    case = notice.case
    issuer = notice.issuer.name if notice.issuer_id else ""
    paragraphs = [notice.text]
    about = f"督办事项:{case.title}(事项编号:{case.number}"
    if case.address:
        about += f";地址:{case.address}"
    due = timezone.localtime(notice.stage_due_at)
    about += f";{notice.get_stage_display()}环节时限:{due:%Y年%m月%d日 %H:%M})。"
    paragraphs.append(about)
    if notice.kind == NoticeKind.NOTICE and notice.reply_due_at:
        local = timezone.localtime(notice.reply_due_at)
        paragraphs.append(f"请于{local:%Y年%m月%d日 %H:%M}前书面回复办理情况和逾期原因。")
    doc = NoticeDocument(
        title=TITLES.get(notice.kind, "督办单"),
        issuer=issuer,
        number=notice.number,
        addressee=notice.unit.name if notice.unit_id else "",
        paragraphs=paragraphs,
        date=_when(notice.created_at),
    )
    if notice.replied_at:
        doc.reply_heading = f"情况说明({_when(notice.replied_at)})"
        doc.reply = notice.reply
    return doc


def notice_docx(notice: SupervisionNotice) -> bytes:
    doc = notice_document(notice)
    body = [
        title(doc.title),
        paragraph(f"{doc.issuer}　{doc.number}".strip(), align="center", size=28),
        paragraph(""),
        paragraph(f"{doc.addressee}:", align="left"),
        *(paragraph(text, indent=True) for text in doc.paragraphs),
        paragraph(""),
        paragraph(doc.issuer, align="right"),
        paragraph(doc.date, align="right"),
    ]
    if doc.reply:
        body += [paragraph(""), paragraph(f"{doc.reply_heading}:", bold=True)]
        body.append(paragraph(doc.reply, indent=True))
    return document(body)
