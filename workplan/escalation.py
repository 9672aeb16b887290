"""The escalation ladder (催办 → 督办通知单 → 通报 → 问责) — automatic, and by hand.

``run_ladder`` runs every hour in ``luoshi worker`` (``workplan.tasks``). For every open task of an
issued plan, on the working-day calendar and the ``SupervisionRule`` in force:

1. 催办 (reminder) when the next progress report or the deadline is due within ``remind_days``;
2. 督办通知单 (supervision notice, numbered, with a reply deadline of ``notice_reply_days``) when
   a report was missed or the deadline has passed;
3. 通报 (circular) for a notice that was not answered by its reply deadline, or whose task is
   still overdue ``circular_after_days`` working days after it;
4. a 问责 proposal (待决定) when the task is still late ``accountability_after_days`` working days
   after the circular. Only the supervision office decides (``decide_accountability``).

Every automatic step is one row under a unique constraint — (task, kind, trigger, due date) for
reminders and notices, one circular per notice, one proposal per circular — claimed inside a
savepoint, so any number of runs on any number of workers issue each step once. The supervision
office can take the same steps by hand (``issue_notice``, ``record_accountability``); every step is
an audit event on the task with who decided it (``None`` = the system's ladder).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q

from audit import events
from audit.services import record
from core import clock, notify
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from orgs.models import Org
from orgs.scoping import can
from workdays.calendar import add_workdays

from . import services, status
from .models import (
    Accountability,
    AccountabilityForm,
    AccountabilityStatus,
    Notice,
    NoticeKind,
    NoticeTrigger,
    PlanState,
    Task,
    TaskState,
    report_action,
)

log = logging.getLogger(__name__)

E = events.register
REMINDED = E("workplan.reminded", "催办")
NOTICE_ISSUED = E("workplan.notice_issued", "发出督办通知单")
NOTICE_REPLIED = E("workplan.notice_replied", "回复督办通知单")
CIRCULAR_ISSUED = E("workplan.circular_issued", "通报")
ACCOUNTABILITY_PROPOSED = E("workplan.accountability_proposed", "提出问责建议")
ACCOUNTABILITY_DECIDED = E("workplan.accountability_decided", "作出问责决定")
ACCOUNTABILITY_DISMISSED = E("workplan.accountability_dismissed", "决定不予问责")

ONE_DAY = dt.timedelta(days=1)
TRIGGER_TEXT = {NoticeTrigger.REPORT: "进展报送", NoticeTrigger.DEADLINE: "完成时限"}


@dataclass
class LadderReport:
    reminders: int = 0
    notices: int = 0
    circulars: int = 0
    proposals: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)


def _url(task: Task) -> str:
    return f"/workplan/tasks/{task.pk}/"


def _describe(task: Task) -> str:
    return f"“{task.title[:60]}”({task.plan.title})"


def _claim(task: Task, **fields) -> Notice | None:
    try:
        with transaction.atomic():
            return Notice.objects.create(task=task, org=task.org, created_at=clock.now(), **fields)
    except IntegrityError:
        return None


def _number(notice: Notice) -> None:
    notice.number = services.next_doc_number(notice.kind, notice.created_at.year, notice.org)
    notice.save(update_fields=["number"])


def _remind(task: Task, trigger: str, due_on: dt.date, report: LadderReport) -> None:
    what = TRIGGER_TEXT[trigger]
    notice = _claim(
        task,
        kind=NoticeKind.REMINDER,
        trigger=trigger,
        due_on=due_on,
        unit=task.lead_unit,
        text=f"{_describe(task)}的{what}将于{due_on:%m月%d日}到期,请{task.lead_unit.name}抓紧办理、按时报送。",
    )
    if notice is None:
        report.skipped += 1
        return
    record(
        task,
        REMINDED,
        actor=SYSTEM,
        reason=notice.text,
        after={"trigger": trigger, "due_on": due_on.isoformat()},
    )
    notify.notify(
        services.unit_users(task.lead_unit),
        kind="workplan.reminder",
        title=f"催办:{task.title[:40]}",
        body=notice.text,
        url=_url(task),
    )
    report.reminders += 1


def _notice(
    task: Task, trigger: str, due_on: dt.date, today: dt.date, rule, calendar, report: LadderReport
) -> None:
    reply_due = add_workdays(today, rule.notice_reply_days, calendar=calendar)
    if trigger == NoticeTrigger.DEADLINE:
        problem = f"已超过完成时限({due_on:%Y年%m月%d日})仍未办结"
    else:
        problem = f"应于{due_on:%Y年%m月%d日}报送的工作进展至今未报送"
    notice = _claim(
        task,
        kind=NoticeKind.NOTICE,
        trigger=trigger,
        due_on=due_on,
        unit=task.lead_unit,
        reply_due_on=reply_due,
        text=(
            f"{task.lead_unit.name}:你单位牵头负责的{_describe(task)}{problem}。请于{reply_due:%Y年%m月%d日}前"
            f"书面报告原因、整改措施和完成时间,并加快推进。"
        ),
    )
    if notice is None:
        report.skipped += 1
        return
    _number(notice)
    record(
        task,
        NOTICE_ISSUED,
        actor=SYSTEM,
        reason=notice.text,
        after={"number": notice.number, "unit": task.lead_unit.name, "reply_due_on": reply_due.isoformat()},
    )
    notify.notify(
        services.unit_users(task.lead_unit),
        kind="workplan.notice",
        title=f"督办通知单 {notice.number}",
        body=notice.text,
        url=f"/workplan/notices/{notice.pk}/",
    )
    report.notices += 1


def _circular(task: Task, source: Notice, reason: str, report: LadderReport) -> None:
    notice = _claim(
        task,
        kind=NoticeKind.CIRCULAR,
        trigger=NoticeTrigger.ESCALATION,
        due_on=None,
        unit=source.unit,
        escalated_from=source,
        text=f"{source.unit.name}牵头负责的{_describe(task)}经督办({source.number}){reason},现予以通报。请限期整改到位。",
    )
    if notice is None:
        report.skipped += 1
        return
    _number(notice)
    record(
        task,
        CIRCULAR_ISSUED,
        actor=SYSTEM,
        reason=notice.text,
        after={"number": notice.number, "unit": source.unit.name, "from": source.number},
    )
    notify.notify(
        [*services.unit_users(source.unit), *services.responsible_users("supervise", task.org)],
        kind="workplan.circular",
        title=f"通报 {notice.number}",
        body=notice.text,
        url=f"/workplan/notices/{notice.pk}/",
    )
    report.circulars += 1


def _propose(task: Task, circular: Notice, report: LadderReport) -> None:
    try:
        with transaction.atomic():
            proposal = Accountability.objects.create(
                task=task,
                org=task.org,
                unit=circular.unit,
                person_name=task.responsible_name or task.leader_name,
                reason=f"{_describe(task)}经督办、通报({circular.number})后仍未整改到位。",
                source=circular,
                created_at=clock.now(),
            )
    except IntegrityError:
        report.skipped += 1
        return
    record(
        task,
        ACCOUNTABILITY_PROPOSED,
        actor=SYSTEM,
        reason=proposal.reason,
        after={"unit": circular.unit.name, "person": proposal.person_name},
    )
    notify.notify(
        services.responsible_users("supervise", task.org),
        kind="workplan.accountability",
        title=f"问责建议:{task.title[:40]}",
        body=proposal.reason,
        url=_url(task),
    )
    report.proposals += 1


def _still_late(task: Task, today: dt.date) -> bool:
    if task.state != TaskState.ACTIVE:
        return False
    report_missed = task.next_report_due is not None and task.next_report_due < today
    return task.deadline < today or report_missed


def _plan_steps(task: Task, notices: list[Notice], sources: set[int], today, rule, calendar, horizon, report):
    """What the ladder must do for ``task`` now, decided from rows already loaded (no lock): steps
    already taken are counted as skipped. The inserts stay guarded by the unique constraints."""
    keys = {(n.kind, n.trigger, n.due_on) for n in notices}
    escalated = {n.escalated_from_id for n in notices if n.kind == NoticeKind.CIRCULAR}
    steps = []
    for trigger, due_on in (
        (NoticeTrigger.REPORT, task.next_report_due),
        (NoticeTrigger.DEADLINE, task.deadline),
    ):
        if due_on is None:
            continue
        kind = (
            NoticeKind.REMINDER
            if today <= due_on <= horizon
            else NoticeKind.NOTICE
            if due_on < today
            else None
        )
        if kind is None:
            continue
        if (kind, trigger, due_on) in keys:
            report.skipped += 1
        else:
            steps.append((kind, trigger, due_on))
    late = _still_late(task, today)
    for notice in notices:
        if notice.kind != NoticeKind.NOTICE or notice.trigger == NoticeTrigger.MANUAL:
            continue
        unanswered = (
            notice.replied_at is None and notice.reply_due_on is not None and notice.reply_due_on < today
        )
        late_after = (
            late
            and status.workdays_in(notice.created_at.date() + ONE_DAY, today, calendar)
            >= rule.circular_after_days
        )
        if unanswered or late_after:
            if notice.pk in escalated:
                report.skipped += 1
            else:
                reason = "逾期未回复" if unanswered else f"{rule.circular_after_days}个工作日后仍未整改"
                steps.append((NoticeKind.CIRCULAR, notice, reason))
    for circular in notices:
        if circular.kind != NoticeKind.CIRCULAR or circular.escalated_from_id is None or not late:
            continue
        if (
            status.workdays_in(circular.created_at.date() + ONE_DAY, today, calendar)
            >= rule.accountability_after_days
        ):
            if circular.pk in sources:
                report.skipped += 1
            else:
                steps.append(("accountability", circular, ""))
    return steps


@transaction.atomic
def _take_steps(task: Task, steps, today: dt.date, rule, calendar, report: LadderReport) -> None:
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("plan", "org", "lead_unit")
        .get(pk=task.pk)
    )
    if task.state != TaskState.ACTIVE or task.lead_unit_id is None:
        return
    for kind, what, extra in steps:
        if kind == NoticeKind.REMINDER:
            _remind(task, what, extra, report)
        elif kind == NoticeKind.NOTICE:
            _notice(task, what, extra, today, rule, calendar, report)
        elif kind == NoticeKind.CIRCULAR:
            _circular(task, what, extra, report)
        else:
            _propose(task, what, report)


def run_ladder(now: dt.datetime | None = None, batch: int = 500) -> LadderReport:
    """One pass over the open tasks that are due soon or late."""
    from django.utils import timezone

    now = now or clock.now()
    today = timezone.localdate(now)
    rule = status.rule_in_force(today)
    calendar = status.calendar_for()
    horizon = add_workdays(today, rule.remind_days, calendar=calendar)
    report = LadderReport()
    escalating = Notice.objects.filter(kind__in=(NoticeKind.NOTICE, NoticeKind.CIRCULAR)).values("task_id")
    candidates = Task.objects.filter(
        Q(deadline__lte=horizon) | Q(next_report_due__lte=horizon) | Q(pk__in=escalating),
        state=TaskState.ACTIVE,
        plan__state=PlanState.APPROVED,
        lead_unit__isnull=False,
    ).select_related("lead_unit")
    last_id = 0
    while True:
        chunk = list(candidates.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not chunk:
            break
        ids = [task.pk for task in chunk]
        notices: dict[int, list[Notice]] = {}
        for notice in (
            Notice.objects.filter(task_id__in=ids)
            .exclude(kind=NoticeKind.REMINDER, due_on__lt=today)
            .select_related("unit")
        ):
            notices.setdefault(notice.task_id, []).append(notice)
        sources = set(
            Accountability.objects.filter(task_id__in=ids, source__isnull=False).values_list(
                "source_id", flat=True
            )
        )
        for task in chunk:
            try:
                steps = _plan_steps(
                    task, notices.get(task.pk, []), sources, today, rule, calendar, horizon, report
                )
                if not steps:
                    continue
                with clock.frozen(now):
                    _take_steps(task, steps, today, rule, calendar, report)
            except Exception as error:  # one bad task must not stop the pass
                log.exception("workplan ladder failed for task %s", task.pk)
                report.errors.append(f"{task.pk}: {error}")
        last_id = chunk[-1].pk
    return report


# ---------------------------------------------------------------------------------------------
# By hand (the supervision office)


@transaction.atomic
def issue_notice(
    task: Task, *, actor, kind: str, text: str, reply_days: int | None = None, unit: Org | None = None
) -> Notice:
    """A notice or circular decided by the supervision office (e.g. for a lagging task)."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__org", "org", "lead_unit")
        .get(pk=task.pk)
    )
    services.require_supervisor(actor, task.plan)
    if kind not in (NoticeKind.NOTICE, NoticeKind.CIRCULAR, NoticeKind.REMINDER):
        raise ServiceError("督办类型无效", field="kind")
    unit = unit or task.lead_unit
    if unit is None:
        raise ServiceError("该任务没有牵头单位,无法督办", field="unit")
    if task.state in (TaskState.CANCELLED, TaskState.CLOSED):
        raise StateConflict(f"任务{task.get_state_display()},无需督办")
    text = clean_text(text, "text", "督办内容", required=True, limit=services.MAX_TEXT)
    today = services.today()
    reply_due = None
    if kind == NoticeKind.NOTICE:
        rule = status.rule_in_force(today)
        days = rule.notice_reply_days if reply_days in (None, "") else int(reply_days)
        if days < 1 or days > 30:
            raise ServiceError("回复期限应为1到30个工作日", field="reply_days")
        reply_due = add_workdays(today, days)
    notice = Notice.objects.create(
        task=task,
        org=task.org,
        kind=kind,
        trigger=NoticeTrigger.MANUAL,
        due_on=None,
        unit=unit,
        text=text,
        reply_due_on=reply_due,
        issued_by=user_or_none(actor),
        created_at=clock.now(),
    )
    if kind != NoticeKind.REMINDER:
        _number(notice)
    code = {
        NoticeKind.NOTICE: NOTICE_ISSUED,
        NoticeKind.CIRCULAR: CIRCULAR_ISSUED,
        NoticeKind.REMINDER: REMINDED,
    }[kind]
    record(
        task,
        code,
        actor=actor,
        reason=text,
        after={
            "number": notice.number,
            "unit": unit.name,
            "reply_due_on": reply_due.isoformat() if reply_due else "",
        },
    )
    users = services.unit_users(unit)
    if kind == NoticeKind.CIRCULAR:
        users += services.responsible_users("supervise", task.org)
    notify.notify(
        users,
        kind=f"workplan.{kind}",
        title=f"{notice.get_kind_display()} {notice.number}".strip(),
        body=text,
        url=f"/workplan/notices/{notice.pk}/",
    )
    return notice


