"""督查问效: the periodic supervision of open cases, run by ``luoshi worker``.

Every run (every few minutes, on any number of workers):
- 催办提醒 to the responsible people when a stage is due within ``REMIND_WITHIN``;
- 督办通知单 when a stage is overdue: addressed to the responsible unit, with a reply deadline of
  one working day;
- 通报 when a case collects its second notice (overdue again), addressed to the unit and copied
  to the supervision office.
Each (case, kind, stage, deadline) gets at most one record: claimed by the unique constraint, so
two workers racing insert one row and the loser skips it. Notifications go out after commit.

Every reminder and notice is addressed to the unit that must act now (``who_must_act``): the lead
unit's handlers at sign-for and handling, the street's dispatch centre at registration, dispatch
and check. Notices and circulars are numbered (文号, ``number_notice``: 岳督办〔2026〕12号).

By hand, the supervision office (督查室, action ``supervise``) urges a case (``remind_case``, 催办:
any number of times, counted in the rankings) and issues numbered notices (``issue_case_notice``);
those records are ``manual`` and outside the one-per-deadline constraint.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from audit import events
from audit.services import record
from core import clock, docnumbers, notify
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.kit import clean_text
from orgs.models import Org, OrgKind, Position, RoleGrant
from orgs.permissions import require
from orgs.roles import roles_with
from orgs.scoping import can

from . import deadlines
from .models import Case, LimitUnit, NoticeKind, Stage, SupervisionNotice

log = logging.getLogger(__name__)

REMIND_WITHIN = dt.timedelta(hours=4)
NOTICE_ISSUED = events.register("case.notice_issued", "发出督办通知单")
CIRCULAR_ISSUED = events.register("case.circular_issued", "通报")
NOTICE_REPLIED = events.register("case.notice_replied", "回复督办通知单")

# Who answers for a stage: the dispatch centre before dispatch and at check, the lead unit's
# handlers while it signs and handles.
STAGE_ACTION = {
    Stage.REGISTER: "dispatch",
    Stage.DISPATCH: "dispatch",
    Stage.SIGN: "handle",
    Stage.RETURN_WINDOW: "handle",
    Stage.HANDLE: "handle",
    Stage.REPORT_IN: "dispatch",
    Stage.CHECK: "check",
    Stage.CALLBACK: "callback",
}
UNIT_STAGES = (Stage.SIGN, Stage.RETURN_WINDOW, Stage.HANDLE)
CENTRE_KINDS = (OrgKind.STREET, OrgKind.TOWN)


def ancestor_paths(path: str, steplen: int = Org.steplen) -> list[str]:
    return [path[:i] for i in range(steplen, len(path) + 1, steplen)]


def responsible_users(action: str, org: Org) -> list:
    """Users holding ``action`` at ``org`` or above (one query on the grants of its ancestors)."""
    grants = (
        RoleGrant.objects.current()
        .filter(role__in=roles_with(action), org_path__in=ancestor_paths(org.path), user__is_active=True)
        .select_related("user")
    )
    return [grant.user for grant in grants]


def nearest_holders(action: str, org: Org) -> list:
    """Users holding ``action`` at the level nearest to ``org`` (itself, else its parent, …): the
    people of that unit, not everyone above it who could also act (district admins)."""
    grants = list(
        RoleGrant.objects.current()
        .filter(role__in=roles_with(action), org_path__in=ancestor_paths(org.path), user__is_active=True)
        .select_related("user")
    )
    if not grants:
        return []
    deepest = max(len(grant.org_path) for grant in grants)
    return list({grant.user_id: grant.user for grant in grants if len(grant.org_path) == deepest}.values())


def dispatch_centre(case: Case) -> Org:
    """The street (乡镇) whose dispatch centre registers, dispatches and checks ``case``: the street
    the case is in; the district for cases in the district queue. Addressed by the centre's office
    (an office under the street named …中心) when there is one, so the notice names the centre."""
    street = case.street if case.street_id else None
    if street is None:
        rows = Org.objects.filter(path__in=ancestor_paths(case.org_path), kind__in=CENTRE_KINDS)
        street = rows.order_by("-depth").first()
    if street is None:
        return Org.objects.filter(path=case.org_path[: Org.steplen]).first() or case.org
    office = (
        Org.objects.filter(
            path__startswith=street.path,
            depth=street.depth + 1,
            kind=OrgKind.OFFICE,
            name__contains="中心",
            archived_at__isnull=True,
        )
        .order_by("path")
        .first()
    )
    return office or street


@dataclass(frozen=True)
class MustAct:
    """Who must act on a case now: the unit a reminder or notice is addressed to, the action it
    must take and the people who hold that action there."""

    unit: Org
    action: str
    users: list


def who_must_act(case: Case) -> MustAct:
    """The unit that must act on ``case`` at its current stage, and its people: the lead unit's
    handlers while the case waits to be signed or is handled; the responsible street dispatch
    centre (not the grid the case is in) to register, dispatch, check or call back. Used by the
    periodic reminders, manual 催办 (``remind_case``) and bulk reminders."""
    action = STAGE_ACTION.get(case.stage, "dispatch")
    if case.stage in UNIT_STAGES and case.lead_unit_id:
        unit = case.lead_unit
        return MustAct(unit, action, nearest_holders(action, unit))
    unit = dispatch_centre(case)
    # The centre's people hold their grant at the street: look up from the office.
    return MustAct(unit, action, nearest_holders(action, unit))


def responsible_unit(case: Case) -> Org:
    return who_must_act(case).unit


@dataclass
class RunReport:
    reminders: int = 0
    notices: int = 0
    circulars: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)
    # Per-run memos: the same unit's responsible people and the same reply deadline are looked
    # up once per pass, not once per case.
    _users: dict = field(default_factory=dict, repr=False)
    _must_act: dict = field(default_factory=dict, repr=False)
    _reply_due: dt.datetime | None = field(default=None, repr=False)

    def users(self, action: str, unit: Org) -> list:
        key = (action, unit.pk)
        if key not in self._users:
            self._users[key] = responsible_users(action, unit)
        return self._users[key]

    def must_act(self, case: Case) -> MustAct:
        if case.stage in UNIT_STAGES and case.lead_unit_id:
            key: tuple = (case.stage, "unit", case.lead_unit_id)
        else:
            key = (case.stage, "centre", case.street_id or case.org_path)
        if key not in self._must_act:
            self._must_act[key] = who_must_act(case)
        return self._must_act[key]

    def reply_due(self, now: dt.datetime) -> dt.datetime:
        if self._reply_due is None:
            self._reply_due = deadlines.due_after(now, 1, LimitUnit.WORK_DAYS)
        return self._reply_due


def _claim(case: Case, kind: str, unit: Org, text: str, reply_due_at=None) -> SupervisionNotice | None:
    """Insert the one record for this (case, kind, stage, deadline); None if it exists already."""
    try:
        with transaction.atomic():
            return SupervisionNotice.objects.create(
                case=case,
                org=case.org,
                kind=kind,
                stage=case.stage,
                stage_due_at=case.due_at,
                unit=unit,
                text=text,
                reply_due_at=reply_due_at,
                created_at=clock.now(),
            )
    except IntegrityError:
        return None


def district_of(case: Case) -> Org:
    return Org.objects.get(path=case.org_path[: Org.steplen])


def issuing_office(actor, case: Case) -> Org:
    """The office that issues a document about ``case``: the actor's current post (e.g. 区委督查室)
    inside the case's district, else the district itself (the periodic job)."""
    district_path = case.org_path[: Org.steplen]
    person = getattr(actor, "person", None) if getattr(actor, "is_authenticated", False) else None
    if person is not None:
        post = (
            Position.objects.current()
            .filter(person=person, org_path__startswith=district_path)
            .select_related("org")
            .order_by("org_path")
            .first()
        )
        if post is not None:
            return post.org
    return district_of(case)


