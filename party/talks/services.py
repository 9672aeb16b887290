"""谈心谈话 (heart-to-heart talks, rules.md 1.17): the talk log's services and the yearly coverage.

    record_talk ─► correct_talk (a new row replaces the prior one, which is kept) ─► void_talk

``coverage(org, year, ref)`` answers, for one branch and year as of a day: which committee members
(支委: the current holders of the committee posts, ``COMMITTEE_POSTS``) have not yet talked with
which committee peers, and which members have not talked with any committee member. A talk counts
for a member when the other party held a committee post of the branch *on the day of the talk*, so
a committee member who left keeps the talks held while in office; the post each side held that
day is kept on the talk (``Talk.initiator_post``/``other_post``, ``restamp``). Probationary members
count as members. Members who joined the party fewer than ``talk.new_member_days`` days before the
day are shown but not yet counted. The arithmetic is ``compute`` — pure, shared with the compliance
rules ``talk.*`` (``party.compliance.rules.talks``), which over a district let the database name the
branches that may have a gap first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Case, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from audit import events
from audit.services import record
from core import clock, kit
from core.actors import is_system, user_or_none
from core.errors import PermissionDenied, ServiceError
from orgs.models import Org, Position, PositionKind
from orgs.permissions import require
from party.membership.models import Member, MemberCategory, MemberStatus
from party.rules import Rules
from party.talks.models import Talk, TalkKind

E = events.register
TALK_RECORDED = E("party.talk_recorded", "登记谈心谈话")
TALK_CORRECTED = E("party.talk_corrected", "更正谈心谈话记录")
TALK_VOIDED = E("party.talk_voided", "作废谈心谈话记录")

COMMITTEE_POSTS = ("secretary", "deputy_secretary", "committee_member")
POST_ORDER = {kind: i for i, kind in enumerate(COMMITTEE_POSTS)}
MAX_SUMMARY = 2000
CORRECTABLE = ("held_on", "place", "initiator", "other", "kind", "summary")


# ---------------------------------------------------------------------------------------------
# Coverage (覆盖情况)


@dataclass
class Coverage:
    """One branch's talk coverage for ``year`` as of ``day`` (≤ 31 December of the year)."""

    year: int
    day: dt.date
    pairwise: bool
    committee: list[dict] = field(default_factory=list)  # {member_id, name, post, missing: [names]}
    grid: list[dict] = field(default_factory=list)  # {name, cells: [date | None | "self"]}
    members_missing: list[dict] = field(default_factory=list)  # {member_id, name, category}
    members_done: list[dict] = field(default_factory=list)
    new_members: list[dict] = field(default_factory=list)  # joined too recently to be counted
    committee_outside: list[str] = field(default_factory=list)  # posts held by non-members
    missing_pairs: list[tuple[str, str]] = field(default_factory=list)
    missing_pair_ids: list[tuple[int, int]] = field(default_factory=list)
    pairs_total: int = 0
    talks: int = 0

    @property
    def complete_year(self) -> bool:
        return self.day >= dt.date(self.year, 12, 31)

    @property
    def pairs_done(self) -> int:
        return self.pairs_total - len(self.missing_pairs)

    @property
    def members_total(self) -> int:
        return len(self.members_missing) + len(self.members_done)

    @property
    def total(self) -> int:
        return self.pairs_total + self.members_total

    @property
    def done(self) -> int:
        return self.pairs_done + len(self.members_done)

    @property
    def percent(self) -> int:
        """Pairs and members covered, as a whole percentage (rounded down: 99.6% is not 100%)."""
        return 100 if not self.total else self.done * 100 // self.total

    @property
    def full(self) -> bool:
        return not self.missing_pairs and not self.members_missing

    @property
    def missing_pair_rows(self) -> list[dict]:
        return [
            {"a": a, "b": b, "a_id": a_id, "b_id": b_id}
            for (a, b), (a_id, b_id) in zip(self.missing_pairs, self.missing_pair_ids, strict=True)
        ]

    @property
    def has_committee(self) -> bool:
        return bool(self.committee)


