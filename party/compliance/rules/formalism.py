"""Formalism rules (流于形式): thin minutes, near-duplicate minutes, attendance lists copied from
meeting to meeting, photos used again, typed attendance that disagrees with the QR sign-ins."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from core import clock
from party import files
from party.compliance.dates import pct
from party.compliance.registry import rule, whole_subtree
from party.life.models import (
    DECIDING_KINDS,
    AttachmentKind,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingAttachment,
    MeetingKind,
    MinutesMatch,
    SignIn,
)

DEFAULT_THRESHOLD = "落实系统默认阈值(可按本地规定修改)"


def _thin(ctx, branch, m: dict, min_chars: dict) -> list[str]:
    """What is wrong with one candidate meeting's minutes."""
    try:
        shortest = min_chars[branch.id]
    except KeyError:
        shortest = min_chars[branch.id] = ctx.param("formalism.min_chars", branch)
    problems = []
    if m["minutes_chars"] < shortest:
        problems.append(f"记录仅 {m['minutes_chars']} 字")
    if m["kind"] in DECIDING_KINDS and m["undecided"]:
        problems.append("未记载决定事项")
    return problems


@rule(
    "formalism.thin_minutes",
    "会议记录过简或无决定事项",
    severity="low",
    data=("formalism.min_chars",),
    cites="formalism.min_chars",
    source=DEFAULT_THRESHOLD,
)
def thin_minutes(engine) -> None:
    ctx = engine.ctx
    thin: dict[int, list[str]] = defaultdict(list)
    ids: dict[int, list[int]] = defaultdict(list)
    min_chars: dict[int, int] = {}
    # Candidates from the database: shorter than the highest minimum, or a deciding meeting
    # with no decisions recorded.
    candidates = (
        ctx.window_meetings()
        .exclude(kind=MeetingKind.TALK)
        .filter(
            Q(minutes_chars__lt=ctx.highest("formalism.min_chars")) | Q(kind__in=DECIDING_KINDS, decisions="")
        )
        .annotate(undecided=ExpressionWrapper(Q(decisions=""), output_field=BooleanField()))
        .values("pk", "org_id", "kind", "held_on", "minutes_chars", "undecided")
    )
    for m in candidates:
        branch = ctx.branch_by_org.get(m["org_id"])
        if branch is None:
            continue
        problems = _thin(ctx, branch, m, min_chars)
        if problems:
            thin[branch.pk].append(
                f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:" + "、".join(problems)
            )
            ids[branch.pk].append(m["pk"])
    for branch_id, evidence in thin.items():
        branch = ctx.orgs[branch_id]
        engine.add(
            "formalism.thin_minutes",
            branch,
            f"{len(evidence)} 次会议记录过于简单(少于 {ctx.param('formalism.min_chars', branch)} 字)"
            "或未记载决定事项",
            evidence=evidence,
            action="规范会议记录:议题、发言要点、决定事项和落实分工应完整",
            meetings=ids[branch_id],
        )


MATCH_FIELDS = (
    "meeting_id",
    "other_id",
    "similarity",
    "other__org_id",
    "other__org__name",
    "other__held_on",
    "other__kind",
    "other__topic",
    "meeting__org_id",
    "meeting__held_on",
    "meeting__kind",
    "meeting__topic",
    "meeting__minutes_chars",
)


def _matches(ctx) -> tuple[dict[int, set[int]], dict[tuple[int, int], float], dict[int, dict]]:
    """The stored candidate pairs of the window's meetings in scope at or above the lowest
    threshold: (each meeting's peers, each pair's similarity, the meetings of both sides)."""
    min_chars = ctx.param("formalism.min_chars")
    floor = min(
        [float(ctx.param("formalism.similarity"))]
        + [float(ctx.param("formalism.similarity", b)) for b in ctx.branches]
    )
    candidates: dict[int, set[int]] = defaultdict(set)
    score_of: dict[tuple[int, int], float] = {}
    others: dict[int, dict] = {}
    meeting_of: dict[int, dict] = {}
    for row in MinutesMatch.objects.filter(
        ctx.scope_q("meeting__org_path"),
        meeting__held_on__gte=ctx.start,
        meeting__held_on__lte=ctx.end,
        meeting__voided_at__isnull=True,
        other__voided_at__isnull=True,
        similarity__gte=floor,
    ).values(*MATCH_FIELDS):
        mine = row["meeting_id"]
        # Minutes too short to compare are reported as thin, not as copies.
        if row["meeting__minutes_chars"] < min_chars:
            continue
        meeting_of[mine] = {k: row[f"meeting__{k}"] for k in ("org_id", "held_on", "kind", "topic")} | {
            "pk": mine
        }
        candidates[mine].add(row["other_id"])
        score_of[(mine, row["other_id"])] = row["similarity"]
        others[row["other_id"]] = {
            k: row[f"other__{k}"] for k in ("org_id", "org__name", "held_on", "kind", "topic")
        } | {"pk": row["other_id"]}
    for mine in candidates:
        me = meeting_of[mine]
        org = ctx.orgs.get(me["org_id"])
        others.setdefault(mine, {**me, "org__name": org.name if org else ""})
    return candidates, score_of, others


