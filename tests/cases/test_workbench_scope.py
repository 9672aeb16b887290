"""The workbench scope-first (issue 22): the UNION of visibility branches with the filters inside
each must select exactly what the former ``OR`` of branches with the filters outside selected —
for every user and every filter — and keyset pages must cover the list once, in order, stable
under inserts."""

import datetime as dt

import pytest
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from cases import selectors
from cases.models import (
    DECIDER_ACTION,
    OPEN_STATUSES,
    AssignmentRole,
    AssignmentStatus,
    Case,
    CaseAssignment,
    CaseRequest,
    CaseStatus,
    RequestStatus,
)
from cases.selectors import CaseFilters
from core import keyset
from orgs.scoping import ALL, scope_paths, subtree_q, under_paths

from ..factories import UserFactory
from .conftest import new_case, walk

pytestmark = pytest.mark.django_db


def old_visible(user, action="view"):
    """``Case.objects.visible_to`` before issue 22: subtrees OR own OR a correlated EXISTS."""
    paths = scope_paths(user, action)
    if paths is ALL:
        return Case.objects.all()
    if not user.is_authenticated:
        return Case.objects.none()
    q = under_paths(paths)
    q |= Q(reporter_user=user) if action == "view" else Q(pk__in=[])
    if paths:
        q |= Exists(
            CaseAssignment.objects.filter(under_paths(paths), case=OuterRef("pk")).exclude(
                status=AssignmentStatus.CANCELLED
            )
        )
    return Case.objects.filter(q)


def old_workbench(user, filters: CaseFilters):
    """``selectors.workbench`` before issue 22: the scope first, then each filter on top."""
    now = timezone.now()
    if filters.mine:
        mine = CaseAssignment.objects.visible_to(user, "handle")
        if filters.mine == "pending":
            mine = mine.filter(status=AssignmentStatus.PENDING)
        elif filters.mine == "signed":
            mine = mine.filter(status=AssignmentStatus.SIGNED)
        elif filters.mine == "overdue":
            mine = mine.filter(status=AssignmentStatus.SIGNED, handle_due_at__lt=now)
        cases = Case.objects.open().filter(pk__in=mine.values("case_id"))
    else:
        cases = old_visible(user)
    if filters.requests:
        decidable = CaseRequest.objects.none()
        for action in set(DECIDER_ACTION.values()):
            kinds = [kind for kind, needed in DECIDER_ACTION.items() if needed == action]
            decidable = decidable | CaseRequest.objects.visible_to(user, action).filter(kind__in=kinds)
        cases = cases.filter(pk__in=decidable.filter(status=RequestStatus.PENDING).values("case_id"))
    if filters.status:
        cases = cases.filter(status=filters.status)
    if filters.district:
        cases = cases.open().filter(street__isnull=True, community__isnull=True, grid__isnull=True)
    if filters.overdue:
        cases = cases.overdue(now)
    if filters.area is not None:
        cases = cases.filter(subtree_q("org_path", filters.area.path))
    if filters.category_id:
        cases = cases.filter(Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id))
    if filters.q.strip():
        cases = cases.filter(selectors.search_q(filters.q.strip()))
    if not filters.work_queue:
        return cases.order_by("-created_at", "-pk")
    return cases.order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")


@pytest.fixture
def cases_world(world, actors, category):
    """Cases at every stage, in both streets, at the district, dispatched to both departments,
    one with a cancelled assignment, one reported by a resident, overdue and clock-less ones."""
    made = {}
    made["reported_c1"] = new_case(world, description="井盖松动,晚上很危险")
    made["reported_c3"] = new_case(world, area=world["c3"])
    made["registered"] = walk(new_case(world), actors, world, category, "registered")
    made["dispatched"] = walk(new_case(world, area=world["g1"]), actors, world, category, "dispatched")
    made["handling"] = walk(new_case(world), actors, world, category, "handling")
    made["fed_back"] = walk(new_case(world), actors, world, category, "fed_back")
    made["closed"] = walk(new_case(world), actors, world, category, "closed")
    made["district"] = new_case(world, area=None, address="岳麓区某路1号")
    # Dispatched from the other street to the same department (d1) and to d2.
    other = new_case(world, area=world["c3"])
    Case.objects.filter(pk=other.pk).update(status=CaseStatus.DISPATCHED)
    for org, role in ((world["d1"], AssignmentRole.LEAD), (world["d2"], AssignmentRole.CO)):
        CaseAssignment.objects.create(case=other, org=org, org_path=org.path, role=role)
    made["other_street_to_d1"] = other
    # A case of the other street whose d1 assignment was withdrawn: d1 must not see it.
    withdrawn = new_case(world, area=world["c3"])
    CaseAssignment.objects.create(
        case=withdrawn,
        org=world["d1"],
        org_path=world["d1"].path,
        role=AssignmentRole.LEAD,
        status=AssignmentStatus.CANCELLED,
    )
    made["withdrawn"] = withdrawn
    resident = UserFactory(username="jumin")
    own = new_case(world, area=world["c3"], description="路灯不亮")
    Case.objects.filter(pk=own.pk).update(reporter_user=resident)
    made["own"] = own
    now = timezone.now()
    Case.objects.filter(pk=made["handling"].pk).update(due_at=now - dt.timedelta(days=2))
    Case.objects.filter(pk=made["reported_c3"].pk).update(due_at=now - dt.timedelta(hours=3))
    Case.objects.filter(pk=made["reported_c1"].pk).update(due_at=None)
    CaseAssignment.objects.filter(case=made["handling"], role="lead").update(
        handle_due_at=now - dt.timedelta(hours=1)
    )
    users = {**actors, "resident": resident}
    return made, users