@transaction.atomic
def reply_notice(notice: Notice, *, actor, reply: str) -> Notice:
    """The unit's written explanation (情况说明) for a supervision notice."""
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("unit", "task", "task__org", "task__plan")
        .get(pk=notice.pk)
    )
    if notice.kind != NoticeKind.NOTICE:
        raise ServiceError("只有督办通知单需要回复")
    if not is_system(actor) and not can(actor, report_action(notice.task.plan.kind), notice.unit):
        raise PermissionDenied(f"只有{notice.unit.name}可以回复该督办通知单")
    if notice.replied_at is not None:
        raise StateConflict("该督办通知单已回复")
    notice.reply = clean_text(reply, "reply", "情况说明", required=True, limit=services.MAX_TEXT)
    notice.replied_at = clock.now()
    notice.replied_by = user_or_none(actor)
    notice.save(update_fields=["reply", "replied_at", "replied_by"])
    record(notice.task, NOTICE_REPLIED, actor=actor, reason=notice.reply, after={"number": notice.number})
    notify.notify(
        services.responsible_users("supervise", notice.task.org),
        kind="workplan.replied",
        title=f"督办通知单 {notice.number} 已回复",
        body=f"{notice.unit.name}:{notice.reply[:200]}",
        url=f"/workplan/notices/{notice.pk}/",
    )
    return notice