def _report_duplicate(engine, branch, me: dict, other: dict, score: float) -> None:
    where = "本组织" if other["org_id"] == me["org_id"] else other["org__name"]
    engine.add(
        "formalism.duplicate_minutes",
        branch,
        f"{me['held_on']:%Y-%m-%d} {MeetingKind(me['kind']).label}的会议记录与{where} "
        f"{other['held_on']:%Y-%m-%d} {MeetingKind(other['kind']).label}的记录高度雷同"
        f"(相似度约 {pct(score)}),疑似照抄照搬",
        evidence=[
            f"本次:{me['held_on']:%Y-%m-%d}《{me['topic']}》",
            f"雷同:{other['org__name']} {other['held_on']:%Y-%m-%d}《{other['topic']}》",
        ],
        action="核实会议是否实际召开,要求据实重新整理会议记录",
        meetings=[me["pk"], other["pk"]],
    )


@whole_subtree
@rule(
    "formalism.duplicate_minutes",
    "会议记录雷同",
    severity="medium",
    data=("formalism.similarity", "formalism.min_chars"),
    cites="formalism.similarity",
    source=DEFAULT_THRESHOLD,
)
def duplicate_minutes(engine) -> None:
    """Near-duplicate minutes from the candidate pairs ``services.index_minutes`` stored when
    each meeting was indexed (LSH: one indexed lookup per band at write time): one query for the
    pairs of the window's meetings in scope, never a search over all minutes."""
    ctx = engine.ctx
    candidates, score_of, others = _matches(ctx)
    reported: set[tuple[int, int]] = set()
    for mine, peers in candidates.items():
        me = others.get(mine)
        branch = ctx.branch_of(me["org_id"]) if me is not None else None
        if branch is None:
            continue
        threshold = float(ctx.param("formalism.similarity", branch))
        for peer in sorted(peers):
            other = others.get(peer)
            if other is None:
                continue
            # Report the later record (the copy); same day: both.
            if (other["held_on"], peer) > (me["held_on"], mine) and other["held_on"] != me["held_on"]:
                continue
            pair = (min(mine, peer), max(mine, peer))
            if pair in reported or score_of[(mine, peer)] < threshold:
                continue
            reported.add(pair)
            _report_duplicate(engine, branch, me, other, score_of[(mine, peer)])


def _repeated_runs(ctx) -> dict[tuple[int, str], list[dict]]:
    """Consecutive meetings of one kind in one organization (monthly 主题党日, 支委会 …), in order.
    Only an organization and kind with one list repeated at least the (lowest) number of times can
    have such a run: the database finds those, and their meetings are read in order."""
    repeated = set(
        Meeting.objects.live()
        .filter(ctx.scope_q(), held_on__gte=ctx.since, held_on__lte=ctx.ref)
        .exclude(attendance_digest="")
        .values("org_id", "kind", "attendance_digest")
        .annotate(n=Count("pk"))
        .filter(n__gte=ctx.lowest("formalism.copied_runs"))
        .values_list("org_id", "kind")
    )
    by_org: dict[tuple[int, str], list[dict]] = defaultdict(list)
    orgs = sorted({org_id for org_id, _ in repeated})
    for i in range(0, len(orgs), 2000):  # an organization's meetings all come in one chunk, in order
        for m in (
            Meeting.objects.live()
            .filter(held_on__gte=ctx.since, held_on__lte=ctx.ref, org_id__in=orgs[i : i + 2000])
            .order_by("held_on", "pk")
            .values("pk", "org_id", "kind", "held_on", "attendance_digest")
        ):
            if (m["org_id"], m["kind"]) in repeated:
                by_org[(m["org_id"], m["kind"])].append(m)
    return by_org


