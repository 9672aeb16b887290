"""The stored monthly figures (cases.summaries): kept by the services as cases change, equal to the
raw computation (evaluate == evaluate_raw, check == []), rebuilt and checked by the CLI."""

import datetime as dt
import random

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from cases import approvals, coordination, services, summaries, supervision
from cases.evaluation import GROUPS, evaluate, evaluate_raw
from cases.models import AssignmentStatus, FiguresKey, MonthlyFigures

from .conftest import at, new_case

pytestmark = pytest.mark.django_db

MONTHS = [dt.date(2026, 9, 1), dt.date(2026, 10, 1), dt.date(2026, 11, 1)]
LAST_MOMENT = at(2026, 12, 6, 18)  # the suite's clock stands at 2026-12-07 10:00


def figures(month, kind, org) -> dict[str, int]:
    """The non-zero stored counts of one row."""
    row = MonthlyFigures.objects.filter(month=month, kind=kind, org=org).values(*summaries.COUNTS).first()
    return {name: value for name, value in (row or {}).items() if value}


def pending_lead(case):
    return case.assignments.get(role="lead", status=AssignmentStatus.PENDING)


class Script:
    """One case walked through the services at increasing moments, with random turns."""

    def __init__(self, rng, world, actors, category):
        self.rng, self.world, self.actors, self.category = rng, world, actors, category
        self.when = at(2026, 9, 1, 9)

    def later(self, days_max=4):
        self.when = min(self.when + dt.timedelta(days=self.rng.randint(0, days_max), hours=1), LAST_MOMENT)
        return time_machine.travel(self.when, tick=False)

    def run(self, start: dt.datetime):
        rng, world, actors = self.rng, self.world, self.actors
        self.when = start
        east = rng.random() < 0.6
        area = world["c1"] if east else world["c3"]
        dispatcher = actors["dispatcher"] if east else actors["other_dispatcher"]
        checker = actors["community"] if east else actors["other_community"]
        lead_key = rng.choice(["d1", "d2"])
        handler = {"d1": actors["handler"], "d2": actors["other_handler"]}
        with self.later(0):
            case = new_case(world, area=area)
            if rng.random() < 0.15:  # a duplicate report, merged into this one
                duplicate = new_case(world, area=area)
                coordination.merge_case(duplicate, actor=dispatcher, into=case, reason="同一问题")
            case = services.register_case(case, actor=dispatcher, category=self.category)
            case = services.dispatch_case(case, actor=dispatcher, lead_unit=world[lead_key])
            if rng.random() < 0.3:  # returned at once: upheld (sent to the other department) or overruled
                services.return_assignment(
                    pending_lead(case), actor=handler[lead_key], reason="not_our_duty", note="非本单位职责"
                )
                if rng.random() < 0.5:
                    lead_key = "d2" if lead_key == "d1" else "d1"
                    case = services.adjudicate_return(
                        case, actor=dispatcher, upheld=True, note="改派", lead_unit=world[lead_key]
                    )
                else:
                    case = services.adjudicate_return(
                        case, actor=dispatcher, upheld=False, note="属本单位职责"
                    )
        if rng.random() < 0.25:
            with self.later():
                supervision.remind_case(case, actor=actors["supervisor"], reason="请加快办理")
        if rng.random() < 0.1:
            return  # still open
        self.handle(case, handler[lead_key], checker)
        with self.later(10):
            case.refresh_from_db()
            if rng.random() < 0.75:
                case = services.rate_case(
                    case,
                    actor=dispatcher,
                    contacted=rng.random() < 0.8,
                    resolved=rng.random() < 0.6,
                    satisfaction=rng.choice(["satisfied", "basic", "dissatisfied"]),
                )
        unresolved = case.rated_at and not case.rating_resolved and case.rating_satisfaction == "dissatisfied"
        if unresolved and rng.random() < 0.5:  # reopened for re-handling, closed again later
            with self.later():
                request = approvals.request_rehandle(case, actor=dispatcher, reason="反映人称仍未解决")
                approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="同意重办")
            self.handle(case, handler[lead_key], checker)
        if rng.random() < 0.12:
            with self.later():
                request = approvals.request_exclusion(case, actor=dispatcher, reason="诉求于法无据")
                approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="属实")

    def handle(self, case, handler, checker):
        with self.later(2):
            lead = case.assignments.get(
                role="lead", status__in=(AssignmentStatus.PENDING, AssignmentStatus.SIGNED)
            )
            if lead.status == AssignmentStatus.PENDING:  # an overruled return leaves it signed
                services.sign_assignment(lead, actor=handler)
        with self.later(12):
            services.give_feedback(lead, actor=handler, text="已处理")
            case.refresh_from_db()
            if self.rng.random() < 0.25:
                services.check_case(case, actor=checker, passed=False, note="未处理到位")
                services.give_feedback(lead, actor=handler, text="已返工")
        with self.later(3):
            services.check_case(case, actor=checker, passed=True, note="")


