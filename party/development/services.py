"""Member development services (发展党员): one function per action, each in one transaction — lock
the applicant, check scope, order and rules → write the step → schedule the next step's deadline
→ one audit event.

    apply_for_membership (step 1) ─► record_step (steps 2–25, strictly in order)
    cancel_applicant · confirm_rule_version · set_plan · approval_authority (who may approve)

Every step is judged by the rule version in force on **that step's date** (``Rules.load(day)``:
2014 细则 by default, the 2026 revision from its effective date, flagged "未经确认" until an
administrator confirms it). Hard rules refuse with a Chinese message that names the field and the
rule's source; time limits that were missed are recorded as deviations (偏差) on the step and
stay visible — the software computes and flags, people decide (rules.md §9.5).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.db.models import Q

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import SYSTEM, is_system, user_or_none
from core.errors import PermissionDenied, ServiceError
from core.kit import clean_text
from orgs.models import Org, Person, Position, PositionKind
from orgs.permissions import require
from orgs.scoping import can
from party import files
from party.development import steps as development_steps
from party.development.defaults import EFFECTIVE, V2014
from party.development.models import (
    Applicant,
    ApplicantStatus,
    ApprovalAuthority,
    CheckResult,
    DevelopmentPlan,
    DevelopmentStep,
    Discipline,
    StepDocument,
    StepSubmission,
    SubmissionDocument,
    SubmissionState,
)
from party.development.workflow import DEVELOPMENT, STEP_STATUSES, check_branch
from party.life.models import AttendanceStatus, Meeting, MeetingKind, Resolution, ResolutionKind
from party.life.services import tally
from party.membership.models import Member, MemberCategory, MemberStatus
from party.rules import Rules
from party.rules.models import RuleParameter
from workdays import calendar as workdays

E = events.register
APPLICATION_RECEIVED = E("party.dev_application_received", "登记入党申请")
STEP_RECORDED = E("party.dev_step_recorded", "登记发展党员步骤")
APPLICANT_CANCELLED = E("party.dev_applicant_cancelled", "终止发展程序")
MEMBER_ADMITTED = E("party.dev_member_admitted", "接收为预备党员")
MEMBER_CONFIRMED = E("party.dev_member_confirmed", "预备党员转为正式党员")
RULES_CONFIRMED = E("party.dev_rules_confirmed", "确认发展党员细则版本")
PLAN_SET = E("party.dev_plan_set", "下达年度发展党员计划")
PROBATION_EXTENDED = E("party.dev_probation_extended", "批准延长预备期")
PROBATION_CANCELLED = E("party.dev_probation_cancelled", "批准取消预备党员资格")
STEP_CORRECTED = E("party.dev_step_corrected", "更正发展党员步骤记录")
STEP_SUBMITTED = E("party.dev_step_submitted", "报上级党委(发展党员)")
SUBMISSION_APPROVED = E("party.dev_submission_approved", "上级党委办结报送事项")
SUBMISSION_RETURNED = E("party.dev_submission_returned", "上级党委退回报送事项")

COMMITTEE_KINDS = ("party_committee", "working_committee")
AUTH_SOURCE = (
    "共产党员网《哪些党组织有权审批发展党员》:只有党委可以审批,党总支、村和社区党委、"
    "乡镇街道党委下属党委、临时党组织不能审批"
)
VOTE_SOURCE = "《中国共产党发展党员工作细则》(2014) 第二十条、第二十一条"
REVIEW_SOURCE = "《中国共产党发展党员工作细则》(2014) 第十六条"
PREREVIEW_SOURCE = "《中国共产党发展党员工作细则》(2014) 第十九条"
ORDER_SOURCE = "发展党员“5个阶段25个步骤”流程(中组部)"
MAX_NOTE = 2000


# ---------------------------------------------------------------------------------------------
# Rule versions


@dataclass
class Check:
    rule: str
    result: str
    message: str
    source: str
    version: str
    confirmed: bool

    @property
    def result_label(self) -> str:
        return CheckResult(self.result).label


class DevRules:
    """The development rules in force on ``day`` (for ``org``'s subtree: local rows override)."""

    def __init__(self, day: dt.date, org: Org | None = None):
        if day < EFFECTIVE[V2014]:
            raise ServiceError(
                f"日期 {day} 早于《中国共产党发展党员工作细则》(2014) 施行日期 {EFFECTIVE[V2014]},"
                "本系统不按旧规定办理",
                field="done_on",
            )
        self.day, self.org = day, org
        self.rules = Rules.load(day)
        version = self.rules.param("dev.version")
        self.version = version.value
        self.confirmed = version.confirmed

    def get(self, code: str):
        return self.rules.get(code, self.org)

    def param(self, code: str) -> RuleParameter:
        return self.rules.param(code, self.org)

    def cite(self, code: str) -> str:
        row = self.param(code)
        flag = "" if row.confirmed else "(未经确认)"
        return f"{row.source}{flag}"

    def months(self, code: str) -> relativedelta:
        return relativedelta(months=int(self.get(code)))

    @property
    def label(self) -> str:
        return f"{self.version}年版"

    @property
    def flagged_label(self) -> str:
        """The version with its confirmation note, for the audit trail (never on a page)."""
        return f"{self.version}年版{'' if self.confirmed else '(未经确认)'}"


def rule_versions() -> list[dict]:
    """The development rule versions and whether each is confirmed (for the pages and admin)."""
    rows = RuleParameter.objects.filter(code="dev.version", org__isnull=True).order_by("effective_from")
    return [{"version": r.value, "effective_from": r.effective_from, "confirmed": r.confirmed} for r in rows]


@transaction.atomic
def confirm_rule_version(*, actor, version: str, reason: str) -> int:
    """An administrator confirms a rule version against the official text (e.g. the 2026 revision):
    its rows become ``confirmed`` and steps judged under it no longer show "未经确认"."""
    if not is_system(actor) and not getattr(actor, "is_superuser", False):
        raise PermissionDenied("只有系统管理员可以确认细则版本")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请说明确认依据(官方文本出处)", field="reason")
    marker = RuleParameter.objects.filter(code="dev.version", value=version, org__isnull=True).first()
    if marker is None:
        raise ServiceError(f"没有 {version} 年版发展党员规则", field="version")
    rows = RuleParameter.objects.select_for_update().filter(
        code__startswith="dev.", effective_from=marker.effective_from, org__isnull=True
    )
    count = rows.update(confirmed=True)
    record(marker, RULES_CONFIRMED, actor=actor, reason=reason, after={"version": version, "rows": count})
    return count


# ---------------------------------------------------------------------------------------------
# Approval authority (审批权)


def approval_authority(org: Org, day: dt.date | None = None) -> tuple[bool, str]:
    """May ``org`` approve admissions (审批发展党员)? Returns (yes, why). An explicit
    ``ApprovalAuthority`` row wins; otherwise only a 党委/党工委 may, and not one built in a village or
    community, nor one under a township/street committee (rules.md §2.16, §5.1)."""
    day = day or kit.today()
    explicit = (
        ApprovalAuthority.objects.filter(org=org, effective_from__lte=day).order_by("-effective_from").first()
    )
    if explicit is not None:
        verdict = "有" if explicit.granted else "无"
        return explicit.granted, f"{org.name}{verdict}审批权(登记依据:{explicit.basis})"
    if org.kind not in COMMITTEE_KINDS:
        return False, f"{org.name}是{org.get_kind_display()},只有党委可以审批发展党员"
    host = org.host
    if host is not None and host.kind in ("village", "community"):
        return False, f"{org.name}是村(社区)党委,不能审批发展党员,应由乡镇(街道)党委审批"
    for ancestor in Org.objects.get_ancestors(org).select_related("host"):
        if (
            ancestor.kind in COMMITTEE_KINDS
            and ancestor.host is not None
            and ancestor.host.kind in ("street", "town")
        ):
            return False, f"{org.name}隶属于{ancestor.name},不能审批发展党员,应由乡镇(街道)党委审批"
    return True, f"{org.name}是有审批权的基层党委"


def approving_orgs(branch: Org, day: dt.date | None = None) -> list[Org]:
    """The branch's ancestors that may approve its admissions, nearest first."""
    result = [o for o in Org.objects.get_ancestors(branch) if approval_authority(o, day)[0]]
    return list(reversed(result))


# ---------------------------------------------------------------------------------------------
# Helpers


def _under_discipline(member: Member, day: dt.date) -> bool:
    return (
        Discipline.objects.filter(member=member, kind=Discipline.Kind.PROBATION, decided_on__lte=day)
        .filter(Q(restored_on__isnull=True) | Q(restored_on__gt=day))
        .exists()
    )


def _formal_members(people, day: dt.date, label: str, field: str) -> list[Person]:
    """Each person must be a formal member in good standing, not under 留党察看."""
    result = []
    for person in people:
        person = person if isinstance(person, Person) else Person.objects.filter(pk=person).first()
        if person is None:
            raise ServiceError(f"{label}不存在", field=field)
        member = Member.objects.filter(person=person).first()
        if member is None or member.status != MemberStatus.NORMAL:
            raise ServiceError(f"{label}{person.name}不是党籍正常的党员", field=field)
        if member.category != MemberCategory.FORMAL or (
            member.full_member_on and member.full_member_on > day
        ):
            raise ServiceError(f"{label}{person.name}是预备党员,须由正式党员担任", field=field)
        if _under_discipline(member, day):
            raise ServiceError(
                f"{label}{person.name}受留党察看处分尚未恢复党员权利,不能担任(党章 第五条;细则 第十四条)",
                field=field,
            )
        result.append(person)
    return result


def notice_workdays(start: dt.date, end: dt.date) -> int:
    """Working days of a 公示 from ``start`` to ``end`` inclusive (holidays and 调休 counted by the
    working-day calendar)."""
    return workdays.workdays_between(start - dt.timedelta(days=1), end)


def notice_end(start: dt.date, days: int) -> dt.date:
    """The last day of a 公示 of ``days`` working days starting on ``start``."""
    return workdays.add_workdays(start - dt.timedelta(days=1), days)


class NeedsConfirmation(ServiceError):
    """A step breaks a soft rule (a time limit missed, a 公示 too short …): the user confirms with a
    reason (说明理由) before it is recorded. ``warnings``: the plain-Chinese messages."""

    code = "needs_confirmation"

    def __init__(self, warnings: list[str]):
        super().__init__(
            "该步骤不符合以下规定:" + ";".join(warnings) + "。如仍要登记,请说明理由",
            field="confirm_reason",
        )
        self.warnings = warnings


def _confirm_deviations(actor, judge: _Judge, confirm: bool, reason: str) -> str:
    """Soft flags raised at entry ask the user to confirm with a reason (stored with the step);
    SYSTEM (imports, the demo) records them as before."""
    warnings = [c.message for c in judge.checks if c.result == CheckResult.DEVIATION]
    if not warnings:
        return ""
    if not confirm:
        if is_system(actor):
            return clean_text(reason, "confirm_reason", "说明理由", limit=MAX_NOTE)
        raise NeedsConfirmation(warnings)
    return clean_text(reason, "confirm_reason", "说明理由", required=True, limit=MAX_NOTE)


class _Judge:
    """Collects the checks of one step; ``refuse`` raises, ``flag`` records a deviation."""

    def __init__(self, rules: DevRules):
        self.rules = rules
        self.checks: list[Check] = []

    def _add(self, rule, result, message, source):
        self.checks.append(
            Check(
                rule,
                result,
                message,
                source or self.rules.cite(rule),
                self.rules.version,
                self.rules.confirmed,
            )
        )

    def ok(self, rule: str, message: str, source: str = ""):
        self._add(rule, CheckResult.PASSED, message, source)

    def refuse(self, rule: str, message: str, field: str, source: str = ""):
        source = source or self.rules.cite(rule)
        raise ServiceError(f"{message}。依据:{source}", field=field)

    def flag(self, rule: str, message: str, source: str = ""):
        self._add(rule, CheckResult.DEVIATION, message, source)

    def require(self, condition: bool, rule: str, passed: str, failed: str, field: str, source: str = ""):
        if not condition:
            self.refuse(rule, failed, field, source)
        self.ok(rule, passed, source)

    def timely(self, done_on: dt.date, limit: dt.date, rule: str, what: str):
        if done_on <= limit:
            self.ok(rule, f"{what}在期限 {limit} 之内")
        else:
            self.flag(rule, f"{what}晚于期限 {limit}({(done_on - limit).days} 天)")

    @property
    def deviation(self) -> bool:
        return any(c.result == CheckResult.DEVIATION for c in self.checks)


def live_step(applicant: Applicant, number: int, until: dt.date | None = None) -> DevelopmentStep | None:
    """The live (not superseded) passed step ``number``; with ``until``, the latest one on or before
    that day (a step recorded twice, e.g. 23 before and after an extension)."""
    rows = applicant.steps.filter(number=number, superseded_at__isnull=True, passed=True)
    if until is None:
        return rows.order_by("-pk").first()
    return rows.filter(done_on__lte=until).order_by("-done_on", "-pk").first()


def _committee_ancestor(branch: Org, org: Org | None, field: str, what: str) -> Org:
    if org is None:
        raise ServiceError(f"请选择{what}", field=field)
    if org.kind not in COMMITTEE_KINDS or not branch.path.startswith(org.path) or org.pk == branch.pk:
        raise ServiceError(f"{what}须为本支部的上级党委(党工委),“{org.name}”不是", field=field)
    return org


def _save_documents(step: DevelopmentStep, documents) -> None:
    uploads = list(documents or [])
    if len(uploads) > files.MAX_UPLOADS:
        raise ServiceError(f"每次最多上传 {files.MAX_UPLOADS} 个文件", field="documents")
    for item in uploads:
        title, upload = item if isinstance(item, tuple) else (None, item)
        content = files.clean_file(upload)
        if not isinstance(title, str) or not title.strip():
            title = (development_steps.step(step.number).documents or ("材料",))[0]
        doc = StepDocument(
            step=step,
            org=step.org,
            title=title.strip()[:100],
            name=files.upload_name(upload),
            size=content.size,
            created_at=clock.now(),
        )
        assert content.name is not None  # clean_file names it (files._name)
        doc.file.save(content.name, content, save=False)
        doc.save()


# ---------------------------------------------------------------------------------------------
# Step 1: the application


@transaction.atomic
def apply_for_membership(
    *,
    actor,
    branch: Org,
    applied_on: dt.date,
    person: Person | None = None,
    name: str = "",
    gender: str = "",
    birth_date: dt.date | None = None,
    frontline: bool = False,
    note: str = "",
    documents=(),
    is_demo: bool = False,
) -> Applicant:
    """Step 1 递交入党申请书: register the application of an existing person or a new one (姓名, 性别,
    出生日期). Refused when the applicant is under 18 on the application date (细则 第五条)."""
    require(actor, "change", branch, "无权为该党支部登记入党申请")
    if branch.kind != "branch" or branch.archived_at is not None:
        raise ServiceError("入党申请须由党支部受理,请选择党支部", field="org")
    if not isinstance(applied_on, dt.date):
        raise ServiceError("请填写递交申请日期", field="applied_on")
    if applied_on > kit.today():
        raise ServiceError("递交申请日期不能晚于今天", field="applied_on")
    rules = DevRules(applied_on, branch)
    judge = _Judge(rules)
    if person is None:
        name = clean_text(name, "name", "姓名", required=True, limit=50)
        if gender not in ("M", "F"):
            raise ServiceError("请选择性别", field="gender")
        if not isinstance(birth_date, dt.date):
            raise ServiceError("请填写出生日期(用于核对年满18周岁)", field="birth_date")
        born = birth_date
    else:
        if (
            Member.objects.filter(person=person)
            .exclude(status__in=(MemberStatus.REMOVED, MemberStatus.PROBATION_CANCELLED))
            .exists()
        ):
            raise ServiceError(f"{person.name}已是党员,不能再登记入党申请", field="person")
        if Applicant.objects.open().filter(person=person).exists():
            raise ServiceError(f"{person.name}已有进行中的发展程序", field="person")
        if person.birth_date is None:
            raise ServiceError(f"{person.name}的人员信息没有出生日期,请先补充", field="birth_date")
        born = person.birth_date
    age = applied_on.year - born.year - ((applied_on.month, applied_on.day) < (born.month, born.day))
    minimum = rules.get("dev.min_age")
    judge.require(
        age >= minimum,
        "dev.min_age",
        f"递交申请时 {age} 周岁,已满{minimum}周岁",
        f"出生日期:递交申请时({applied_on})未满{minimum}周岁(当时 {age} 周岁),不能受理入党申请",
        "birth_date",
    )
    if person is None:
        home = branch.host or branch
        person = Person.objects.create(
            name=name, gender=gender, birth_date=born, org=home, is_demo=is_demo, created_at=clock.now()
        )
    now = clock.now()
    applicant = Applicant.objects.create(
        org=branch,
        person=person,
        applied_on=applied_on,
        frontline=bool(frontline),
        step=1,
        is_demo=is_demo,
        created_at=now,
        updated_at=now,
    )
    step = DevelopmentStep.objects.create(
        applicant=applicant,
        org=branch,
        number=1,
        done_on=applied_on,
        body=development_steps.BODIES[development_steps.APPLICANT],
        note=clean_text(note, "note", "说明", limit=MAX_NOTE),
        checks=[asdict(c) for c in judge.checks],
        rule_version=rules.version,
        rule_confirmed=rules.confirmed,
        recorded_by=user_or_none(actor),
        created_at=now,
    )
    _save_documents(step, documents)
    _schedule(applicant)
    applicant.save()
    record(
        applicant,
        APPLICATION_RECEIVED,
        actor=actor,
        after={"applied_on": str(applied_on), "age": age, "rule_version": rules.flagged_label},
    )
    return applicant


# ---------------------------------------------------------------------------------------------
# Steps 2–25


@dataclass
class Vote:
    meeting: Meeting
    yes: int
    no: int = 0
    abstain: int = 0
    written_yes: int = 0
    written_no: int = 0
    written_abstain: int = 0


def _vote(applicant: Applicant, vote: Vote | None, done_on: dt.date, judge: _Judge, subject: str, kind: str):
    """The branch meeting's vote on one candidate (one at a time): quorum and pass rule through
    ``services.tally``; written opinions of absent formal members count (细则 第二十一条)."""
    if vote is None or vote.meeting is None:
        raise ServiceError("请选择召开的支部党员大会并登记表决票数", field="meeting")
    meeting = vote.meeting
    if meeting.org_id != applicant.org_id or meeting.kind != MeetingKind.BRANCH_ASSEMBLY or meeting.voided_at:
        raise ServiceError("须选择本支部的支部党员大会记录", field="meeting")
    if meeting.held_on != done_on:
        raise ServiceError(f"步骤日期须与支部党员大会召开日期 {meeting.held_on} 一致", field="done_on")
    if Resolution.objects.filter(meeting=meeting, kind=kind, subject=subject).exists():
        raise ServiceError(f"本次大会已就“{subject}”表决过", field="meeting")
    rows = list(meeting.attendance.select_related("member"))
    voters = [a for a in rows if a.member.category == MemberCategory.FORMAL]  # 预备党员无表决权
    eligible = len(voters)
    present = sum(1 for a in voters if a.status == AttendanceStatus.PRESENT)
    absent = eligible - present
    try:
        counts = [
            int(x or 0)
            for x in (
                vote.yes,
                vote.no,
                vote.abstain,
                vote.written_yes,
                vote.written_no,
                vote.written_abstain,
            )
        ]
    except (TypeError, ValueError) as error:
        raise ServiceError("票数须为整数", field="votes") from error
    yes, no, abstain, wyes, wno, wabstain = counts
    if min(counts) < 0:
        raise ServiceError("票数不能为负数", field="votes")
    if wyes + wno + wabstain > absent:
        raise ServiceError(
            f"书面意见 {wyes + wno + wabstain} 份,超过未到会的有表决权党员 {absent} 人", field="votes"
        )
    in_room = tally(eligible, present, yes, no, abstain, judge.rules.rules)
    if not in_room.quorum:
        judge.refuse(
            "vote.quorum_share",
            f"表决:到会有表决权的正式党员 {present} 人,未超过应到会 {eligible} 人的半数,不能表决",
            "votes",
            VOTE_SOURCE,
        )
    judge.ok("vote.quorum_share", f"应到 {eligible} 人,实到 {present} 人,超过半数", VOTE_SOURCE)
    total = tally(
        eligible, present + wyes + wno + wabstain, yes + wyes, no + wno, abstain + wabstain, judge.rules.rules
    )
    if total.passed:
        judge.ok(
            "vote.pass_share",
            f"赞成 {yes + wyes} 票(含书面 {wyes}),超过应到会 {eligible} 人的半数",
            VOTE_SOURCE,
        )
    resolution = Resolution.objects.create(
        meeting=meeting,
        org=meeting.org,
        kind=kind,
        subject=subject,
        eligible=eligible,
        present=present,
        yes=yes + wyes,
        no=no + wno,
        abstain=abstain + wabstain,
        passed=total.passed,
        created_at=clock.now(),
    )
    details = {
        "eligible": eligible,
        "present": present,
        "yes": yes,
        "no": no,
        "abstain": abstain,
        "written": [wyes, wno, wabstain],
        "passed": total.passed,
    }
    return resolution, total.passed, details


def _admit(applicant: Applicant) -> Member:
    """Create (or update) the party.Member record of a newly approved probationary member."""
    member = Member.objects.filter(person=applicant.person).first()
    if member is None:
        member = Member(person=applicant.person, is_demo=applicant.is_demo, created_at=clock.now())
    member.org = applicant.org
    member.category = MemberCategory.PROBATIONARY
    member.joined_on = applicant.admitted_on  # 入党时间 = the branch meeting's date
    member.full_member_on = None
    member.status = MemberStatus.NORMAL
    member.save()
    return member


OUTCOMES = {"full": "按期转正", "extend": "延长预备期", "cancel": "取消预备党员资格"}
OUTCOME_APPROVAL = {"full": "转正审批", "extend": "延长预备期审批", "cancel": "取消预备党员资格审批"}


def _extension(applicant: Applicant, rules: DevRules, judge: _Judge, months, prior=None) -> int:
    """An extension of probation: once only, 6–12 months (细则 第三十二条). ``prior``: re-checking
    the recorded extension itself (it is the one extension)."""
    lo, hi = rules.get("dev.extension_min_months"), rules.get("dev.extension_max_months")
    if applicant.extended_months and prior is None:
        judge.refuse("dev.extension_max_months", "延长预备期:预备期只能延长一次,已延长过", "outcome")
    try:
        months = int(months or 0)
    except (TypeError, ValueError) as error:
        raise ServiceError("延长月数须为整数", field="extension_months") from error
    if not lo <= months <= hi:
        judge.refuse(
            "dev.extension_max_months",
            f"延长月数:延长预备期须不少于{lo}个月、不超过{hi}个月,现为 {months} 个月",
            "extension_months",
        )
    judge.ok("dev.extension_max_months", f"延长预备期 {months} 个月(第一次延长)")
    return months


@dataclass
class _Evaluated:
    details: dict
    people: list
    role: str
    passed: bool
    body: str
    deciding_org: Org | None
    resolution: Resolution | None
    outcome: str


@dataclass
class _StepInputs:
    """What ``_evaluate`` judges: step ``spec`` of ``applicant`` on ``done_on`` with the values
    entered (or recorded: ``prior`` is then the recorded row — its vote is not taken again, its
    resolution is kept)."""

    actor: Any
    applicant: Applicant
    spec: development_steps.Step
    done_on: dt.date
    judge: _Judge
    note: str = ""
    deciding_org: Org | None = None
    people: Any = ()
    vote: Vote | None = None
    passed: bool = True
    training_days: Any = None
    training_hours: Any = None
    notice_from: dt.date | None = None
    notice_to: dt.date | None = None
    outcome: str = "full"
    extension_months: Any = None
    checklist: Any = ()
    prior: DevelopmentStep | None = None

    @property
    def rules(self) -> DevRules:
        return self.judge.rules


def _evaluate(inp: _StepInputs) -> _Evaluated:
    """Judge step ``inp.spec`` of ``inp.applicant`` on ``inp.done_on`` by the rules in force that
    day: refuse what a hard rule forbids, record passed checks and deviations on ``inp.judge``. Used
    when a step is recorded, when it is corrected and when later steps are re-checked after a
    correction. The people are checked first, then the step's own rules (``_STEP_CHECKS``)."""
    ev = _Evaluated(
        details={},
        people=[],
        role="",
        passed=True,
        body=inp.spec.body_label,
        deciding_org=inp.deciding_org,
        resolution=None,
        outcome=inp.outcome,
    )
    _check_people(inp, ev)
    check = _STEP_CHECKS.get(inp.spec.number)
    if check is not None:
        check(inp, ev)
    return ev


# -- people ----------------------------------------------------------------------------------------


def _check_people(inp: _StepInputs, ev: _Evaluated) -> None:
    needs = inp.spec.needs
    if "talker" in needs:
        ev.people = list(Person.objects.filter(pk__in=[getattr(p, "pk", p) for p in inp.people]))
        if not ev.people:
            raise ServiceError("请选择谈话人", field="people")
        ev.role = "谈话人"
    if "mentors" in needs:
        _check_mentors(inp, ev)
    if "sponsors" in needs:
        _check_sponsors(inp, ev)


def _check_mentors(inp: _StepInputs, ev: _Evaluated) -> None:
    judge = inp.judge
    lo, hi = inp.rules.get("dev.mentors_min"), inp.rules.get("dev.mentors_max")
    ids = list(dict.fromkeys(getattr(p, "pk", p) for p in inp.people))
    judge.require(
        lo <= len(ids) <= hi,
        "dev.mentors_max",
        f"培养联系人 {len(ids)} 名",
        f"培养联系人:须指定{lo}至{hi}名正式党员,现为 {len(ids)} 名",
        "people",
    )
    ev.people = _formal_members(ids, inp.done_on, "培养联系人", "people")
    judge.ok("dev.mentors_min", "培养联系人均为党籍正常、未受留党察看处分的正式党员")
    ev.role = "培养联系人"


def _check_sponsors(inp: _StepInputs, ev: _Evaluated) -> None:
    judge = inp.judge
    need = inp.rules.get("dev.sponsors")
    ids = list(dict.fromkeys(getattr(p, "pk", p) for p in inp.people))
    judge.require(
        len(ids) == need,
        "dev.sponsors",
        f"入党介绍人 {need} 名",
        f"入党介绍人:须为{need}名不同的正式党员,现为 {len(ids)} 名",
        "people",
    )
    ev.people = _formal_members(ids, inp.done_on, "入党介绍人", "people")
    judge.ok("dev.sponsors", "入党介绍人均为党籍正常、未受留党察看处分的正式党员")
    ev.role = "入党介绍人"


# -- the step rules, one function per step (or group of steps) -------------------------------------


def _check_application(inp: _StepInputs, ev: _Evaluated) -> None:  # 1
    done_on = inp.done_on
    born = inp.applicant.person.birth_date
    # The birth date was required at the application, but the person record may have lost it since
    # (orgs.services.update_person): refuse naming the field instead of failing.
    if born is None:
        raise ServiceError(
            f"出生日期:{inp.applicant.person.name}的人员信息没有出生日期,请先在人员信息中补充,"
            "再更正递交申请日期",
            field="birth_date",
        )
    age = done_on.year - born.year - ((done_on.month, done_on.day) < (born.month, born.day))
    minimum = inp.rules.get("dev.min_age")
    inp.judge.require(
        age >= minimum,
        "dev.min_age",
        f"递交申请时 {age} 周岁,已满{minimum}周岁",
        f"日期:递交申请时({done_on})未满{minimum}周岁(当时 {age} 周岁),不能受理入党申请",
        "done_on",
    )
    ev.body = inp.prior.body if inp.prior is not None else ev.body


def _check_talk(inp: _StepInputs, ev: _Evaluated) -> None:  # 2
    limit = inp.applicant.applied_on + inp.rules.months("dev.talk_months")
    inp.judge.timely(inp.done_on, limit, "dev.talk_months", "谈话")


def _check_activist(inp: _StepInputs, ev: _Evaluated) -> None:  # 3
    inp.applicant.activist_on = inp.done_on


def _check_committee(inp: _StepInputs, ev: _Evaluated) -> None:  # 4, 8, 13, 16
    number, judge, done_on = inp.spec.number, inp.judge, inp.done_on
    deciding_org = _committee_ancestor(inp.applicant.org, ev.deciding_org, "deciding_org", "上级党委")
    ev.deciding_org = deciding_org
    if inp.prior is None:
        _require_committee_actor(inp.actor, deciding_org, inp.spec)
    if number == 16 and _talkers_changed(inp, ev):
        _check_committee_talkers(deciding_org, ev.people, done_on)
    if number == 13:
        ok, why = approval_authority(deciding_org, done_on)
        judge.require(
            ok,
            "dev.approval_months",
            why,
            f"决定组织:预审须由有审批权的基层党委进行,{why}",
            "deciding_org",
            AUTH_SOURCE,
        )
    if number == 8 and inp.rules.get("dev.candidate_approval"):
        ok, why = approval_authority(deciding_org, done_on)
        if ok:
            judge.ok("dev.candidate_approval", f"确定发展对象经{deciding_org.name}同意")
        elif inp.rules.confirmed:
            judge.refuse(
                "dev.candidate_approval",
                f"决定组织:确定发展对象须经有审批权的上级党委同意,{why}",
                "deciding_org",
            )
        else:
            judge.flag("dev.candidate_approval", f"2026年修订版要求上级党委同意,{why}")
        ev.body = "上级党委(同意)"
    ev.body = f"{ev.body}:{deciding_org.name}"


def _require_committee_actor(actor, committee: Org, spec: development_steps.Step) -> None:
    """A step the higher 党委 decides is recorded by that 党委 (or the 组织部 above it); the branch
    submits it instead (``submit_step``)."""
    if not is_system(actor) and not can(actor, "change", committee):
        raise PermissionDenied(f"{spec.name}由{committee.name}办理,党支部请“提交上级党委”,由上级党委登记")


TALKER_KINDS = (
    PositionKind.SECRETARY,
    PositionKind.DEPUTY_SECRETARY,
    PositionKind.COMMITTEE_MEMBER,
    PositionKind.ORGANIZER,
)


def committee_talkers(committee: Org, day: dt.date) -> list[Person]:
    """Who may hold the talk before approval (step 16): the approving 党委's members (书记, 副书记,
    委员) and its designated 组织员 in office on ``day``."""
    rows = (
        Position.objects.current(day)
        .filter(org=committee, kind__in=TALKER_KINDS)
        .select_related("person")
        .order_by("kind", "person__name")
    )
    return list(dict.fromkeys(p.person for p in rows))


def _talkers_changed(inp: _StepInputs, ev: _Evaluated) -> bool:
    """Step 16's talkers are checked when entered or corrected (not when a later re-check replays
    what was recorded)."""
    if inp.prior is None:
        return True
    return {p.pk for p in ev.people} != set(inp.prior.people.values_list("pk", flat=True))


def _check_committee_talkers(committee: Org, people: list, day: dt.date) -> None:
    allowed = {p.pk for p in committee_talkers(committee, day)}
    wrong = [p.name for p in people if p.pk not in allowed]
    if wrong:
        raise ServiceError(
            f"谈话人:上级党委派人谈话须由{committee.name}的委员或组织员进行,"
            f"{'、'.join(wrong)}不是该党委的委员或组织员",
            field="people",
        )


def _check_candidate(inp: _StepInputs, ev: _Evaluated) -> None:  # 7
    applicant, rules, done_on = inp.applicant, inp.rules, inp.done_on
    earliest = applicant.activist_on + rules.months("dev.activist_months")
    inp.judge.require(
        done_on >= earliest,
        "dev.activist_months",
        f"自确定为积极分子({applicant.activist_on})起培养已满一年",
        f"日期:自确定为入党积极分子({applicant.activist_on})起培养教育不满一年,"
        f"最早 {earliest} 可确定为发展对象",
        "done_on",
    )
    _check_notice(inp, ev)
    applicant.candidate_on = done_on


def _check_notice(inp: _StepInputs, ev: _Evaluated) -> None:
    """The 公示 before a candidate is decided (step 7)."""
    judge, notice_from, notice_to = inp.judge, inp.notice_from, inp.notice_to
    need_notice = inp.rules.get("dev.candidate_notice")
    days = inp.rules.get("dev.notice_workdays")
    if notice_from and notice_to:
        if notice_to < notice_from or notice_to > inp.done_on:
            raise ServiceError("公示起止日期不正确(须在确定发展对象之前结束)", field="notice_to")
        counted = notice_workdays(notice_from, notice_to)
        ev.details["notice"] = [str(notice_from), str(notice_to), counted]
        if counted >= days:
            judge.ok("dev.notice_workdays", f"公示 {notice_from} 至 {notice_to},共 {counted} 个工作日")
        else:
            judge.flag(
                "dev.notice_workdays",
                f"公示 {notice_from} 至 {notice_to} 只有 {counted} 个工作日,不足 {days} 个工作日"
                f"(从 {notice_from} 起应至 {notice_end(notice_from, days)})",
            )
    elif need_notice:
        judge.flag("dev.candidate_notice", f"确定发展对象前须公示不少于 {days} 个工作日,未登记公示")


def _check_review(inp: _StepInputs, ev: _Evaluated) -> None:  # 10
    ev.passed = bool(inp.passed)
    ev.details["review"] = "合格" if ev.passed else "不合格"
    if ev.passed:
        inp.judge.ok("dev.review", "政治审查结论:合格", REVIEW_SOURCE)
    else:
        inp.judge.flag("dev.review", "政治审查结论:不合格,不能接收入党", REVIEW_SOURCE)


def _check_training(inp: _StepInputs, ev: _Evaluated) -> None:  # 11
    try:
        days_ = int(inp.training_days or 0)
        hours_ = float(inp.training_hours or 0)
    except (TypeError, ValueError) as error:
        raise ServiceError("培训天数和学时须为数字", field="training_hours") from error
    if days_ < 0 or hours_ < 0 or days_ > 60 or hours_ > 500:
        raise ServiceError("培训天数或学时不正确", field="training_hours")
    min_days, min_hours = inp.rules.get("dev.training_days"), inp.rules.get("dev.training_hours")
    inp.judge.require(
        days_ >= min_days or hours_ >= min_hours,
        "dev.training_hours",
        f"集中培训 {days_} 天 / {hours_:g} 学时",
        f"培训学时:集中培训须不少于{min_days}天或{min_hours}学时,现为 {days_} 天 / {hours_:g} 学时",
        "training_hours",
    )
    ev.details["training"] = [days_, hours_]


def _check_branch_review(inp: _StepInputs, ev: _Evaluated) -> None:  # 12
    inp.judge.require(
        live_step(inp.applicant, 10, inp.done_on) is not None,
        "dev.review",
        "政治审查合格",
        "政治审查:没有合格的政治审查结论,不能提交支部委员会审查",
        "number",
        REVIEW_SOURCE,
    )


def _check_volunteer_form(inp: _StepInputs, ev: _Evaluated) -> None:  # 14
    inp.judge.require(
        live_step(inp.applicant, 13, inp.done_on) is not None,
        "dev.prereview",
        "上级党委预审已通过",
        "入党志愿书:须经上级党委预审合格后才能填写",
        "number",
        PREREVIEW_SOURCE,
    )


def _check_branch_vote(inp: _StepInputs, ev: _Evaluated) -> None:  # 15, 23
    if inp.spec.number == 15:
        subject, kind = _admission_vote_subject(inp)
    else:
        subject, kind = _full_membership_vote_subject(inp, ev)
    if inp.prior is None:
        ev.resolution, ev.passed, vote_details = _vote(
            inp.applicant, inp.vote, inp.done_on, inp.judge, subject, kind
        )
        ev.details.update(vote_details)
        assert inp.vote is not None  # _vote refused a missing vote or meeting
        ev.body = f"{ev.body}({inp.vote.meeting.held_on:%Y-%m-%d} 召开)"  # no record id on the 纪实表
    else:  # a correction or re-check: the vote stands as taken at the meeting
        prior = inp.prior
        ev.resolution, ev.passed, ev.body = prior.resolution, prior.passed, prior.body
        keys = ("eligible", "present", "yes", "no", "abstain", "written", "passed")
        ev.details.update({k: prior.details[k] for k in keys if k in prior.details})
        inp.judge.checks.extend(
            Check(**c) for c in prior.checks if c["rule"].startswith("vote.") and c["result"] == "passed"
        )
    if not ev.passed:
        inp.judge.flag(
            "vote.pass_share", f"赞成票未超过应到会有表决权党员的半数,“{subject}”未通过", VOTE_SOURCE
        )


def _admission_vote_subject(inp: _StepInputs) -> tuple[str, str]:  # 15
    applicant, done_on = inp.applicant, inp.done_on
    prereview = live_step(applicant, 13, done_on)
    limit = inp.rules.get("dev.vote_after_prereview_months")
    if limit and prereview is not None:
        inp.judge.timely(
            done_on,
            prereview.done_on + relativedelta(months=int(limit)),
            "dev.vote_after_prereview_months",
            "预审后召开支部大会",
        )
    return f"接收{applicant.person.name}为中共预备党员", ResolutionKind.ADMISSION


def _full_membership_vote_subject(inp: _StepInputs, ev: _Evaluated) -> tuple[str, str]:  # 23
    applicant, outcome = inp.applicant, inp.outcome
    if inp.prior is None:  # a correction or re-check keeps the date the vote was taken on
        assert applicant.probation_ends_on is not None  # set when step 15 passed; steps run in order
        if inp.done_on < applicant.probation_ends_on:
            inp.judge.refuse(
                "dev.probation_months",
                f"日期:预备期至 {applicant.probation_ends_on} 期满,期满前不能讨论转正",
                "done_on",
            )
    if outcome not in ("full", "extend", "cancel"):
        raise ServiceError("请选择讨论结果(转正/延长预备期/取消预备党员资格)", field="outcome")
    subject = {
        "full": f"{applicant.person.name}按期转为正式党员",
        "extend": f"延长{applicant.person.name}的预备期",
        "cancel": f"取消{applicant.person.name}的预备党员资格",
    }[outcome]
    ev.details["outcome"] = outcome
    if outcome == "extend":
        ev.details["extension_months"] = _extension(
            applicant, inp.rules, inp.judge, inp.extension_months, inp.prior
        )
    return subject, ResolutionKind.FULL_MEMBERSHIP


def _check_approval(inp: _StepInputs, ev: _Evaluated) -> None:  # 17, 24
    deciding_org = _committee_ancestor(inp.applicant.org, ev.deciding_org, "deciding_org", "审批党委")
    ev.deciding_org = deciding_org
    if not is_system(inp.actor) and not can(inp.actor, "change", deciding_org):
        raise PermissionDenied(f"审批须由{deciding_org.name}办理,您没有该党委的权限")
    ok, why = approval_authority(deciding_org, inp.done_on)
    inp.judge.require(ok, "dev.authority", why, f"审批党委:{why}", "deciding_org", AUTH_SOURCE)
    if inp.spec.number == 17:
        _check_admission_approval(inp)
    else:
        _check_full_membership_approval(inp, ev)
    ev.passed = bool(inp.passed)
    ev.details["approved"] = ev.passed
    ev.body = f"{deciding_org.name}"


def _check_admission_approval(inp: _StepInputs) -> None:  # 17
    applicant, rules, judge, done_on = inp.applicant, inp.rules, inp.judge, inp.done_on
    talk = live_step(applicant, 16, done_on)
    judge.require(
        talk is not None,
        "dev.higher_talk",
        "审批前上级党委已派人谈话",
        "审批前须由上级党委派人谈话",
        "number",
        "党章 第五条;细则 第四章",
    )
    judge.require(
        live_step(applicant, 10, done_on) is not None,
        "dev.review",
        "政治审查合格",
        "政治审查:没有合格的政治审查结论,不能接收为预备党员",
        "number",
        REVIEW_SOURCE,
    )
    start = applicant.admitted_on
    hard = start + rules.months("dev.approval_max_months")
    if done_on > hard:
        judge.refuse(
            "dev.approval_max_months",
            f"日期:距支部大会({start})已超过{rules.get('dev.approval_max_months')}个月(最迟 {hard}),"
            "须重新履行支部大会讨论程序",
            "done_on",
        )
    soft = start + rules.months("dev.approval_months")
    if done_on > soft and not inp.note:
        raise ServiceError(
            f"说明:审批日期超过支部大会后{rules.get('dev.approval_months')}个月(期限 {soft}),"
            "须说明特殊情况(最长不超过6个月)",
            field="note",
        )
    judge.timely(done_on, soft, "dev.approval_months", "审批")


def _check_full_membership_approval(inp: _StepInputs, ev: _Evaluated) -> None:  # 24
    applicant, rules, prior = inp.applicant, inp.rules, inp.prior
    vote_step = live_step(applicant, 23, inp.done_on)
    assert vote_step is not None  # steps run in order: step 23 passed, on or before this date
    start = vote_step.done_on
    approves = vote_step.details.get("outcome", "full")
    if prior is not None:
        approves = prior.details.get("approves", approves)
    ev.details["approves"] = approves
    if approves == "extend":
        ev.details["extension_months"] = _extension(
            applicant, rules, inp.judge, vote_step.details.get("extension_months"), prior
        )
    inp.judge.timely(
        inp.done_on,
        start + rules.months("dev.full_approval_months"),
        "dev.full_approval_months",
        OUTCOME_APPROVAL[approves],
    )


def _check_admission_talk(inp: _StepInputs, ev: _Evaluated) -> None:  # 18
    if ev.deciding_org is not None:
        ev.body = f"{ev.body}:{ev.deciding_org.name}"


def _check_oath(inp: _StepInputs, ev: _Evaluated) -> None:  # 20
    applicant, done_on = inp.applicant, inp.done_on
    limit = inp.rules.get("dev.oath_months")
    if limit:
        inp.judge.timely(
            done_on,
            applicant.approved_on + relativedelta(months=int(limit)),
            "dev.oath_months",
            "入党宣誓",
        )
    assert applicant.probation_ends_on is not None  # set when step 15 passed; steps run in order
    if done_on > applicant.probation_ends_on:
        inp.judge.flag("dev.probation_months", f"入党宣誓晚于预备期满日期 {applicant.probation_ends_on}")


def _check_archive(inp: _StepInputs, ev: _Evaluated) -> None:  # 25
    missing = [item for item in development_steps.ARCHIVE_CHECKLIST if item not in set(inp.checklist or ())]
    if missing:
        raise ServiceError("归档清单:以下材料尚未归档:" + "、".join(missing), field="checklist")
    ev.details["checklist"] = list(development_steps.ARCHIVE_CHECKLIST)


_STEP_CHECKS: dict[int, Callable[[_StepInputs, _Evaluated], None]] = {
    1: _check_application,
    2: _check_talk,
    3: _check_activist,
    4: _check_committee,
    7: _check_candidate,
    8: _check_committee,
    10: _check_review,
    11: _check_training,
    12: _check_branch_review,
    13: _check_committee,
    14: _check_volunteer_form,
    15: _check_branch_vote,
    16: _check_committee,
    17: _check_approval,
    18: _check_admission_talk,
    20: _check_oath,
    23: _check_branch_vote,
    24: _check_approval,
    25: _check_archive,
}


@transaction.atomic
def record_step(
    *,
    actor,
    applicant: Applicant,
    number: int,
    done_on: dt.date,
    note: str = "",
    deciding_org: Org | None = None,
    people=(),
    vote: Vote | None = None,
    passed: bool = True,
    training_days=None,
    training_hours=None,
    notice_from: dt.date | None = None,
    notice_to: dt.date | None = None,
    outcome: str = "full",
    extension_months: int | None = None,
    checklist=(),
    documents=(),
    expected_step: int | None = None,
    confirm: bool = False,
    confirm_reason: str = "",
    submission: StepSubmission | None = None,
) -> DevelopmentStep:
    """Record step ``number`` (2–25) of ``applicant``. Steps run strictly in order; see the module
    docstring for what is refused and what is flagged. A soft rule broken at entry raises
    ``NeedsConfirmation`` unless ``confirm`` is set with ``confirm_reason`` (stored with the step)."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",)).select_related("org", "person").get(pk=applicant.pk)
    )
    branch = applicant.org
    check_branch(actor, applicant)
    if expected_step is not None and expected_step != applicant.step:
        raise ServiceError("该发展对象的进度已变化,请刷新页面后重试", field="number")
    if applicant.status not in STEP_STATUSES:
        raise ServiceError(f"发展程序{applicant.get_status_display()},不能再登记步骤", field="number")
    if number not in development_steps.BY_NUMBER or number < 2:
        raise ServiceError("步骤编号无效", field="number")
    spec = development_steps.step(number)
    if not DEVELOPMENT.offered(DEVELOPMENT[spec.code], applicant):
        nxt = development_steps.BY_NUMBER.get(applicant.step + 1)
        raise ServiceError(
            f"步骤顺序:须先完成{nxt.label if nxt else '前一步'},才能登记{spec.label}。依据:{ORDER_SOURCE}",
            field="number",
        )
    if not isinstance(done_on, dt.date):
        raise ServiceError("请填写日期", field="done_on")
    if done_on > kit.today():
        raise ServiceError("日期不能晚于今天(不能预先登记)", field="done_on")
    previous = (
        applicant.steps.filter(superseded_at__isnull=True, passed=True).order_by("-number", "-pk").first()
    )
    if previous is not None and done_on < previous.done_on:
        raise ServiceError(f"日期不能早于上一步(第{previous.number}步,{previous.done_on})", field="done_on")
    rules = DevRules(done_on, branch)
    judge = _Judge(rules)
    note = clean_text(note, "note", "说明", limit=MAX_NOTE)
    ev = _evaluate(
        _StepInputs(
            actor=actor,
            applicant=applicant,
            spec=spec,
            done_on=done_on,
            judge=judge,
            note=note,
            deciding_org=deciding_org,
            people=people,
            vote=vote,
            passed=passed,
            training_days=training_days,
            training_hours=training_hours,
            notice_from=notice_from,
            notice_to=notice_to,
            outcome=outcome,
            extension_months=extension_months,
            checklist=checklist,
        )
    )
    details, chosen_people, role, step_passed = ev.details, ev.people, ev.role, ev.passed
    body, deciding_org, resolution, outcome = ev.body, ev.deciding_org, ev.resolution, ev.outcome
    deviation_reason = _confirm_deviations(actor, judge, confirm, confirm_reason)

    # -- write -----------------------------------------------------------------------------------
    now = clock.now()
    step = DevelopmentStep.objects.create(
        applicant=applicant,
        org=branch,
        number=number,
        done_on=done_on,
        body=body[:100],
        deciding_org=deciding_org if number in (4, 8, 13, 16, 17, 18, 24) else None,
        role=role,
        meeting=vote.meeting if vote is not None and number in (15, 23) else None,
        resolution=resolution,
        passed=step_passed,
        details=details,
        note=note,
        checks=[asdict(c) for c in judge.checks],
        rule_version=rules.version,
        rule_confirmed=rules.confirmed,
        has_deviation=judge.deviation,
        deviation_reason=deviation_reason,
        submission=submission,
        recorded_by=user_or_none(actor),
        created_at=now,
    )
    if chosen_people:
        step.people.set(chosen_people)
    _save_documents(step, documents)
    _close_submissions(applicant, step, actor, now)
    event_after = {"step": number, "name": spec.name, "done_on": str(done_on), "passed": step_passed}
    if step_passed:
        applicant.step = number
    if number == 15 and step_passed:
        applicant.admitted_on = done_on
        applicant.probation_ends_on = done_on + rules.months("dev.probation_months")
    if number == 17:
        if step_passed:
            applicant.approved_on = done_on
            applicant.status = ApplicantStatus.PROBATIONARY
            applicant.member = _admit(applicant)
            record(
                applicant.member,
                MEMBER_ADMITTED,
                actor=actor,
                after={"joined_on": str(applicant.admitted_on)},
            )
        else:
            applicant.status = ApplicantStatus.CANCELLED
            applicant.cancel_reason = "上级党委审批未同意"
    if number == 24:
        _apply_approval(actor, applicant, step, event_after)
    if number == 25:
        applicant.status = ApplicantStatus.FULL
    applicant.deviations = applicant.steps.filter(superseded_at__isnull=True, has_deviation=True).count()
    applicant.updated_at = now
    _schedule(applicant)
    applicant.save()
    event_after["checks"] = [f"{c.result_label}:{c.message}" for c in judge.checks]
    event_after["rule_version"] = rules.flagged_label
    event_after["deviation_reason"] = deviation_reason
    record(applicant, STEP_RECORDED, actor=actor, reason=note, after=event_after)
    return step


def _apply_approval(actor, applicant: Applicant, step: DevelopmentStep, event_after: dict) -> None:
    """Step 24: the 党委's decision on the branch meeting's resolution at the end of probation —
    full membership, an extension or a cancellation each take effect only once approved (细则
    第三十二条: every outcome needs a 支部大会 vote **and** higher approval). Refused → back to the
    branch meeting (step 22 done, step 23 to be held again)."""
    approves = step.details.get("approves", "full")
    event_after["approves"] = OUTCOMES[approves]
    if not step.passed:
        applicant.step = 22
        return
    if approves == "full":
        applicant.status = ApplicantStatus.PROBATIONARY  # stays until archived
        applicant.full_member_on = applicant.probation_ends_on  # 党龄 from the end of probation
        member = Member.objects.select_for_update().get(pk=applicant.member_id)
        member.category = MemberCategory.FORMAL
        member.full_member_on = applicant.full_member_on
        member.save(update_fields=["category", "full_member_on", "org_path"])
        record(member, MEMBER_CONFIRMED, actor=actor, after={"full_member_on": str(member.full_member_on)})
    elif approves == "extend":
        months = step.details["extension_months"]
        before = applicant.probation_ends_on
        applicant.step = 22  # back to waiting for the new end of probation
        applicant.extended_months = months
        applicant.probation_ends_on = before + relativedelta(months=months)
        event_after["extension_months"] = months
        record(
            applicant,
            PROBATION_EXTENDED,
            actor=actor,
            before={"probation_ends_on": str(before)},
            after={"probation_ends_on": str(applicant.probation_ends_on), "months": months},
        )
    else:
        applicant.status = ApplicantStatus.CANCELLED
        applicant.cancel_reason = "支部大会决定并经上级党委批准取消预备党员资格"
        if applicant.member_id:
            Member.objects.filter(pk=applicant.member_id).update(status=MemberStatus.PROBATION_CANCELLED)
        record(applicant, PROBATION_CANCELLED, actor=actor, reason=applicant.cancel_reason)


def earliest_on(applicant: Applicant, number: int) -> dt.date | None:
    """The earliest day step ``number`` may be taken, from its own rule (``steps.WAITS``): a year
    of cultivation before 确定发展对象 (7), the end of the probation before the full-membership
    vote (23). None when the step has no wait of its own (it may follow the previous step at once)
    or the day that starts the wait is not known yet."""
    if number == development_steps.AFTER_PROBATION:
        return applicant.probation_ends_on
    wait = development_steps.WAITS.get(number)
    if wait is None:
        return None
    start_step, code = wait
    start = live_step(applicant, start_step)
    if start is None:
        return None
    return start.done_on + DevRules(start.done_on, applicant.org).months(code)


def later_waits(applicant: Applicant) -> list[tuple[development_steps.Step, dt.date]]:
    """The steps after the next one that must wait (``steps.WAITS``, the probation's end), each
    with its earliest day as far as it is known — shown per step, so that nobody holds back a step
    that has no wait of its own."""
    if applicant.status not in (ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY):
        return []
    out = []
    for number in sorted({*development_steps.WAITS, development_steps.AFTER_PROBATION}):
        if number > applicant.step + 1:
            day = earliest_on(applicant, number)
            if day is not None:
                out.append((development_steps.BY_NUMBER[number], day))
    return out


def _schedule(applicant: Applicant) -> None:
    """The next step's time limit (``due_on``) and earliest day, from the rules in force when the
    clock started (rules.md §9.4: the version is part of the label)."""
    applicant.due_on, applicant.due_label, applicant.earliest_on = None, "", None
    if applicant.status not in (ApplicantStatus.ACTIVE, ApplicantStatus.PROBATIONARY):
        return
    n = applicant.step
    if n == 1:
        rules = DevRules(applicant.applied_on, applicant.org)
        applicant.due_on = applicant.applied_on + rules.months("dev.talk_months")
        applicant.due_label = f"收到申请后{rules.get('dev.talk_months')}个月内派人谈话({rules.label})"
    elif n + 1 in development_steps.WAITS:
        applicant.earliest_on = earliest_on(applicant, n + 1)
    elif n in (13, 14):
        prereview = live_step(applicant, 13)
        assert prereview is not None  # applicant.step is the last step passed; steps run in order
        rules = DevRules(prereview.done_on, applicant.org)
        limit = rules.get("dev.vote_after_prereview_months")
        if limit:
            applicant.due_on = prereview.done_on + relativedelta(months=int(limit))
            applicant.due_label = f"预审后{limit}个月内召开支部大会({rules.label})"
    elif n in (15, 16):
        assert applicant.admitted_on is not None  # set when step 15 passed
        rules = DevRules(applicant.admitted_on, applicant.org)
        applicant.due_on = applicant.admitted_on + rules.months("dev.approval_months")
        applicant.due_label = f"支部大会后{rules.get('dev.approval_months')}个月内审批(最长6个月)"
    elif n in (17, 18, 19) and applicant.approved_on:
        rules = DevRules(applicant.approved_on, applicant.org)
        limit = rules.get("dev.oath_months")
        if limit:
            applicant.due_on = applicant.approved_on + relativedelta(months=int(limit))
            applicant.due_label = f"审批后{limit}个月内入党宣誓({rules.label})"
    elif 20 <= n <= 22 and applicant.probation_ends_on:
        applicant.earliest_on = earliest_on(applicant, n + 1)
        applicant.due_on = applicant.probation_ends_on + relativedelta(months=1)
        applicant.due_label = f"预备期 {applicant.probation_ends_on} 期满,应及时讨论转正"
    elif n == 23:
        vote_step = live_step(applicant, 23)
        assert vote_step is not None  # applicant.step is the last step passed
        rules = DevRules(vote_step.done_on, applicant.org)
        applicant.due_on = vote_step.done_on + rules.months("dev.full_approval_months")
        what = OUTCOME_APPROVAL[vote_step.details.get("outcome", "full")]
        applicant.due_label = f"支部大会后{rules.get('dev.full_approval_months')}个月内{what}"


# ---------------------------------------------------------------------------------------------
# Corrections (更正): the prior version is kept, the checks are run again


UNSET = object()
MEETING_STEPS = (15, 23)


def step_inputs(step: DevelopmentStep) -> dict:
    """The recorded inputs of a step, as ``_StepInputs`` takes them."""
    d = step.details or {}
    notice = d.get("notice") or [None, None]
    training = d.get("training") or [None, None]
    return {
        "done_on": step.done_on,
        "note": step.note,
        "deciding_org": step.deciding_org,
        "people": list(step.people.all()),
        "passed": step.passed,
        "training_days": training[0],
        "training_hours": training[1],
        "notice_from": dt.date.fromisoformat(notice[0]) if notice[0] else None,
        "notice_to": dt.date.fromisoformat(notice[1]) if notice[1] else None,
        "outcome": d.get("outcome", "full"),
        "extension_months": d.get("extension_months"),
        "checklist": d.get("checklist") or (),
    }


def _new_version(actor, applicant, old: DevelopmentStep, inputs: dict, mark: dict, now) -> DevelopmentStep:
    """Judge ``old``'s step again with ``inputs`` and write the result as a new row; ``old`` is
    marked superseded (kept, shown on the timeline as a prior version)."""
    spec = development_steps.step(old.number)
    rules = DevRules(inputs["done_on"], applicant.org)
    judge = _Judge(rules)
    ev = _evaluate(_StepInputs(actor=actor, applicant=applicant, spec=spec, judge=judge, prior=old, **inputs))
    resolution = old.resolution
    old.superseded_at = now
    old.resolution = None  # the one-to-one vote moves to the live version; the counts stay in details
    old.save(update_fields=["superseded_at", "resolution"])
    details = {**(old.details or {}), **ev.details, **mark}
    new = DevelopmentStep.objects.create(
        applicant=applicant,
        org=old.org,
        number=old.number,
        done_on=inputs["done_on"],
        body=ev.body[:100],
        deciding_org=ev.deciding_org if old.number in (4, 8, 13, 16, 17, 18, 24) else None,
        role=ev.role or old.role,
        meeting=old.meeting,
        resolution=resolution,
        passed=ev.passed,
        details=details,
        note=inputs["note"],
        checks=[asdict(c) for c in judge.checks],
        rule_version=rules.version,
        rule_confirmed=rules.confirmed,
        has_deviation=judge.deviation,
        deviation_reason=old.deviation_reason,
        submission=old.submission,
        recorded_by=user_or_none(actor),
        created_at=now,
    )
    if ev.people:
        new.people.set(ev.people)
    for doc in old.documents.all():  # the same stored files, listed on the live version too
        StepDocument.objects.create(
            step=new,
            org=doc.org,
            title=doc.title,
            file=doc.file.name,
            name=doc.name,
            size=doc.size,
            created_at=doc.created_at,
        )
    return new


def _check_corrected_inputs(applicant: Applicant, step: DevelopmentStep, inputs: dict) -> None:
    """Refuse a corrected date out of order (or of a meeting step); clean the corrected note."""
    if not isinstance(inputs["done_on"], dt.date):
        raise ServiceError("请填写日期", field="done_on")
    if inputs["note"] is not None:
        inputs["note"] = clean_text(inputs["note"], "note", "说明", limit=MAX_NOTE)
    if step.number in MEETING_STEPS and inputs["done_on"] != step.done_on:
        raise ServiceError("日期:支部大会讨论的日期即会议日期,请在“组织生活”中更正会议记录", field="done_on")
    if inputs["done_on"] > kit.today():
        raise ServiceError("日期不能晚于今天", field="done_on")
    live = applicant.steps.filter(superseded_at__isnull=True, passed=True).exclude(pk=step.pk)
    earlier = live.filter(number__lt=step.number).order_by("-number", "-pk").first()
    later = live.filter(number__gt=step.number).order_by("number", "pk").first()
    if earlier is not None and inputs["done_on"] < earlier.done_on:
        raise ServiceError(f"日期不能早于上一步(第{earlier.number}步,{earlier.done_on})", field="done_on")
    if later is not None and inputs["done_on"] > later.done_on:
        raise ServiceError(f"日期不能晚于下一步(第{later.number}步,{later.done_on})", field="done_on")


def _recheck_later_steps(applicant: Applicant, step: DevelopmentStep, new: DevelopmentStep, now) -> list[int]:
    """Re-check every later live step in order (its rules may depend on the corrected date); a
    step whose checks change gets a new version. Returns the numbers of the steps re-versioned."""
    rechecked = []
    for other in (
        applicant.steps.filter(superseded_at__isnull=True, number__gt=step.number)
        .select_related("deciding_org", "resolution")
        .order_by("number", "pk")
    ):
        rules = DevRules(other.done_on, applicant.org)
        judge = _Judge(rules)
        try:
            _evaluate(
                _StepInputs(
                    actor=SYSTEM,
                    applicant=applicant,
                    spec=development_steps.step(other.number),
                    judge=judge,
                    prior=other,
                    **step_inputs(other),
                )
            )
        except ServiceError as error:
            raise ServiceError(
                f"更正后第{other.number}步({other.done_on})将不符合规定:{error.message}",
                field="done_on" if error.field in ("done_on", "number") else error.field,
            ) from error
        checks = [asdict(c) for c in judge.checks]
        if [(c["rule"], c["result"], c["message"]) for c in checks] == [
            (c["rule"], c["result"], c["message"]) for c in other.checks
        ]:
            continue
        mark_other = {
            "recheck": {"of": other.pk, "after": new.pk, "reason": f"第{step.number}步更正后重新检查"}
        }
        _new_version(None, applicant, other, step_inputs(other), mark_other, now)
        rechecked.append(other.number)
    return rechecked


@transaction.atomic
def correct_step(
    *,
    actor,
    step: DevelopmentStep,
    reason: str,
    done_on=UNSET,
    note=UNSET,
    deciding_org=UNSET,
    people=UNSET,
    training_days=UNSET,
    training_hours=UNSET,
    notice_from=UNSET,
    notice_to=UNSET,
    documents=(),
) -> DevelopmentStep:
    """Correct a recorded step (更正): date, deciding organization, people, training, 公示 dates,
    note, added documents. The prior version is kept (``superseded_at``), the corrected step is
    judged again by the rules in force on its (new) date, and every later step is re-checked —
    a later step whose checks change gets a new version too; a correction that would make a later
    step break a hard rule is refused. Votes and conclusions are not corrected here: a vote belongs
    to its meeting (correct the meeting record), a conclusion is a new decision."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",))
        .select_related("org", "person")
        .get(pk=step.applicant_id)
    )
    step = DevelopmentStep.objects.select_for_update(of=("self",)).get(pk=step.pk)
    require(actor, "change", applicant.org, "无权更正该支部的发展党员记录")
    if step.superseded_at is not None:
        raise ServiceError("该记录已被更正,请更正最新版本", field="reason")
    reason = clean_text(reason, "reason", "更正原因", required=True)
    inputs = step_inputs(step)
    before = {k: (str(v) if not isinstance(v, list) else [str(x) for x in v]) for k, v in inputs.items()}
    given = {
        "done_on": done_on,
        "note": note,
        "deciding_org": deciding_org,
        "people": people,
        "training_days": training_days,
        "training_hours": training_hours,
        "notice_from": notice_from,
        "notice_to": notice_to,
    }
    for key, value in given.items():
        if value is not UNSET:
            inputs[key] = value
    _check_corrected_inputs(applicant, step, inputs)
    after = {k: (str(v) if not isinstance(v, list) else [str(x) for x in v]) for k, v in inputs.items()}
    if after == before and not documents:
        raise ServiceError("没有需要更正的内容", field="reason")
    now = clock.now()
    mark = {"correction": {"of": step.pk, "reason": reason, "at": now.isoformat()}}
    new = _new_version(actor, applicant, step, inputs, mark, now)
    _save_documents(new, documents)
    if step.number == 1:
        applicant.applied_on = new.done_on
    if step.number == 17 and new.passed:
        applicant.approved_on = new.done_on
    rechecked = _recheck_later_steps(applicant, step, new, now)
    applicant.deviations = applicant.steps.filter(superseded_at__isnull=True, has_deviation=True).count()
    applicant.updated_at = now
    _schedule(applicant)
    applicant.save()
    record(
        applicant,
        STEP_CORRECTED,
        actor=actor,
        reason=reason,
        before={"step": step.number, **before},
        after={
            "step": step.number,
            **after,
            "checks": [f"{CheckResult(c['result']).label}:{c['message']}" for c in new.checks],
            "rechecked_steps": rechecked,
        },
    )
    return new


