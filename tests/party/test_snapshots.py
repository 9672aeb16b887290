"""Stored findings of large subtrees (研判快照): computed once, served fresh, served stale with a
refresh queued once when records change, refreshed by the worker, kept fresh by the periodic task
for the dashboard's quarters, pruned when nobody asks; small subtrees are computed live."""

import dataclasses
import datetime as dt
import json

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from audit import events
from audit import services as audit
from audit.services import Subject
from core.actors import SYSTEM
from orgs import services as org_services
from orgs.models import Org
from orgs.roles import Role
from party import compliance, selectors
from party.life import services
from party.models import FindingsSnapshot, Meeting, MeetingKind
from party.rules.models import RuleParameter
from party.snapshots import incremental
from party.snapshots import services as snapshots

from ..conftest import grant
from ..factories import PositionFactory
from .conftest import all_present

pytestmark = pytest.mark.django_db
Q3 = (dt.date(2026, 7, 1), dt.date(2026, 9, 30))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def large(settings, world, branch, monkeypatch):
    """Every subtree with a branch counts as large, and a stale snapshot is never quick enough to
    recompute on the spot."""
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 1
    monkeypatch.setattr(snapshots, "INLINE_SECONDS", -1)
    return world["w1"]


def rules(found):
    return sorted((f.rule, f.org_id, f.period) for f in found)


def assembly(branch, day=dt.date(2026, 8, 12)):
    return services.record_meeting(
        actor=SYSTEM,
        org=branch,
        kind=MeetingKind.BRANCH_ASSEMBLY,
        held_on=day,
        topic="讨论发展党员",
        attendance=all_present(branch.members),
        minutes="会议讨论了第三季度发展党员工作和社区治理事项,明确了分工和时限。" * 3,
        decisions="同意列为发展对象",
    )


def test_which_subtrees_are_large(settings, world, branch):
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 2
    assert snapshots.wanted(world["party"])  # b1, b3 and the fixture's branch
    assert snapshots.wanted(world["w1"])  # b1 and the fixture's branch
    assert not snapshots.wanted(world["w2"])  # b3 alone
    assert not snapshots.wanted(branch)  # a branch is always computed live
    assert not snapshots.wanted(world["s1"])  # an administrative unit
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 0
    assert not snapshots.wanted(world["party"])


def test_computed_once_then_served_then_stale_then_refreshed(
    large, branch, django_capture_on_commit_callbacks
):
    found, result = selectors.findings_state(large, *Q3)
    assert result is not None and not result.stale
    assert rules(found) == rules(compliance.check(large, *Q3))
    missing = [
        f for f in found if f.rule == "meeting.missing" and f.org_id == branch.pk and "党员大会" in f.reason
    ]
    assert missing
    snapshot = FindingsSnapshot.objects.get(org=large)
    assert (snapshot.start, snapshot.end, snapshot.ref, snapshot.count) == (*Q3, Q3[1], len(found))
    # served again from the row: nothing recomputed
    again, result = selectors.findings_state(large, *Q3)
    assert rules(again) == rules(found) and result.snapshot.computed_at == snapshot.computed_at
    # a record changes: the old findings are served at once, marked stale, and one refresh queued
    assembly(branch)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        stale, result = selectors.findings_state(large, *Q3)
        assert result.stale and rules(stale) == rules(found)
        selectors.findings_state(large, *Q3)  # a second visitor: no second refresh
    assert len(queued) == 1
    assert FindingsSnapshot.objects.get(org=large).refresh_requested_at is not None
    queued[0]()  # the worker runs it (the test task backend runs tasks at once)
    fresh, result = selectors.findings_state(large, *Q3)
    assert not result.stale and result.snapshot.refresh_requested_at is None
    assert rules(fresh) == rules(compliance.check(large, *Q3))
    assert not [
        f for f in fresh if f.org_id == branch.pk and "党员大会" in f.reason and f.rule == "meeting.missing"
    ]
    assert FindingsSnapshot.objects.filter(org=large).count() == 1


def test_a_lost_refresh_is_asked_again_after_ten_minutes(large, branch, django_capture_on_commit_callbacks):
    selectors.findings_state(large, *Q3)
    assembly(branch)
    with django_capture_on_commit_callbacks(execute=False) as first:
        selectors.findings_state(large, *Q3)
    results = []
    for minute in (9, 11):
        later = time_machine.travel(dt.datetime(2026, 10, 15, 4, minute, tzinfo=dt.UTC), tick=False)
        with later, django_capture_on_commit_callbacks(execute=False) as queued:
            selectors.findings_state(large, *Q3)
        results.append(len(queued))
    within, after = results
    assert (len(first), within, after) == (1, 0, 1)


def test_round_trip_keeps_every_field(large, branch):
    found = [
        compliance.Finding(
            "high",
            "meeting.bunched",
            branch.pk,
            branch.name,
            branch.path,
            "原因",
            ["证据一", "证据二"],
            "建议",
            "来源",
            "2026年第3季度",
            [3, 5],
        )
    ]
    assert snapshots.decode(snapshots.encode(found)) == found


