"""Tracking numbers on PostgreSQL come from a sequence (cases.services.next_number): parallel
intakes get distinct numbers of the day and do not wait for one another's commit. Needs real
concurrent transactions, so it runs on PostgreSQL (CI runs it there)."""

import re
import threading

import pytest
from django.db import connection, connections, transaction

from cases.defaults import seed_defaults
from cases.models import Case

from ..conftest import build_world
from .conftest import new_case

pytestmark = pytest.mark.django_db(transaction=True)

NUMBER = re.compile(r"^YL20261207-(\d{4,})$")


@pytest.fixture
def world_on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL(设置 LUOSHI_TEST_DATABASE_URL;CI 中运行)")
    seed_defaults()  # an earlier transactional test's flush drops the seeded limits
    return build_world()


def _in_thread(fn, results, key, started=None):
    def run():
        try:
            with connection.cursor() as cursor:  # a waiter fails fast instead of hanging the suite
                cursor.execute("SET lock_timeout = '3s'")
            results[key] = fn()
        except Exception as error:  # noqa: BLE001 (reported by the test)
            results[key] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _seq(number: str) -> int:
    match = NUMBER.match(number)
    assert match, number
    return int(match.group(1))


def test_an_intake_does_not_wait_for_an_open_intake_of_the_same_day(world_on_postgres):
    world = world_on_postgres
    first = new_case(world)  # the day's row exists (committed)
    holding, release = threading.Event(), threading.Event()
    results: dict = {}

    def held_open():
        with transaction.atomic():
            case = new_case(world)
            holding.set()
            release.wait(timeout=20)  # keeps its transaction (and any lock it took) open
        return case.number

    holder = _in_thread(held_open, results, "held")
    assert holding.wait(timeout=20)
    # While the other intake is still open: with the old counter row this waited for its commit
    # (here: lock_timeout after 3 s, an error).
    other = _in_thread(lambda: new_case(world).number, results, "other")
    other.join(timeout=20)
    done_while_open = not other.is_alive() and not release.is_set()
    release.set()
    holder.join(timeout=20)
    assert done_while_open, "the second intake waited for the first to commit"
    assert isinstance(results["other"], str), results["other"]
    assert isinstance(results["held"], str), results["held"]
    numbers = [first.number, results["held"], results["other"]]
    assert len(set(numbers)) == 3 and _seq(first.number) == 1
    assert _seq(results["held"]) < _seq(results["other"])  # in the order the numbers were taken


def test_parallel_intakes_get_distinct_numbers(world_on_postgres):
    world = world_on_postgres
    barrier = threading.Barrier(6)
    results: dict = {}

    def report():
        barrier.wait(timeout=20)
        return new_case(world).number

    threads = [_in_thread(report, results, i) for i in range(6)]
    for thread in threads:
        thread.join(timeout=30)
    numbers = [results[i] for i in range(6)]
    assert all(isinstance(n, str) for n in numbers), numbers
    assert len(set(numbers)) == 6
    # the day's first intake makes the row; the others wait for it once, then take numbers freely
    assert sorted(_seq(n) for n in numbers)[0] == 1
    assert Case.objects.filter(number__in=numbers).count() == 6


def test_a_rolled_back_intake_burns_its_number(world_on_postgres):
    world = world_on_postgres
    first = new_case(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = new_case(world)
        raise RuntimeError("回滚")
    after = new_case(world)
    assert _seq(lost.number) == _seq(first.number) + 1
    assert _seq(after.number) == _seq(first.number) + 2  # a gap: 查询码 is what residents use
    assert not Case.objects.filter(number=lost.number).exists()