@transaction.atomic
def cancel_applicant(*, actor, applicant: Applicant, reason: str) -> Applicant:
    """Stop a development process (终止培养/取消资格). Nothing is deleted."""
    applicant = Applicant.objects.select_for_update(of=("self",)).select_related("org").get(pk=applicant.pk)
    DEVELOPMENT.check_permission("cancel", applicant, actor)
    if not DEVELOPMENT.allowed("cancel", applicant.status):
        raise ServiceError(DEVELOPMENT["cancel"].refusal, field="reason")
    applicant.cancel_reason = clean_text(reason, "reason", "终止原因", required=True)
    applicant.status = ApplicantStatus.CANCELLED
    _schedule(applicant)
    applicant.updated_at = clock.now()
    applicant.save()
    record(applicant, APPLICANT_CANCELLED, actor=actor, reason=applicant.cancel_reason)
    return applicant


# ---------------------------------------------------------------------------------------------
# Submissions to the higher 党委 (请示/报告): the branch submits, the 党委 files/pre-reviews/approves

SUBMIT_STEPS = (4, 8, 13, 17, 24)
HANDLING_MONTHS = 1  # 备案/预审: no national limit; the system's default time to handle a submission


def handling_committee(branch: Org, day: dt.date | None = None) -> Org | None:
    """The 党委 that handles the branch's 备案, 预审 and 审批: the nearest ancestor with approval
    authority (a 街道党工委 or 乡镇党委 for community and village branches), else the nearest
    党委/党工委 above the branch."""
    found = approving_orgs(branch, day)
    if found:
        return found[0]
    committees = [o for o in Org.objects.get_ancestors(branch) if o.kind in COMMITTEE_KINDS]
    return committees[-1] if committees else None