def compute(
    *,
    year: int,
    day: dt.date,
    members: list[dict],
    posts: list[dict],
    talks: list[tuple[int, int, dt.date, str, str]],
    pairwise: bool = True,
    new_member_days: int = 0,
    rows: bool = True,
) -> Coverage:
    """The coverage from plain rows (no queries). ``rows=False`` (the compliance engine) leaves
    out what only the page shows — the committee grid and a row per member covered (their ids
    instead) — but not the counts.

    ``members``: the branch's members in good standing (``pk``, ``person_id``, ``person__name``,
    ``category``, ``joined_on``); ``posts``: the branch's committee posts in force on ``day``
    (``person_id``, ``person__name``, ``kind``; more may be given: those not in force are left out
    when they have ``start_on``/``end_on``); ``talks``: the live talks of the branch in the year up
    to ``day`` as (initiator member id, other member id, day, initiator's post, other's post) — the
    posts held that day (``Talk.initiator_post``/``other_post``). A talk counts for a member of the
    branch when the other side held a committee post that day, whether or not they still do."""
    result = Coverage(year=year, day=day, pairwise=pairwise)
    members = [m for m in members if m["joined_on"] <= day]
    committee = _committee(result, members, posts, day)
    first, with_committee = _first_talks(result, talks, year, day)
    _committee_rows(result, committee, first, pairwise, rows)
    ids = [m["pk"] for m, _ in committee]
    if pairwise:
        _pairs(result, committee, first)
    if not committee:
        return result  # nobody to talk with: the structure findings report the missing committee
    in_committee = set(ids) if pairwise else set()
    judged = [m for m in members if m["pk"] not in in_committee]
    is_new = _is_new_member(day, new_member_days)
    if not rows:
        for m in judged:
            if m["pk"] in with_committee:
                result.members_done.append(m["pk"])
            elif is_new(m):
                result.new_members.append(m["pk"])
        judged = [m for m in judged if m["pk"] not in with_committee and not is_new(m)]
    for m in sorted(judged, key=lambda m: (m["joined_on"], m["pk"])):
        row = {
            "member_id": m["pk"],
            "name": m["person__name"],
            "category": MemberCategory(m["category"]).label,
            "joined_on": m["joined_on"],
        }
        if m["pk"] in with_committee:
            result.members_done.append(row)
        elif is_new(m):
            result.new_members.append(row)
        else:
            result.members_missing.append(row)
    return result


def _is_new_member(day: dt.date, new_member_days: int) -> Callable[[dict], bool]:
    """Whether a member joined too recently (within ``new_member_days`` of ``day``) to be judged."""
    return lambda m: m["joined_on"] + dt.timedelta(days=new_member_days) > day


def _committee(result: Coverage, members: list[dict], posts: list[dict], day: dt.date) -> list[tuple]:
    """(member, post) of the committee in force on ``day``, highest post first; committee members
    who are not members of the branch go to ``result.committee_outside``."""
    by_person = {m["person_id"]: m for m in members}
    current: dict[int, dict] = {}
    for p in posts:
        if p.get("start_on", day) <= day and (p.get("end_on") is None or p["end_on"] > day):
            known = current.get(p["person_id"])
            if known is None or POST_ORDER[p["kind"]] < POST_ORDER[known["kind"]]:
                current[p["person_id"]] = p
    for person_id, p in sorted(current.items(), key=lambda item: (POST_ORDER[item[1]["kind"]], item[0])):
        if person_id not in by_person:
            result.committee_outside.append(f"{p['person__name']}({PositionKind(p['kind']).label})")
    return [
        (by_person[person_id], p)
        for person_id, p in sorted(current.items(), key=lambda item: (POST_ORDER[item[1]["kind"]], item[0]))
        if person_id in by_person
    ]


def _first_talks(
    result: Coverage, talks: list[tuple[int, int, dt.date, str, str]], year: int, day: dt.date
) -> tuple[dict[frozenset, dt.date], set[int]]:
    """The first talk of each pair in the year up to ``day``, and the members who talked with
    someone holding a committee post; counts the talks on ``result``."""
    first: dict[frozenset, dt.date] = {}
    with_committee: set[int] = set()
    year_start = dt.date(year, 1, 1)
    for a, b, held_on, a_post, b_post in talks:
        if not year_start <= held_on <= day:
            continue
        result.talks += 1
        pair = frozenset((a, b))
        if pair not in first or held_on < first[pair]:
            first[pair] = held_on
        if b_post:
            with_committee.add(a)
        if a_post:
            with_committee.add(b)
    return first, with_committee


def _committee_rows(
    result: Coverage, committee: list[tuple], first: dict[frozenset, dt.date], pairwise: bool, rows: bool
) -> None:
    """A row per committee member (who they have not talked with) and, for the page, the grid."""
    for m, p in committee:
        missing = []
        cells: list = []
        for other, _ in committee:
            if other["pk"] == m["pk"]:
                cells.append("self")
                continue
            when = first.get(frozenset((m["pk"], other["pk"])))
            cells.append(when)
            if when is None:
                missing.append(other["person__name"])
        result.committee.append(
            {
                "member_id": m["pk"],
                "name": m["person__name"],
                "post": PositionKind(p["kind"]).label,
                "missing": missing if pairwise else [],
            }
        )
        if rows:
            post = PositionKind(p["kind"]).label
            result.grid.append({"name": m["person__name"], "post": post, "cells": cells})