def _longest_run(meetings: list[dict]) -> list[dict]:
    """The longest run of consecutive meetings with one and the same attendance digest. The digest
    (services.attendance_digest) is set only when someone is on leave with a reason: copying shows
    in repeated reasons; a member who simply stopped coming is absent every time without one (that
    is the lapse rule's business)."""
    run: list[dict] = []
    previous = None
    best: list[dict] = []
    for m in meetings:
        signature = m["attendance_digest"]
        if signature and signature == previous:
            run.append(m)
        else:
            run = [m] if signature else []
        previous = signature or None
        if len(run) > len(best):
            best = list(run)
    return best


@rule(
    "formalism.copied_attendance",
    "出席名单连续多次完全相同",
    severity="medium",
    data=("formalism.copied_runs",),
    cites="formalism.copied_runs",
    source=DEFAULT_THRESHOLD,
)
def copied_attendance(engine) -> None:
    ctx = engine.ctx
    for (org_id, _kind), meetings in _repeated_runs(ctx).items():
        branch = ctx.branch_of(org_id)
        if branch is None:
            continue
        best = _longest_run(meetings)
        if len(best) < ctx.param("formalism.copied_runs", branch) or not any(
            ctx.start <= m["held_on"] <= ctx.end for m in best
        ):
            continue
        rows = Attendance.objects.filter(meeting_id=best[0]["pk"]).exclude(status=AttendanceStatus.PRESENT)
        absent = [
            f"{name}({AttendanceStatus(status).label}{':' + reason if reason else ''})"
            for name, status, reason in rows.order_by("member_id").values_list(
                "member__person__name", "status", "reason"
            )
        ]
        engine.add(
            "formalism.copied_attendance",
            branch,
            f"连续 {len(best)} 次会议({best[0]['held_on']:%Y-%m-%d} 至 "
            f"{best[-1]['held_on']:%Y-%m-%d})"
            "出席名单、缺席人员和缺席原因完全相同,疑似复制名单",
            evidence=["每次缺席/请假:" + "、".join(absent)]
            + [f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}" for m in best],
            action="核对签到簿,据实登记每次会议的出席情况",
            meetings=[m["pk"] for m in best],
        )


def _photos(ctx) -> tuple[list[dict], list[dict]]:
    """The window's meeting photos in scope, and every photo sharing a hash quarter with one."""
    mine = list(
        MeetingAttachment.objects.filter(
            ctx.scope_q("meeting__org_path"),
            meeting__held_on__gte=ctx.start,
            meeting__held_on__lte=ctx.end,
            meeting__voided_at__isnull=True,
            kind=AttachmentKind.PHOTO,
        )
        .exclude(phash="")
        .values(
            "pk",
            "meeting_id",
            "phash",
            "ph0",
            "ph1",
            "ph2",
            "ph3",
            "name",
            "meeting__org_id",
            "meeting__held_on",
            "meeting__kind",
        )
    )
    if not mine:
        return [], []
    q = Q(pk__in=[])
    for part in ("ph0", "ph1", "ph2", "ph3"):
        q |= Q(**{f"{part}__in": {p[part] for p in mine}})
    pool = list(
        MeetingAttachment.objects.filter(
            q, kind=AttachmentKind.PHOTO, meeting__voided_at__isnull=True
        ).values("pk", "meeting_id", "phash", "meeting__held_on", "meeting__org__name", "meeting__kind")
    )
    return mine, pool