def test_random_months_agree_with_the_raw_rows(world, actors, category):
    rng = random.Random(20261207)
    script = Script(rng, world, actors, category)
    for _ in range(26):
        month = rng.choice(MONTHS)
        script.run(at(month.year, month.month, rng.randint(1, 24), 9))
    # the walk reached every kind of change (the test would prove nothing otherwise)
    totals = {name: sum(MonthlyFigures.objects.values_list(name, flat=True)) for name in summaries.COUNTS}
    assert all(totals[name] > 0 for name in summaries.COUNTS), totals
    month = rng.choice(MONTHS)
    assert summaries.check(month) == []
    for group in GROUPS:
        assert evaluate(month, group) == evaluate_raw(month, group), (month, group)
    for other in MONTHS:  # and every other month too
        assert summaries.check(other) == []
        for group in GROUPS:
            assert evaluate(other, group) == evaluate_raw(other, group), (other, group)
    # a rebuild finds nothing to change
    before = summaries.stored(month)
    summaries.rebuild(month)
    assert summaries.stored(month) == before


def closed_case(world, actors, category, *, day=2, lead="d1", late=False, rework=False):
    with time_machine.travel(at(2026, 11, day, 9), tick=False):
        case = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        case = services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world[lead])
        lead_assignment = pending_lead(case)
        handler = actors["handler"] if lead == "d1" else actors["other_handler"]
        services.sign_assignment(lead_assignment, actor=handler)
    with time_machine.travel(at(2026, 11, day + (10 if late else 1), 10), tick=False):
        services.give_feedback(lead_assignment, actor=handler, text="已处理")
        if rework:
            services.check_case(case, actor=actors["community"], passed=False, note="未处理到位")
            services.give_feedback(lead_assignment, actor=handler, text="已返工")
        return services.check_case(case, actor=actors["community"], passed=True, note="")


NOV = dt.date(2026, 11, 1)


def test_a_closure_counts_under_the_lead_unit_the_street_and_the_community(world, actors, category):
    closed_case(world, actors, category)
    counted = {"closed": 1, "on_time": 1}
    assert figures(NOV, FiguresKey.LEAD_UNIT, world["d1"]) == counted
    assert figures(NOV, FiguresKey.STREET, world["s1"]) == counted
    assert figures(NOV, FiguresKey.COMMUNITY, world["c1"]) == counted
    assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 1}
    closed_case(world, actors, category, day=3, late=True, rework=True)
    assert figures(NOV, FiguresKey.LEAD_UNIT, world["d1"]) == {"closed": 2, "on_time": 1, "reworked": 1}


def test_a_rating_moves_the_callback_counters(world, actors, category):
    case = closed_case(world, actors, category)
    services.rate_case(case, actor=actors["dispatcher"], contacted=True, resolved=False, satisfaction="basic")
    assert figures(NOV, FiguresKey.COMMUNITY, world["c1"]) == {
        "closed": 1,
        "on_time": 1,
        "callbacks": 1,
        "contacted": 1,
        "basic": 1,
    }


