"""文号 series (core.docnumbers): the issuer's prefix and year, one sequence per stem, never reused,
and distinct numbers for concurrent workers (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from core import docnumbers
from core.models import DocNumberCounter


@pytest.mark.django_db
def test_series_per_stem_and_year():
    assert docnumbers.allocate("岳", "督办", 2026) == "岳督办〔2026〕1号"
    assert docnumbers.allocate("岳", "督办", 2026) == "岳督办〔2026〕2号"
    assert docnumbers.allocate("岳", "通报", 2026) == "岳通报〔2026〕1号"
    assert docnumbers.allocate("岳", "督办", 2027) == "岳督办〔2027〕1号"
    assert docnumbers.allocate("", "督办", 2026) == "督办〔2026〕1号"
    assert docnumbers.word_for("notice") == "督办" and docnumbers.word_for("circular") == "通报"


@pytest.mark.django_db
def test_carried_over_series_continue():
    DocNumberCounter.objects.create(stem="督办", year=2026, last=7)  # workplan's legacy counter
    assert docnumbers.allocate("", "督办", 2026) == "督办〔2026〕8号"


@pytest.mark.django_db(transaction=True)
def test_concurrent_allocation_gives_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL(设置 LUOSHI_TEST_DATABASE_URL;CI 中运行)")
    workers = 8
    barrier = threading.Barrier(workers)
    numbers: list[str] = []
    lock = threading.Lock()

    def run():
        try:
            barrier.wait()
            number = docnumbers.allocate("岳", "督办", 2026)
            with lock:
                numbers.append(number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(numbers) == sorted(f"岳督办〔2026〕{n}号" for n in range(1, workers + 1))
