"""Read queries of the party pages, always scoped to the user (``visible_to``)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q

from core import clock
from core.kit import today as today  # re-exported: views and the API ask selectors.today()
from orgs.models import PARTY_KINDS, Org, Person, Position
from party import compliance
from party.life import study as memberyear
from party.life.models import Attendance, AttendanceStatus, Meeting, MeetingKind
from party.life.services import committee_person_ids, expected_members
from party.membership.models import Member, MemberStatus
from party.rules import Rules
from party.snapshots import services as snapshots
from party.snapshots.services import quarters  # noqa: F401  (selectors.quarters: the dashboard's periods)

CACHE_SECONDS = 300


# One read of what the findings depend on (see ``snapshots.data_version``): cache keys, snapshots.
data_version = snapshots.data_version


def findings(root: Org, start: dt.date, end: dt.date) -> list[compliance.Finding]:
    """The engine's findings: a large subtree's from its snapshot (``party.snapshots.services``), a small
    one's computed and cached until any record changes."""
    return findings_state(root, start, end)[0]


def findings_state(root: Org, start: dt.date, end: dt.date, version: str | None = None):
    """(findings, snapshot result or None): the snapshot says when they were computed and whether
    records changed since (a refresh is then queued). ``version``: the data version, when the
    caller asks for several periods at once."""
    version = version or data_version()
    if snapshots.wanted(root):
        result = snapshots.get(root, start, end, today(), version=version)
        return result.findings, result  # type: ignore[union-attr]  # get() answers when wanted()
    key = f"party:findings:{root.pk}:{start}:{end}:{today()}:{version}"
    found = cache.get(key)
    if found is None:
        found = compliance.check(root, start, end)
        cache.set(key, found, CACHE_SECONDS)
    return found, None


def root_score(
    root: Org, start: dt.date, end: dt.date, version: str | None = None, large: bool | None = None
) -> Decimal | None:
    """``root``'s own score for the period (the dashboard's trend): a snapshot's stored score when
    the subtree is large, without reading its findings; None while its first one is computed.
    ``large``: ``snapshots.wanted(root)``, when the caller knows it already."""
    if snapshots.wanted(root) if large is None else large:
        result = snapshots.get(root, start, end, today(), wait=False, version=version)
        return result.snapshot.score if result else None
    score = scores(root, findings_state(root, start, end, version)[0], end).get(root.pk)
    return score.score if score else None


def scores(root: Org, found: list[compliance.Finding], day: dt.date):
    return compliance.scores(root, found, Rules.load(day))


WEAKEST = 15  # the dashboard's weakest branches


@dataclasses.dataclass
class Board:
    """The figures of the dashboard (党建考评) for one organization and quarter."""

    score: compliance.Score | None  # the organization's own
    children: list[compliance.Score]  # its direct sub-organizations, weakest first
    weakest: list[compliance.Score]  # the weakest branches of the subtree
    own: list[compliance.Finding]  # 本级的问题 (a branch: all its findings)
    counts: dict[str, int]  # the subtree's findings by severity
    total: int
    snapshot: snapshots.Result | None = None  # a large subtree's: when it was computed, stale or not


def board(root: Org, start: dt.date, end: dt.date, version: str | None = None) -> Board | None:
    """The dashboard's figures. A large subtree's come from the summary stored with its snapshot
    (no finding decoded, no organization scored again); None while its first snapshot of the
    period is computed by the worker (queued here, not awaited). A small one's are computed."""
    version = version or data_version()
    if not snapshots.wanted(root):
        return board_of(root, findings_state(root, start, end, version)[0], end)
    result = snapshots.get(root, start, end, today(), wait=False, version=version)
    if result is None:
        return None
    summary = result.summary
    figures = board_of(root, result.findings, end) if summary is None else board_of_summary(root, summary)
    figures.snapshot = result
    return figures


def pending(root: Org, start: dt.date, end: dt.date, version: str | None = None) -> bool:
    """Whether ``board`` would answer None: a large subtree's first snapshot of the period is
    still being computed (queued again if it was lost)."""
    if not snapshots.wanted(root):
        return False
    return snapshots.get(root, start, end, today(), wait=False, version=version) is None


def _children(root: Org) -> list[Org]:
    return list(Org.objects.get_children(root).filter(archived_at__isnull=True).exclude(kind="group"))


