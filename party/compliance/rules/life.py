"""Organization life rules: meetings not held or bunched at a quarter's end, low attendance,
members who stopped taking part (党章 第九条), study hours, 民主评议 ratings."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.db.models import Count, F

from orgs.models import Org
from party.compliance.dates import months_between, pct, periods, plus_months
from party.compliance.kinds import ATTENDANCE_KINDS, BRANCH_PERIODIC, BUNCH_KINDS, MISSING_SEVERITY
from party.compliance.registry import Rule, rule, rules
from party.life import study as memberyear
from party.life.models import Appraisal, Attendance, AttendanceStatus, Meeting, MeetingKind
from party.membership import status as member_status
from party.rules.models import Period

BRANCH_RULES = "《中国共产党支部工作条例(试行)》(2018)"


def _held_months(ctx) -> dict[tuple[int, str], dict[int, dt.date]]:
    """For each organization and kind of meeting: the months with one (as year * 12 + month - 1)
    and the latest day in each (the meetings come latest first)."""
    seen: dict[tuple[int, str], dict[int, dt.date]] = defaultdict(dict)
    for _, org_id, kind, day in ctx.meetings:
        months = seen[(org_id, kind)]
        index = day.year * 12 + day.month - 1
        if index not in months:
            months[index] = day
    return seen


def _targets(ctx) -> list[tuple[Org, str]]:
    """The (organization, kind of meeting) pairs that must be held every period."""
    targets: list[tuple[Org, str]] = []
    for branch in ctx.branches:
        has_committee = bool(ctx.posts.get(branch.pk)) and len(ctx.posts[branch.pk]) >= 2
        for kind in BRANCH_PERIODIC:
            if kind == MeetingKind.COMMITTEE and not has_committee:
                continue
            targets.append((branch, kind))
    for org in ctx.orgs.values():
        if org.kind == "group":
            targets.append((org, MeetingKind.GROUP))
    return targets


def _spans(ctx, period: str, memo: dict) -> tuple[dict, object]:
    """The finished periods of kind ``period`` in the window, by their first month, with their
    months; and, for monthly periods, those first months (else a false value)."""
    try:
        return memo[period]
    except KeyError:
        spans = {
            first.year * 12 + first.month - 1: (first, last, label, months_between(first, last))
            for first, last, label in periods(period, ctx.start, ctx.end)
            if last <= ctx.ref  # not still running
        }
        monthly = period == Period.MONTH and spans.keys()
        memo[period] = spans, monthly
        return spans, monthly


@rule(
    "meeting.missing",
    "组织生活未按期召开",
    severity="medium",
    data=tuple(f"meeting.{kind}.period" for kind in (*BRANCH_PERIODIC, MeetingKind.GROUP)),
    source=f"{BRANCH_RULES} 第十三条;《中国共产党党员教育管理工作条例》(2019)",
)
def meetings_missing(engine) -> None:
    ctx = engine.ctx
    seen = _held_months(ctx)
    memo: dict[str, tuple] = {}  # period kind → the periods over, with their months
    for org, kind in _targets(ctx):
        period = ctx.param(f"meeting.{kind}.period", org)
        spans, monthly = _spans(ctx, period, memo)
        months = seen.get((org.id, kind), {})
        if monthly:  # one set operation finds the months without a meeting
            missing = [spans[index] for index in sorted(monthly - months.keys())]
        else:
            missing = [span for span in spans.values() if months.keys().isdisjoint(span[3])]
        for first, last, label, inside in missing:
            source = ctx.source(f"meeting.{kind}.period", org)
            before = min(inside)
            earlier = [i for i in months if i < before]
            recent = months[max(earlier)] if earlier else None
            engine.add(
                "meeting.missing",
                org,
                f"{label}({first:%m-%d}至{last:%m-%d})未召开{MeetingKind(kind).label},"
                f"按规定应{Period(period).label}召开",
                evidence=[f"此前最近一次:{recent:%Y-%m-%d}" if recent else "此前未录入过该类会议"],
                action=f"督促补开{MeetingKind(kind).label}并说明原因;如已召开请补录会议记录",
                severity=MISSING_SEVERITY.get(kind, "medium"),
                source=source,
                period=label,
            )


def _bunched_tails(ctx, quarters: dict) -> tuple[Counter, dict[tuple, list[dict]]]:
    """The meetings held per (branch, year, quarter) in the window, and those at a finished
    quarter's end."""
    held: Counter = Counter()
    tails: dict[tuple, list[dict]] = defaultdict(list)
    start, end = ctx.start, ctx.end
    for pk, org_id, kind, day in ctx.meetings:  # latest first
        if day < start:
            break  # the year before the window
        if kind not in BUNCH_KINDS or day > end:
            continue
        branch = ctx.branch_by_org.get(org_id)
        if branch is None:
            continue
        quarter = (day.year, (day.month - 1) // 3)
        key = (branch.id, *quarter)
        held[key] += 1
        if quarter in quarters and day > quarters[quarter][1]:
            tails[key].append({"pk": pk, "kind": kind, "held_on": day})
    return held, tails


@rule(
    "meeting.bunched",
    "期末集中召开(被动召开)",
    severity="medium",
    data=("formalism.bunched_days", "formalism.bunched_min", "formalism.bunched_share"),
    cites="formalism.bunched_days",
    source="落实系统默认阈值(可按本地规定修改)",
)
def bunched(engine) -> None:
    ctx = engine.ctx
    days = ctx.param("formalism.bunched_days")
    minimum = ctx.param("formalism.bunched_min")
    share = ctx.param("formalism.bunched_share")
    # For each finished quarter: its label and the day after which a meeting is "at its end".
    quarters = {
        (first.year, (first.month - 1) // 3): (label, last - dt.timedelta(days=days))
        for first, last, label in periods(Period.QUARTER, ctx.start, ctx.end)
        if last <= ctx.ref
    }
    held, tails = _bunched_tails(ctx, quarters)
    found = []
    for (branch_id, year, quarter), tail in tails.items():
        count = held[(branch_id, year, quarter)]
        if len(tail) >= minimum and Decimal(len(tail)) >= Decimal(count) * share:
            found.append((ctx.orgs[branch_id], quarters[(year, quarter)][0], count, tail))
    topics = {}
    ids = [m["pk"] for _, _, _, tail in found for m in tail]
    for i in range(0, len(ids), 2000):
        topics.update(Meeting.objects.filter(pk__in=ids[i : i + 2000]).values_list("pk", "topic"))
    for branch, label, count, tail in found:
        engine.add(
            "meeting.bunched",
            branch,
            f"{label}的 {count} 次组织生活中有 {len(tail)} 次集中在季度最后 {days} 天召开,"
            "存在被动召开、临时补课的迹象",
            evidence=[
                f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:{topics[m['pk']]}" for m in tail
            ],
            action="提醒支部制定年度组织生活计划,按月按季均衡召开",
            period=label,
            meetings=[m["pk"] for m in tail],
        )


def _excused_absences(ctx, meetings: list[dict]) -> dict[int, int]:
    """For each candidate meeting: the members not present whose status period (请假/行动不便/
    长期外出/流动党员, decided by the branch) covers its day — 请假, not 缺席, so not expected. One
    query, only when the subtree has periods."""
    spans = ctx.status_spans
    if not spans or not meetings:
        return {}
    result: dict[int, int] = defaultdict(int)
    ids = [m["pk"] for m in meetings]
    for i in range(0, len(ids), 2000):
        for meeting_id, member_id, day in (
            Attendance.objects.filter(meeting_id__in=ids[i : i + 2000], member_id__in=list(spans))
            .exclude(status=AttendanceStatus.PRESENT)
            .values_list("meeting_id", "member_id", "held_on")
        ):
            if member_status.covering(spans[member_id], day):
                result[meeting_id] += 1
    return result


@rule(
    "meeting.low_attendance",
    "会议出席率低",
    severity="low",
    data=("attendance.min_rate",),
    cites="attendance.min_rate",
    source="地方常见做法(可按本地规定修改)",
)
def attendance(engine) -> None:
    ctx = engine.ctx
    low: dict[int, list[str]] = defaultdict(list)
    ids: dict[int, list[int]] = defaultdict(list)
    minimum: dict[int, tuple[int, int]] = {}  # branch → the minimum rate as a fraction, exact
    # Candidates from the database: below the highest minimum any organization has.
    top, below = ctx.highest("attendance.min_rate").as_integer_ratio()
    candidates = (
        ctx.window_meetings()
        .filter(kind__in=ATTENDANCE_KINDS, attendance_expected__gte=3)
        .alias(short=F("attendance_expected") * top - F("attendance_present") * below)
        .filter(short__gt=0)
        .values("pk", "org_id", "kind", "held_on", "attendance_expected", "attendance_present")
    )
    candidates = list(candidates)
    excused = _excused_absences(ctx, candidates)
    for m in candidates:
        expected, present = m["attendance_expected"], m["attendance_present"]
        on_leave = excused.get(m["pk"], 0)
        expected -= on_leave
        if expected <= 0:
            continue
        branch = ctx.branch_by_org.get(m["org_id"])
        if branch is None:
            continue
        try:
            numerator, denominator = minimum[branch.id]
        except KeyError:
            numerator, denominator = minimum[branch.id] = ctx.param(
                "attendance.min_rate", branch
            ).as_integer_ratio()
        if present * denominator < expected * numerator:  # present / expected < the minimum
            low[branch.pk].append(
                f"{m['held_on']:%Y-%m-%d} {MeetingKind(m['kind']).label}:应到 {expected} 人,"
                f"实到 {present} 人({pct(present / expected)})"
                + (f",另有 {on_leave} 人经支部备案请假不计" if on_leave else "")
            )
            ids[branch.pk].append(m["pk"])
    for branch_id, evidence in low.items():
        branch = ctx.orgs[branch_id]
        engine.add(
            "meeting.low_attendance",
            branch,
            f"{len(evidence)} 次会议出席率低于 {pct(float(ctx.param('attendance.min_rate', branch)))}",
            evidence=evidence,
            action="了解党员缺席原因,对无故缺席的党员谈心谈话、批评教育",
            severity="medium" if len(evidence) >= 3 else "low",
            meetings=ids[branch_id],
        )


def _lapsed(ctx, branch: Org, first: dt.date, warn_m: int, flag_m: int) -> tuple[list, list]:
    """The branch's members (with their last presence) past the flag and the warning limits."""
    flagged, warned = [], []
    for m in ctx.members_of.get(branch.pk, []):
        if m["pk"] in ctx.recent_present:
            continue  # present after the earliest warning cutoff
        last = ctx.last_present.get(m["pk"])
        since = last or max(m["joined_on"], first)
        periods = ctx.status_spans.get(m["pk"])
        if periods:
            if member_status.covering(periods, ctx.ref):
                continue  # 正当理由 decided by the branch (请假、行动不便、长期外出、流动党员)
            since = member_status.restart_after(periods, since, ctx.ref)
        if plus_months(since, flag_m) <= ctx.ref:
            flagged.append((m, last))
        elif plus_months(since, warn_m) <= ctx.ref:
            warned.append((m, last))
    return flagged, warned


def _describe(pair) -> str:
    m, last = pair
    when = f"最近一次参加 {last:%Y-%m-%d}" if last else "系统中没有参加记录"
    return f"{m['person__name']}:{when}"


@rules(
    Rule(
        "member.lapse_warning",
        "党员3个月未参加组织生活",
        "low",
        data=("lapse.warn_months",),
        cites="lapse.warn_months",
        source="地方常见做法(可按本地规定修改)(连续3个月批评教育)",
    ),
    Rule(
        "member.lapse_flag",
        "党员连续6个月未参加组织生活(待支部研究)",
        "high",
        data=("lapse.flag_months",),
        cites="lapse.flag_months",
        source="《中国共产党章程》 第九条",
    ),
)
def lapses(engine) -> None:
    """党章 第九条: 6 consecutive months without organization life → flag for the branch meeting
    (never automatic); 3 months → a warning for education."""
    ctx = engine.ctx
    for branch in ctx.branches:
        first = ctx.first_meeting.get(branch.pk)
        if first is None:
            continue  # the branch has recorded no meetings at all: the missing-meeting findings say so
        warn_m = ctx.param("lapse.warn_months", branch)
        flag_m = ctx.param("lapse.flag_months", branch)
        flagged, warned = _lapsed(ctx, branch, first, warn_m, flag_m)
        for m, last in flagged:
            engine.add(
                "member.lapse_flag",
                branch,
                f"党员 {m['person__name']} 已连续 {flag_m} 个月以上未参加党的组织生活"
                f"({'最近一次 ' + last.strftime('%Y-%m-%d') if last else '无参加记录'}),"
                "属党章第九条所列情形,须由支部核实有无正当理由",
                evidence=[_describe((m, last))],
                action="支部核实原因并谈话;是否按自行脱党处理须经支部大会讨论、报上级批准,系统不自动处理",
            )
        if warned:
            engine.add(
                "member.lapse_warning",
                branch,
                f"{len(warned)} 名党员已 {warn_m} 个月以上未参加组织生活",
                evidence=[_describe(p) for p in warned],
                action="支部书记或支委谈心谈话,进行批评教育,督促参加组织生活",
            )


def _excused_share(ctx, member_id: int, year_start: dt.date, ref: dt.date, days: int) -> tuple[Decimal, int]:
    """The share of the year's days (``days``) inside the member's status periods up to ``ref``,
    and those days: the study-hour target is pro-rated by the days outside them."""
    periods = ctx.status_spans.get(member_id)
    if not periods:
        return Decimal(0), 0
    inside = member_status.days_inside(periods, year_start, ref)
    return Decimal(inside) / Decimal(days), inside


def _short_of_hours(
    ctx, branch: Org, hours: dict, cadres: set, complete: bool, elapsed: Decimal, year: tuple
) -> list[str]:
    year_start, ref, days = year
    pace = ctx.param("study.pace_share", branch)
    targets = {role: ctx.param(f"study.hours.{role}", branch) for role in ("secretary", "member")}
    dues = {
        role: target if complete else (target * elapsed * pace).quantize(Decimal("0.1"))
        for role, target in targets.items()
    }
    short = []
    for m in ctx.members_of.get(branch.pk, []):
        role = "secretary" if m["person_id"] in cadres else "member"
        target, due = targets[role], dues[role]
        share, inside = _excused_share(ctx, m["pk"], year_start, ref, days)
        if inside:  # 正当理由: the days inside a status period owe no hours
            due = (target * ((Decimal(1) if complete else elapsed) - share)).quantize(Decimal("0.1"))
            due = due if complete else (due * pace).quantize(Decimal("0.1"))
        got = hours.get(m["pk"], Decimal(0))
        if got < due:
            short.append(
                f"{m['person__name']}:{got} / 年度目标 {target} 学时"
                + (f"(备案请假等 {inside} 天,按比例应达 {due} 学时)" if inside else "")
            )
    return short


@rule(
    "study.gap",
    "学习培训学时不足",
    severity="medium",
    data=("study.hours.member", "study.hours.secretary", "study.pace_share"),
    cites="study.hours.member",
    source="《中国共产党党员教育管理工作条例》(2019) 第二十条",
)
def study(engine) -> None:
    ctx = engine.ctx
    year = ctx.end.year
    year_start, year_end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    ref = min(ctx.ref, year_end)
    if ref < year_start:
        return
    hours = memberyear.hours(ctx.in_scope, year, ref)
    cadres = {p["person_id"] for posts in ctx.posts.values() for p in posts}
    complete = ref >= year_end
    elapsed = Decimal((ref - year_start).days + 1) / Decimal((year_end - year_start).days + 1)
    for branch in ctx.branches:
        short = _short_of_hours(
            ctx, branch, hours, cadres, complete, elapsed, (year_start, ref, (year_end - year_start).days + 1)
        )
        if not short:
            continue
        pace = ctx.param("study.pace_share", branch)
        reason = (
            f"{year}年有 {len(short)} 名党员学习培训学时未达标"
            if complete
            else f"{year}年截至 {ref:%m-%d} 有 {len(short)} 名党员学时进度明显落后"
            f"(低于应有进度的 {pct(float(pace))})"
        )
        engine.add(
            "study.gap",
            branch,
            reason,
            evidence=short,
            action="组织集中学习、党课或网络培训,补足学时",
            severity="medium" if complete else "low",
            period=f"{year}年度",
        )


@rule(
    "appraisal.unrated",
    "民主评议党员未评定等次",
    severity="medium",
    source=f"{BRANCH_RULES} 第五章",
)
def appraisals(engine) -> None:
    """民主评议党员 held but members left without a rating (rules.md 1.16: a rating per member)."""
    ctx = engine.ctx
    held = list(
        ctx.window_meetings()
        .filter(kind=MeetingKind.APPRAISAL)
        .values("pk", "org_id", "held_on", "attendance_expected")
    )
    if not held:
        return
    rated = dict(
        Appraisal.objects.filter(
            ctx.scope_q(),
            superseded_at__isnull=True,
            meeting__held_on__gte=ctx.start,
            meeting__held_on__lte=ctx.end,
        )
        .values("meeting_id")
        .annotate(n=Count("id"))
        .values_list("meeting_id", "n")
    )
    for m in held:
        org = ctx.orgs.get(m["org_id"])
        expected, done = m["attendance_expected"] or 0, rated.get(m["pk"], 0)
        if org is None or done >= expected:
            continue
        engine.add(
            "appraisal.unrated",
            org,
            f"{m['held_on']:%Y-%m-%d} 民主评议党员:应评议 {expected} 人,已评定等次 {done} 人",
            evidence=[f"未评定等次 {expected - done} 人"],
            action="经个人自评、党员互评、民主测评后,由支委会或党员大会逐人评定等次并登记",
            source="《中国共产党支部工作条例(试行)》第五章",
            meetings=[m["pk"]],
        )
