"""A work-plan supervision notice or circular as a Word document (.docx), through ``core.docx``.

The layout follows the print page: red title, document number, addressee, body, signature and date.
"""

from __future__ import annotations

from django.utils import timezone

from core.docx import document, paragraph, title

from .models import Notice, NoticeKind

TITLES = {NoticeKind.NOTICE: "督办通知单", NoticeKind.CIRCULAR: "通  报", NoticeKind.REMINDER: "催办单"}


def notice_docx(notice: Notice) -> bytes:
    task = notice.task
    issued = timezone.localtime(notice.created_at)
    body = [
        title(TITLES.get(notice.kind, "督办单")),
        paragraph(f"{task.org.name}　{notice.number}".strip(), align="center", size=28),
        paragraph(""),
        paragraph(f"{notice.unit.name}:", align="left"),
        paragraph(notice.text, indent=True),
        paragraph(
            f"督办事项:{task.title}(完成时限:{task.deadline:%Y年%m月%d日};所属计划:{task.plan.title})。",
            indent=True,
        ),
    ]
    if notice.reply_due_on:
        body.append(paragraph(f"请于{notice.reply_due_on:%Y年%m月%d日}前书面回复。", indent=True))
    body += [
        paragraph(""),
        paragraph(task.org.name, align="right"),
        paragraph(f"{issued:%Y年%m月%d日}", align="right"),
    ]
    if notice.replied_at:
        body += [
            paragraph(""),
            paragraph(f"情况说明({timezone.localtime(notice.replied_at):%Y年%m月%d日}):", bold=True),
        ]
        body.append(paragraph(notice.reply, indent=True))
    return document(body)