def may_record(actor, applicant: Applicant, spec: development_steps.Step, day: dt.date | None = None) -> bool:
    """May ``actor`` record ``spec`` itself? A step the higher 党委 decides needs the 党委's
    ``change`` role; the branch's staff submit it instead."""
    if is_system(actor):
        return True
    if spec.body != development_steps.HIGHER_COMMITTEE or spec.number in (11, 20):
        return can(actor, "change", applicant.org)
    committee = handling_committee(applicant.org, day)
    return committee is not None and can(actor, "change", committee)


def _submission_due(applicant: Applicant, number: int, submitted_on: dt.date) -> tuple[dt.date, str]:
    if number == 17 and applicant.admitted_on:
        rules = DevRules(applicant.admitted_on, applicant.org)
        months = rules.get("dev.approval_months")
        return applicant.admitted_on + rules.months("dev.approval_months"), f"支部大会后{months}个月内审批"
    if number == 24:
        vote_step = live_step(applicant, 23)
        if vote_step is not None:
            rules = DevRules(vote_step.done_on, applicant.org)
            months = rules.get("dev.full_approval_months")
            return (
                vote_step.done_on + rules.months("dev.full_approval_months"),
                f"支部大会后{months}个月内审批",
            )
    what = "预审" if number == 13 else "备案"
    return submitted_on + relativedelta(months=HANDLING_MONTHS), f"报送后{HANDLING_MONTHS}个月内{what}"