def test_periodic_refresh_keeps_viewed_quarters_fresh_and_prunes(large, branch):
    selectors.findings_state(large, *Q3)
    running = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    # a running quarter's snapshot as of an earlier day is superseded
    yesterday = snapshots.compute(large, *running, dt.date(2026, 10, 14))
    # a subtree nobody has looked at for more than a week is dropped
    unseen = snapshots.compute(branch, *Q3, Q3[1])
    FindingsSnapshot.objects.filter(pk=unseen.pk).update(requested_at=dt.datetime(2026, 10, 1, tzinfo=dt.UTC))
    report = snapshots.refresh_due(dt.date(2026, 10, 15))
    # Q3 is fresh already; 4 other quarters, and the district committee's Q3 (the quarter its
    # dashboard opens on: computed before anybody opens it, not a view)
    assert report == {"computed": 5, "dropped": 2}
    periods = set(FindingsSnapshot.objects.filter(org=large).values_list("start", "end", "ref"))
    assert periods == {
        (s, e, min(e, dt.date(2026, 10, 15))) for s, e, _ in selectors.quarters(dt.date(2026, 10, 15))
    }
    assert not FindingsSnapshot.objects.filter(pk__in=[yesterday.pk, unseen.pk]).exists()
    assert snapshots.refresh_due(dt.date(2026, 10, 15)) == {"computed": 0, "dropped": 0}
    assembly(branch)  # records change: the next pass recomputes the viewed subtree's quarters
    assert snapshots.refresh_due(dt.date(2026, 10, 15))["computed"] == 5


def test_dashboard_says_when_its_findings_were_computed(
    client, settings, world, large, branch, django_capture_on_commit_callbacks
):
    client.force_login(grant(world, "zzb_snap", Role.ORG_DEPT, "party"))
    url = reverse("party:dashboard") + f"?org={large.pk}&q=2026-07"
    with django_capture_on_commit_callbacks(execute=True):  # the worker runs what the visit queued
        assert "正在计算本季度研判结果" in client.get(url).content.decode()  # the first visit ever
    page = client.get(url).content.decode()
    assert 'id="snapshot-note"' in page and "计算于 10-15 12:00" in page and "后台正在重新计算" not in page
    assembly(branch)
    with django_capture_on_commit_callbacks(execute=False):
        page = client.get(url).content.decode()
    assert "后台正在重新计算" in page
    # a subtree below the threshold is computed live: no note
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 2
    small = client.get(reverse("party:dashboard") + f"?org={world['w2'].pk}&q=2026-07").content.decode()
    assert "得分" in small and 'id="snapshot-note"' not in small


def test_small_subtrees_are_computed_live(settings, world, branch):
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 200
    found, result = selectors.findings_state(world["party"], *Q3)
    assert result is None and not FindingsSnapshot.objects.exists()
    assert rules(found) == rules(compliance.check(world["party"], *Q3))