def _pairs(result: Coverage, committee: list[tuple], first: dict[frozenset, dt.date]) -> None:
    """Every pair of committee members, and those who have not talked this year."""
    ids = [m["pk"] for m, _ in committee]
    names = {m["pk"]: m["person__name"] for m, _ in committee}
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            result.pairs_total += 1
            if frozenset((a, b)) not in first:
                result.missing_pairs.append((names[a], names[b]))
                result.missing_pair_ids.append((a, b))


MEMBER_FIELDS = ("pk", "person_id", "person__name", "category", "joined_on")
POST_FIELDS = ("org_id", "person_id", "person__name", "kind", "start_on", "end_on")


TALK_FIELDS = ("initiator_id", "other_id", "held_on", "initiator_post", "other_post")


def posts_on(q: Q, day: dt.date):
    """The committee posts in force on ``day``."""
    return Position.objects.current(day).filter(q, kind__in=COMMITTEE_POSTS)


# The post held that day (谈话时职务), the highest first.
_RANK = Case(
    *(When(kind=kind, then=Value(rank)) for kind, rank in POST_ORDER.items()),
    default=Value(len(POST_ORDER)),
)


def _post_held(side: str):
    """The committee post of the branch the ``side`` ("initiator"/"other") of the talk held on its
    day: a subquery for ``restamp``'s update."""
    person = Member.objects.filter(pk=OuterRef(OuterRef(f"{side}_id"))).values("person_id")[:1]
    held = (
        Position.objects.filter(
            person_id=Subquery(person),
            org_id=OuterRef("org_id"),
            kind__in=COMMITTEE_POSTS,
            start_on__lte=OuterRef("held_on"),
        )
        .filter(Q(end_on__isnull=True) | Q(end_on__gt=OuterRef("held_on")))
        .order_by(_RANK, "pk")
        .values("kind")[:1]
    )
    return Coalesce(Subquery(held), Value(""))


def restamp(talks) -> int:
    """Set the posts held on the day (``Talk.initiator_post``/``other_post``) of these talks from
    the post records, in one statement. Called when a talk is recorded or corrected and, through
    ``Position``'s post_save signal, whenever a post changes (appointed late, ended, corrected)."""
    return talks.update(initiator_post=_post_held("initiator"), other_post=_post_held("other"))


def position_saved(sender, instance, **kwargs) -> None:
    """A post was created or changed: the talks of its holder in its organization get their
    posts of the day again (a post of any kind: it may have been changed from a committee post)."""
    if kwargs.get("raw"):
        return  # loading fixtures
    restamp(
        Talk.objects.filter(org_id=instance.org_id).filter(
            Q(initiator__person_id=instance.person_id) | Q(other__person_id=instance.person_id)
        )
    )


def judged_day(year: int, ref: dt.date) -> dt.date:
    return min(ref, dt.date(year, 12, 31))


def coverage(org: Org, year: int, ref: dt.date | None = None, *, rules: Rules | None = None) -> Coverage:
    """The coverage of branch ``org`` for ``year`` as of ``ref`` (default today): four queries."""
    ref = ref or kit.today()
    day = judged_day(year, ref)
    if day < dt.date(year, 1, 1):
        raise ServiceError(f"{year}年尚未开始,没有谈话覆盖情况", field="year")
    rules = rules or Rules.load(day)
    members = list(
        Member.objects.filter(org=org, status=MemberStatus.NORMAL, joined_on__lte=day).values(*MEMBER_FIELDS)
    )
    posts = list(posts_on(Q(org=org), day).values(*POST_FIELDS))
    talks = list(
        Talk.objects.live()
        .filter(org=org, held_on__gte=dt.date(year, 1, 1), held_on__lte=day)
        .values_list(*TALK_FIELDS)
    )
    return compute(
        year=year,
        day=day,
        members=members,
        posts=posts,
        talks=talks,
        pairwise=bool(rules.get("talk.committee_pairwise", org)),
        new_member_days=rules.get("talk.new_member_days", org),
    )


def partners(org: Org, member: Member, year: int, day: dt.date) -> set[int]:
    """Members ``member`` has already talked with this year (for the entry form's hints)."""
    talked = set()
    for a, b in (
        Talk.objects.live()
        .filter(org=org, held_on__year=year, held_on__lte=day)
        .filter(Q(initiator=member) | Q(other=member))
        .values_list("initiator_id", "other_id")
    ):
        talked.add(b if a == member.pk else a)
    return talked


