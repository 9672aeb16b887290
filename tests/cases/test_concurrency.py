"""Two people acting on one case at the same moment: exactly one wins, the other is told the state
changed. Needs real concurrent transactions, so it runs on PostgreSQL (CI runs it there)."""

import threading

import pytest
from django.db import connection, connections

from cases import services
from cases.defaults import seed_defaults
from cases.models import Case, CaseStatus
from core.errors import ServiceError

from ..conftest import build_world, grant
from .conftest import new_case

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL(设置 LUOSHI_TEST_DATABASE_URL;CI 中运行)")
    # An earlier transactional test's flush drops the seeded categories and limits.
    seed_defaults()


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            fn()
            outcomes[i] = "ok"
        except ServiceError as refusal:  # StateConflict, or a refusal because the other one won
            outcomes[i] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def test_two_dispatchers_register_and_reject_at_once(on_postgres):
    from cases.models import Category

    world = build_world()
    first = grant(world, "d_one", "dispatcher", "s1")
    second = grant(world, "d_two", "dispatcher", "s1")
    case = new_case(world)
    category = Category.objects.get(code="0301")
    outcomes = _race(
        lambda: services.register_case(
            Case.objects.get(pk=case.pk), actor=first, category=category, expected_status="reported"
        ),
        lambda: services.reject_case(
            Case.objects.get(pk=case.pk), actor=second, reason="重复", expected_status="reported"
        ),
    )
    assert sorted(type(o).__name__ if o != "ok" else "ok" for o in outcomes) == ["StateConflict", "ok"]
    loser = next(o for o in outcomes if o != "ok")
    assert "状态已变化" in loser.message
    assert Case.objects.get(pk=case.pk).status in (CaseStatus.REGISTERED, CaseStatus.REJECTED)


def test_two_handlers_sign_the_same_assignment(on_postgres):
    from cases.models import Category

    world = build_world()
    dispatcher = grant(world, "disp", "dispatcher", "s1")
    one, two = grant(world, "h_one", "dept_handler", "d1"), grant(world, "h_two", "dept_handler", "d1")
    case = services.register_case(
        new_case(world), actor=dispatcher, category=Category.objects.get(code="0301")
    )
    case = services.dispatch_case(case, actor=dispatcher, lead_unit=world["d1"])
    lead = case.assignments.get()
    outcomes = _race(
        lambda: services.sign_assignment(lead, actor=one), lambda: services.sign_assignment(lead, actor=two)
    )
    assert sorted("ok" if o == "ok" else "conflict" for o in outcomes) == ["conflict", "ok"]
    assert Case.objects.get(pk=case.pk).status == CaseStatus.HANDLING


def test_two_dispatchers_decide_one_request_and_two_merges_cross(on_postgres):
    from cases import approvals, coordination
    from cases.models import CaseRequest, Category, RequestStatus

    world = build_world()
    dispatcher = grant(world, "disp", "dispatcher", "s1")
    one, two = grant(world, "a_one", "dispatcher", "s1"), grant(world, "a_two", "dispatcher", "s1")
    handler = grant(world, "handler", "dept_handler", "d1")
    case = services.register_case(
        new_case(world), actor=dispatcher, category=Category.objects.get(code="0301")
    )
    case = services.dispatch_case(case, actor=dispatcher, lead_unit=world["d1"])
    services.sign_assignment(case.assignments.get(), actor=handler)
    request = approvals.request_extension(case, actor=handler, days=2, reason="材料未到")
    outcomes = _race(
        lambda: approvals.decide_request(request, actor=one, approve=True, note=""),
        lambda: approvals.decide_request(request, actor=two, approve=False, note="不同意"),
    )
    assert sorted("ok" if o == "ok" else "conflict" for o in outcomes) == ["conflict", "ok"]
    decided = CaseRequest.objects.get(pk=request.pk)
    assert decided.status in (RequestStatus.APPROVED, RequestStatus.REJECTED)
    assert Case.objects.get(pk=case.pk).extended_days == (
        2 if decided.status == RequestStatus.APPROVED else 0
    )

    # A→B and B→A at the same moment: both rows are locked in id order, so no deadlock; one wins.
    a, b = new_case(world), new_case(world)
    outcomes = _race(
        lambda: coordination.merge_case(Case.objects.get(pk=a.pk), actor=one, into=b, reason="重复"),
        lambda: coordination.merge_case(Case.objects.get(pk=b.pk), actor=two, into=a, reason="重复"),
    )
    assert sorted("ok" if o == "ok" else "conflict" for o in outcomes) == ["conflict", "ok"]
    assert sorted(Case.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == [
        CaseStatus.MERGED,
        CaseStatus.REPORTED,
    ]
