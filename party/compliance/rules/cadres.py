"""Leading cadres' dual organization life (双重组织生活) and the leadership teams' 民主生活会."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from party.compliance.dates import periods
from party.compliance.registry import Rule, rules, whole_subtree
from party.life.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from party.membership.models import MemberStatus
from party.terms.cadre_models import LeadingCadre


def _attended(ctx, cadres: list[dict]) -> dict[int, list[dt.date]]:
    """The days each cadre was present at organization life in the window (民主生活会 aside)."""
    attended: dict[int, list[dt.date]] = defaultdict(list)
    for member_id, day in (
        Attendance.objects.filter(
            member_id__in=[c["member_id"] for c in cadres],
            status=AttendanceStatus.PRESENT,
            held_on__gte=ctx.start,
            held_on__lte=ctx.ref,
            meeting__voided_at__isnull=True,
        )
        .exclude(meeting__kind=MeetingKind.DEMOCRATIC_LIFE)
        .values_list("member_id", "held_on")
    ):
        attended[member_id].append(day)
    return attended


def _dual_life(engine, cadres: list[dict]) -> None:
    ctx = engine.ctx
    attended = _attended(ctx, cadres)
    for c in cadres:
        branch = ctx.orgs.get(c["org_id"])
        if branch is None:
            continue
        period = ctx.param("cadre.branch_life.period", branch)
        days = attended.get(c["member_id"], [])
        missed = [
            label
            for first, last, label in periods(period, ctx.start, ctx.end)
            if last <= ctx.ref and last >= c["start_on"] and not any(first <= day <= last for day in days)
        ]
        if missed:
            engine.add(
                "cadre.dual_life",
                branch,
                f"党员领导干部 {c['member__person__name']}({c['team__name']}{c['title']})"
                f"{'、'.join(missed)}未以普通党员身份参加所在支部的组织生活",
                evidence=[f"本期参加支部组织生活 {len(days)} 次"],
                action="提醒领导干部按时参加所在支部(党小组)的组织生活,确有公务不能参加的应事先请假",
                period="、".join(missed),
            )


def _team_meetings(ctx, teams: dict) -> tuple[dict[int, list[tuple[int, dt.date]]], dict[int, set[int]]]:
    """The teams' 民主生活会 in the window, and the members absent from each."""
    held: dict[int, list[tuple[int, dt.date]]] = defaultdict(list)
    for pk, org_id, day in (
        Meeting.objects.live()
        .filter(
            org_id__in=list(teams),
            kind=MeetingKind.DEMOCRATIC_LIFE,
            held_on__gte=ctx.start,
            held_on__lte=ctx.ref,
        )
        .values_list("pk", "org_id", "held_on")
    ):
        held[org_id].append((pk, day))
    absent: dict[int, set[int]] = defaultdict(set)
    for meeting_id, member_id in Attendance.objects.filter(
        meeting_id__in=[pk for rows in held.values() for pk, _ in rows], status=AttendanceStatus.ABSENT
    ).values_list("meeting_id", "member_id"):
        absent[meeting_id].add(member_id)
    return held, absent


def _democratic_life(engine, cadres: list[dict]) -> None:
    """The teams' 民主生活会 (held by the team's party organization, attended by its cadres)."""
    ctx = engine.ctx
    teams: dict[int, list[dict]] = defaultdict(list)
    for c in cadres:
        teams[c["team_id"]].append(c)
    held, absent = _team_meetings(ctx, teams)
    for team_id, members in teams.items():
        team = ctx.orgs.get(team_id)
        if team is None:
            continue  # the team is outside the organization being checked
        period = ctx.param("meeting.democratic_life.period", team)
        for first, last, label in periods(period, ctx.start, ctx.end):
            if last > ctx.ref:
                continue
            meetings = [(pk, day) for pk, day in held.get(team_id, []) if first <= day <= last]
            if not meetings:
                engine.add(
                    "cadre.democratic_life",
                    team,
                    f"{label}{team.name}领导班子未召开民主生活会",
                    evidence=[f"班子成员:{'、'.join(c['member__person__name'] for c in members)}"],
                    action="按规定召开民主生活会,开展批评和自我批评",
                    period=label,
                )
                continue
            missing = [
                c["member__person__name"]
                for c in members
                if all(c["member_id"] in absent[pk] for pk, _ in meetings)
            ]
            if missing:
                engine.add(
                    "cadre.democratic_life",
                    team,
                    f"{label}民主生活会有 {len(missing)} 名班子成员无故缺席",
                    evidence=[f"缺席:{'、'.join(missing)}"],
                    action="缺席的班子成员应说明原因,并在班子内补充开展批评和自我批评",
                    period=label,
                    meetings=[pk for pk, _ in meetings],
                )


@whole_subtree
@rules(
    Rule(
        "cadre.dual_life",
        "领导干部未参加所在支部组织生活",
        "medium",
        data=("cadre.branch_life.period",),
        cites="cadre.branch_life.period",
        source="中组部《关于加强和规范党员领导干部双重组织生活的意见》",
    ),
    Rule(
        "cadre.democratic_life",
        "领导班子未召开民主生活会或领导干部缺席",
        "medium",
        data=("meeting.democratic_life.period",),
        cites="meeting.democratic_life.period",
        source="《县以上党和国家机关党员领导干部民主生活会若干规定》",
    ),
)
def cadres(engine) -> None:
    """A leading cadre must take part in the organization life of his or her own branch every
    period (as an ordinary member), and the leadership team must hold its 民主生活会 with them."""
    ctx = engine.ctx
    found = list(
        LeadingCadre.objects.current(ctx.ref)
        .filter(ctx.scope_q(), member__status=MemberStatus.NORMAL)
        .values(
            "pk", "member_id", "member__person__name", "org_id", "title", "start_on", "team_id", "team__name"
        )
    )
    if not found:
        return
    _dual_life(engine, found)
    _democratic_life(engine, found)