# ---------------------------------------------------------------------------------------------
# Record, correct, void


def _member(value, org: Org, day: dt.date, field: str, label: str) -> Member:
    if value in (None, ""):
        raise ServiceError(f"请选择{label}", field=field)
    # Always read the row again: the caller's instance may be stale (status, branch).
    try:
        pk = value.pk if isinstance(value, Member) else int(value)
        member = Member.objects.select_related("person").filter(pk=pk).first()
    except (TypeError, ValueError):
        member = None
    if member is None:
        raise ServiceError(f"{label}不存在", field=field)
    name = member.person.name
    if member.org_id != org.pk:
        raise ServiceError(f"{label} {name} 不是本支部党员,只能登记本支部党员之间的谈话", field=field)
    if member.status != MemberStatus.NORMAL:
        raise ServiceError(
            f"{label} {name} 的党员状态为“{member.get_status_display()}”,不能登记谈话", field=field
        )
    if member.joined_on > day:
        raise ServiceError(
            f"{label} {name} 于 {member.joined_on:%Y-%m-%d} 入党,谈话日期时还不是党员", field=field
        )
    return member


def _clean(org: Org, data: dict, today: dt.date) -> dict:
    """The checked values of a talk (record and correction share them)."""
    if org.kind != "branch" or org.archived_at is not None:
        raise ServiceError("谈心谈话按党支部登记,请选择现有的党支部", field="org")
    held_on = data.get("held_on")
    if not isinstance(held_on, dt.date):
        raise ServiceError("请填写谈话日期", field="held_on")
    if held_on > today:
        raise ServiceError("谈话日期不能晚于今天(不能预先登记未进行的谈话)", field="held_on")
    if held_on.year < 2000:
        raise ServiceError("谈话日期不正确", field="held_on")
    kind = data.get("kind") or TalkKind.DAILY
    if kind not in TalkKind.values:
        raise ServiceError("请选择谈话类型(日常谈心谈话、组织生活会前谈心谈话或提醒谈话)", field="kind")
    initiator = _member(data.get("initiator"), org, held_on, "initiator", "谈话人")
    other = _member(data.get("other"), org, held_on, "other", "谈话对象")
    if initiator.pk == other.pk:
        raise ServiceError("谈话人和谈话对象不能是同一人", field="other")
    summary = (data.get("summary") or "").strip()
    if not summary:
        raise ServiceError("请填写谈话内容摘要", field="summary")
    minimum = Rules.load(today).get("talk.summary_min_chars", org)
    if len(summary) < minimum:
        raise ServiceError(
            f"谈话内容摘要至少 {minimum} 字(现 {len(summary)} 字),请写明谈了哪些思想、工作情况和意见建议",
            field="summary",
        )
    if len(summary) > MAX_SUMMARY:
        raise ServiceError(f"谈话内容摘要不能超过 {MAX_SUMMARY} 字", field="summary")
    place = (data.get("place") or "").strip()
    if len(place) > 100:
        raise ServiceError("谈话地点不能超过100字", field="place")
    return {
        "held_on": held_on,
        "kind": kind,
        "initiator": initiator,
        "other": other,
        "summary": summary,
        "place": place,
    }