def all_filters(world, category):
    filters = [CaseFilters()]
    filters += [CaseFilters(status=status) for status in CaseStatus.values]
    filters += [
        CaseFilters(overdue=True),
        CaseFilters(district=True),
        CaseFilters(requests=True),
        CaseFilters(q="井盖"),
        CaseFilters(q="2026"),
        CaseFilters(category_id=category.pk),
        CaseFilters(category_id=category.parent_id),
        CaseFilters(area=world["s1"]),
        CaseFilters(area=world["c3"]),
        CaseFilters(area=world["g1"], status="dispatched"),
        CaseFilters(status="registered", overdue=True),
        CaseFilters(mine="pending"),
        CaseFilters(mine="signed"),
        CaseFilters(mine="overdue"),
    ]
    return filters


def test_scope_first_selects_exactly_what_the_or_of_branches_did(world, actors, category, cases_world):
    made, users = cases_world
    checked = 0
    for name, user in users.items():
        for filters in all_filters(world, category):
            old = list(old_workbench(user, filters).values_list("pk", flat=True))
            new = list(selectors.workbench(user, filters).values_list("pk", flat=True))
            assert new == old, (name, filters)
            # The capped count (read branch by branch up to the cap): exact below it.
            assert selectors.workbench_count(user, filters, cap=1000) == len(old), (name, filters)
            assert selectors.workbench_count(user, filters, cap=2) == min(3, len(old)), (name, filters)
            checked += bool(old)
        for action in ("view", "handle", "dispatch", "callback", "check", "supervise"):
            old = set(old_visible(user, action).values_list("pk", flat=True))
            assert set(Case.objects.visible_to(user, action).values_list("pk", flat=True)) == old, (
                name,
                action,
            )
            assert Case.objects.visible_count(user, action) == len(old), (name, action)
            where = Q(status__in=OPEN_STATUSES)
            scoped = Case.objects.visible_to(user, action, where=where).values_list("pk", flat=True)
            assert set(scoped) == set(old_visible(user, action).filter(where).values_list("pk", flat=True))
    assert checked > 40  # the comparisons are not all of empty lists
    # The branches do their work: each user sees what the rules say.
    handler = set(selectors.workbench(users["handler"], CaseFilters()).values_list("pk", flat=True))
    assert made["other_street_to_d1"].pk in handler and made["withdrawn"].pk not in handler
    assert made["reported_c1"].pk not in handler  # d1's subtree holds no case; only assignments
    assert {c.pk for c in selectors.workbench(users["resident"], CaseFilters())} == {made["own"].pk}
    dispatcher = selectors.workbench(users["dispatcher"], CaseFilters(overdue=True))
    assert [c.pk for c in dispatcher] == [made["handling"].pk]


def test_filters_go_into_every_branch(world, actors, category, cases_world):
    """The subquery of each branch carries the status filter (index-led), not only the outer query."""
    _, users = cases_world
    sql = str(selectors.workbench(users["handler"], CaseFilters(status="registered")).query)
    inner = sql[sql.index(" IN (") :]
    assert inner.count("UNION ALL") == 2
    assert inner.count('"status" = registered') == 3  # subtree, assignments' cases, own


