"""谈心谈话 (rules.md 1.17, 1.15): the talk log's refusals, corrections that keep the prior version,
voiding, the yearly coverage (all pairs; one missing pair; a member who joined late; a committee
member who left), the findings both ways and within a fixed number of queries, pages and scope."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import clock
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from orgs.models import Position
from orgs.roles import Role
from party import compliance
from party.compliance.rules import talks as talk_rules
from party.models import MeetingKind, Member, MemberStatus, Talk, TalkKind
from party.talks import services as talks

from ..conftest import grant
from ..factories import PositionFactory, RuleParameterFactory, make_org
from .conftest import add_members, appoint
from .test_compliance import meet

pytestmark = pytest.mark.django_db

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 15, 10, 0, tzinfo=CST)
SUMMARY = "交流了近期思想和工作情况,对支部组织生活提出了改进建议。"


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen(NOW):
        yield


def talk(branch, a, b, day=dt.date(2026, 3, 10), **kwargs):
    kwargs.setdefault("summary", SUMMARY)
    return talks.record_talk(actor=SYSTEM, org=branch, held_on=day, initiator=a, other=b, **kwargs)


def cover_everything(branch, day=dt.date(2026, 3, 10)):
    """Every committee pair and every other member with the secretary."""
    secretary, c1, c2, *rest = branch.members
    talk(branch, secretary, c1, day)
    talk(branch, secretary, c2, day)
    talk(branch, c1, c2, day)
    for m in rest:
        talk(branch, secretary, m, day)


# -- refusals ------------------------------------------------------------------------------------


def test_refusals_name_the_field(branch, world):
    a, b = branch.members[:2]
    cases = [
        (dict(day=dt.date(2026, 12, 16)), "held_on", "不能晚于今天"),
        (dict(b=a), "other", "不能是同一人"),
        (dict(summary="   "), "summary", "请填写谈话内容摘要"),
        (dict(summary="谈了谈。"), "summary", "至少 15 字"),
        (dict(kind="admonish"), "kind", "请选择谈话类型"),
    ]
    for changes, field, text in cases:
        args = {"a": a, "b": b, "day": dt.date(2026, 3, 10), **changes}
        with pytest.raises(ServiceError) as error:
            talk(branch, args.pop("a"), args.pop("b"), args.pop("day"), **args)
        assert error.value.field == field and text in error.value.message, changes
    stranger = Member.objects.get(person=world.people["member3"])  # a member of another branch
    with pytest.raises(ServiceError) as outside:
        talk(branch, a, stranger)
    assert outside.value.field == "other" and "不是本支部党员" in outside.value.message
    gone = branch.members[5]
    Member.objects.filter(pk=gone.pk).update(status=MemberStatus.TRANSFERRED_OUT)
    with pytest.raises(ServiceError) as transferred:
        talk(branch, gone, a)
    assert transferred.value.field == "initiator" and "已转出" in transferred.value.message
    late = add_members(branch, 1, joined=dt.date(2026, 6, 1))[0]
    with pytest.raises(ServiceError) as not_yet:
        talk(branch, a, late, dt.date(2026, 5, 31))
    assert "谈话日期时还不是党员" in not_yet.value.message
    talk(branch, a, late, dt.date(2026, 6, 1))  # the joining day itself is fine
    with pytest.raises(ServiceError) as minimum_edge:
        talk(branch, a, b, summary="一" * 14)
    assert "现 14 字" in minimum_edge.value.message
    talk(branch, a, b, summary="一" * 15)
    with pytest.raises(ServiceError) as twice:
        talk(branch, b, a, summary="一" * 15)
    assert twice.value.field == "other" and "请勿重复登记" in twice.value.message
    group = make_org(branch, "group", "第一党小组")
    with pytest.raises(ServiceError) as not_branch:
        talk(group, a, b, dt.date(2026, 3, 11))
    assert not_branch.value.field == "org"
    assert Talk.objects.count() == 2


def test_corrections_keep_the_prior_version_and_void_keeps_the_row(branch):
    a, b, c = branch.members[:3]
    first = talk(branch, a, b, kind=TalkKind.DAILY)
    with pytest.raises(ServiceError) as no_reason:
        talks.correct_talk(actor=SYSTEM, talk=first, reason=" ", other=c)
    assert no_reason.value.field == "reason"
    with pytest.raises(ServiceError) as unchanged:
        talks.correct_talk(actor=SYSTEM, talk=first, reason="核对", summary=SUMMARY)
    assert "没有变化" in unchanged.value.message
    second = talks.correct_talk(actor=SYSTEM, talk=first, reason="谈话对象登记错了", other=c.pk)
    first.refresh_from_db()
    assert first.superseded_at is not None and first.other_id == b.pk  # the prior content is kept
    assert (second.replaces_id, second.other_id, second.correction_reason) == (
        first.pk,
        c.pk,
        "谈话对象登记错了",
    )
    assert [t.pk for t in talks.history(first)] == [second.pk, first.pk]
    with pytest.raises(ServiceError) as stale:
        talks.correct_talk(actor=SYSTEM, talk=first, reason="再改", other=b)
    assert "最新版本" in stale.value.message
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert report.talks == 1 and (a.person.name, b.person.name) in report.missing_pairs
    assert (a.person.name, c.person.name) not in report.missing_pairs
    with pytest.raises(ServiceError):
        talks.void_talk(actor=SYSTEM, talk=second, reason="")
    talks.void_talk(actor=SYSTEM, talk=second, reason="重复录入")
    second.refresh_from_db()
    assert second.voided_at is not None and second.void_reason == "重复录入"
    assert Talk.objects.count() == 2 and not Talk.objects.live().exists()
    assert talks.coverage(branch, 2026, dt.date(2026, 12, 15)).talks == 0
    with pytest.raises(ServiceError) as again:
        talks.correct_talk(actor=SYSTEM, talk=second, reason="x", summary=SUMMARY + "补充")
    assert "已作废" in again.value.message


# -- coverage ------------------------------------------------------------------------------------


def test_exactly_all_pairs_and_members_is_full_coverage(branch):
    cover_everything(branch)
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert report.full and report.percent == 100
    assert (report.pairs_total, report.pairs_done, report.members_total) == (3, 3, 5)
    assert [row["cells"].count("self") for row in report.grid] == [1, 1, 1]


def test_one_missing_pair(branch):
    secretary, c1, c2, *rest = branch.members
    talk(branch, secretary, c1)
    talk(branch, secretary, c2)
    for m in rest:
        talk(branch, c1, m)  # talking with any committee member covers a member
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    names = (c1.person.name, c2.person.name)
    assert report.missing_pairs == [names] and report.missing_pair_ids == [(c1.pk, c2.pk)]
    assert not report.members_missing and not report.full
    assert report.percent == 7 * 100 // 8  # 2 of 3 pairs and 5 of 5 members
    committee = {row["name"]: row["missing"] for row in report.committee}
    assert committee[c1.person.name] == [c2.person.name] and committee[secretary.person.name] == []


def test_talks_outside_the_year_or_between_members_do_not_count(branch):
    secretary, c1, c2, m1, m2, *_ = branch.members
    talk(branch, secretary, c1, dt.date(2025, 12, 31))  # last year
    talk(branch, m1, m2, dt.date(2026, 4, 1))  # two ordinary members: a talk, but not with a 支委
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert report.talks == 1 and len(report.missing_pairs) == 3
    assert {m["name"] for m in report.members_missing} >= {m1.person.name, m2.person.name}
    assert talks.coverage(branch, 2025, dt.date(2026, 12, 15)).day == dt.date(2025, 12, 31)


def test_member_who_joined_late_is_counted_after_the_grace_days(branch):
    cover_everything(branch)
    late = add_members(branch, 0, 1)[0]
    Member.objects.filter(pk=late.pk).update(joined_on=dt.date(2026, 11, 15))
    inside = talks.coverage(branch, 2026, dt.date(2026, 12, 14))  # 29 days after joining
    assert inside.full and [m["name"] for m in inside.new_members] == [late.person.name]
    edge = talks.coverage(branch, 2026, dt.date(2026, 12, 15))  # exactly 30 days: counted now
    assert [m["name"] for m in edge.members_missing] == [late.person.name]
    assert edge.members_missing[0]["category"] == "预备党员"  # probationary members count
    talk(branch, branch.members[1], late, dt.date(2026, 12, 15))
    assert talks.coverage(branch, 2026, dt.date(2026, 12, 15)).full
    # Not yet a member on the day judged: not listed at all.
    assert late.person.name not in str(talks.coverage(branch, 2026, dt.date(2026, 11, 14)).new_members)


def test_committee_member_who_left_keeps_the_talks_held_in_office(branch):
    secretary, c1, c2, *rest = branch.members
    talk(branch, secretary, c1, dt.date(2026, 2, 1))
    talk(branch, secretary, c2, dt.date(2026, 2, 1))
    talk(branch, c1, c2, dt.date(2026, 2, 1))
    for m in rest[:3]:
        talk(branch, c2, m, dt.date(2026, 3, 1))  # while c2 was a committee member
    post = Position.objects.get(person=c2.person, org=branch)
    post.end_on = dt.date(2026, 6, 30)  # recorded after the talks: their posts of the day stay
    post.save()
    talk(branch, c2, rest[3], dt.date(2026, 8, 1))  # after leaving: does not cover rest[3]
    assert Talk.objects.get(other=rest[0]).initiator_post == "committee_member"
    assert Talk.objects.get(other=rest[3]).initiator_post == ""
    talk(branch, secretary, rest[4], dt.date(2026, 8, 1))
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert [row["name"] for row in report.committee] == [secretary.person.name, c1.person.name]
    assert report.pairs_total == 1 and not report.missing_pairs
    # c2 is an ordinary member now, covered by the talks with the secretary and c1 held in office.
    assert [m["name"] for m in report.members_missing] == [rest[3].person.name]
    assert report.members_total == 6


def test_pairwise_rule_is_rule_data(branch):
    secretary, c1, c2, *rest = branch.members
    talk(branch, secretary, c1)
    talk(branch, c2, secretary)
    for m in rest:
        talk(branch, secretary, m)
    assert talks.coverage(branch, 2026, dt.date(2026, 12, 15)).missing_pairs
    RuleParameterFactory(
        code="talk.committee_pairwise",
        name="支委之间须两两谈心谈话",
        value="0",
        source="本地规定",
        effective_from=dt.date(2026, 1, 1),
        org=branch,
    )
    relaxed = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert relaxed.full and relaxed.pairs_total == 0 and relaxed.members_total == 8


def test_no_committee_no_judgement(world, seeded):
    org = make_org(world["w1"], "branch", "无支委支部", host=world["c2"])
    a, b, _ = add_members(org, 3)
    talk(org, a, b)
    report = talks.coverage(org, 2026, dt.date(2026, 12, 15))
    assert not report.has_committee and report.full


# -- findings ------------------------------------------------------------------------------------


def findings(org, start, end, today):
    return [f for f in compliance.check(org, start, end, today=today) if f.rule.startswith("talk.")]


def test_gap_is_a_low_pace_warning_from_october_and_a_gap_after_the_year(branch):
    secretary, c1, c2, *rest = branch.members
    talk(branch, secretary, c1)
    assert findings(branch, dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2026, 9, 30)) == []
    pace = findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2026, 10, 1))
    assert [(f.rule, f.severity) for f in pace] == [("talk.coverage_gap", "low")]
    assert "截至 10-01" in pace[0].reason and "应在年底前谈到" in pace[0].reason
    over = findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 5))
    assert [(f.rule, f.severity, f.period) for f in over] == [("talk.coverage_gap", "medium", "2026年度")]
    gap = over[0]
    assert "支委之间尚有 2 对未谈" in gap.reason and "5 名党员未与任何支委谈话" in gap.reason
    assert f"支委之间未谈:{secretary.person.name}—{c2.person.name}" in gap.evidence
    assert any(rest[0].person.name in e for e in gap.evidence)
    assert "rules.md" not in gap.source and "第十九条" in gap.source and gap.action


def test_no_gap_when_covered_and_the_first_quarter_judges_nothing(branch):
    cover_everything(branch)
    assert findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 5)) == []
    # 2027 has started, nothing talked yet: not judged before October.
    assert findings(branch, dt.date(2027, 1, 1), dt.date(2027, 3, 31), dt.date(2027, 3, 31)) == []


def test_life_meeting_without_talks_before_it(branch):
    cover_everything(branch, dt.date(2026, 3, 10))  # 277 days before the meeting: too early
    meeting = meet(branch, MeetingKind.LIFE_MEETING, dt.date(2026, 12, 12))
    found = findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 15))
    assert [f.rule for f in found] == ["talk.before_life_meeting"]
    assert found[0].meeting_ids == [meeting.pk] and "会前 90 天内" in found[0].reason
    assert "第十七条" in found[0].source and "rules.md" not in found[0].source
    talk(branch, branch.members[0], branch.members[3], dt.date(2026, 9, 13), kind=TalkKind.LIFE_MEETING)
    assert findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 15)) == []
    # 90 days before the meeting exactly is inside; one more day is not (the talk above: 2026-09-13).
    Talk.objects.filter(held_on=dt.date(2026, 9, 13)).update(held_on=dt.date(2026, 9, 12))
    assert findings(branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2026, 12, 15))


def test_talk_meetings_are_no_longer_required_nor_recorded(branch):
    found = compliance.check(branch, dt.date(2025, 1, 1), dt.date(2025, 12, 31), today=dt.date(2026, 9, 30))
    assert not any(f.rule == "meeting.missing" and "谈心谈话" in f.reason for f in found)
    with pytest.raises(ServiceError) as refused:
        meet(branch, MeetingKind.TALK, dt.date(2026, 3, 1))
    assert refused.value.field == "kind" and "谈心谈话" in refused.value.message


@pytest.mark.parametrize("small", [True, False])
def test_engine_loads_talks_in_a_fixed_number_of_queries_for_a_subtree(world, branch, monkeypatch, small):
    if not small:
        monkeypatch.setattr(talk_rules, "SMALL", 0)  # as for a district: the database names candidates
    other = make_org(world["w1"], "branch", "第二支部", host=world["c2"])
    members = add_members(other, 5)
    appoint(members[0], other)
    cover_everything(branch)
    talk(other, members[0], members[1])
    start, end, today = dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 5)
    ctx = compliance.Context(world["w1"], start, end, today).preload()
    with CaptureQueriesContext(connection) as few:
        engine = compliance.Engine(ctx)
        talk_rules.run(engine)
    # The posts on 31 December (the year judged is over), [the candidates: talks between committee
    # members, uncovered members], the candidates' talks, the 组织生活会 with their last talk.
    expected = 3 if small else 5
    assert len(few.captured_queries) == expected
    assert [(f.org_id, f.rule) for f in engine.findings] == [(other.pk, "talk.coverage_gap")]
    more = make_org(world["w1"], "branch", "第三支部", host=world["c2"])
    appoint(add_members(more, 4)[0], more)
    ctx = compliance.Context(world["w1"], start, end, today).preload()
    with CaptureQueriesContext(connection) as still:
        talk_rules.run(compliance.Engine(ctx))
    assert len(still.captured_queries) == expected


def test_complete_branches_need_no_talk_rows(world, branch, monkeypatch):
    """In a large subtree a branch that covers everyone is settled in the database: none of its
    talks are loaded."""
    monkeypatch.setattr(talk_rules, "SMALL", 0)
    cover_everything(branch)
    ctx = compliance.Context(
        branch, dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 5)
    ).preload()
    with CaptureQueriesContext(connection) as queries:
        talk_rules.run(compliance.Engine(ctx))
    assert len(queries.captured_queries) == 4  # posts, committee talks, uncovered members, 组织生活会


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_engine_agrees_with_the_coverage_page_on_random_branches(world, seeded, seed, monkeypatch):
    """The engine's candidate filter (in the database) never leaves out a branch the coverage
    page finds incomplete: random branches with posts that end and start during the year, posts
    held by non-members, members who joined late, moved or were removed after their talks."""
    import random

    monkeypatch.setattr(talk_rules, "SMALL", 0)  # as for a district: the database names candidates

    rng = random.Random(seed)
    year_day = dt.date(2026, 12, 31)
    branches = []
    for n in range(12):
        org = make_org(world["w1"], "branch", f"随机支部{seed}-{n}", host=world["c2"])
        members = add_members(org, rng.randint(3, 8), rng.randint(0, 2))
        for m in members:
            if rng.random() < 0.15:
                joined = dt.date(2026, rng.randint(1, 12), 1)
                Member.objects.filter(pk=m.pk).update(
                    joined_on=joined, category="probationary", full_member_on=None
                )
        for kind in rng.sample(list(talks.COMMITTEE_POSTS), rng.randint(0, 3)):
            holder = rng.choice(members)
            start = rng.choice([dt.date(2020, 1, 1), dt.date(2026, 5, 1)])
            end = rng.choice([None, None, dt.date(2026, 8, 1)])
            PositionFactory(person=holder.person, org=org, kind=kind, start_on=start, end_on=end)
        members = list(Member.objects.filter(org=org))
        rows, seen = [], set()
        for _ in range(rng.randint(0, 3 * len(members))):
            a, b = rng.sample(members, 2)
            day = dt.date(2026, rng.randint(1, 11), rng.randint(1, 28))
            if max(a.joined_on, b.joined_on) > day or (day, frozenset((a.pk, b.pk))) in seen:
                continue  # as record_talk refuses: not yet members, the same pair twice a day
            seen.add((day, frozenset((a.pk, b.pk))))
            rows.append(Talk(org=org, org_path=org.path, held_on=day, initiator=a, other=b, summary=SUMMARY))
        Talk.objects.bulk_create(rows)
        talks.restamp(Talk.objects.filter(org=org))  # what record_talk does for each
        if rng.random() < 0.3:  # a member leaves after talking: no longer judged, their talks stay
            Member.objects.filter(pk=rng.choice(members).pk).update(status=MemberStatus.TRANSFERRED_OUT)
        branches.append(org)
    for today in (dt.date(2026, 11, 15), dt.date(2027, 1, 5)):
        ctx = compliance.Context(world["w1"], dt.date(2026, 10, 1), dt.date(2026, 12, 31), today).preload()
        engine = compliance.Engine(ctx)
        talk_rules.run(engine)
        flagged = {f.org_id for f in engine.findings if f.rule == "talk.coverage_gap"}
        expected = set()
        for org in branches:
            result = talks.coverage(org, 2026, min(today, year_day))
            if result.has_committee and not result.full:
                expected.add(org.pk)
        assert {pk for pk in flagged if pk in {b.pk for b in branches}} == expected, today
        assert expected, "the random branches should include incomplete ones"


def test_posts_of_the_day_follow_the_post_records(branch):
    """A committee post recorded after the talks (the election entered late) counts for them; a
    post corrected to have started later no longer does. The talk with a committee member who has
    since left the branch still counts: it was held while they were in office."""
    secretary, c1, c2, m1, m2, *rest = branch.members
    newcomer = rest[0]
    held = talk(branch, newcomer, m1, dt.date(2026, 4, 1))
    assert (held.initiator_post, held.other_post) == ("", "")
    assert m1.person.name in str(talks.coverage(branch, 2026, dt.date(2026, 12, 15)).members_missing)
    post = PositionFactory(
        person=newcomer.person, org=branch, kind="deputy_secretary", start_on=dt.date(2026, 3, 1)
    )
    held.refresh_from_db()
    assert held.initiator_post == "deputy_secretary"
    assert m1.person.name not in str(talks.coverage(branch, 2026, dt.date(2026, 12, 15)).members_missing)
    post.start_on = dt.date(2026, 5, 1)  # corrected: elected after the talk
    post.save()
    held.refresh_from_db()
    assert held.initiator_post == ""
    # The secretary talks with m2, then is transferred out: m2 stays covered.
    talk(branch, secretary, m2, dt.date(2026, 6, 1))
    Member.objects.filter(pk=secretary.pk).update(status=MemberStatus.TRANSFERRED_OUT)
    report = talks.coverage(branch, 2026, dt.date(2026, 12, 15))
    assert m2.person.name not in str(report.members_missing)
    assert secretary.person.name not in [row["name"] for row in report.committee]


# -- scope, pages --------------------------------------------------------------------------------


def test_outsider_can_neither_record_nor_see(world, branch, client):
    a, b = branch.members[:2]
    outsider = grant(world, "sj_out", Role.BRANCH_SECRETARY, "b3")
    with pytest.raises(PermissionDenied):
        talks.record_talk(
            actor=outsider, org=branch, held_on=dt.date(2026, 3, 1), initiator=a, other=b, summary=SUMMARY
        )
    mine = talk(branch, a, b)
    with pytest.raises(PermissionDenied):
        talks.void_talk(actor=outsider, talk=mine, reason="x")
    with pytest.raises(PermissionDenied):
        talks.correct_talk(actor=outsider, talk=mine, reason="x", summary=SUMMARY + "。")
    client.force_login(outsider)
    for url in (
        reverse("party:talks", args=[branch.pk]),
        reverse("party:talk_new", args=[branch.pk]),
        reverse("party:talk", args=[mine.pk]),
        reverse("party:talk_correct", args=[mine.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("party:talk_void", args=[mine.pk]), {"reason": "x"}).status_code == 404
    assert Talk.objects.get(pk=mine.pk).live
    assert not Talk.objects.visible_to(outsider).exists()


def test_pages_record_correct_and_void(world, branch, client):
    secretary_user = grant(world, "sj_talk", Role.BRANCH_SECRETARY, "w1")
    client.force_login(secretary_user)
    secretary, c1, c2, *rest = branch.members
    page = client.get(reverse("party:talks", args=[branch.pk])).content.decode()
    assert "2026年覆盖情况" in page and "0%" in page and 'id="committee-grid"' in page
    assert (
        f"?initiator={secretary.pk}&amp;other={rest[0].pk}" in page
    )  # a link per member not yet talked with
    new = reverse("party:talk_new", args=[branch.pk])
    bad = client.post(
        new,
        {
            "held_on": "2026-12-01",
            "initiator": secretary.pk,
            "other": secretary.pk,
            "kind": "daily",
            "summary": SUMMARY,
        },
    )
    assert bad.status_code == 200 and "不能是同一人" in bad.content.decode()
    ok = client.post(
        new,
        {
            "held_on": "2026-12-01",
            "initiator": secretary.pk,
            "other": c1.pk,
            "kind": "daily",
            "summary": SUMMARY,
        },
    )
    assert ok.status_code == 302 and ok["Location"].endswith("?year=2026")
    made = Talk.objects.get()
    assert made.recorded_by == secretary_user
    page = client.get(reverse("party:talks", args=[branch.pk])).content.decode()
    assert "✓ 12-01" in page and "支委之间 1/3 对" in page
    hint = client.get(
        reverse("party:talk_partners", args=[branch.pk]), {"initiator": secretary.pk}
    ).content.decode()
    assert f"{c1.person.name}(委员) · 今年已谈" in hint and 'id="other-field"' in hint
    correct = reverse("party:talk_correct", args=[made.pk])
    assert client.get(correct).status_code == 200
    done = client.post(
        correct,
        {
            "held_on": "2026-12-01",
            "initiator": secretary.pk,
            "other": c2.pk,
            "kind": "daily",
            "summary": SUMMARY,
            "reason": "对象登记错误",
        },
    )
    assert done.status_code == 302
    latest = Talk.objects.live().get()
    assert latest.other_id == c2.pk and latest.replaces_id == made.pk
    detail = client.get(reverse("party:talk", args=[latest.pk])).content.decode()
    assert "对象登记错误" in detail and 'id="talk-versions"' in detail
    client.post(reverse("party:talk_void", args=[latest.pk]), {"reason": "误录"})
    assert not Talk.objects.live().exists()
    org_page = client.get(reverse("party:org", args=[branch.pk])).content.decode()
    assert reverse("party:talks", args=[branch.pk]) in org_page


# -- demo ----------------------------------------------------------------------------------------


def test_demo_talks_pass_the_service_checks_and_are_deterministic(branch):
    from demo.party import talks as talks_demo

    today = dt.date(2026, 12, 15)
    assert talks_demo.build([branch], branch, today)["talks"] > 0
    rows = list(
        Talk.objects.order_by("pk").values_list("held_on", "initiator_id", "other_id", "kind", "summary")
    )
    for t in Talk.objects.select_related("org"):
        fields = {"held_on": t.held_on, "kind": t.kind, "initiator": t.initiator_id, "other": t.other_id}
        talks._clean(branch, {**fields, "summary": t.summary, "place": t.place}, today)
    this_year = talks.coverage(branch, 2026, today)  # shuji's branch: one pair and two members to go
    assert len(this_year.missing_pairs) == 1 and len(this_year.members_missing) == 2
    assert talks.coverage(branch, 2025, today).full
    Talk.objects.all().delete()
    talks_demo.build([branch], branch, today)
    again = list(
        Talk.objects.order_by("pk").values_list("held_on", "initiator_id", "other_id", "kind", "summary")
    )
    assert again == rows