@transaction.atomic
def submit_step(
    *, actor, applicant: Applicant, number: int, submitted_on: dt.date, note: str = "", documents=()
) -> StepSubmission:
    """The branch submits step ``number`` (备案 4/8, 预审 13, 审批 17/24) to its higher 党委
    (请示/报告). The 党委 records the step when it approves (``decide_submission``)."""
    applicant = (
        Applicant.objects.select_for_update(of=("self",)).select_related("org", "person").get(pk=applicant.pk)
    )
    check_branch(actor, applicant)
    if applicant.status not in STEP_STATUSES:
        raise ServiceError(f"发展程序{applicant.get_status_display()},不能再报送", field="number")
    if number not in SUBMIT_STEPS:
        raise ServiceError("该步骤不需要报上级党委", field="number")
    spec = development_steps.step(number)
    if number != applicant.step + 1:
        nxt = development_steps.BY_NUMBER.get(applicant.step + 1)
        raise ServiceError(
            f"步骤顺序:须先完成{nxt.label if nxt else '前一步'},才能报送{spec.label}", field="number"
        )
    pending = StepSubmission.objects.filter(applicant=applicant, number=number, state=SubmissionState.PENDING)
    if pending.exists():
        raise ServiceError(f"{spec.label}已报送,正在等待上级党委办理", field="number")
    if not isinstance(submitted_on, dt.date):
        raise ServiceError("请填写报送日期", field="submitted_on")
    if submitted_on > kit.today():
        raise ServiceError("报送日期不能晚于今天", field="submitted_on")
    previous = live_step(applicant, applicant.step)
    if previous is not None and submitted_on < previous.done_on:
        raise ServiceError(
            f"报送日期不能早于上一步(第{previous.number}步,{previous.done_on})", field="submitted_on"
        )
    committee = handling_committee(applicant.org, submitted_on)
    if committee is None:
        raise ServiceError("本支部没有上级党委,无法报送", field="number")
    due_on, due_label = _submission_due(applicant, number, submitted_on)
    submission = StepSubmission.objects.create(
        applicant=applicant,
        org=applicant.org,
        number=number,
        committee=committee,
        submitted_on=submitted_on,
        due_on=due_on,
        due_label=due_label,
        note=clean_text(note, "note", "报送说明", limit=MAX_NOTE),
        submitted_by=user_or_none(actor),
        is_demo=applicant.is_demo,
        created_at=clock.now(),
    )
    _save_submission_documents(submission, documents)
    record(
        applicant,
        STEP_SUBMITTED,
        actor=actor,
        reason=submission.note,
        after={
            "step": number,
            "name": spec.name,
            "committee": committee.name,
            "submitted_on": str(submitted_on),
        },
    )
    return submission


