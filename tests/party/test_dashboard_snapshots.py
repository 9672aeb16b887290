"""The dashboard (党建考评) of a large subtree: its figures read from the summary stored with the
snapshot (the same as computed from every finding), its first visit queued rather than awaited
(a notice that polls until the figures are ready), its scope unchanged; the district committee's
opening quarter computed before anybody opens it."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from orgs.roles import Role
from party import compliance, selectors
from party.models import FindingsSnapshot
from party.snapshots import services as snapshots

from ..conftest import grant
from .test_snapshots import Q3, assembly

pytestmark = pytest.mark.django_db
NOTICE = "正在计算本季度研判结果,请稍候……"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2026, 10, 15, 4, tzinfo=dt.UTC), tick=False):
        cache.clear()  # "queued already" marks of another test
        yield


@pytest.fixture
def large(settings, world, branch):
    """Every party subtree with a branch reads snapshots; the fixture's branch held its 党员大会,
    the other two branches nothing: their scores differ."""
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 1
    assembly(branch)
    return world["party"]


def figures(board):
    def row(s):
        return (s.org.pk, s.score, s.counts, s.branches)

    return {
        "score": row(board.score),
        "children": [row(s) for s in board.children],
        "weakest": [row(s) for s in board.weakest],
        "own": board.own,
        "counts": {k: board.counts.get(k, 0) for k in compliance.SEVERITY_LABELS},
        "total": board.total,
    }


def test_the_stored_summary_gives_the_figures_computed_from_every_finding(large, world):
    found = compliance.check(large, *Q3, today=Q3[1])
    expected = figures(selectors.board_of(large, found, Q3[1]))
    assert expected["total"] > 0 and len({s[1] for s in expected["weakest"]}) > 1  # not a trivial case
    board = selectors.board(large, *Q3)  # no snapshot yet: queued, not computed
    assert board is None and selectors.pending(large, *Q3)
    snapshots.compute(large, *Q3, Q3[1])
    board = selectors.board(large, *Q3)
    assert board.snapshot is not None and board.snapshot.summary is not None
    assert "findings" not in board.snapshot.__dict__  # the findings themselves were not decoded
    assert figures(board) == expected
    # a street committee below: the same again
    street = world["w1"]
    snapshots.compute(street, *Q3, Q3[1])
    found = compliance.check(street, *Q3, today=Q3[1])
    assert figures(selectors.board(street, *Q3)) == figures(selectors.board_of(street, found, Q3[1]))


def test_a_row_stored_without_a_summary_is_still_shown(large):
    snapshots.compute(large, *Q3, Q3[1])
    expected = figures(selectors.board(large, *Q3))
    FindingsSnapshot.objects.update(summary=None)
    assert figures(selectors.board(large, *Q3)) == expected


def test_first_visit_queues_the_quarter_shows_a_notice_then_the_figures(
    client, world, large, django_capture_on_commit_callbacks
):
    client.force_login(grant(world, "zzb_first", Role.ORG_DEPT, "party"))
    url = reverse("party:dashboard") + f"?org={large.pk}&q=2026-07"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200 and NOTICE in page
    assert 'hx-trigger="every 3s"' in page and f"?org={large.pk}&q=2026-07&poll=1" in page
    # nothing that would look like "no problems": no figures, no tables, no empty findings list
    hidden = ('id="findings"', "本期未发现问题", 'id="children"', 'id="weakest"', "导出 Excel", "严重问题")
    assert not [text for text in hidden if text in page]
    assert len(queued) == 5  # the quarter shown and the trend's other four, none computed here
    assert not FindingsSnapshot.objects.exists()
    with django_capture_on_commit_callbacks(execute=False) as again:
        poll = client.get(url + "&poll=1")
    assert NOTICE in poll.content.decode() and "HX-Refresh" not in poll and not again  # not queued twice
    for job in queued:
        job()  # the worker (the test task backend runs a task at once)
    poll = client.get(url + "&poll=1")
    assert poll["HX-Refresh"] == "true"
    response = client.get(url)
    page = response.content.decode()
    assert NOTICE not in page and 'id="snapshot-note"' in page and 'id="children"' in page
    found = compliance.check(large, *Q3, today=Q3[1])
    expected = figures(selectors.board_of(large, found, Q3[1]))
    context = response.context
    shown = figures(
        selectors.Board(
            context["score"],
            context["children"],
            context["weakest"],
            context["own_findings"],
            context["counts"],
            context["total"],
        )
    )
    assert shown == expected
    assert f">{expected['score'][1]}<" in page and f">{expected['counts']['high']}<" in page


def test_a_small_subtree_is_never_pending(client, world, branch, settings):
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 200
    client.force_login(grant(world, "zzb_small", Role.ORG_DEPT, "party"))
    page = client.get(reverse("party:dashboard") + "?q=2026-07").content.decode()
    assert NOTICE not in page and 'id="findings"' in page
    assert client.get(reverse("party:dashboard") + "?q=2026-07&poll=1")["HX-Refresh"] == "true"


def test_scope_unchanged_outside_the_subtree_sees_nothing(client, world, large):
    snapshots.compute(world["w1"], *Q3, Q3[1])
    client.force_login(grant(world, "zzb_w2", Role.ORG_DEPT, "w2"))
    for suffix in ("", "&poll=1", "&format=xlsx"):
        url = reverse("party:dashboard") + f"?org={world['w1'].pk}&q=2026-07{suffix}"
        assert client.get(url).status_code == 404
    # their own dashboard opens on their own committee, never on the stored district's
    page = client.get(reverse("party:dashboard") + "?q=2026-07").content.decode()
    assert world["w2"].name in page and world["w1"].name not in page
    client.force_login(grant(world, "zzb_other", Role.ORG_DEPT, "other_party"))
    assert client.get(reverse("party:dashboard") + f"?org={large.pk}&poll=1").status_code == 404


def test_the_district_committee_opening_quarter_is_computed_before_anybody_opens_it(large, world):
    today = dt.date(2026, 10, 15)
    assert snapshots.refresh_due(today) == {"computed": 1, "dropped": 0}
    row = FindingsSnapshot.objects.get()
    assert (row.org_id, row.start, row.end) == (large.pk, *Q3)  # the quarter the dashboard opens on
    assert snapshots.refresh_due(today) == {"computed": 0, "dropped": 0}  # not a view: no other quarter
    # kept, even though nobody opens it for weeks
    with time_machine.travel(dt.datetime(2026, 11, 20, 4, tzinfo=dt.UTC), tick=False):
        assert snapshots.refresh_due(dt.date(2026, 11, 20))["computed"] == 0
    assert FindingsSnapshot.objects.filter(pk=row.pk).exists()
    # the first visitor sees the figures at once
    assert not selectors.pending(large, *Q3)
