"""Benchmark: the compliance engine (合规检查) on the demo district or on a generated district of
10,000 branches and 300,000 members with a year of organization life.

    # the demo district (SQLite file by default)
    .venv/bin/python bench/party.py [--db sqlite:////tmp/luoshi-party-bench.sqlite3] [--repeat 5]

    # the generated district on PostgreSQL (loads it with bench/party_loader.py when absent)
    createdb -h 127.0.0.1 -U postgres luoshi_bench_party
    .venv/bin/python bench/party.py --generated --db postgres://postgres@127.0.0.1:5432/luoshi_bench_party \
        [--repeat 5] [--orgs 30] [--profile]

Demo district: ``compliance.check`` for the whole district (last twelve months), for one street's
working committee and for one branch. Generated district: the full recomputation (``check`` on the
district committee: every rule over every organization), one organization's findings (``check``
on randomly drawn branches and community committees), and the near-duplicate minutes search for
one meeting (its LSH band keys looked up in ``MinutesBand`` — the candidates, against the
all-pairs count). Prints medians, p95/worst, query counts and finding counts; ``--profile`` adds
a cProfile of one full recomputation.
"""

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))


def timed(fn, repeat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, result, queries = [], None, 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            result = fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return times, result, queries


def p95(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def demo(args):
    from django.core.management import call_command

    from demo.orgs import build_demo
    from demo.party.life import build_demo_party
    from orgs.models import Org
    from party import compliance

    call_command("migrate", verbosity=0)
    build_demo()
    build_demo_party()
    root = Org.objects.get(depth=1, kind="party_committee", is_demo=True)
    targets = [
        ("全区(区委)", root),
        ("望月湖街道党工委", Org.objects.get(short_name="望月湖街道党工委")),
        ("湖东社区党支部", Org.objects.get(short_name="湖东社区党支部")),
    ]
    print(f"{'scope':<16} {'median ms':>10} {'max ms':>8} {'queries':>8} {'findings':>9}")
    for label, org in targets:
        times, found, queries = timed(lambda org=org: compliance.check(org), args.repeat)
        median = statistics.median(times)
        print(f"{label:<16} {median:>10.0f} {max(times):>8.0f} {queries:>8} {len(found):>9}")


def generated(args):
    from collections import Counter

    import party_loader
    from django.core.management import call_command
    from django.db import connection

    from orgs.models import Org
    from party import compliance
    from party.models import Meeting, MinutesBand

    call_command("migrate", verbosity=0)
    if not args.skip_load:
        party_loader.load(args.branches, args.members)
        party_loader.vacuum_analyze()
    root = Org.objects.get(depth=1, code=party_loader.CODE + "P")
    n_branches = Org.objects.filter(path__startswith=root.path, kind="branch").count()
    n_meetings = Meeting.objects.filter(org_path__startswith=root.path).count()
    print(f"district: {n_branches:,} branches, {n_meetings:,} meetings ({connection.vendor})")
    # The machine's pace, to compare figures taken on different machines: best of 5 of a pure
    # Python loop (28-31 ms on the 2026-11-29 session-5 VM).
    import timeit

    pace = min(timeit.repeat("sum(range(10**6))", number=10, repeat=5)) / 10 * 1000
    print(f"machine pace: sum(range(10**6)) {pace:.1f} ms (best of 5)")

    if args.only and set(args.only.split(",")) <= {"dashboard"}:
        dashboard(root, args.repeat)
        return
    # Full recomputation.
    times, found, queries = timed(lambda: compliance.check(root), args.repeat)
    print(
        f"full recomputation: median {statistics.median(times):,.0f} ms, min {min(times):,.0f}, "
        f"max {max(times):,.0f} ({args.repeat} runs), {queries} queries, {len(found):,} findings"
    )
    for rule, n in sorted(Counter(f.rule for f in found).items()):
        print(f"    {rule:<32} {n:>7,}")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        compliance.check(root)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)

    # One organization's findings.
    rng = random.Random(7)
    branches = list(Org.objects.filter(path__startswith=root.path, kind="branch").order_by("path"))
    committees = list(Org.objects.filter(path__startswith=root.path, kind="party_committee", depth=3))
    for label, pool in (("one branch", branches), ("one community committee (20 branches)", committees)):
        sample = rng.sample(pool, min(args.orgs, len(pool)))
        all_times, counts, query_counts = [], [], []
        for org in sample:
            times, found, queries = timed(lambda org=org: compliance.check(org), 3)
            all_times.append(statistics.median(times))
            counts.append(len(found))
            query_counts.append(queries)
        print(
            f"{label}: median {statistics.median(all_times):.0f} ms, p95 {p95(all_times):.0f} ms, "
            f"max {max(all_times):.0f} ms over {len(sample)} orgs; "
            f"queries {min(query_counts)}–{max(query_counts)}, "
            f"findings median {statistics.median(counts):.0f}"
        )

    incremental(root, args.repeat, args.changed)
    dashboard(root, args.repeat)

    # Near-duplicate search for one meeting: its band keys → the meetings sharing one.
    every = max(1, n_meetings // 2000)
    ids = list(Meeting.objects.filter(org_path__startswith=root.path).values_list("pk", flat=True))[::every]
    sample = rng.sample(ids, min(200, len(ids)))
    lookup_times, candidates = [], []
    for meeting_id in sample:
        started = time.perf_counter()
        keys = list(MinutesBand.objects.filter(meeting_id=meeting_id).values_list("key", flat=True))
        peers = MinutesBand.objects.filter(key__in=keys).exclude(meeting_id=meeting_id)
        found = set(peers.values_list("meeting_id", flat=True))
        lookup_times.append((time.perf_counter() - started) * 1000)
        candidates.append(len(found))
    print(
        f"LSH lookup for one meeting: median {statistics.median(lookup_times):.1f} ms, "
        f"p95 {p95(lookup_times):.1f} ms ({len(sample)} meetings); "
        f"candidates median {statistics.median(candidates):.0f}, max {max(candidates)} "
        f"— all-pairs would compare with {n_meetings - 1:,} meetings"
    )


def incremental(root, repeat: int, share: float):
    """The district's stored findings recomputed by ``snapshots.compute`` (the worker's refresh
    and a page's recomputation): the full path (no snapshot yet), nothing changed since, and
    ``share`` of the branches changed (half of them a meeting voided, the other half a meeting
    touched, in bulk without audit events like the loader: the branches' fingerprints tell), with
    a check that the result is ``compliance.check``'s field by field; then the voided meetings are
    restored (the district as loaded, for the next run) and recomputed once more."""
    import dataclasses
    import json

    from django.utils import timezone

    from orgs.models import Org
    from party import compliance
    from party.compliance.dates import default_window
    from party.models import FindingsSnapshot, Meeting
    from party.snapshots import services as snapshots

    def everything(found):
        return sorted(json.dumps(dataclasses.astuple(f), ensure_ascii=False, default=str) for f in found)

    outcomes = []
    recompute = snapshots.recompute

    def spy(*a, **kw):
        outcomes.append(recompute(*a, **kw))
        return outcomes[-1]

    snapshots.recompute = spy
    today = timezone.localdate()
    start, end = default_window(today)
    ref = min(end, today)

    def run(label, change=None, runs=repeat):
        times, done = [], []
        for _ in range(runs):
            if change is not None:
                change()
            started = time.perf_counter()
            snapshot = snapshots.compute(root, start, end, ref)
            times.append((time.perf_counter() - started) * 1000)
            o = outcomes[-1]
            done.append(f"full ({o.why})" if o.full else f"{o.changed:,}")
        print(
            f"    {label:<44} median {statistics.median(times):>7,.0f} ms "
            f"(min {min(times):,.0f}, max {max(times):,.0f}, {len(times)} runs); "
            f"branches recomputed: {', '.join(done)} of {o.pieces:,}; {snapshot.count:,} findings"
        )
        return snapshot

    print(f"stored findings of the district ({start} – {end}), snapshots.compute:")
    FindingsSnapshot.objects.filter(org=root, start=start, end=end, ref=ref).delete()
    run("full path (no snapshot yet)", runs=1)
    run("nothing changed")
    rng = random.Random(11)
    branches = Org.objects.filter(path__startswith=root.path, kind="branch").values_list("pk", flat=True)
    branches = list(branches)
    voided = []

    def change():
        """``share`` of the branches, drawn anew: one meeting each voided (half of them) or
        touched (the other half), in bulk like the loader."""
        for i, pk in enumerate(rng.sample(branches, max(1, int(len(branches) * share)))):
            live = Meeting.objects.filter(org_id=pk, held_on__gte=start, voided_at__isnull=True)
            meeting = live.order_by("pk").first()
            if meeting is None:
                continue
            if i % 2:
                Meeting.objects.filter(pk=meeting.pk).update(updated_at=timezone.now())
            else:
                Meeting.objects.filter(pk=meeting.pk).update(voided_at=timezone.now())
                voided.append(meeting.pk)

    last = run(f"{share:.0%} of the branches changed before each run", change)
    full = compliance.check(root, start, end, today=ref)
    same = everything(snapshots.decode(last.data)) == everything(full)
    print(f"    incremental == full recomputation, field by field: {same} ({len(full):,} findings)")
    # Leave the district as loaded for the next run (a change like any other: updated_at moves).
    Meeting.objects.filter(pk__in=voided).update(voided_at=None, updated_at=timezone.now())
    run(f"the {len(voided)} voided meetings restored", runs=1)
    snapshots.recompute = recompute


def dashboard(root, repeat: int):
    """The organization department's district dashboard (the quarter shown and a five-quarter
    trend) through the test client: the first visit ever (no snapshot: computed while the user
    waits, or queued with a notice), the worker running what that visit queued (``db_worker
    --batch``), the first visit with the figures, the periodic task, then ``repeat`` fresh visits
    and ``repeat`` visits after a record changed (the stale snapshot is served and a refresh
    queued; no worker runs then). Prints the load average around each figure."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from orgs.models import Org
    from party.models import FindingsSnapshot, Meeting
    from party.snapshots import services as snapshots

    settings.ALLOWED_HOSTS = ["*"]
    user, _ = get_user_model().objects.get_or_create(
        username="bench_root", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client()
    client.force_login(user)
    FindingsSnapshot.objects.filter(org=root).delete()
    cache.clear()

    def load():
        return "/".join(f"{x:.1f}" for x in os.getloadavg())

    def visit():
        started = time.perf_counter()
        response = client.get(f"/party/dashboard/?org={root.pk}")
        assert response.status_code == 200
        return (time.perf_counter() - started) * 1000, "正在计算本季度研判结果" in response.content.decode()

    def timed_once(fn):
        started = time.perf_counter()
        fn()
        return (time.perf_counter() - started) * 1000

    # The process's own warm-up (importing every app's URLs, the API schemas, scipy for the LSH:
    # ~10 s on a shared machine) is not the page's: one branch's dashboard is shown first.
    branch = Org.objects.filter(path__startswith=root.path, kind="branch").order_by("path").first()
    assert client.get(f"/party/dashboard/?org={branch.pk}").status_code == 200
    print(f"district dashboard (load average {load()}):")
    first, notice = visit()
    shown = "notice shown, computation queued" if notice else "figures"
    print(f"    first visit ever: {first:,.0f} ms ({shown})")
    worker = timed_once(lambda: call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay"))
    print(f"    the worker running what that visit queued: {worker:,.0f} ms (load {load()})")
    ready, notice = visit()
    print(f"    next visit: {ready:,.0f} ms ({'still the notice' if notice else 'figures'})")
    warmed = timed_once(snapshots.refresh_due)
    fresh = [visit()[0] for _ in range(repeat)]
    print(f"    the periodic task: {warmed:,.0f} ms; fresh visits: {', '.join(f'{t:,.0f}' for t in fresh)}")
    Meeting.objects.filter(pk=Meeting.objects.order_by("pk").values("pk")[:1]).update(
        updated_at=timezone.now()
    )
    stale = [visit()[0] for _ in range(repeat)]
    print(f"    stale visits: {', '.join(f'{t:,.0f}' for t in stale)} ms (load {load()})")
    print(
        f"district dashboard: first visit ever {first:,.0f} ms; then median "
        f"{statistics.median(fresh):,.0f} ms fresh, {statistics.median(stale):,.0f} ms stale "
        f"({repeat} visits each)"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="sqlite:////tmp/luoshi-party-bench.sqlite3")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--generated", action="store_true", help="the 10,000-branch generated district")
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--branches", type=int, default=10_000)
    parser.add_argument("--members", type=int, default=300_000)
    parser.add_argument("--orgs", type=int, default=30, help="organizations drawn for the one-org figures")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--only", default="", help="'dashboard': only the district dashboard's visits")
    parser.add_argument("--changed", type=float, default=0.01, help="share of branches changed (incremental)")
    args = parser.parse_args()
    os.environ["LUOSHI_DATABASE_URL"] = args.db
    os.environ.setdefault("LUOSHI_DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    import django

    django.setup()
    (generated if args.generated else demo)(args)


if __name__ == "__main__":
    main()