def _pages(user, filters, size):
    pages, after = [], ""
    while True:
        page = selectors.workbench_page(user, filters, after=after, size=size)
        pages.append(page)
        if not page.has_next:
            return pages
        after = page.next_cursor


@pytest.mark.parametrize(
    "filters", [CaseFilters(), CaseFilters(overdue=True), CaseFilters(status="reported")]
)
def test_keyset_pages_cover_the_list_once_in_order_and_back(world, actors, category, cases_world, filters):
    made, users = cases_world
    supervisor = users["supervisor"]
    # Equal due dates (all overdue, one without a clock: last): the tie-breakers (created_at, pk) decide.
    Case.objects.filter(status__in=OPEN_STATUSES).exclude(pk=made["reported_c1"].pk).update(
        due_at=timezone.now() - dt.timedelta(days=1)
    )
    Case.objects.filter(status="reported").update(created_at=timezone.now())
    whole = list(selectors.workbench(supervisor, filters).values_list("pk", flat=True))
    assert len(whole) >= 3
    pages = _pages(supervisor, filters, 2)
    assert [c.pk for page in pages for c in page.rows] == whole
    assert not pages[0].has_previous and all(page.has_previous for page in pages[1:])
    # Back from the last page, page by page, to the first.
    back = [pages[-1].rows]
    before = pages[-1].previous_cursor
    while True:
        page = selectors.workbench_page(supervisor, filters, before=before, size=2)
        back.insert(0, page.rows)
        assert page.has_next
        if not page.has_previous:
            break
        before = page.previous_cursor
    assert [c.pk for rows in back for c in rows] == whole


def test_keyset_page_is_stable_under_inserts(world, actors, cases_world):
    _, users = cases_world
    first = selectors.workbench_page(users["dispatcher"], CaseFilters(), size=2)
    second_before = selectors.workbench_page(
        users["dispatcher"], CaseFilters(), after=first.next_cursor, size=2
    )
    new_case(world, description="新上报的事项")  # lands on top of the list
    second_after = selectors.workbench_page(
        users["dispatcher"], CaseFilters(), after=first.next_cursor, size=2
    )
    assert [c.pk for c in second_after.rows] == [c.pk for c in second_before.rows]
    back = selectors.workbench_page(
        users["dispatcher"], CaseFilters(), before=second_after.previous_cursor, size=2
    )
    assert [c.pk for c in back.rows] == [c.pk for c in first.rows]
    assert back.has_previous  # the new case is above it now


def test_keyset_nulls_last_both_ways():
    keys = selectors.MOST_URGENT_FIRST
    moment = dt.datetime(2026, 12, 7, 10, tzinfo=dt.UTC)
    assert keyset.decode(keys, keyset.encode(keys, [None, moment, 7])) == [None, moment, 7]
    after_null = keyset.after_q(keys, [None, moment, 7])
    assert "due_at__gt" not in str(after_null) and "due_at__isnull" in str(after_null)
    for bad in ("", "!!", keyset.encode(keys, [1, 2]), keyset.encode(keys, ["x", "2026-12-07", 1])):
        with pytest.raises(ValueError):
            keyset.decode(keys, bad)


def test_list_page_links_by_cursor(client, world, actors, category, cases_world):
    _, users = cases_world
    client.force_login(users["supervisor"])
    url = reverse("cases:list")
    page = client.get(url, {"status": "reported"}).content.decode()
    total = Case.objects.filter(status="reported").count()
    assert f"共 {total} 件" in page and "下一页" not in page  # one page
    # 51 cases: two pages, the second reached by the cursor of the 50th row.
    for index in range(51 - total):
        new_case(world, description=f"第{index}件")
    page = client.get(url, {"status": "reported"}).content.decode()
    assert "共 51 件,第 1 / 2 页" in page and "下一页" in page and "上一页" not in page
    first = selectors.workbench_page(users["supervisor"], CaseFilters(status="reported"))
    page = client.get(url, {"status": "reported", "after": first.next_cursor, "n": 2}).content.decode()
    assert "第 2 / 2 页" in page and "上一页" in page and "下一页" not in page
    last = first.rows[-1]
    assert (
        last.number not in page
        and Case.objects.filter(status="reported")
        .order_by(F("due_at").asc(nulls_last=True), "-created_at", "-pk")
        .last()
        .number
        in page
    )
    # A cursor that is not one: the first page, not an error.
    response = client.get(url, {"status": "reported", "after": "garbage", "n": 7})
    assert response.status_code == 200 and "第 1 / 2 页" in response.content.decode()