def number_notice(notice: SupervisionNotice, issuer: Org | None = None) -> SupervisionNotice:
    """Give a 督办通知单 or 通报 its 文号 (the issuer's 发文代字, the shared series of
    ``core.docnumbers``); a notice keeps the number it has. Existing unnumbered notices get one when
    first printed."""
    if notice.number or not notice.printable:
        return notice
    issuer = issuer or notice.issuer or district_of(notice.case)
    created = timezone.localtime(notice.created_at)
    word = docnumbers.word_for(notice.kind)
    notice.number = docnumbers.allocate(issuer.issuing_prefix(), word, created.year)
    notice.issuer = issuer
    notice.save(update_fields=["number", "issuer"])
    return notice


def _describe(case: Case) -> str:
    return f"{case.number}「{case.title}」{case.get_stage_display()}环节"


@transaction.atomic
def _supervise_one(case: Case, now: dt.datetime, report: RunReport) -> None:
    must = report.must_act(case)
    unit = must.unit
    url = reverse("cases:detail", args=[case.number])
    due_text = clock_text(case.due_at)
    if case.due_at >= now:
        notice = _claim(case, NoticeKind.REMINDER, unit, f"{_describe(case)}将于{due_text}到期,请抓紧办理。")
        if notice is None:
            report.skipped += 1
            return
        notify.notify(
            must.users,
            kind="case.reminder",
            title=f"催办:{case.number} 即将到期",
            body=notice.text,
            url=url,
        )
        report.reminders += 1
        return
    reply_due = report.reply_due(now)
    notice = _claim(
        case,
        NoticeKind.NOTICE,
        unit,
        f"{_describe(case)}已于{due_text}逾期,请{unit.name}于{clock_text(reply_due)}前办结并书面说明逾期原因。",
        reply_due_at=reply_due,
    )
    if notice is None:
        report.skipped += 1
        return
    number_notice(notice)
    record(
        case, NOTICE_ISSUED, actor=SYSTEM, reason=notice.text, after={"unit": unit.name, "stage": case.stage}
    )
    notify.notify(
        must.users,
        kind="case.notice",
        title=f"督办:{case.number} 已逾期",
        body=notice.text,
        url=url,
    )
    report.notices += 1
    if case.notices.filter(kind=NoticeKind.NOTICE).count() >= 2:
        circular = _claim(
            case, NoticeKind.CIRCULAR, unit, f"{_describe(case)}再次逾期,责任单位{unit.name},予以通报。"
        )
        if circular is not None:
            number_notice(circular)
            record(case, CIRCULAR_ISSUED, actor=SYSTEM, reason=circular.text, after={"unit": unit.name})
            notify.notify(
                [*must.users, *report.users("supervise", case.org)],
                kind="case.circular",
                title=f"通报:{case.number} 再次逾期",
                body=circular.text,
                url=url,
            )
            report.circulars += 1