def _close_submissions(applicant: Applicant, step: DevelopmentStep, actor, now) -> None:
    """A step recorded while the branch's submission of it is pending (the 党委 recorded it from
    its approval queue or the applicant page): the submission is handled by that step."""
    StepSubmission.objects.filter(
        applicant=applicant, number=step.number, state=SubmissionState.PENDING
    ).update(
        state=SubmissionState.APPROVED,
        step=step,
        decided_by=user_or_none(actor),
        decided_at=now,
        decision_note=step.note,
    )


def _save_submission_documents(submission: StepSubmission, documents) -> None:
    uploads = list(documents or [])
    if len(uploads) > files.MAX_UPLOADS:
        raise ServiceError(f"每次最多上传 {files.MAX_UPLOADS} 个文件", field="documents")
    for item in uploads:
        title, upload = item if isinstance(item, tuple) else (None, item)
        content = files.clean_file(upload)
        if not isinstance(title, str) or not title.strip():
            title = (development_steps.step(submission.number).documents or ("材料",))[0]
        doc = SubmissionDocument(
            submission=submission,
            org=submission.org,
            title=title.strip()[:100],
            name=files.upload_name(upload),
            size=content.size,
            created_at=clock.now(),
        )
        assert content.name is not None  # clean_file names it
        doc.file.save(content.name, content, save=False)
        doc.save()