def _check_form(form: str) -> str:
    if form not in AccountabilityForm.values:
        raise ServiceError("请选择问责方式", field="form")
    return form


@transaction.atomic
def record_accountability(
    task: Task,
    *,
    actor,
    unit: Org,
    person_name: str,
    form: str,
    reason: str,
    decision_no: str = "",
    decision_file=None,
) -> Accountability:
    """A decided accountability record entered by the supervision office."""
    task = (
        Task.objects.select_for_update(of=("self",))
        .select_related("plan", "plan__org", "org")
        .get(pk=task.pk)
    )
    services.require_supervisor(actor, task.plan)
    if not task.units.filter(org=unit).exists():
        raise ServiceError(f"{unit.name}不是该任务的承办单位", field="unit")
    now = clock.now()
    item = Accountability(
        task=task,
        org=task.org,
        unit=unit,
        person_name=clean_text(person_name, "person_name", "责任人", required=False, limit=50),
        form=_check_form(form),
        reason=clean_text(reason, "reason", "问责事由", required=True, limit=services.MAX_TEXT),
        decision_no=clean_text(decision_no, "decision_no", "决定文号", required=False, limit=60),
        status=AccountabilityStatus.DECIDED,
        decided_by=user_or_none(actor),
        decided_at=now,
        created_by=user_or_none(actor),
        created_at=now,
    )
    if decision_file is not None:
        checked = _decision_file(decision_file)
        item.decision_file.save(checked.name, checked.content, save=False)
    item.save()
    record(
        task,
        ACCOUNTABILITY_DECIDED,
        actor=actor,
        reason=item.reason,
        after={
            "unit": unit.name,
            "person": item.person_name,
            "form": item.form,
            "decision_no": item.decision_no,
        },
    )
    return item


