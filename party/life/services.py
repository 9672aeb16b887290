"""Organization-life services (组织生活): one function per business action, each in one transaction —
check scope and rules → change rows → one audit event. Views, the admin, the CLI and the demo
generator call these.

    record_meeting ─► correct_meeting (prior version kept) ─► void_meeting (never deleted)
    record_training · record_term · tally (vote arithmetic, pure)
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError
from core.kit import clean_text
from orgs.models import Org, Person, Position
from orgs.permissions import require
from party import files
from party.life import similarity
from party.life import study as memberyear
from party.life.models import (
    Appraisal,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MeetingRevision,
    MinutesBand,
    MinutesMatch,
    MinutesSignature,
    Rating,
    Resolution,
    ResolutionKind,
    TrainingRecord,
)
from party.membership.models import Member, MemberCategory, MemberStatus
from party.membership.selectors import member_pool
from party.rules import Rules
from party.scope import TEAM_KINDS

E = events.register
MEETING_RECORDED = E("party.meeting_recorded", "录入组织生活")
MEETING_CORRECTED = E("party.meeting_corrected", "更正组织生活记录")
MEETING_VOIDED = E("party.meeting_voided", "作废组织生活记录")
TRAINING_RECORDED = E("party.training_recorded", "录入培训学时")
DEMO_LOADED = E("party.demo_loaded", "生成演示组织生活")
APPRAISAL_RECORDED = E("party.appraisal_recorded", "登记民主评议结果")

MEETING_ORG_KINDS = frozenset(
    {"branch", "group", "general_branch", "party_committee", "working_committee", "leading_group"}
)
VOTING_KINDS = frozenset({MeetingKind.BRANCH_ASSEMBLY, MeetingKind.COMMITTEE})
COMMITTEE_POSTS = ("secretary", "deputy_secretary", "committee_member")
MAX_MINUTES = 20000


# ---------------------------------------------------------------------------------------------
# Who should attend (应到会人员)


def committee_person_ids(org: Org, day: dt.date) -> set[int]:
    return set(
        Position.objects.current(day)
        .filter(org=org, kind__in=COMMITTEE_POSTS)
        .values_list("person_id", flat=True)
    )


def expected_members(org: Org, kind: str, day: dt.date):
    """Members who should attend (应到): the committee for a 支委会, the leadership team's cadres
    for a 民主生活会 (wherever their branch is), else the member pool."""
    if kind == MeetingKind.DEMOCRATIC_LIFE:
        from party.terms.cadre_models import LeadingCadre

        return Member.objects.filter(
            status=MemberStatus.NORMAL,
            pk__in=LeadingCadre.objects.current(day).filter(team=org).values("member_id"),
        )
    pool = member_pool(org).filter(joined_on__lte=day)
    if kind == MeetingKind.COMMITTEE:
        return pool.filter(person_id__in=committee_person_ids(org, day))
    return pool


# ---------------------------------------------------------------------------------------------
# Votes (表决)


@dataclass(frozen=True)
class Tally:
    eligible: int
    present: int
    yes: int
    no: int
    abstain: int
    quorum: bool
    passed: bool


def tally(eligible: int, present: int, yes: int, no: int, abstain: int, rules: Rules | None = None) -> Tally:
    """The branch-decision arithmetic (支部工作条例 第十一条; 发展党员细则 第二十一条): quorum when the
    voting members present are more than half of those who should attend; passed when the yes votes
    are more than half of those who should attend (not of those present)."""
    rules = rules or Rules.load(kit.today())
    quorum_share = rules.get("vote.quorum_share")
    pass_share = rules.get("vote.pass_share")
    for value, label in (
        (yes, "赞成"),
        (no, "反对"),
        (abstain, "弃权"),
        (present, "实到"),
        (eligible, "应到"),
    ):
        if value < 0:
            raise ServiceError(f"{label}票数不能为负数", field="votes")
    if present > eligible:
        raise ServiceError(f"实到会有表决权党员({present}人)不能多于应到会人数({eligible}人)", field="votes")
    if yes + no + abstain > present:
        raise ServiceError(
            f"赞成、反对、弃权票合计 {yes + no + abstain} 票,超过实到会有表决权党员 {present} 人",
            field="votes",
        )
    quorum = Decimal(present) > Decimal(eligible) * quorum_share
    passed = quorum and Decimal(yes) > Decimal(eligible) * pass_share
    return Tally(eligible, present, yes, no, abstain, quorum, passed)


# ---------------------------------------------------------------------------------------------
# Meetings


def _clean_attendance(expected: dict[int, Member], attendance: dict) -> dict[int, tuple[str, str]]:
    cleaned: dict[int, tuple[str, str]] = {}
    names = {m.pk: m.person.name for m in expected.values()}
    for raw_id, value in (attendance or {}).items():
        member_id = int(raw_id)
        status, reason = (value, "") if isinstance(value, str) else value
        if member_id not in expected:
            member = Member.objects.filter(pk=member_id).select_related("person").first()
            who = member.person.name if member else f"编号 {member_id}"
            raise ServiceError(f"{who} 不是本组织应到会党员,不能登记出席情况", field="attendance")
        if status not in AttendanceStatus.values:
            raise ServiceError(f"{names[member_id]} 的出席情况无效", field="attendance")
        reason = clean_text(reason, "attendance", f"{names[member_id]} 的缺席/请假原因", limit=100)
        if status == AttendanceStatus.LEAVE and not reason:
            raise ServiceError(f"{names[member_id]} 请假,请填写请假原因", field="attendance")
        cleaned[member_id] = (status, reason if status != AttendanceStatus.PRESENT else "")
    missing = [names[pk] for pk in expected if pk not in cleaned]
    if missing:
        raise ServiceError("请登记以下党员的出席情况:" + "、".join(missing[:10]), field="attendance")
    return cleaned


def _check_common(org: Org, kind: str, held_on, today: dt.date) -> None:
    if org.kind not in MEETING_ORG_KINDS or org.archived_at is not None:
        raise ServiceError("只能为现有的党组织录入组织生活", field="org")
    if kind not in MeetingKind.values:
        raise ServiceError("请选择会议类型", field="kind")
    if kind == MeetingKind.GROUP and org.kind != "group":
        raise ServiceError("党小组会须在党小组下录入", field="kind")
    if kind != MeetingKind.GROUP and org.kind == "group":
        raise ServiceError("党小组只能录入党小组会", field="kind")
    if kind == MeetingKind.DEMOCRATIC_LIFE and org.kind not in TEAM_KINDS:
        raise ServiceError("民主生活会由党委(党工委、党组)领导班子召开,支部请录入组织生活会", field="kind")
    if not isinstance(held_on, dt.date):
        raise ServiceError("请填写召开日期", field="held_on")
    if held_on > today:
        raise ServiceError("召开日期不能晚于今天(不能预先登记未召开的会议)", field="held_on")
    if held_on.year < 2000:
        raise ServiceError("召开日期不正确", field="held_on")


def _clean_convener(convener, org: Org, day: dt.date) -> Person | None:
    if convener is None:
        return None
    person = convener if isinstance(convener, Person) else Person.objects.filter(pk=convener).first()
    if person is None or not member_pool(org).filter(person=person).exists():
        raise ServiceError("召集人/主持人须为本组织党员", field="convener")
    return person


# Candidate pairs kept per meeting (the most similar), and only from the LSH design threshold
# (0.6) up: the configured finding threshold (formalism.similarity, 0.8) filters at read time.
MAX_MATCHES = 200


def _min_chars(day: dt.date, org=None) -> int:
    return Rules.load(day).get("formalism.min_chars", org)


def index_minutes(meeting: Meeting) -> None:
    """(Re)build the MinHash signature and LSH band keys of the meeting's minutes, and its
    near-duplicate candidate pairs (``MinutesMatch``, both ways): the meetings sharing a band key,
    found with one indexed lookup per band, with their estimated similarity. Minutes shorter than
    ``formalism.min_chars`` get no bands (they are reported as thin, not compared: otherwise every
    "学习了文件。" would pair with every other). Derived search indexes, rebuilt on every correction."""
    MinutesMatch.objects.filter(Q(meeting=meeting) | Q(other=meeting)).delete()
    MinutesBand.objects.filter(meeting=meeting).delete()
    MinutesSignature.objects.filter(meeting=meeting).delete()
    values = similarity.signature(meeting.minutes)
    if values is None:
        return
    length = len(similarity.normalize(meeting.minutes))
    MinutesSignature.objects.create(meeting=meeting, values=similarity.to_bytes(values), length=length)
    if length < _min_chars(meeting.held_on, meeting.org):
        return
    keys = similarity.band_keys(values)
    MinutesBand.objects.bulk_create(
        MinutesBand(meeting=meeting, band=i, key=key) for i, key in enumerate(keys)
    )
    others = set(
        MinutesBand.objects.filter(key__in=keys).exclude(meeting=meeting).values_list("meeting_id", flat=True)
    )
    scored = sorted(
        (
            (score, other_id)
            for other_id, data in MinutesSignature.objects.filter(meeting_id__in=others).values_list(
                "meeting_id", "values"
            )
            if (score := similarity.similarity(values, similarity.from_bytes(data)))
            >= similarity.LSH_THRESHOLD
        ),
        reverse=True,
    )[:MAX_MATCHES]
    pairs = []
    for score, other_id in scored:
        pairs += [
            MinutesMatch(meeting=meeting, other_id=other_id, similarity=score),
            MinutesMatch(meeting_id=other_id, other=meeting, similarity=score),
        ]
    MinutesMatch.objects.bulk_create(pairs, ignore_conflicts=True)


def rebuild_matches(
    meeting_ids=None, *, min_chars=None, band_model=None, signature_model=None, match_model=None
) -> int:
    """Rebuild the candidate pairs of ``meeting_ids`` (all meetings when None) from the stored band
    keys in one pass: the keys shared by two or more meetings, each group compared at once with
    numpy (a template copied by hundreds of branches is one group, not hundreds of thousands of
    Python comparisons). Used by bulk loads, the demo and the migration; a recorded meeting gets
    its pairs from ``index_minutes``. The models may be a migration's historical ones. Returns the
    number of pairs written."""
    import numpy as np

    band_model = band_model or MinutesBand
    signature_model = signature_model or MinutesSignature
    match_model = match_model or MinutesMatch
    wanted = None if meeting_ids is None else set(meeting_ids)
    if min_chars is None:
        min_chars = _min_chars(kit.today())
    long_enough = {"meeting__signature__length__gte": min_chars}
    bands = band_model.objects.filter(**long_enough)
    if wanted is not None:
        bands = bands.filter(meeting_id__in=wanted)
        match_model.objects.filter(Q(meeting_id__in=wanted) | Q(other_id__in=wanted)).delete()
    else:
        match_model.objects.all().delete()
    shared = (
        band_model.objects.filter(key__in=bands.values("key"), **long_enough)
        .values("key")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values("key")
    )
    groups: dict[int, list[int]] = {}
    for key, meeting_id in band_model.objects.filter(key__in=shared, **long_enough).values_list(
        "key", "meeting_id"
    ):
        groups.setdefault(key, []).append(meeting_id)
    involved = {m for group in groups.values() for m in group}
    sigs = {
        meeting_id: similarity.from_bytes(data)
        for meeting_id, data in signature_model.objects.filter(meeting_id__in=involved).values_list(
            "meeting_id", "values"
        )
    }
    best: dict[int, dict[int, float]] = {}
    floor = similarity.LSH_THRESHOLD
    for group in groups.values():
        ids = [m for m in dict.fromkeys(group) if m in sigs]
        if len(ids) < 2:
            continue
        matrix = np.stack([sigs[m] for m in ids])
        for top in range(0, len(ids), 256):
            scores = (matrix[top : top + 256, None, :] == matrix[None, :, :]).mean(axis=2)
            for i, j in zip(*np.nonzero(scores >= floor), strict=True):
                a, b = ids[top + i], ids[j]
                if a != b and (wanted is None or a in wanted or b in wanted):
                    best.setdefault(a, {})[b] = float(scores[i, j])
    rows = [
        match_model(meeting_id=a, other_id=b, similarity=score)
        for a, peers in sorted(best.items())
        for b, score in sorted(peers.items(), key=lambda p: -p[1])[:MAX_MATCHES]
    ]
    match_model.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def summarize_attendance(meeting: Meeting, *, years=()) -> None:
    """Keep what is derived from a meeting's attendance rows in step with them: the meeting's
    summary (expected, present, and a fingerprint of the list when someone is on leave with a
    reason) and its attendees' yearly study hours (for the meeting's year and ``years``: the year
    it was moved from)."""
    rows = list(meeting.attendance.values_list("member_id", "status", "reason"))
    meeting.attendance_expected = len(rows)
    meeting.attendance_present = sum(1 for _, status, _ in rows if status == AttendanceStatus.PRESENT)
    meeting.attendance_digest = attendance_digest(rows)
    Meeting.objects.filter(pk=meeting.pk).update(
        attendance_expected=meeting.attendance_expected,
        attendance_present=meeting.attendance_present,
        attendance_digest=meeting.attendance_digest,
    )
    memberyear.refresh([member_id for member_id, _, _ in rows], {meeting.held_on.year, *years})


def attendance_digest(rows) -> str:
    """A fingerprint of an attendance list — who was expected, with status and reason — or "" when
    nobody is on leave with a reason. Copying a list shows in repeated leave reasons; a member who
    simply stopped coming is absent every time without one (the lapse rule's business)."""
    rows = sorted((int(m), str(s), r or "") for m, s, r in rows)
    if not any(status == AttendanceStatus.LEAVE and reason for _, status, reason in rows):
        return ""
    text = "\n".join(f"{m}|{s}|{r}" for m, s, r in rows)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


def _attach(meeting: Meeting, photos, documents, actor) -> None:
    uploads = list(photos or []) + list(documents or [])
    if len(uploads) > files.MAX_UPLOADS:
        raise ServiceError(f"每次最多上传 {files.MAX_UPLOADS} 个照片或文件", field="photos")
    user = user_or_none(actor)
    for upload in photos or []:
        content, phash = files.clean_photo(upload)
        attachment = MeetingAttachment(
            meeting=meeting,
            org=meeting.org,
            kind=AttachmentKind.PHOTO,
            name=files.upload_name(upload),
            size=content.size,
            uploaded_by=user,
            created_at=clock.now(),
        )
        attachment.set_phash(phash)
        attachment.file.save(content.name, content, save=False)  # type: ignore[arg-type]  # clean_file names it
        attachment.save()
    for upload in documents or []:
        content = files.clean_file(upload)
        attachment = MeetingAttachment(
            meeting=meeting,
            org=meeting.org,
            kind=AttachmentKind.FILE,
            name=files.upload_name(upload),
            size=content.size,
            uploaded_by=user,
            created_at=clock.now(),
        )
        attachment.file.save(content.name, content, save=False)  # type: ignore[arg-type]  # clean_file names it
        attachment.save()


def _write_attendance(meeting: Meeting, cleaned: dict[int, tuple[str, str]]) -> None:
    Attendance.objects.bulk_create(
        Attendance(
            meeting=meeting,
            member_id=member_id,
            org_id=meeting.org_id,
            org_path=meeting.org_path,
            status=status,
            reason=reason,
            held_on=meeting.held_on,
        )
        for member_id, (status, reason) in cleaned.items()
    )


def _write_resolutions(meeting: Meeting, expected: dict[int, Member], cleaned, resolutions, rules) -> list:
    resolutions = list(resolutions or [])
    if resolutions and meeting.kind not in VOTING_KINDS:
        raise ServiceError("只有支部党员大会和支委会可以表决", field="votes")
    voters = {pk for pk, m in expected.items() if m.category == MemberCategory.FORMAL}  # 预备党员无表决权
    present = sum(1 for pk in voters if cleaned[pk][0] == AttendanceStatus.PRESENT)
    saved = []
    for item in resolutions:
        subject = clean_text(item.get("subject"), "votes", "表决事项", required=True)
        kind = item.get("kind") or ResolutionKind.OTHER
        if kind not in ResolutionKind.values:
            raise ServiceError("表决事项类型无效", field="votes")
        try:
            yes, no, abstain = (int(item.get(key) or 0) for key in ("yes", "no", "abstain"))
        except (TypeError, ValueError) as error:
            raise ServiceError("票数须为整数", field="votes") from error
        result = tally(len(voters), present, yes, no, abstain, rules)
        if not result.quorum:
            raise ServiceError(
                f"到会有表决权的党员 {present} 人,未超过应到会 {len(voters)} 人的半数,不能表决“{subject}”",
                field="votes",
            )
        saved.append(
            Resolution.objects.create(
                meeting=meeting,
                org=meeting.org,
                kind=kind,
                subject=subject,
                eligible=result.eligible,
                present=result.present,
                yes=yes,
                no=no,
                abstain=abstain,
                passed=result.passed,
                created_at=clock.now(),
            )
        )
    return saved


def _snapshot(meeting: Meeting) -> dict:
    return {
        "kind": meeting.kind,
        "held_on": meeting.held_on.isoformat(),
        "place": meeting.place,
        "convener": meeting.convener.name if meeting.convener_id else "",  # type: ignore[union-attr]
        "topic": meeting.topic,
        "minutes": meeting.minutes,
        "decisions": meeting.decisions,
        "follow_ups": meeting.follow_ups,
        "study_hours": str(meeting.study_hours),
        "attendance": [
            [a.member.person.name, a.status, a.reason]
            for a in meeting.attendance.select_related("member__person").order_by("member_id")
        ],
        "resolutions": [
            [r.subject, r.eligible, r.present, r.yes, r.no, r.abstain, r.passed]
            for r in meeting.resolutions.order_by("pk")
        ],
    }


@transaction.atomic
def record_meeting(
    *,
    actor,
    org: Org,
    kind: str,
    held_on: dt.date,
    topic: str,
    attendance: dict,
    place: str = "",
    convener=None,
    minutes: str = "",
    decisions: str = "",
    follow_ups: str = "",
    study_hours=None,
    resolutions=(),
    photos=(),
    documents=(),
) -> Meeting:
    """Record one session of organization life with its attendance, votes, photos and files."""
    require(actor, "change", org, "无权为该组织录入组织生活")
    today = kit.today()
    _check_common(org, kind, held_on, today)
    if kind == MeetingKind.TALK:
        raise ServiceError(
            "谈心谈话请在“谈心谈话”中按谈话人和谈话对象逐次登记,不再作为会议录入", field="kind"
        )
    rules = Rules.load(held_on)
    topic = clean_text(topic, "topic", "会议主题", required=True)
    expected = {m.pk: m for m in expected_members(org, kind, held_on).select_related("person")}
    if not expected:
        raise ServiceError("该组织在会议日期没有应到会党员,请先核对党员名单或支委会成员", field="attendance")
    cleaned = _clean_attendance(expected, attendance)
    hours = rules.get(f"study.credit.{kind}") if study_hours in (None, "") else Decimal(str(study_hours))
    if not Decimal(0) <= hours <= Decimal(8):
        raise ServiceError("计入学时须在 0 到 8 之间", field="study_hours")
    now = clock.now()
    meeting = Meeting.objects.create(
        org=org,
        kind=kind,
        held_on=held_on,
        place=clean_text(place, "place", "地点", limit=100),
        convener=_clean_convener(convener, org, held_on),
        topic=topic,
        minutes=clean_text(minutes, "minutes", "会议记录", limit=MAX_MINUTES),
        decisions=clean_text(decisions, "decisions", "决定事项", limit=5000),
        follow_ups=clean_text(follow_ups, "follow_ups", "后续落实", limit=5000),
        study_hours=hours,
        recorded_by=user_or_none(actor),
        created_at=now,
        updated_at=now,
    )
    _write_attendance(meeting, cleaned)
    summarize_attendance(meeting)
    saved = _write_resolutions(meeting, expected, cleaned, resolutions, rules)
    _attach(meeting, photos, documents, actor)
    index_minutes(meeting)
    present = sum(1 for status, _ in cleaned.values() if status == AttendanceStatus.PRESENT)
    record(
        meeting,
        MEETING_RECORDED,
        actor=actor,
        after={
            "kind": kind,
            "held_on": held_on.isoformat(),
            "topic": topic,
            "expected": len(cleaned),
            "present": present,
            "resolutions": [[r.subject, r.passed] for r in saved],
        },
    )
    if (
        not is_system(actor)
        and not Meeting.objects.visible_to(actor, "change").filter(pk=meeting.pk).exists()
    ):
        raise PermissionDenied("无权为该组织录入组织生活")
    return meeting


CORRECTABLE = ("place", "topic", "minutes", "decisions", "follow_ups", "held_on", "convener", "study_hours")


@transaction.atomic
def correct_meeting(
    *, actor, meeting: Meeting, reason: str, attendance: dict | None = None, **changes
) -> Meeting:
    """Correct a meeting record (更正). The prior version is kept in ``MeetingRevision``."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    require(actor, "change", meeting.org, "无权更正该组织的组织生活记录")
    if meeting.voided_at is not None:
        raise ServiceError("该记录已作废,不能更正")
    reason = clean_text(reason, "reason", "更正原因", required=True)
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ServiceError("不能更正这些内容:" + "、".join(sorted(unknown)))
    before = _snapshot(meeting)
    old_year = meeting.held_on.year
    held_on = changes.get("held_on", meeting.held_on)
    _check_common(meeting.org, meeting.kind, held_on, kit.today())
    MeetingRevision.objects.create(
        meeting=meeting,
        org=meeting.org,
        version=meeting.version,
        data=before,
        reason=reason,
        changed_by=user_or_none(actor),
        changed_at=clock.now(),
    )
    for name in ("place", "topic", "minutes", "decisions", "follow_ups"):
        if name in changes:
            limits = {"minutes": MAX_MINUTES, "decisions": 5000, "follow_ups": 5000, "place": 100}
            label = {
                "place": "地点",
                "topic": "会议主题",
                "minutes": "会议记录",
                "decisions": "决定事项",
                "follow_ups": "后续落实",
            }[name]
            setattr(
                meeting,
                name,
                clean_text(changes[name], name, label, required=name == "topic", limit=limits.get(name, 200)),
            )
    if "convener" in changes:
        meeting.convener = _clean_convener(changes["convener"], meeting.org, held_on)
    if "study_hours" in changes:
        meeting.study_hours = Decimal(str(changes["study_hours"]))
    meeting.held_on = held_on
    if attendance is not None:
        expected = {
            m.pk: m for m in expected_members(meeting.org, meeting.kind, held_on).select_related("person")
        }
        cleaned = _clean_attendance(expected, attendance)
        existing = {a.member_id: a for a in meeting.attendance.all()}
        for member_id, (status, why) in cleaned.items():
            row = existing.pop(member_id, None)
            if row is None:
                Attendance.objects.create(
                    meeting=meeting,
                    member_id=member_id,
                    org=meeting.org,
                    status=status,
                    reason=why,
                    held_on=held_on,
                )
            elif (row.status, row.reason, row.held_on) != (status, why, held_on):
                row.status, row.reason, row.held_on = status, why, held_on
                row.save(update_fields=["status", "reason", "held_on"])
        if existing:  # members no longer expected keep their row, marked as not counted
            raise ServiceError("出席名单与应到会党员不一致,请刷新页面后重新登记", field="attendance")
    elif "held_on" in changes:
        meeting.attendance.update(held_on=held_on)
    meeting.version += 1
    meeting.updated_at = clock.now()
    meeting.save()
    summarize_attendance(meeting, years=[old_year])
    index_minutes(meeting)
    after = _snapshot(meeting)
    diff = [key for key in after if after[key] != before[key]]
    record(
        meeting,
        MEETING_CORRECTED,
        actor=actor,
        reason=reason,
        before={k: before[k] for k in diff},
        after={k: after[k] for k in diff},
    )
    return meeting


@transaction.atomic
def void_meeting(*, actor, meeting: Meeting, reason: str) -> Meeting:
    """Void a record made in error (作废). It stays in the database and the audit log."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    require(actor, "change", meeting.org, "无权作废该组织的组织生活记录")
    if meeting.voided_at is not None:
        raise ServiceError("该记录已作废")
    meeting.void_reason = clean_text(reason, "reason", "作废原因", required=True)
    meeting.voided_at = clock.now()
    meeting.save(update_fields=["void_reason", "voided_at"])
    memberyear.refresh(meeting.attendance.values_list("member_id", flat=True), [meeting.held_on.year])
    record(meeting, MEETING_VOIDED, actor=actor, reason=meeting.void_reason)
    return meeting


def last_attendance(org: Org, kind: str, before: dt.date | None = None) -> dict[int, tuple[str, str]]:
    """The attendance of the org's latest meeting (of this kind if any), to copy into a new one."""
    meetings = Meeting.objects.live().filter(org=org)
    if before is not None:
        meetings = meetings.filter(held_on__lte=before)
    last = (
        meetings.filter(kind=kind).order_by("-held_on", "-pk").first()
        or meetings.order_by("-held_on", "-pk").first()
    )
    if last is None:
        return {}
    return {a.member_id: (a.status, a.reason) for a in last.attendance.all()}


# ---------------------------------------------------------------------------------------------
# Study hours and terms


@transaction.atomic
def record_training(*, actor, member: Member, title: str, started_on: dt.date, hours, organizer: str = ""):
    require(actor, "change", member.org, "无权为该党员登记培训学时")
    if started_on > kit.today():
        raise ServiceError("培训日期不能晚于今天", field="started_on")
    try:
        hours = Decimal(str(hours))
    except ArithmeticError as error:
        raise ServiceError("学时须为数字", field="hours") from error
    if not Decimal("0.5") <= hours <= Decimal(200):
        raise ServiceError("学时须在 0.5 到 200 之间", field="hours")
    training = TrainingRecord.objects.create(
        member=member,
        org=member.org,
        title=clean_text(title, "title", "培训名称", required=True, limit=150),
        organizer=clean_text(organizer, "organizer", "举办单位", limit=100),
        started_on=started_on,
        hours=hours,
        created_at=clock.now(),
    )
    record(training, TRAINING_RECORDED, actor=actor, after={"title": training.title, "hours": str(hours)})
    return training


# ---------------------------------------------------------------------------------------------
# 民主评议党员 (democratic appraisal): a rating per member at the appraisal meeting


@transaction.atomic
def record_appraisal(*, actor, meeting: Meeting, ratings: dict, reason: str = "") -> list[Appraisal]:
    """Record the ratings of a 民主评议党员 meeting: ``{member_id: (rating, note)}`` for members who
    should have attended it. 基本合格 and 不合格 need the 评议意见 (the reason; rules.md 1.16). A
    member already rated is re-rated only with ``reason`` (更正), and the prior row is kept."""
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("org").get(pk=meeting.pk)
    require(actor, "change", meeting.org, "无权登记该组织的民主评议结果")
    if meeting.kind != MeetingKind.APPRAISAL:
        raise ServiceError("只有“民主评议党员”会议可以登记评议等次", field="ratings")
    if meeting.voided_at is not None:
        raise ServiceError("该记录已作废,不能登记评议结果", field="ratings")
    if not ratings:
        raise ServiceError("请至少为一名党员选择评议等次", field="ratings")
    expected = {a.member_id: a.member for a in meeting.attendance.select_related("member__person")}
    live = {a.member_id: a for a in meeting.appraisals.filter(superseded_at__isnull=True)}
    reason = (reason or "").strip()[:200]
    now = clock.now()
    saved, changed = [], []
    for raw_id, value in ratings.items():
        member_id = int(raw_id)
        rating, note = (value, "") if isinstance(value, str) else value
        member = expected.get(member_id)
        if member is None:
            raise ServiceError(f"编号 {member_id} 不是本次评议的应参加党员", field="ratings")
        name = member.person.name
        if rating not in Rating.values:
            raise ServiceError(f"{name} 的评议等次无效", field="ratings")
        note = clean_text(note, "ratings", f"{name} 的评议意见", limit=300)
        if rating in (Rating.BASIC, Rating.UNQUALIFIED) and not note:
            raise ServiceError(
                f"{name} 评为“{Rating(rating).label}”,请填写评议意见(事实和理由)", field="ratings"
            )
        prior = live.get(member_id)
        if prior is not None:
            if (prior.rating, prior.note) == (rating, note):
                continue
            if not reason:
                raise ServiceError(f"{name} 已有评议结果,更正须填写更正原因", field="reason")
            prior.superseded_at = now
            prior.save(update_fields=["superseded_at"])
            changed.append([name, prior.get_rating_display(), Rating(rating).label])
        saved.append(
            Appraisal.objects.create(
                meeting=meeting,
                org=meeting.org,
                member=member,
                rating=rating,
                note=note,
                recorded_by=user_or_none(actor),
                created_at=now,
            )
        )
    if saved:
        counts = Counter(row.get_rating_display() for row in saved)
        record(
            meeting,
            APPRAISAL_RECORDED,
            actor=actor,
            reason=reason,
            after={"ratings": counts, "changed": changed},
        )
    return saved