@transaction.atomic
def decide_submission(
    *,
    actor,
    submission: StepSubmission,
    approve: bool,
    done_on: dt.date | None = None,
    note: str = "",
    passed: bool = True,
    confirm: bool = False,
    confirm_reason: str = "",
) -> StepSubmission:
    """The 党委 handles a submission: ``approve`` records the step (the 党委 as the deciding body,
    the 党委's user as the actor; for 审批 ``passed`` is 同意/不同意) with the branch's documents;
    otherwise it is returned to the branch with the reason (``note``, required)."""
    submission = (
        StepSubmission.objects.select_for_update(of=("self",))
        .select_related("committee", "applicant")
        .get(pk=submission.pk)
    )
    committee = submission.committee
    require(actor, "change", committee, f"只有{committee.name}可以办理该报送事项")
    if submission.state != SubmissionState.PENDING:
        raise ServiceError(f"该报送事项{submission.get_state_display()},不能再办理", field="approve")
    now = clock.now()
    if not approve:
        submission.decision_note = clean_text(note, "note", "退回理由", required=True, limit=MAX_NOTE)
        submission.state = SubmissionState.RETURNED
        submission.decided_by = user_or_none(actor)
        submission.decided_at = now
        submission.save()
        record(
            submission.applicant,
            SUBMISSION_RETURNED,
            actor=actor,
            reason=submission.decision_note,
            after={"step": submission.number, "committee": committee.name},
        )
        return submission
    if not isinstance(done_on, dt.date):
        raise ServiceError("请填写办理日期", field="done_on")
    if done_on < submission.submitted_on:
        raise ServiceError(f"办理日期不能早于报送日期 {submission.submitted_on}", field="done_on")
    step = record_step(
        actor=actor,
        applicant=submission.applicant,
        number=submission.number,
        done_on=done_on,
        note=note,
        deciding_org=committee,
        passed=passed if submission.number in (17, 24) else True,
        expected_step=submission.number - 1,
        confirm=confirm,
        confirm_reason=confirm_reason,
        submission=submission,
    )
    for doc in submission.documents.all():  # the branch's documents, listed on the recorded step
        StepDocument.objects.create(
            step=step,
            org=doc.org,
            title=doc.title,
            file=doc.file.name,
            name=doc.name,
            size=doc.size,
            created_at=doc.created_at,
        )
    submission.state = SubmissionState.APPROVED
    submission.decided_by = user_or_none(actor)
    submission.decided_at = now
    submission.decision_note = step.note
    submission.step = step
    submission.save()
    record(
        submission.applicant,
        SUBMISSION_APPROVED,
        actor=actor,
        reason=step.note,
        after={"step": submission.number, "committee": committee.name, "passed": step.passed},
    )
    return submission