def test_rehandle_takes_the_case_out_and_the_new_closure_counts_in_its_month(world, actors, category):
    case = closed_case(world, actors, category, day=20)
    with time_machine.travel(at(2026, 11, 25, 9), tick=False):
        services.rate_case(
            case, actor=actors["dispatcher"], contacted=True, resolved=False, satisfaction="dissatisfied"
        )
        request = approvals.request_rehandle(case, actor=actors["dispatcher"], reason="仍未解决")
        approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="同意")
    assert figures(NOV, FiguresKey.LEAD_UNIT, world["d1"]) == {}
    assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 2}  # the first and the re-dispatch
    with time_machine.travel(at(2026, 12, 2, 9), tick=False):
        lead = pending_lead(case)
        services.sign_assignment(lead, actor=actors["handler"])
        services.give_feedback(lead, actor=actors["handler"], text="已彻底处理")
        services.check_case(case, actor=actors["community"], passed=True, note="")
    assert figures(dt.date(2026, 12, 1), FiguresKey.LEAD_UNIT, world["d1"]) == {"closed": 1, "on_time": 1}


def test_an_approved_exclusion_takes_the_case_out(world, actors, category):
    case = closed_case(world, actors, category)
    request = approvals.request_exclusion(case, actor=actors["handler"], reason="诉求于法无据")
    assert figures(NOV, FiguresKey.STREET, world["s1"]) == {"closed": 1, "on_time": 1}  # not yet approved
    approvals.decide_request(request, actor=actors["supervisor"], approve=True, note="属实")
    for kind, org in ((FiguresKey.LEAD_UNIT, "d1"), (FiguresKey.STREET, "s1"), (FiguresKey.COMMUNITY, "c1")):
        assert figures(NOV, kind, world[org]) == {}
    assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 1}  # returns count on the dispatch


def test_returns_count_against_the_unit_unless_upheld_and_the_new_lead_unit_gets_the_case(
    world, actors, category
):
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):
        overruled = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        overruled = services.dispatch_case(overruled, actor=actors["dispatcher"], lead_unit=world["d1"])
        services.return_assignment(
            pending_lead(overruled), actor=actors["handler"], reason="not_our_duty", note="x"
        )
        assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 1, "returned": 1}
        services.adjudicate_return(overruled, actor=actors["dispatcher"], upheld=False, note="属城管职责")
        assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 1, "returned": 1}

        upheld = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        upheld = services.dispatch_case(upheld, actor=actors["dispatcher"], lead_unit=world["d1"])
        services.return_assignment(
            pending_lead(upheld), actor=actors["handler"], reason="not_our_duty", note="y"
        )
        assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 2, "returned": 2}
        services.adjudicate_return(
            upheld, actor=actors["dispatcher"], upheld=True, note="改派", lead_unit=world["d2"]
        )
    assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 2, "returned": 1}
    assert figures(NOV, FiguresKey.UNIT, world["d2"]) == {"dispatched": 1}
    with time_machine.travel(at(2026, 11, 10, 9), tick=False):
        lead = pending_lead(upheld)
        services.sign_assignment(lead, actor=actors["other_handler"])
        services.give_feedback(lead, actor=actors["other_handler"], text="已处理")
        services.check_case(upheld, actor=actors["community"], passed=True, note="")
    assert figures(NOV, FiguresKey.LEAD_UNIT, world["d2"]) == {"closed": 1, "on_time": 1}
    assert figures(NOV, FiguresKey.LEAD_UNIT, world["d1"]) == {}


def test_a_merged_duplicate_counts_once_through_its_master(world, actors, category):
    with time_machine.travel(at(2026, 11, 2, 8), tick=False):
        master = new_case(world)
        duplicate = new_case(world)
        coordination.merge_case(duplicate, actor=actors["dispatcher"], into=master, reason="同一问题")
    with time_machine.travel(at(2026, 11, 2, 9), tick=False):
        case = services.register_case(master, actor=actors["dispatcher"], category=category)
        case = services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["d1"])
        lead = pending_lead(case)
        services.sign_assignment(lead, actor=actors["handler"])
        services.give_feedback(lead, actor=actors["handler"], text="已处理")
        services.check_case(case, actor=actors["community"], passed=True, note="")
    assert figures(NOV, FiguresKey.COMMUNITY, world["c1"]) == {"closed": 1, "on_time": 1}
    assert summaries.check(NOV) == []


