"""core.procache: a per-process copy, checked against a token in the shared cache."""

import pytest
from django.core.cache import cache
from django.db import transaction

from core import procache
from core.procache import ProcessCache


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(procache.time, "monotonic", clock)
    return clock


def _counting(name="test.counting", **kwargs):
    loads = []

    def load():
        loads.append(1)
        return len(loads)

    return ProcessCache(name, load, **kwargs), loads


def test_loaded_once_and_checked_at_most_once_per_interval(clock, monkeypatch):
    copy, loads = _counting()
    assert copy.get() == 1 and copy.get() == 1 and len(loads) == 1
    reads = []
    original = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a: reads.append(key) or original(key, *a))
    copy.get()
    assert reads == []  # within the interval: not even the shared cache is read
    clock.now += 1.5
    assert copy.get() == 1 and reads == [copy.key]  # one cache read, no load


@pytest.mark.django_db(transaction=True)
def test_a_change_reaches_another_process_after_commit(clock):
    here, loads_here = _counting("test.shared")
    there, loads_there = _counting("test.shared")  # another process: its own copy, the same cache
    assert here.get() == 1 and there.get() == 1
    with transaction.atomic():
        here.changed()
        assert here.get() == 2  # this process: at once
        clock.now += 5
        assert there.get() == 1  # the others: not before the commit
    clock.now += 5
    assert there.get() == 2
    assert here.get() == 3  # read again after the commit: it may have read uncommitted rows


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_is_not_published(clock):
    here, _ = _counting("test.rollback")
    there, _ = _counting("test.rollback")
    here.get(), there.get()
    token = cache.get(here.key)
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        here.changed()
        raise ZeroDivisionError("回滚")
    assert cache.get(here.key) == token
    clock.now += 5
    assert there.get() == 1


def test_a_lost_token_and_max_age_load_again(clock):
    copy, loads = _counting("test.age", max_age=60)
    copy.get()
    cache.clear()  # a flushed cache: a new token, so every copy loads again
    clock.now += 2
    assert copy.get() == 2
    clock.now += 61
    assert copy.get() == 3  # however current the token, never older than max_age


def test_forget_all_drops_every_copy(clock):
    copy, loads = _counting("test.forget")
    copy.get()
    procache.forget_all()
    assert copy.get() == 2


@pytest.mark.django_db(transaction=True)
def test_a_shared_cache_that_is_down_fails_nothing(clock, monkeypatch):
    copy, loads = _counting("test.down", max_age=60)

    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    assert copy.get() == 1
    clock.now += 5
    assert copy.get() == 1  # kept (up to max_age) rather than loaded per call
    with transaction.atomic():
        copy.changed()  # publishing after commit fails quietly: the change is committed
    assert copy.get() == 2
    clock.now += 61
    assert copy.get() == 3