def test_trend_points_not_computed_yet_are_queued_not_awaited(
    large, branch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    cache.clear()
    q2 = (dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert selectors.root_score(large, *q2) is None
        assert selectors.root_score(large, *q2) is None  # the next view does not queue it again
    assert len(queued) == 1 and not FindingsSnapshot.objects.exists()
    queued[0]()
    expected = selectors.scores(large, compliance.check(large, *q2), q2[1])[large.pk].score
    assert selectors.root_score(large, *q2) == expected


def test_a_quick_stale_snapshot_is_recomputed_on_the_spot(large, branch, monkeypatch):
    monkeypatch.setattr(snapshots, "INLINE_SECONDS", 1.0)  # this subtree takes a few milliseconds
    selectors.findings_state(large, *Q3)
    assembly(branch)
    fresh, result = selectors.findings_state(large, *Q3)
    assert not result.stale and result.snapshot.refresh_requested_at is None
    assert rules(fresh) == rules(compliance.check(large, *Q3))


def test_refreshing_is_not_viewing_a_subtree_nobody_opens_for_a_week_is_dropped(large, branch, world):
    selectors.findings_state(large, *Q3)  # viewed on 10-15
    viewed = FindingsSnapshot.objects.get(org=large).requested_at
    for day in range(16, 23):  # a week of periodic passes with records changing, and no visitor
        with time_machine.travel(dt.datetime(2026, 10, day, 4, tzinfo=dt.UTC), tick=False):
            assembly(branch, dt.date(2026, 10, day - 6))
            assert snapshots.refresh_due(dt.date(2026, 10, day))["computed"] >= 1
    viewed_rows = FindingsSnapshot.objects.exclude(org=world["party"])  # the district's: kept, below
    assert set(viewed_rows.values_list("requested_at", flat=True)) == {viewed}
    with time_machine.travel(dt.datetime(2026, 10, 23, 4, tzinfo=dt.UTC), tick=False):
        assert snapshots.refresh_due(dt.date(2026, 10, 23))["computed"] == 0
    assert not viewed_rows.exists()


# -- incremental recomputation by branch (party.snapshots.incremental) -----------------------------


def everything(found):
    """The findings as comparable values, every field included."""
    return sorted(json.dumps(dataclasses.astuple(f), ensure_ascii=False, default=str) for f in found)


@pytest.fixture
def district(large, world, branch):
    """The district committee's snapshot of Q3, computed in full: the fixture's branch (under w1)
    lacks its 党员大会; b1 (w1) and b3 (w2) have members and no meetings. The test goes on an hour
    later (what was written before the computation is older than ``incremental.REWIND``)."""
    root = world["party"]
    snapshot = snapshots.compute(root, *Q3, Q3[1])
    with time_machine.travel(dt.datetime(2026, 10, 15, 5, tzinfo=dt.UTC), tick=False):
        yield root, snapshot


def again(root):
    previous = FindingsSnapshot.objects.get(org=root, start=Q3[0], end=Q3[1])
    return snapshots.recompute(root, *Q3, Q3[1], previous)


def test_a_first_computation_is_full_and_keeps_what_it_was_based_on(district, branch):
    root, snapshot = district
    state = incremental.State.decode(snapshot.marks)
    assert state is not None and state.counts == (0, 0)
    assert state.taken_at == dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC)
    assert snapshot.count == len(compliance.check(root, *Q3, today=Q3[1]))
    assembly(branch)
    assert again(root).state.counts == (1, 0)


def test_only_the_changed_branch_is_recomputed_and_the_result_is_the_full_one(district, branch, world):
    root, snapshot = district
    assert any(f.org_id == branch.pk and "党员大会" in f.reason for f in snapshots.decode(snapshot.data))
    nothing = again(root)
    assert (nothing.full, nothing.changed, nothing.pieces) == (False, 0, 3)
    assembly(branch)  # an audited meeting in one branch
    outcome = again(root)
    assert (outcome.full, outcome.changed, outcome.pieces) == (False, 1, 3)
    assert everything(outcome.findings) == everything(compliance.check(root, *Q3, today=Q3[1]))
    assert not [f for f in outcome.findings if f.org_id == branch.pk and "党员大会" in f.reason]


def test_meetings_written_without_an_event_are_found(district, branch, world):
    root, _ = district
    Meeting.objects.bulk_create(
        [
            Meeting(
                org=world["b3"],
                org_path=world["b3"].path,
                kind=MeetingKind.BRANCH_ASSEMBLY,
                held_on=dt.date(2026, 8, 20),
                topic="党员大会",
                minutes="会议学习了有关文件精神并讨论了下一阶段的社区治理工作安排。" * 3,
            )
        ]
    )
    outcome = again(root)
    assert (outcome.full, outcome.changed) == (False, 1)
    assert everything(outcome.findings) == everything(compliance.check(root, *Q3, today=Q3[1]))
    snapshots.compute(root, *Q3, Q3[1])  # stored with the new meeting
    Meeting.objects.all().delete()  # no service deletes a meeting: fewer than before is the full path
    assert again(root).why == "会议或谈话记录被删除"


def test_a_committee_secretary_who_is_a_member_of_an_unchanged_branch_stays_formal(district, branch, world):
    root, _ = district
    secretary = branch.members[3]
    PositionFactory(person=secretary.person, org=world["w2"], kind="secretary", start_on=dt.date(2020, 1, 1))
    assembly(branch)
    full = compliance.check(root, *Q3, today=Q3[1])
    assert not [f for f in full if f.rule == "org.secretary_not_formal" and f.org_id == world["w2"].pk]
    outcome = again(root)
    assert everything(outcome.findings) == everything(full)


@pytest.mark.parametrize(
    "change", ["org renamed", "org moved", "rule data", "transfer event", "unscoped event"]
)
def test_what_concerns_every_branch_takes_the_full_path(district, branch, world, change):
    root, _ = district
    if change == "org renamed":
        Org.objects.filter(pk=world["b3"].pk).update(name="中共桃子湖社区第一支部委员会")
    elif change == "org moved":
        with transaction.atomic():
            org_services.move_org(branch, world["w2"], actor=SYSTEM, reason="区划调整")
    elif change == "rule data":
        row = RuleParameter.objects.filter(org__isnull=True, value_type="int").first()
        latest = RuleParameter.objects.order_by("-changed_at").values_list("changed_at", flat=True)[0]
        RuleParameter.objects.filter(pk=row.pk).update(changed_at=latest + dt.timedelta(seconds=1))
    else:
        subject = Subject("party.transfer", "1", scope_path=branch.path)
        if change == "unscoped event":
            subject = Subject("party.meeting", "1", scope_path="")
        with transaction.atomic():
            audit.record(subject, next(iter(events.all_codes())), actor=SYSTEM)
    outcome = again(root)
    assert outcome.full and outcome.why
    assert everything(outcome.findings) == everything(compliance.check(root, *Q3, today=Q3[1]))