def test_an_urge_counts_against_the_unit_that_must_act(world, actors, category):
    with time_machine.travel(at(2026, 11, 9, 9), tick=False):
        case = services.register_case(new_case(world), actor=actors["dispatcher"], category=category)
        case = services.dispatch_case(case, actor=actors["dispatcher"], lead_unit=world["d1"])
        supervision.remind_case(case, actor=actors["supervisor"], reason="请加快")
        supervision.remind_case(case, actor=actors["supervisor"], reason="请再加快")
    assert figures(NOV, FiguresKey.UNIT, world["d1"]) == {"dispatched": 1, "urged": 2}


def test_evaluate_reads_the_stored_figures_in_three_queries(
    world, actors, category, django_assert_num_queries
):
    closed_case(world, actors, category)
    with django_assert_num_queries(3):  # the weights, the group's units, the month's figures
        table = evaluate(NOV, "street")
    assert [(row.unit.name, row.closed) for row in table] == [("望月湖街道", 1)]
    MonthlyFigures.objects.filter(month=NOV, kind=FiguresKey.STREET).update(closed=7)
    assert [row.closed for row in evaluate(NOV, "street")] == [7]  # the stored figures, not the cases
    assert [row.closed for row in evaluate_raw(NOV, "street")] == [1]


def test_cli_check_finds_a_difference_and_rebuild_repairs_it(world, actors, category, capsys):
    closed_case(world, actors, category)
    call_command("cases", "summaries", "--check", "--month", "2026-11")
    assert "一致" in capsys.readouterr().out
    MonthlyFigures.objects.filter(month=NOV, kind=FiguresKey.STREET).update(closed=5)
    differences = summaries.check(NOV)
    assert [(d.kind, d.org_id, d.figure, d.stored, d.computed) for d in differences] == [
        (FiguresKey.STREET, world["s1"].pk, "closed", 5, 1)
    ]
    with pytest.raises(CommandError, match="1 处不一致"):
        call_command("cases", "summaries", "--check")
    assert "按原始记录应为 1" in capsys.readouterr().out
    call_command("cases", "summaries", "--rebuild", "--month", "2026-11")
    assert summaries.check(NOV) == []
    MonthlyFigures.objects.all().delete()
    call_command("cases", "summaries", "--rebuild")  # every month with data
    assert figures(NOV, FiguresKey.STREET, world["s1"]) == {"closed": 1, "on_time": 1}
    with pytest.raises(CommandError, match="YYYY-MM"):
        call_command("cases", "summaries", "--check", "--month", "11/2026")


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_writes_add_up_and_unrelated_units_do_not_wait():
    """Two transactions add to the same missing row at once: the second insert waits for the
    first, fails on the key and turns into the UPDATE — no count is lost. A third transaction
    writing another unit's row is not held up by either."""
    import threading
    import time

    from django.db import connection, connections, transaction

    from ..conftest import build_world

    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL(设置 LUOSHI_TEST_DATABASE_URL;CI 中运行)")
    world = build_world()
    key = (NOV, FiguresKey.STREET, world["s1"].pk)
    other = (NOV, FiguresKey.STREET, world["s2"].pk)
    inserted = threading.Event()
    errors, waited = [], {}

    def first():
        try:
            with transaction.atomic():
                summaries.apply({key: {"closed": 1}})
                inserted.set()
                time.sleep(1.0)  # hold the uncommitted row while the others run
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    def second(target, name):
        try:
            inserted.wait(5)
            started = time.perf_counter()
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '5s'")
                summaries.apply({target: {"closed": 1}})
            waited[name] = time.perf_counter() - started
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=first),
        threading.Thread(target=second, args=(key, "same")),
        threading.Thread(target=second, args=(other, "unrelated")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert figures(NOV, FiguresKey.STREET, world["s1"]) == {"closed": 2}
    assert figures(NOV, FiguresKey.STREET, world["s2"]) == {"closed": 1}
    assert waited["same"] > 0.5  # waited for the first transaction's row
    assert waited["unrelated"] < 0.5  # did not