def clock_text(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%m月%d日 %H:%M}"


def supervise(now: dt.datetime | None = None, batch: int = 500) -> RunReport:
    """One supervision pass over the open cases that are overdue or due within ``REMIND_WITHIN``."""
    now = now or clock.now()
    report = RunReport()
    # Only new work: a running deadline that already has its reminder (not yet due) or its notice
    # (overdue) is skipped in the query, so a pass over an unchanged backlog costs one query and
    # leaves no failed inserts behind (bench/README.md: 212 s → 0.4 s at 1M cases).
    claimed = SupervisionNotice.objects.filter(
        case=OuterRef("pk"), stage=OuterRef("stage"), stage_due_at=OuterRef("due_at")
    )
    candidates = (
        Case.objects.open()
        .filter(due_at__lt=now + REMIND_WITHIN)
        .exclude(stage="")
        .exclude(Q(due_at__gte=now) & Exists(claimed.filter(kind=NoticeKind.REMINDER, manual=False)))
        .exclude(Q(due_at__lt=now) & Exists(claimed.filter(kind=NoticeKind.NOTICE, manual=False)))
        .select_related("org", "lead_unit", "street")
    )
    last_id = 0
    while True:
        chunk = list(candidates.filter(pk__gt=last_id).order_by("pk")[:batch])
        if not chunk:
            break
        for case in chunk:
            try:
                _supervise_one(case, now, report)
            except Exception as error:  # one bad case must not stop the pass
                log.exception("supervision failed for case %s", case.number)
                report.errors.append(f"{case.number}: {error}")
        last_id = chunk[-1].pk
    return report


# ---------------------------------------------------------------------------------------------
# By hand: the supervision office (督查室) urges a case and issues notices


URGED = events.register("case.urged", "催办")
URGES_BEFORE_NOTICE = 3  # the third 催办 of one overdue deadline issues a 督办通知单 as well
MAX_NOTICE_REPLY_DAYS = 10


def _locked_open(case: Case, actor, what: str) -> Case:
    case = (
        Case.objects.select_for_update(of=("self",))
        .select_related("org", "lead_unit", "street")
        .get(pk=case.pk)
    )
    require(actor, "supervise", case.org, f"只有督查室可以{what}")
    if not case.is_open or not case.stage:
        raise StateConflict(f"事项当前为“{case.get_status_display()}”,无需{what}")
    return case