def _duplicate(org: Org, values: dict, exclude: int | None = None) -> None:
    a, b = values["initiator"].pk, values["other"].pk
    same = (
        Talk.objects.live()
        .filter(org=org, held_on=values["held_on"])
        .filter(Q(initiator_id=a, other_id=b) | Q(initiator_id=b, other_id=a))
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    if same.exists():
        raise ServiceError(
            f"{values['held_on']:%Y-%m-%d} 已登记过 {values['initiator'].person.name} 与 "
            f"{values['other'].person.name} 的谈话,请勿重复登记(如需修改请更正原记录)",
            field="other",
        )


def _snapshot(talk: Talk) -> dict:
    return {
        "held_on": talk.held_on.isoformat(),
        "place": talk.place,
        "initiator": talk.initiator.person.name,
        "other": talk.other.person.name,
        "kind": talk.get_kind_display(),
        "summary": talk.summary,
    }


@transaction.atomic
def record_talk(
    *,
    actor,
    org: Org,
    held_on: dt.date,
    initiator,
    other,
    summary: str,
    kind: str = TalkKind.DAILY,
    place: str = "",
) -> Talk:
    """Record one talk between two members of the branch ``org``."""
    require(actor, "change", org, "无权为该支部登记谈心谈话")
    values = _clean(
        org,
        {
            "held_on": held_on,
            "kind": kind,
            "initiator": initiator,
            "other": other,
            "summary": summary,
            "place": place,
        },
        kit.today(),
    )
    _duplicate(org, values)
    talk = Talk.objects.create(
        org=org,
        **values,
        recorded_by=user_or_none(actor),
        created_at=clock.now(),
    )
    restamp(Talk.objects.filter(pk=talk.pk))
    talk.refresh_from_db(fields=["initiator_post", "other_post"])
    record(talk, TALK_RECORDED, actor=actor, after=_snapshot(talk))
    if not is_system(actor) and not Talk.objects.visible_to(actor, "change").filter(pk=talk.pk).exists():
        raise PermissionDenied("无权为该支部登记谈心谈话")
    return talk


def _lock(talk: Talk) -> Talk:
    return (
        Talk.objects.select_for_update(of=("self",))
        .select_related("org", "initiator__person", "other__person")
        .get(pk=talk.pk)
    )


@transaction.atomic
def correct_talk(*, actor, talk: Talk, reason: str, **changes) -> Talk:
    """Correct a talk (更正): a new row replaces it; the prior row keeps its content and gets
    ``superseded_at``. Returns the new row."""
    talk = _lock(talk)
    require(actor, "change", talk.org, "无权更正该支部的谈心谈话记录")
    if talk.voided_at is not None:
        raise ServiceError("该记录已作废,不能更正", field="reason")
    if talk.superseded_at is not None:
        raise ServiceError("该记录已被更正过,请在最新版本上更正", field="reason")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写更正原因", field="reason")
    if len(reason) > 200:
        raise ServiceError("更正原因不能超过200字", field="reason")
    unknown = set(changes) - set(CORRECTABLE)
    if unknown:
        raise ServiceError("不能更正这些内容:" + "、".join(sorted(unknown)), field="reason")
    data = {
        "held_on": talk.held_on,
        "kind": talk.kind,
        "initiator": talk.initiator,
        "other": talk.other,
        "summary": talk.summary,
        "place": talk.place,
    }
    data.update({k: v for k, v in changes.items() if v is not None})
    values = _clean(talk.org, data, kit.today())
    before = _snapshot(talk)
    if all(
        (values[k].pk if k in ("initiator", "other") else values[k])
        == (getattr(talk, f"{k}_id") if k in ("initiator", "other") else getattr(talk, k))
        for k in CORRECTABLE
    ):
        raise ServiceError("内容没有变化,无需更正", field="reason")
    _duplicate(talk.org, values, exclude=talk.pk)
    now = clock.now()
    talk.superseded_at = now
    talk.save(update_fields=["superseded_at"])
    new = Talk.objects.create(
        org=talk.org,
        **values,
        recorded_by=user_or_none(actor),
        created_at=now,
        replaces=talk,
        correction_reason=reason,
    )
    restamp(Talk.objects.filter(pk=new.pk))
    new.refresh_from_db(fields=["initiator_post", "other_post"])
    after = _snapshot(new)
    diff = [k for k in after if after[k] != before[k]]
    record(
        new,
        TALK_CORRECTED,
        actor=actor,
        reason=reason,
        before={"replaces": talk.pk, **{k: before[k] for k in diff}},
        after={k: after[k] for k in diff},
    )
    return new


@transaction.atomic
def void_talk(*, actor, talk: Talk, reason: str) -> Talk:
    """Void a talk recorded in error (作废): it stays, marked, with the reason."""
    talk = _lock(talk)
    require(actor, "change", talk.org, "无权作废该支部的谈心谈话记录")
    if talk.voided_at is not None:
        raise ServiceError("该记录已作废", field="reason")
    if talk.superseded_at is not None:
        raise ServiceError("该记录已被更正,请作废最新版本", field="reason")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写作废原因", field="reason")
    if len(reason) > 200:
        raise ServiceError("作废原因不能超过200字", field="reason")
    talk.voided_at = clock.now()
    talk.void_reason = reason
    talk.save(update_fields=["voided_at", "void_reason"])
    record(talk, TALK_VOIDED, actor=actor, reason=reason)
    return talk


def history(talk: Talk) -> list[Talk]:
    """The versions of a talk, newest first (following ``replaces`` back, then forward)."""
    chain = [talk]
    seen = {talk.pk}
    prior = talk.replaces
    while prior is not None and prior.pk not in seen:
        chain.append(prior)
        seen.add(prior.pk)
        prior = prior.replaces
    newer = Talk.objects.filter(replaces=talk).first()
    while newer is not None and newer.pk not in seen:
        chain.insert(0, newer)
        seen.add(newer.pk)
        newer = Talk.objects.filter(replaces=newer).first()
    return chain
