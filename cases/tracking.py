"""The public story of a case (群众端进度): each public step with its date, the unit's answer, the
after photos and what happens next, for the tracking page and "我反映的问题".

Only public data: step names, dates, unit names and the lead unit's answer with phone and ID
numbers masked; never staff names, internal notes, rule codes or database ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from audit.models import AuditEvent
from core.privacy import mask_personal_text

from .models import AttachmentStage, Case, CaseStatus

# audit code → (step label, fixed text when the event has no public note of its own)
STEPS: dict[str, tuple[str, str]] = {
    "case.reported": ("受理", "已收到您反映的问题"),
    "case.verification_requested": ("核实", "已派网格员到现场核实"),
    "case.verified": ("核实", "经现场核实,情况属实"),
    "case.registered": ("立案", "已立案"),
    "case.rejected": ("不予立案", ""),
    "case.verified_false": ("不予立案", ""),
    "case.dispatched": ("派遣", ""),
    "case.return_upheld": ("派遣", ""),
    "case.signed": ("签收", ""),
    "case.fed_back": ("办理答复", ""),
    "case.rework": ("核查", "经核查未办理到位,已退回责任单位重新办理"),
    "case.closed": ("办结", ""),  # its public note: 已办结,欢迎您评价
    "case.closed_on_spot": ("办结", "网格员已现场处置"),
    "case.rated": ("评价", "您已评价,感谢您的监督"),
}
# Photos the reporter sees of the handling (处置照片): the unit's feedback photos. (A patrol's
# on-the-spot before/after photos have no public reporter and stay staff-only.)
AFTER_STAGES = (AttachmentStage.FEEDBACK,)


@dataclass
class Step:
    label: str
    at: dt.datetime | None
    text: str
    answer: str = ""  # the handling unit's answer (办理答复), masked


@dataclass
class Story:
    steps: list[Step] = field(default_factory=list)
    next_text: str = ""  # what happens next
    next_due: dt.datetime | None = None  # expected by (working days, from the stage clock)
    rateable: bool = False


def _step(event: AuditEvent) -> Step | None:
    after = event.after or {}
    note = after.get("public_note", "")
    known = STEPS.get(event.action)
    if known is None:
        return Step("进展", event.created_at, note) if note else None
    label, fixed = known
    if event.action == "case.signed" and not note:
        return None  # a co-unit's sign-for is internal
    if event.action in ("case.rejected", "case.verified_false"):
        return Step(label, event.created_at, mask_personal_text(note or "不予立案"))
    if event.action == "case.fed_back":
        unit = after.get("unit", "")
        text = f"{unit}已答复办理结果" if unit else "责任单位已答复办理结果"
        return Step(label, event.created_at, text, answer=mask_personal_text(event.reason or ""))
    if event.action == "case.registered":
        return Step(label, event.created_at, note or fixed)
    return Step(label, event.created_at, note if note and not fixed else fixed or note)


def _next(case: Case) -> tuple[str, dt.datetime | None]:
    unit = case.lead_unit.name if case.lead_unit_id and case.lead_unit else "责任单位"
    status = case.status
    if status in (CaseStatus.REPORTED, CaseStatus.VERIFYING):
        return "正在受理,将确定是否立案", case.due_at
    if status in (CaseStatus.REGISTERED, CaseStatus.RETURNED):
        return "正在确定责任单位", case.handle_due_at or case.due_at
    if status == CaseStatus.DISPATCHED:
        return f"等待{unit}接收办理,办理后将答复您", case.handle_due_at
    if status == CaseStatus.HANDLING:
        again = "重新" if case.rework_count else ""
        return f"{unit}正在{again}办理,办理后将答复您", case.handle_due_at
    if status == CaseStatus.PARKED:
        return f"问题需要较长时间解决,{unit}正在持续办理", None
    if status == CaseStatus.FED_BACK:
        return "正在核查办理效果,核查通过后办结", case.due_at
    if status == CaseStatus.CLOSED and case.rated_at is None:
        return "问题已办结,请您评价办理结果", None
    return "", None


def story(case: Case) -> Story:
    events = AuditEvent.objects.for_subject(case).order_by("seq")
    steps = [step for event in events if (step := _step(event)) is not None]
    text, due = _next(case)
    return Story(
        steps=steps,
        next_text=text,
        next_due=due,
        rateable=case.status == CaseStatus.CLOSED and case.rated_at is None,
    )


def after_photos(case: Case):
    """The handling photos shown on the tracking page (public cases only, like the report photos)."""
    if not case.is_public:
        return []
    return list(case.attachments.filter(stage__in=AFTER_STAGES).order_by("created_at", "pk"))


def current_step(case: Case) -> str:
    """One line for a list ("我反映的问题"): what happens now."""
    text, due = _next(case)
    if text and due:
        return f"{text}(预计{timezone.localtime(due):%m月%d日}前)"
    if text:
        return text
    if case.status == CaseStatus.REJECTED:
        return "不予立案"
    return "已办结" if case.status == CaseStatus.CLOSED else ""