def board_of(root: Org, found: list[compliance.Finding], day: dt.date) -> Board:
    """The figures computed from the findings (``compliance.scores`` of every organization)."""
    table = scores(root, found, day)
    children = [table[child.pk] for child in _children(root) if child.pk in table]
    children.sort(key=lambda s: (s.score, s.org.path))
    branches = (s for s in table.values() if s.org.kind == "branch")
    ranked = sorted(branches, key=lambda s: (s.score, s.org.path))
    return Board(
        score=table.get(root.pk),
        children=children,
        weakest=ranked[:WEAKEST],
        own=[f for f in found if f.org_id == root.pk] if root.kind != "branch" else found,
        counts={s: sum(1 for f in found if f.severity == s) for s in compliance.SEVERITY_LABELS},
        total=len(found),
    )


def board_of_summary(root: Org, summary: snapshots.Summary) -> Board:
    """The figures from a snapshot's stored summary: the same as ``board_of`` on its findings
    (the organizations as they were when it was computed; one archived since is left out)."""
    rows = {row[0]: row for row in summary.rows}

    def score(org: Org, row: list, own: list | None = None) -> compliance.Score:
        counts = dict(zip(snapshots.SEVERITIES, row[4:], strict=True))
        return compliance.Score(org, Decimal(row[2]), own or [], counts, row[3])

    children = [score(child, rows[child.pk]) for child in _children(root) if child.pk in rows]
    children.sort(key=lambda s: (s.score, s.org.path))
    weakest_rows = [row for row in summary.rows if row[1]][:WEAKEST]
    orgs = Org.objects.filter(archived_at__isnull=True).in_bulk([row[0] for row in weakest_rows])
    return Board(
        score=score(root, rows[root.pk], summary.own) if root.pk in rows else None,
        children=children,
        weakest=[score(orgs[row[0]], row) for row in weakest_rows if row[0] in orgs],
        own=summary.own,
        counts=summary.counts,
        total=sum(summary.counts.values()),
    )


def member_rows(branch: Org, year: int):
    """Members of a branch with their study hours this year against their target."""
    rules = Rules.load(today())
    members = list(
        Member.objects.filter(org=branch)
        .select_related("person")
        .order_by("status", "-category", "joined_on")
    )
    ids = [m.pk for m in members]
    hours = memberyear.hours(Member.objects.filter(pk__in=ids), year)
    cadres = set(
        Position.objects.current()
        .filter(kind__in=("secretary", "deputy_secretary", "committee_member"), org__kind__in=PARTY_KINDS)
        .filter(person_id__in=[m.person_id for m in members])
        .values_list("person_id", flat=True)
    )
    last = dict(
        Attendance.objects.filter(member_id__in=ids, status=AttendanceStatus.PRESENT)
        .values("member_id")
        .annotate(last=Max("held_on"))
        .values_list("member_id", "last")
    )
    rows = []
    for m in members:
        target = rules.get("study.hours.secretary" if m.person_id in cadres else "study.hours.member", branch)
        rows.append(
            {
                "member": m,
                "hours": hours.get(m.pk, Decimal(0)),
                "target": target,
                "short": hours.get(m.pk, Decimal(0)) < target,
                "last": last.get(m.pk),
                "active": m.status == MemberStatus.NORMAL,
            }
        )
    return rows


def meetings_of(user, org: Org, year: int | None = None):
    q = Q(org=org) | Q(org__path__startswith=org.path, org__kind="group")
    meetings = Meeting.objects.visible_to(user).filter(q).select_related("org", "convener")
    if year:
        meetings = meetings.filter(held_on__year=year)
    return meetings.annotate(
        expected=Count("attendance"),
        present=Count("attendance", filter=Q(attendance__status=AttendanceStatus.PRESENT)),
    ).order_by("-held_on", "-pk")


def now():
    return clock.now()


# ---------------------------------------------------------------------------------------------
# Rosters (名册) of a party organization, for the 应到 of another app's meetings (四议两公开)


def host_rosters(host: Org, day: dt.date) -> dict[str, list]:
    """The rosters of the live party organizations hosted at ``host`` (a village) on ``day``:
    ``members`` — the members who should attend a 党员大会 (the member pool who had joined by then,
    as the branch's own assembly counts them), ``committee`` — the people holding a committee post
    (书记、副书记、委员) of those organizations. Lists of ``Person``, each person once."""
    members: dict[int, Person] = {}
    committee: set[int] = set()
    for org in Org.objects.filter(host=host, kind__in=PARTY_KINDS, archived_at__isnull=True):
        for m in expected_members(org, MeetingKind.BRANCH_ASSEMBLY, day).select_related("person"):
            members.setdefault(m.person_id, m.person)
        committee |= committee_person_ids(org, day)
    people = Person.objects.filter(pk__in=committee).order_by("pk")
    return {"members": list(members.values()), "committee": list(people)}