@transaction.atomic
def remind_case(case: Case, *, actor, reason: str, act_by: dt.date | None = None) -> SupervisionNotice:
    """催办 by the supervision office: a recorded reminder to the unit that must act now
    (``who_must_act``) with the office's reason and an optional date to finish by. Audited on the
    case, counted against that unit in the monthly rankings (``evaluation``). The third 催办 of
    one overdue deadline also issues a 督办通知单. Bulk remind calls this once per case."""
    case = _locked_open(case, actor, "催办")
    reason = clean_text(reason, "reason", "催办事由", required=True, limit=500)
    now = clock.now()
    deadline = None
    if act_by is not None:
        if act_by < timezone.localdate(now):
            raise ServiceError("限期办结日期不能早于今天", field="act_by")
        deadline = deadlines.end_of_day(act_by)
    must = who_must_act(case)
    text = f"{_describe(case)}:{reason}"
    if deadline is not None:
        text += f"请{must.unit.name}于{clock_text(deadline)}前办结。"
    notice = SupervisionNotice.objects.create(
        case=case,
        org=case.org,
        kind=NoticeKind.URGE,
        stage=case.stage,
        stage_due_at=case.due_at or now,
        unit=must.unit,
        text=text,
        act_by=deadline,
        manual=True,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        issuer=issuing_office(actor, case),
        created_at=now,
    )
    after = {"unit": must.unit.name, "stage": case.stage}
    if deadline is not None:
        after["act_by"] = deadline.isoformat()
    record(case, URGED, actor=actor, reason=reason, after=after)
    notify.notify(
        [u for u in must.users if u != actor],
        kind="case.urged",
        title=f"催办:{case.number} {case.title}"[:200],
        body=text,
        url=reverse("cases:detail", args=[case.number]),
    )
    urges = case.notices.filter(
        kind=NoticeKind.URGE, stage=case.stage, stage_due_at=case.due_at, manual=True
    ).count()
    overdue = case.due_at is not None and case.due_at < now
    noticed = case.notices.filter(kind=NoticeKind.NOTICE, stage=case.stage, stage_due_at=case.due_at).exists()
    if overdue and urges >= URGES_BEFORE_NOTICE and not noticed:
        issue_case_notice(
            case,
            actor=actor,
            text=f"该事项已逾期并经{urges}次催办仍未办结,请{must.unit.name}抓紧办结并书面说明原因。",
        )
    return notice


@transaction.atomic
def issue_case_notice(case: Case, *, actor, text: str, reply_days: int = 1) -> SupervisionNotice:
    """督办通知单 issued by the supervision office on a case: numbered (岳督办〔2026〕12号),
    addressed to the unit that must act, with a reply deadline in working days; printable (A4)
    and downloadable (.docx) from ``cases:notice_print``."""
    case = _locked_open(case, actor, "发出督办通知单")
    text = clean_text(text, "text", "督办内容", required=True, limit=2000)
    try:
        reply_days = int(reply_days)
    except (TypeError, ValueError) as error:
        raise ServiceError("请填写回复期限", field="reply_days") from error
    if not 1 <= reply_days <= MAX_NOTICE_REPLY_DAYS:
        raise ServiceError(f"回复期限应为1到{MAX_NOTICE_REPLY_DAYS}个工作日", field="reply_days")
    now = clock.now()
    must = who_must_act(case)
    notice = SupervisionNotice.objects.create(
        case=case,
        org=case.org,
        kind=NoticeKind.NOTICE,
        stage=case.stage,
        stage_due_at=case.due_at or now,
        unit=must.unit,
        text=text,
        reply_due_at=deadlines.due_after(now, reply_days, LimitUnit.WORK_DAYS),
        manual=True,
        issued_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
    )
    number_notice(notice, issuing_office(actor, case))
    record(
        case,
        NOTICE_ISSUED,
        actor=actor,
        reason=text,
        after={"unit": must.unit.name, "stage": case.stage, "number": notice.number},
    )
    notify.notify(
        [u for u in must.users if u != actor],
        kind="case.notice",
        title=f"督办通知单 {notice.number}:{case.number}"[:200],
        body=text,
        url=reverse("cases:notice_print", args=[notice.pk]),
    )
    return notice


@transaction.atomic
def reply_to_notice(notice: SupervisionNotice, *, actor, reply: str) -> SupervisionNotice:
    """The unit's written explanation (情况说明) for a supervision notice."""
    notice = (
        SupervisionNotice.objects.select_for_update(of=("self",))
        .select_related("unit", "case")
        .get(pk=notice.pk)
    )
    if notice.kind != NoticeKind.NOTICE:
        raise ServiceError("只有督办通知单需要回复")
    if not can(actor, "handle", notice.unit) and not can(actor, "dispatch", notice.unit):
        raise PermissionDenied(f"只有{notice.unit.name}可以回复该督办通知单")
    if notice.replied_at is not None:
        raise ServiceError("该督办通知单已回复")
    reply = (reply or "").strip()
    if not reply:
        raise ServiceError("请填写情况说明", field="reply")
    notice.reply, notice.replied_at, notice.replied_by = reply[:2000], clock.now(), actor
    notice.save(update_fields=["reply", "replied_at", "replied_by"])
    record(notice.case, NOTICE_REPLIED, actor=actor, reason=reply)
    return notice