def _decision_file(upload):
    from .evidence import check_upload

    return check_upload(upload, status.rule_in_force(services.today()).max_evidence_mb, field="decision_file")


@transaction.atomic
def decide_accountability(
    item: Accountability,
    *,
    actor,
    dismiss: bool = False,
    form: str = "",
    person_name: str = "",
    decision_no: str = "",
    reason: str = "",
    decision_file=None,
) -> Accountability:
    """Decide a proposal of the ladder: a form of accountability with its document, or none."""
    item = (
        Accountability.objects.select_for_update(of=("self",))
        .select_related("task", "task__plan", "task__plan__org", "unit")
        .get(pk=item.pk)
    )
    services.require_supervisor(actor, item.task.plan)
    if item.status != AccountabilityStatus.PROPOSED:
        raise StateConflict("该问责建议已处理")
    now = clock.now()
    item.decided_by = user_or_none(actor)
    item.decided_at = now
    if dismiss:
        note = clean_text(reason, "reason", "不予问责理由", limit=500, required=True)
        item.status = AccountabilityStatus.DISMISSED
        item.save(update_fields=["status", "decided_by", "decided_at"])
        record(item.task, ACCOUNTABILITY_DISMISSED, actor=actor, reason=note, after={"unit": item.unit.name})
        return item
    item.form = _check_form(form)
    item.person_name = clean_text(
        person_name or item.person_name, "person_name", "责任人", required=False, limit=50
    )
    item.decision_no = clean_text(decision_no, "decision_no", "决定文号", limit=60, required=True)
    if reason:
        item.reason = clean_text(reason, "reason", "问责事由", required=True, limit=services.MAX_TEXT)
    if decision_file is not None:
        checked = _decision_file(decision_file)
        item.decision_file.save(checked.name, checked.content, save=False)
    item.status = AccountabilityStatus.DECIDED
    item.save()
    record(
        item.task,
        ACCOUNTABILITY_DECIDED,
        actor=actor,
        reason=item.reason,
        after={
            "unit": item.unit.name,
            "person": item.person_name,
            "form": item.form,
            "decision_no": item.decision_no,
        },
    )
    return item