@whole_subtree
@rule(
    "formalism.reused_photo",
    "会议照片重复使用",
    severity="medium",
    data=("formalism.photo_distance",),
    cites="formalism.photo_distance",
    source=DEFAULT_THRESHOLD,
)
def reused_photos(engine) -> None:
    ctx = engine.ctx
    mine, pool = _photos(ctx)
    reported = set()
    for photo in mine:
        held_on, kind = photo["meeting__held_on"], photo["meeting__kind"]
        branch = ctx.branch_of(photo["meeting__org_id"])
        if branch is None:
            continue
        limit = ctx.param("formalism.photo_distance", branch)
        for other in pool:
            if other["meeting_id"] == photo["meeting_id"]:
                continue
            if (other["meeting__held_on"], other["meeting_id"]) > (held_on, photo["meeting_id"]):
                continue  # report the later use
            distance = files.hamming(photo["phash"], other["phash"])
            if distance > limit or (photo["meeting_id"], other["meeting_id"]) in reported:
                continue
            reported.add((photo["meeting_id"], other["meeting_id"]))
            engine.add(
                "formalism.reused_photo",
                branch,
                f"{held_on:%Y-%m-%d} {MeetingKind(kind).label}的照片与"
                f"{other['meeting__org__name']} {other['meeting__held_on']:%Y-%m-%d} "
                f"{MeetingKind(other['meeting__kind']).label}的照片相同或几乎相同"
                f"(感知哈希相差 {distance} 位)",
                evidence=[f"照片:{photo['name']}"],
                action="核实会议是否实际召开,不得以旧照片充当会议资料",
                meetings=[photo["meeting_id"], other["meeting_id"]],
            )


def _signin_mismatches(meeting_ids: list[int]) -> dict[int, list[str]]:
    """For each meeting with QR sign-in (扫码签到), the members on whom the typed list and the
    sign-ins disagree: typed present but not signed in, or signed in but typed absent/on leave
    (or not on the list at all)."""
    typed: dict[int, dict[int, tuple[str, str]]] = defaultdict(dict)
    for meeting_id, member_id, status, name in Attendance.objects.filter(
        meeting_id__in=meeting_ids
    ).values_list("meeting_id", "member_id", "status", "member__person__name"):
        typed[meeting_id][member_id] = (status, name)
    signed: dict[int, dict[int, str]] = defaultdict(dict)
    for meeting_id, member_id, name in SignIn.objects.filter(meeting_id__in=meeting_ids).values_list(
        "meeting_id", "member_id", "member__person__name"
    ):
        signed[meeting_id][member_id] = name
    result: dict[int, list[str]] = {}
    for meeting_id in meeting_ids:
        rows, scans = typed.get(meeting_id, {}), signed.get(meeting_id, {})
        problems = [
            f"{name}(登记出席,未扫码签到)"
            for member_id, (status, name) in rows.items()
            if status == AttendanceStatus.PRESENT and member_id not in scans
        ]
        for member_id, name in scans.items():
            status = rows.get(member_id, ("", ""))[0]
            if status != AttendanceStatus.PRESENT:
                label = AttendanceStatus(status).label if status else "未列入出席名单"
                problems.append(f"{name}(已扫码签到,登记为{label})")
        result[meeting_id] = sorted(problems)
    return result


@rule(
    "formalism.signin_mismatch",
    "出席登记与扫码签到不一致",
    severity="medium",
    data=("formalism.signin_tolerance",),
    cites="formalism.signin_tolerance",
    source=DEFAULT_THRESHOLD,
)
def signin_mismatch(engine) -> None:
    """A meeting that used QR sign-in whose typed attendance list disagrees with the sign-ins on
    more members than the tolerance (rule data): the list was typed, not taken (流于形式). A meeting
    still under way (its end time not passed) is not judged yet."""
    ctx = engine.ctx
    meetings = list(
        ctx.window_meetings()
        .filter(signin_window__isnull=False, signin_window__ends_at__lt=clock.now())
        .values("pk", "org_id", "kind", "held_on", "topic")
    )
    if not meetings:
        return
    mismatches = _signin_mismatches([m["pk"] for m in meetings])
    for m in meetings:
        branch = ctx.branch_of(m["org_id"])
        problems = mismatches.get(m["pk"], [])
        if branch is None or len(problems) <= ctx.param("formalism.signin_tolerance", branch):
            continue
        engine.add(
            "formalism.signin_mismatch",
            branch,
            f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}的出席登记与扫码签到有 "
            f"{len(problems)} 人不一致,出席名单疑似未据实登记",
            evidence=[f"《{m['topic']}》", *problems],
            action="核对扫码签到记录和会议签到簿,据实更正出席情况",
            meetings=[m["pk"]],
        )
