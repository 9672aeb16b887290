"""Benchmark: how to tell a per-process copy is current (core.procache), and what a reload costs.

    .venv/bin/python bench/procache.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_cases \
        [--redis redis://127.0.0.1:6379/0] [--runs 2000]

Medians (µs) of: reading the version token from the shared cache (LocMem; Redis when ``--redis`` is
given, keys under a private prefix), the stamp queries a ``party.rules``-style check would run
instead (``Count``/``Max`` over the table), the loads themselves, and one intake's reads the old way
(the rule query, the calendar query, the ancestors query) against the cached way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def median_us(fn, runs: int) -> float:
    for _ in range(min(50, runs)):
        fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e6)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="postgres://postgres@127.0.0.1:5432/luoshi_bench_cases")
    parser.add_argument("--redis", default="")
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    os.environ["LUOSHI_DATABASE_URL"] = args.db
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    import datetime as dt

    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache
    from django.db import connection
    from django.db.models import Count, Max
    from django.utils import timezone

    from cases import deadlines
    from cases.models import SlaRule, Stage, Urgency
    from orgs import selectors as orgs_selectors
    from orgs.models import Org, OrgKind
    from orgs.selectors import ANCESTORS, ancestors
    from workdays import calendar as workcal
    from workdays.models import CalendarOverride

    runs = args.runs
    rows = []
    locmem = LocMemCache("bench", {})
    locmem.set("luoshi:procache:x", "abc", None)
    rows.append(
        ("token from the shared cache: LocMem", median_us(lambda: locmem.get("luoshi:procache:x"), runs))
    )
    if args.redis:
        from django.core.cache.backends.redis import RedisCache

        redis = RedisCache(args.redis, {"KEY_PREFIX": "luoshi-bench-procache"})
        redis.set("luoshi:procache:x", "abc", None)
        rows.append(
            (
                "token from the shared cache: Redis (local)",
                median_us(lambda: redis.get("luoshi:procache:x"), runs),
            )
        )
        redis.delete("luoshi:procache:x")
    del caches

    def stamp(model):
        return lambda: model.objects.aggregate(n=Count("pk"), last=Max("pk"))

    rows.append(("stamp query: SlaRule count+max(id)", median_us(stamp(SlaRule), runs)))
    rows.append(("stamp query: CalendarOverride count+max(id)", median_us(stamp(CalendarOverride), runs)))
    rows.append(("stamp query: Org count+max(id)", median_us(stamp(Org), runs)))
    rows.append(("load: every SlaRule", median_us(deadlines._load_rules, runs // 10)))
    rows.append(("load: calendar rows", median_us(workcal._load_configuration, runs // 10)))
    rows.append(
        (
            f"load: the org tree ({Org.objects.count():,} orgs)",
            median_us(orgs_selectors._load_tree, runs // 20),
        )
    )

    community = Org.objects.filter(kind=OrgKind.COMMUNITY).order_by("pk").first()
    today = timezone.localdate()
    start = timezone.now()

    def old_rule():
        from django.db.models import Q

        rules = SlaRule.objects.filter(
            urgency=Urgency.ORDINARY, stage=Stage.REGISTER, effective_from__lte=today
        ).filter(Q(category__isnull=True))
        return min(rules, key=lambda r: -r.effective_from.toordinal(), default=None)

    def old_calendar():
        return {row.date: row for row in CalendarOverride.objects.filter(date__year=today.year)}

    rows.append(("old: the rule query (rule_for)", median_us(old_rule, runs)))
    rows.append(("old: the calendar query (one year)", median_us(old_calendar, runs)))
    rows.append(
        ("old: the ancestors query", median_us(lambda: list(Org.objects.get_ancestors(community)), runs))
    )
    rows.append(
        (
            "cached: rule_for",
            median_us(lambda: deadlines.rule_for(None, Urgency.ORDINARY, Stage.REGISTER, today), runs),
        )
    )
    rows.append(
        ("cached: due_after(+1 workday)", median_us(lambda: deadlines.due_after(start, 1, "work_days"), runs))
    )
    ANCESTORS.forget()
    rows.append(("cached: orgs.selectors.ancestors", median_us(lambda: ancestors(community), runs)))

    load = os.getloadavg()
    when = dt.datetime.now(dt.UTC)
    print(
        f"{connection.vendor}, {runs} runs, load average "
        f"{load[0]:.1f} {load[1]:.1f} {load[2]:.1f}, {when:%H:%M} UTC"
    )
    print("| what | median µs |\n|---|---|")
    for name, us in rows:
        print(f"| {name} | {us:,.1f} |")


if __name__ == "__main__":
    main()