# ---------------------------------------------------------------------------------------------
# Plans (发展计划)


@transaction.atomic
def set_plan(
    *, actor, org: Org, year: int, quota: int, women_min=0, young_min=0, frontline_min=0, note=""
) -> DevelopmentPlan:
    """Issue or revise an organization's annual development plan (the prior values are in the
    audit event)."""
    require(actor, "change", org, "无权为该组织下达发展计划")
    if not org.is_party or org.kind == "group":
        raise ServiceError("发展计划须下达给党组织", field="org")
    try:
        values = {
            k: int(v or 0)
            for k, v in dict(
                quota=quota, women_min=women_min, young_min=young_min, frontline_min=frontline_min
            ).items()
        }
        year = int(year)
    except (TypeError, ValueError) as error:
        raise ServiceError("计划数须为整数", field="quota") from error
    if not 2014 <= year <= 2100:
        raise ServiceError("年度不正确", field="year")
    if min(values.values()) < 0 or values["quota"] > 10000:
        raise ServiceError("计划数不正确", field="quota")
    for key, label in (("women_min", "女性"), ("young_min", "35岁及以下"), ("frontline_min", "生产工作一线")):
        if values[key] > values["quota"]:
            raise ServiceError(f"{label}人数不能超过发展名额", field=key)
    plan = DevelopmentPlan.objects.select_for_update().filter(org=org, year=year).first()
    before = None
    if plan is None:
        plan = DevelopmentPlan(org=org, year=year, created_at=clock.now())
    else:
        before = {k: getattr(plan, k) for k in values}
    for key, value in values.items():
        setattr(plan, key, value)
    plan.note = clean_text(note, "note", "说明")
    plan.save()
    record(plan, PLAN_SET, actor=actor, before=before, after=values)
    return plan
