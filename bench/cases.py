"""Benchmark: grid case handling at district scale (1,000,000 cases) on PostgreSQL.

    .venv/bin/python bench/cases.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_cases \
        [--cases 1000000] [--skip-load] [--intake 300] [--concurrency 4] [--runs 50] [--timeout 20]
        [--explain] [--only intake,workbench,ranking,supervision] [--keep-notices]

Migrates, builds the demo district if absent, bulk-loads cases (``bench/cases_loader.py``) until
there are ``--cases`` of them (``--skip-load``: use what is there), rebuilds the stored monthly
figures after a load (the loader bypasses the saves that keep them), VACUUM ANALYZEs, then measures:

- intake: ``services.report_case`` (public report picking a community) called one by one, against
  a bare one-row ``Case.objects.create`` and a bare INSERT into a 3-column scratch table; the same
  through the Django test ``Client``: POST to the real ``portal:report`` page vs a bare view that
  inserts one row (same middleware). cases/s and p50/p95 latency, and the ratios; where one call's
  time goes (statements, COMMIT, Python); and ``--concurrency`` forked processes at once, with the
  share of in-transaction time spent waiting on a lock;
- workbench: ``selectors.workbench`` count + first page of 50 for jiedao (street dispatcher) and
  bumen (department handler) with the common filters, ``--runs`` runs each, p50/p95; the count as
  the list view takes it (``CappedPaginator``: at most 1,001 rows, where the code has it); the
  whole ``cases:list`` page through the ``Client`` too (bumen also its 待签收 tab). Beside the
  wall time, the CPU time of this process and its database backend per call (``/proc/…/schedstat``):
  on a shared machine that is the call's own cost. Statements are cancelled after ``--timeout``
  seconds (reported as "> N ms", with the plan without ANALYZE);
- monthly ranking: ``evaluation.evaluate`` (stored monthly figures) and ``evaluation.evaluate_raw``
  (the raw rows) for the last complete month, three groups, median of 5, and the ranking page (as
  dudao); ``summaries.check`` / ``rebuild`` of that month, ``rebuild_all``, and what the figures'
  upkeep adds to a case save (hooks connected vs disconnected, rolled back);
- supervision: ``supervision.supervise(now)`` over all open cases, a first run (creates notices,
  audit events, notifications and delivery tasks) and a second, idempotent run.

``--explain`` prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest query of each section (the
workbench: of every count and page query; supervision: the first candidate batch before each run). Intake
adds real cases (``YL…`` numbers, ``--intake`` × 2 per run plus the concurrency runs); the bare rows
are deleted afterwards. Supervision notices and case notifications of an earlier run are deleted
first, so that the first run is a first run (``--keep-notices`` keeps them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import math
import os
import random
import re
import secrets
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import cases_loader  # noqa: E402  (bench/cases_loader.py)

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/luoshi_bench_cases"
AIMS = {"intake_ratio": 0.5, "workbench_p95_ms": 100.0, "ranking_s": 1.0}


# ---------------------------------------------------------------------------------------------
# Helpers


def pct(values, q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def summary(times_ms: list[float]) -> dict:
    return {"p50": statistics.median(times_ms), "p95": pct(times_ms, 0.95), "n": len(times_ms)}


def timed(fn, runs: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _schedstat(path: str) -> tuple[int, int]:
    """(ns on a CPU, ns runnable but waiting for a CPU) of a thread or process (Linux)."""
    try:
        with open(path) as f:
            run, wait, _ = f.read().split()
        return int(run), int(wait)
    except (OSError, ValueError):
        return 0, 0


def timed_sched(fn, runs: int, warmup: int = 2) -> dict[str, list[float]]:
    """Like ``timed``, and per call also the time this thread and the database backend spent on a
    CPU (from /proc/…/schedstat). On a machine shared with other jobs the wall time mostly measures
    the other jobs; the CPU time is the call's own cost, close to its wall time on an idle
    machine (parallel query workers are not counted). ``unqueued`` (wall less the time both
    waited for a CPU) is a rough lower bound: the two waits can overlap."""
    from django.db import connection

    for _ in range(warmup):
        fn()
    connection.ensure_connection()
    backend = f"/proc/{connection.connection.info.backend_pid}/schedstat"
    me = "/proc/thread-self/schedstat"
    out = {"wall": [], "cpu": [], "unqueued": []}
    for _ in range(runs):
        a, b = _schedstat(me), _schedstat(backend)
        t0 = time.perf_counter()
        fn()
        wall = (time.perf_counter() - t0) * 1000
        a2, b2 = _schedstat(me), _schedstat(backend)
        cpu = (a2[0] - a[0] + b2[0] - b[0]) / 1e6
        queued = (a2[1] - a[1] + b2[1] - b[1]) / 1e6
        out["wall"].append(wall)
        out["cpu"].append(cpu)
        out["unqueued"].append(max(0.0, wall - queued))
    return out


def sched_summary(times: dict[str, list[float]]) -> dict:
    return {
        **summary(times["wall"]),
        "cpu_p50": statistics.median(times["cpu"]),
        "cpu_p95": pct(times["cpu"], 0.95),
        "unqueued_p50": statistics.median(times["unqueued"]),
        "unqueued_p95": pct(times["unqueued"], 0.95),
    }


def interleaved(fns: dict, runs: int, warmup: int = 10) -> dict[str, list[float]]:
    """Time several paths call by call in turn, so that background load hits them alike."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1000)
    return times


def rate(times_ms: list[float]) -> dict:
    return {**summary(times_ms), "rate": 1000 * len(times_ms) / sum(times_ms)}


def concurrent_rate(fn, workers: int, per_worker: int) -> dict:
    """``workers`` forked processes (one connection each, no shared GIL) calling ``fn``
    ``per_worker`` times at once. Meanwhile the parent samples ``pg_stat_activity`` every 5 ms:
    the share of samples in which a worker waits for a lock (the day's CaseCounter row)."""
    import multiprocessing

    from django.db import connection

    context = multiprocessing.get_context("fork")
    connection.close()  # the children must not share the parent's socket
    barrier = context.Barrier(workers + 1)
    results = context.Queue()

    def worker():
        try:
            fn()  # warm this process's connection
            barrier.wait()
            started, times = time.monotonic(), []
            for _ in range(per_worker):
                t0 = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t0) * 1000)
            results.put((started, time.monotonic(), times, connection.connection.info.backend_pid))
        finally:
            connection.close()

    pool = [context.Process(target=worker) for _ in range(workers)]
    for process in pool:
        process.start()
    barrier.wait()
    samples = waiting = 0
    with connection.cursor() as cursor:
        while any(process.is_alive() for process in pool) and results.qsize() < workers:
            # Worker backends inside a transaction (running a statement or waiting for Python).
            cursor.execute(
                "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND state IN ('active', 'idle in transaction')"
            )
            locked, active = cursor.fetchone()
            samples += active
            waiting += locked
            time.sleep(0.005)
    rows = [results.get() for _ in range(workers)]
    for process in pool:
        process.join()
    wall = max(r[1] for r in rows) - min(r[0] for r in rows)
    latencies = [t for r in rows for t in r[2]]
    return {
        **summary(latencies),
        "rate": len(latencies) / wall,
        "lock_share": waiting / samples if samples else 0.0,
    }


def breakdown(fn, runs: int = 50) -> dict:
    """Where one call's time goes: per statement kind (µs resolution), COMMIT, and the rest
    (Python: ORM, services, encryption, hashing)."""
    from django.db import connection

    stats: dict[str, list[float]] = {}

    def wrapper(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            words = sql.split()
            if words[0] in ("SAVEPOINT", "RELEASE", "ROLLBACK"):  # one row for all their names
                key = f"{words[0]} (savepoint)"
            else:
                table_name = sql.split('"')[1] if '"' in sql else (words[2] if len(words) > 2 else "")
                key = f"{words[0]} {table_name}"
            stats.setdefault(key, []).append((time.perf_counter() - t0) * 1000)

    commits: list[float] = []
    real_commit = connection._commit

    def timed_commit():
        t0 = time.perf_counter()
        try:
            return real_commit()
        finally:
            commits.append((time.perf_counter() - t0) * 1000)

    connection._commit = timed_commit
    total = 0.0
    try:
        with connection.execute_wrapper(wrapper):
            for _ in range(runs):
                t0 = time.perf_counter()
                fn()
                total += (time.perf_counter() - t0) * 1000
    finally:
        del connection._commit
    rows = sorted(
        ((key, len(v) / runs, sum(v) / runs) for key, v in stats.items()), key=lambda item: -item[2]
    )
    sql_ms = sum(ms for _, _, ms in rows)
    commit_ms = sum(commits) / runs
    return {
        "total": total / runs,
        "statements": rows,
        "sql": sql_ms,
        "commit": commit_ms,
        "python": total / runs - sql_ms - commit_ms,
    }


def captured(fn):
    """Run ``fn`` once capturing its queries: [(ms, sql)], slowest first."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        fn()
    queries = [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries]
    return sorted(queries, key=lambda item: -item[0])


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def explain_plain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


def short(text: str) -> str:
    """Path-range upper bounds are 255 characters of Z: print them as Z…"""
    return re.sub("Z{8,}", "Z…", text)


def print_plan(title: str, sql: str, out) -> None:
    out.write(f"\n--- {title}\n{short(sql)}\n\n{short(explain(sql))}\n")


def table(headers: list[str], rows: list[list], out) -> None:
    out.write("| " + " | ".join(headers) + " |\n")
    out.write("|" + "|".join("---" for _ in headers) + "|\n")
    for row in rows:
        cells = [f"{cell:,.1f}" if isinstance(cell, float) else str(cell) for cell in row]
        out.write("| " + " | ".join(cells) + " |\n")


# ---------------------------------------------------------------------------------------------
# Dataset


def dataset(out) -> dict:
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from cases.models import OPEN_STATUSES, Case, CaseAssignment

    now = timezone.now()
    by_status = dict(Case.objects.order_by().values_list("status").annotate(n=Count("id")))
    total = sum(by_status.values())
    open_count = sum(by_status.get(s, 0) for s in OPEN_STATUSES)
    overdue = Case.objects.overdue(now).count()
    assignments = CaseAssignment.objects.count()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('cases_case')), "
            "pg_size_pretty(pg_relation_size('cases_case')), "
            "pg_size_pretty(pg_total_relation_size('cases_caseassignment'))"
        )
        total_size, heap_size, assignment_size = cursor.fetchone()
    out.write(
        f"cases: {total:,} ({open_count:,} open, {overdue:,} overdue), assignments: {assignments:,}; "
        f"cases table {total_size} (heap {heap_size}), assignments {assignment_size}\n"
    )
    out.write(
        "by status: "
        + ", ".join(f"{k} {v:,}" for k, v in sorted(by_status.items(), key=lambda i: -i[1]))
        + "\n"
    )
    return {"total": total, "open": open_count, "overdue": overdue, "assignments": assignments}


# ---------------------------------------------------------------------------------------------
# Intake


BARE_TABLE = "bench_bare_insert"


def _phone(rng: random.Random) -> str:
    return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))


def _intake_http(rng: random.Random, communities: list, descriptions: list[str], k: int) -> dict:
    """The real public report page vs a bare view inserting one row, through the test Client."""
    from django.core.cache import cache
    from django.db import transaction
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import include, path, reverse
    from django.views.decorators.http import require_POST

    from cases import public
    from cases.models import Case

    def grid_map_uncached():
        cache.clear()
        return public.grid_map()

    @require_POST
    def bare_view(request):
        from django.http import HttpResponseRedirect

        community = rng.choice(communities)
        with transaction.atomic():
            case = Case.objects.create(
                number="BARE" + secrets.token_hex(8),
                channel="public",
                title="路灯损坏",
                description=request.POST.get("description", ""),
                org=community,
                org_path=community.path,
            )
        return HttpResponseRedirect(f"/track/{case.number}/")

    urls = types.ModuleType("bench_cases_urls")
    urls.urlpatterns = [path("__bench__/bare-insert/", bare_view), path("", include("luoshi.urls"))]
    sys.modules["bench_cases_urls"] = urls
    http = {}
    with override_settings(ROOT_URLCONF="bench_cases_urls", ALLOWED_HOSTS=["testserver"]):
        try:
            report_url = reverse("portal:report")
        except Exception:  # the page is not there (yet)
            report_url = None
        client = Client()
        counter = iter(range(10**9))

        def post_report():
            community = rng.choice(communities)
            n = next(counter)
            # One client address per request: the page allows 5 reports per address and hour.
            response = client.post(
                report_url,
                {
                    "description": rng.choice(descriptions),
                    "area": community.pk,
                    "reporter_name": "王先生",
                    "reporter_phone": _phone(rng),
                },
                REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            )
            if response.status_code != 302:
                raise RuntimeError(f"portal:report answered {response.status_code}")

        def post_bare():
            response = client.post("/__bench__/bare-insert/", {"description": rng.choice(descriptions)})
            if response.status_code != 302:
                raise RuntimeError(f"bare view answered {response.status_code}")

        if report_url is not None:
            times = interleaved({"page": post_report, "bare": post_bare}, k)
            http = {name: rate(t) for name, t in times.items()}
            http["page_queries"] = len(captured(post_report))
            http["grid_geometries_ms"] = statistics.median(timed(grid_map_uncached, 20))
        else:
            http["bare"] = rate(timed(post_bare, k, warmup=10))
    return http


def intake(args, out) -> dict:
    from django.db import connection, transaction

    from cases import services
    from cases.models import Case
    from demo.orgs import find_demo_root
    from orgs.models import Org, OrgKind

    rng = random.Random(7)
    root = find_demo_root()
    communities = list(
        Org.objects.filter(path__startswith=root.path, kind__in=(OrgKind.COMMUNITY, OrgKind.VILLAGE))
    )
    descriptions = [
        "小区门口的路灯坏了一个多星期,晚上很黑,老人出行不安全,请尽快维修。",
        "楼下早餐店每天把油污水直接倒进雨水井,气味很大,请处理。",
        "人行道上有一个井盖松动,车一压就响,担心翻起来伤人。",
        "小区旁边工地晚上十点以后还在施工,噪音很大,影响休息。",
    ]

    def report():
        community = rng.choice(communities)
        services.report_case(
            channel="public",
            area=community,
            description=rng.choice(descriptions),
            reporter_name="王先生",
            reporter_phone=_phone(rng),
        )

    def bare_case():
        community = rng.choice(communities)
        with transaction.atomic():
            Case.objects.create(
                number="BARE" + secrets.token_hex(8),
                channel="public",
                title="路灯损坏",
                description=rng.choice(descriptions),
                org=community,
                org_path=community.path,
            )

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {BARE_TABLE} "
            "(id bigserial PRIMARY KEY, created_at timestamptz NOT NULL, body text NOT NULL)"
        )

    def bare_row():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {BARE_TABLE} (created_at, body) VALUES (now(), %s)", [rng.choice(descriptions)]
            )

    k = args.intake
    times = interleaved({"service": report, "bare_case": bare_case, "bare_row": bare_row}, k)
    results = {name: rate(t) for name, t in times.items()}

    # The same through HTTP: the real public report page vs a bare view inserting one row.
    http = _intake_http(rng, communities, descriptions, k)
    service_queries = captured(report)
    service_breakdown = breakdown(report)
    bare_breakdown = breakdown(bare_case)

    # Concurrency: the day's CaseCounter row is locked from the number until commit.
    concurrent = {}
    if args.concurrency > 1:
        for name, fn in (("service", report), ("bare_case", bare_case)):
            concurrent[name] = concurrent_rate(fn, args.concurrency, max(1, k // args.concurrency))

    deleted = Case.objects.filter(number__startswith="BARE").delete()[0]

    out.write(f"\n## Intake ({k} calls each, sequential, one transaction per call)\n\n")
    rows = []
    labels = {
        "service": "`services.report_case` (full service path)",
        "bare_case": "bare `Case.objects.create` (same table, minimum fields)",
        "bare_row": f"bare INSERT into a 3-column scratch table `{BARE_TABLE}`",
    }
    for name in ("service", "bare_case", "bare_row"):
        r = results[name]
        rows.append([labels[name], r["rate"], r["p50"], r["p95"]])
    if http:
        if "page" in http:
            page = http["page"]
            label = "POST `portal:report` via test `Client` (form, service, redirect)"
            rows.append([label, page["rate"], page["p50"], page["p95"]])
        bare = http["bare"]
        label = "POST bare view via test `Client` (one `Case` row, same middleware)"
        rows.append([label, bare["rate"], bare["p50"], bare["p95"]])
    table(["path", "cases/s", "p50 ms", "p95 ms"], rows, out)
    ratio_case = results["service"]["rate"] / results["bare_case"]["rate"]
    ratio_row = results["service"]["rate"] / results["bare_row"]["rate"]
    out.write(f"\nservice ÷ bare Case insert = {ratio_case:.0%}; ")
    out.write(f"service ÷ bare scratch-table insert = {ratio_row:.0%}")
    if "page" in http:
        ratio_http = http["page"]["rate"] / http["bare"]["rate"]
        out.write(f"; report page ÷ bare view = {ratio_http:.0%}")
        out.write(
            f"\nreport page: {http['page_queries']} queries per POST; "
            "the grid GeoJSON (cases.public.grid_map) "
            "built uncached (served separately since the map helper, cached, with an ETag): "
            f"{http['grid_geometries_ms']:.1f} ms"
        )
    else:
        ratio_http = None
        out.write("\n`portal:report` not found: the page test was skipped")
    out.write("\n\nwhere the time of one call goes (mean of 50 calls, ms):\n\n")
    b, bb = service_breakdown, bare_breakdown
    lines = [[f"`{key}`", f"{n:g}", f"{ms:.2f}"] for key, n, ms in b["statements"]]
    lines += [
        ["COMMIT", "1", f"{b['commit']:.2f}"],
        ["Python (ORM, service code, encryption, hashing)", "", f"{b['python']:.2f}"],
        ["**total** service", f"{sum(n for _, n, _ in b['statements']):g}", f"{b['total']:.2f}"],
        ["bare `Case.objects.create`: INSERT + COMMIT + Python",
         f"{sum(n for _, n, _ in bb['statements']):g}",
         f"{bb['sql']:.2f} + {bb['commit']:.2f} + {bb['python']:.2f} = {bb['total']:.2f}"],
    ]  # fmt: skip
    table(["statement", "per call", "ms"], lines, out)
    if concurrent:
        out.write(f"\nconcurrency: {args.concurrency} processes (one connection each):\n\n")
        table(
            ["path", "cases/s (all processes)", "p50 ms", "p95 ms", "in-transaction time waiting on a lock"],
            [
                [labels[n], r["rate"], r["p50"], r["p95"], f"{r['lock_share']:.0%}"]
                for n, r in concurrent.items()
            ],
            out,
        )
        share = concurrent["service"]["rate"] / concurrent["bare_case"]["rate"]
        out.write(f"\nconcurrent service ÷ bare = {share:.0%}\n")
    out.write(f"(deleted {deleted} bare rows)\n")
    aim = AIMS["intake_ratio"]
    out.write(
        f"AIM intake ≥ {aim:.0%} of bare insert: {'MET' if ratio_case >= aim else 'MISSED'} "
        f"({ratio_case:.0%} of the bare Case insert"
        + (f", {ratio_http:.0%} page vs bare view" if ratio_http is not None else "")
        + ")\n"
    )
    if args.explain:
        ms, sql = service_queries[0]
        if sql.lstrip().upper().startswith("SELECT"):
            print_plan(f"intake: slowest query ({ms:.2f} ms)", sql, out)
    return {
        "results": results,
        "http": http,
        "concurrent": concurrent,
        "ratio": ratio_case,
        "ratio_http": ratio_http,
    }


# ---------------------------------------------------------------------------------------------
# Workbench


def captured_safe(fn):
    """Like ``captured`` but returns ``(queries, error)``: a statement cancelled by the statement
    timeout is an error, and the queries so far (the cancelled one last) are still returned."""
    from django.db import OperationalError, connection
    from django.test.utils import CaptureQueriesContext

    error = None
    with CaptureQueriesContext(connection) as ctx:
        try:
            fn()
        except OperationalError as exc:
            error = exc
    return [(float(q["time"]) * 1000, q["sql"]) for q in ctx.captured_queries], error


def statement_timeout(seconds: float | None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = %s", [f"{int(seconds * 1000)}ms" if seconds else "0"])


def _workbench_pages(users: dict, runs: int, limit: str, results: dict) -> list:
    """GET cases:list through the test Client for the two accounts (rows of the page table)."""
    from django.db import OperationalError
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse

    page_rows = []
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for username in ("jiedao", "bumen"):
            client = Client()
            client.force_login(users[username])
            url = reverse("cases:list")
            pages = [("all (全部)", ""), ("overdue", "?overdue=1")]
            if username == "bumen":
                pages.append(("mine=pending (待签收)", "?mine=pending"))
            for label, query in pages:

                def get(client=client, url=url + query):
                    response = client.get(url)
                    if response.status_code != 200:
                        raise RuntimeError(f"cases:list answered {response.status_code}")

                try:
                    get()
                except OperationalError:
                    results[(username, "page " + label)] = {"p50": math.inf, "p95": math.inf}
                    page_rows.append([username, f"GET cases:list {label}", limit, limit])
                    continue
                s = sched_summary(timed_sched(get, max(10, runs // 2)))
                results[(username, "page " + label)] = s
                page_rows.append(
                    [username, f"GET cases:list {label}", s["p50"], s["p95"], s["cpu_p50"], s["cpu_p95"]]
                )  # fmt: skip
    return page_rows


def _workbench_aims(results: dict, out) -> None:
    """CPU time and wall time per call against the aim."""
    aim = AIMS["workbench_p95_ms"]
    calm = [(k, v["cpu_p95"]) for k, v in results.items() if v.get("cpu_p95", 0) > aim]
    out.write(
        f"CPU time per call: p95 ≤ {aim:.0f} ms "
        + (
            "everywhere\n"
            if not calm
            else "missed by " + ", ".join(f"{u} {lb} {p:.0f} ms" for (u, lb), p in calm) + "\n"
        )
    )
    over = [(k, v["p95"]) for k, v in results.items() if v["p95"] > aim]
    if over:
        missed = ", ".join(
            f"{u} {label} " + ("timeout" if math.isinf(p) else f"{p:.0f} ms ({p / aim:.1f}×)")
            for (u, label), p in over
        )
        out.write(f"AIM workbench p95 ≤ {aim:.0f} ms: MISSED by {missed}\n")
    else:
        out.write(f"AIM workbench p95 ≤ {aim:.0f} ms: MET\n")


def _workbench_plans(timeout: float, worst: tuple, plans: list, timeouts: list, out) -> None:
    """The query plans: the slowest completed query, the others, one of each cancelled kind."""
    if worst[1]:
        print_plan(f"workbench: slowest completed query ({worst[2]}, {worst[0]:.1f} ms)", worst[1], out)
    for title, sql in plans:
        if sql != worst[1]:
            print_plan(f"workbench: {title}", sql, out)
    seen = set()
    for where, sql in timeouts:
        kind = sql.split()[1]  # COUNT(*) … or the page's column list: one plan of each
        if kind in seen:
            continue
        seen.add(kind)
        out.write(f"\n--- workbench: cancelled after {timeout:g} s ({where}); plan without ANALYZE\n")
        out.write(f"{short(sql)}\n\n{short(explain_plain(sql))}\n")


def _count_as_the_view(selectors, cap, count_of, user, filters, queryset) -> int:
    """The count as the list view takes it: ``selectors.workbench_count`` where the code has it
    (issue 22: 全部 reads the visibility branches up to the cap), else ``count_of``."""
    if cap is not None and hasattr(selectors, "workbench_count"):
        return selectors.workbench_count(user, filters, cap)
    return count_of(queryset)


def workbench(args, out) -> dict:
    from django.db import OperationalError

    from cases import selectors
    from cases.selectors import CaseFilters
    from orgs.models import User
    from orgs.scoping import forget_scopes

    scenarios = [
        ("jiedao", "all (全部)", CaseFilters()),
        ("jiedao", "status=registered", CaseFilters(status="registered")),
        ("jiedao", "overdue", CaseFilters(overdue=True)),
        ("bumen", "all (全部)", CaseFilters()),
        ("bumen", "status=registered", CaseFilters(status="registered")),
        ("bumen", "overdue", CaseFilters(overdue=True)),
        ("bumen", "mine=pending", CaseFilters(mine="pending")),
    ]
    users = {name: User.objects.get(username=name) for name in ("jiedao", "bumen")}
    limit = f"> {args.timeout * 1000:,.0f}"
    try:  # the list view counts at most CAP + 1 rows (shown as "1000+"): count as it does
        from cases.views import CappedPaginator

        cap = CappedPaginator.CAP

        def count_of(queryset):
            return queryset.order_by()[: cap + 1].count()

    except ImportError:  # older code: the whole count
        cap = None

        def count_of(queryset):
            return queryset.count()

    rows, worst, timeouts, plans = [], (0.0, "", ""), [], []
    results = {}
    statement_timeout(args.timeout)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # no tracebacks for timeouts
    try:
        for username, label, filters in scenarios:
            user = users[username]
            state = {}

            def page(user=user, filters=filters, state=state):
                forget_scopes(user)  # a request loads the user and its scope afresh
                queryset = selectors.workbench(user, filters)
                state["count"] = _count_as_the_view(selectors, cap, count_of, user, filters, queryset)
                state["page"] = list(queryset[:50])

            def count_only(user=user, filters=filters, state=state):
                forget_scopes(user)
                state["count"] = _count_as_the_view(
                    selectors, cap, count_of, user, filters, selectors.workbench(user, filters)
                )

            def page_only(user=user, filters=filters):
                forget_scopes(user)
                list(selectors.workbench(user, filters)[:50])

            parts = {}
            for part, fn in (("count", count_only), ("page", page_only)):
                queries, error = captured_safe(fn)
                if error is not None:
                    parts[part] = None
                    timeouts.append((f"{username} {label} ({part})", queries[-1][1]))
                    continue
                # The slowest query on the cases table (not the scope look-up).
                ms, sql = max([q for q in queries if 'FROM "cases_case"' in q[1]] or queries)
                if ms > worst[0]:
                    worst = (ms, sql, f"{username} {label}")
                plans.append((f"{username} {label} ({part}, {ms:.1f} ms)", sql))
                parts[part] = statistics.median(timed(fn, max(5, args.runs // 5), warmup=1))
            shown = {k: (f"{v:,.1f}" if v is not None else limit) for k, v in parts.items()}
            count = f"{state['count']:,}" if "count" in state else "?"
            if None in parts.values():
                results[(username, label)] = {"p50": math.inf, "p95": math.inf, "timeout": True}
                rows.append(
                    [
                        username,
                        label,
                        count,
                        limit,
                        limit,
                        "",
                        "",
                        shown["count"],
                        shown["page"],
                        "timeout",
                    ]
                )
                continue
            s = sched_summary(timed_sched(page, args.runs))
            queries = captured(page)
            results[(username, label)] = {**s, "count": state["count"], "queries": len(queries)}
            if cap is not None:  # the rows column: the whole count, once (not timed)
                try:
                    forget_scopes(user)
                    total = selectors.workbench(user, filters).count()
                    count = f"{total:,}" + (f" (counted: {cap:,}+)" if total > cap else "")
                except OperationalError:
                    count = f"> {cap:,}"
            rows.append(
                [username, label, count, s["p50"], s["p95"], s["cpu_p50"], s["cpu_p95"],
                 shown["count"], shown["page"], len(queries)]
            )  # fmt: skip

        # The whole page (view, template, middleware) for the two accounts.
        page_rows = _workbench_pages(users, args.runs, limit, results)
    finally:
        statement_timeout(None)

    out.write(
        f"\n## Workbench (count + first page of 50, {args.runs} runs each, scope looked up each run; "
        f"statement timeout {args.timeout:g} s"
        + (f"; count capped at {cap:,} + 1 rows as in the list view" if cap is not None else "")
        + ")\n\n"
    )
    unq = ["CPU ms p50", "CPU ms p95"]
    table(["user", "filter", "rows", "p50 ms", "p95 ms", *unq, "count p50", "page p50", "queries"], rows, out)
    out.write("\nwhole page through the test Client (login session, view, template):\n\n")
    table(["user", "page", "p50 ms", "p95 ms", *unq], page_rows, out)
    out.write(
        "\n(CPU ms: time this process and its database backend spent on a CPU per call, from "
        "/proc/…/schedstat — the call's own cost, whatever else runs on the machine)\n"
    )
    _workbench_aims(results, out)
    if args.explain:
        _workbench_plans(args.timeout, worst, plans, timeouts, out)
    return {"results": results, "worst": worst, "timeouts": timeouts}


# ---------------------------------------------------------------------------------------------
# Monthly ranking


def ranking(args, out) -> dict:
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import reverse
    from django.utils import timezone

    from cases import summaries
    from cases.evaluation import GROUPS, evaluate, evaluate_raw
    from orgs.models import User

    today = timezone.localdate()
    first = today.replace(day=1)
    month = (first - dt.timedelta(days=1)).replace(day=1)
    rows, results, worst, per_query = [], {}, (0.0, "", ""), []
    for group in GROUPS:
        table_rows, raw_rows = [], []

        def run(group=group, table_rows=table_rows):
            table_rows[:] = evaluate(month, group)

        def run_raw(group=group, raw_rows=raw_rows):
            raw_rows[:] = evaluate_raw(month, group)

        sched = timed_sched(run, 5, warmup=1)
        raw_sched = timed_sched(run_raw, 5, warmup=1)
        if table_rows != raw_rows:
            raise RuntimeError(f"evaluate != evaluate_raw for {group} {month:%Y-%m}")
        times = sched["wall"]
        queries = captured(run)
        queries.sort(key=lambda item: -item[0])
        n_queries = len(queries)
        slowest = [q for q in queries if '"cases_case' in q[1] or "monthlyfigures" in q[1]] or queries
        for ms, sql in slowest[:2]:
            if ms > worst[0]:
                worst = (ms, sql, group)
            per_query.append((group, ms, sql))
        scored = [r for r in table_rows if r.score is not None]
        closed = sum(r.closed for r in table_rows)
        results[group] = {
            "median_s": statistics.median(times) / 1000,
            "cpu_s": statistics.median(sched["cpu"]) / 1000,
            "raw_median_s": statistics.median(raw_sched["wall"]) / 1000,
            "units": len(table_rows),
            "closed": closed,
        }
        rows.append([group, len(table_rows), len(scored), f"{closed:,}", statistics.median(times) / 1000,
                     max(times) / 1000, results[group]["cpu_s"], n_queries,
                     results[group]["raw_median_s"]])  # fmt: skip
    out.write(f"\n## Monthly ranking ({month:%Y-%m}, median of 5)\n\n")
    out_rows = [[*r[:4], f"{r[4]:.4f}", f"{r[5]:.4f}", f"{r[6]:.4f}", r[7], f"{r[8]:.3f}"] for r in rows]
    headers = ["group", "units", "scored", "closed cases", "median s", "max s", "CPU s (leader only)"]
    table([*headers, "queries", "evaluate_raw median s"], out_rows, out)
    slow = [g for g, r in results.items() if r["median_s"] > AIMS["ranking_s"]]
    out.write(
        f"AIM monthly ranking ≤ {AIMS['ranking_s']:.0f} s: "
        + (
            "MET\n"
            if not slow
            else "MISSED: " + ", ".join(f"{g} {results[g]['median_s']:.2f} s" for g in slow) + "\n"
        )
    )
    out.write("\nthe slowest queries of each evaluate():\n\n")
    table(
        ["group", "ms", "query"],
        [[g, f"{ms:.0f}", "`" + short(sql)[:90] + "…`"] for g, ms, sql in per_query],
        out,
    )
    # The ranking page: the table plus a 6-month trend line (evaluate() for each month).
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        client = Client()
        client.force_login(User.objects.get(username="dudao"))
        url = reverse("rankings") + f"?month={month:%Y-%m}&group=department"

        def get():
            response = client.get(url)
            if response.status_code != 200:
                raise RuntimeError(f"rankings answered {response.status_code}")

        page_times = timed_sched(get, 5, warmup=1)
        page_queries = len(captured(get))
    page_s = statistics.median(page_times["wall"]) / 1000
    results["page_s"] = page_s
    out.write(
        f"\nGET rankings page as dudao (department table + 6-month trend): median of 5 "
        f"{page_s:.2f} s (max {max(page_times['wall']) / 1000:.2f} s; CPU "
        f"{statistics.median(page_times['cpu']) / 1000:.2f} s, parallel workers not counted), "
        f"{page_queries} queries\n"
    )
    if args.explain and worst[1]:
        print_plan(f"ranking: slowest query ({worst[2]}, {worst[0]:.1f} ms)", worst[1], out)
    _figures_upkeep(month, summaries, out)
    return {"month": month, "results": results}


SAVES = (
    ("status saved, figures unchanged", "status", "closed"),
    ("excluded_from_evaluation flipped", "excluded_from_evaluation", True),
)


def _figures_upkeep(month, summaries, out) -> None:
    """Check / rebuild of the stored figures, and what keeping them adds to a case save."""
    from django.db import transaction

    from cases.models import Case, CaseStatus

    check_ms = timed(lambda: summaries.check(month), 5, warmup=1)
    rebuild_ms = timed(lambda: summaries.rebuild(month), 5, warmup=1)
    t0 = time.perf_counter()
    rows = summaries.rebuild_all()
    all_s = time.perf_counter() - t0
    months = len(summaries.months_with_data())
    out.write(
        f"\nstored figures: check({month:%Y-%m}) median {statistics.median(check_ms):.0f} ms, "
        f"rebuild({month:%Y-%m}) {statistics.median(rebuild_ms):.0f} ms; rebuild_all {all_s:.1f} s "
        f"({months} months, {rows:,} rows)\n"
    )
    start, end = month_bounds_of(month)
    ids = list(
        Case.objects.filter(status=CaseStatus.CLOSED, closed_at__gte=start, closed_at__lt=end)
        .order_by("pk")
        .values_list("pk", flat=True)[:200]
    )
    timings: dict[tuple[str, str], float] = {}
    # each save in its own transaction, rolled back; both orders twice, the better of the two kept
    for hooks in ("connected", "disconnected", "disconnected", "connected"):
        if hooks == "disconnected":
            summaries.disconnect()
        try:
            for label, field, value in SAVES:
                cases = [Case.objects.select_related("org").get(pk=pk) for pk in ids]
                t0 = time.perf_counter()
                for case in cases:
                    with transaction.atomic():
                        setattr(case, field, value)
                        case.save(update_fields=[field])
                        transaction.set_rollback(True)
                ms = 1000 * (time.perf_counter() - t0) / max(1, len(cases))
                timings[(label, hooks)] = min(ms, timings.get((label, hooks), ms))
        finally:
            summaries.connect()
    out.write(
        f"\n`Case.save(update_fields=[…])` of {len(ids)} closed cases, ms per save "
        "(each in its own transaction, rolled back; better of two runs):\n\n"
    )
    labels = dict.fromkeys(label for label, _ in timings)
    table(
        ["save", "figures kept", "hooks off", "added"],
        [
            [
                label,
                *(f"{timings[(label, hooks)]:.2f}" for hooks in ("connected", "disconnected")),
                f"{timings[(label, 'connected')] - timings[(label, 'disconnected')]:.2f}",
            ]
            for label in labels
        ],
        out,
    )


def month_bounds_of(month):
    from cases.evaluation import month_bounds

    return month_bounds(month)


# ---------------------------------------------------------------------------------------------
# Supervision


def supervision(args, out) -> dict:
    import inspect

    from django.db.models import Exists, OuterRef, Q
    from django_tasks_db.models import DBTaskResult

    from audit.models import AuditEvent
    from cases import supervision as sup
    from cases.models import Case, SupervisionNotice
    from core import clock
    from core.models import Notification

    if not args.keep_notices and SupervisionNotice.objects.exists():
        notes = Notification.objects.filter(
            kind__in=("case.reminder", "case.notice", "case.circular")
        ).delete()[0]
        gone = SupervisionNotice.objects.all().delete()[0]
        tasks = DBTaskResult.objects.all().delete()[0]
        out.write(f"(cleared an earlier run: {gone:,} notices, {notes:,} notifications, {tasks:,} tasks)\n")
    now = clock.now()

    def candidate_query():
        """The candidate query as ``supervise`` builds it (the newer code skips deadlines whose
        reminder/notice already exists)."""
        queryset = Case.objects.open().filter(due_at__lt=now + sup.REMIND_WITHIN).exclude(stage="")
        kinds = getattr(sup, "NoticeKind", None)
        if kinds is not None and "Exists(claimed" in inspect.getsource(sup.supervise):
            claimed = SupervisionNotice.objects.filter(
                case=OuterRef("pk"), stage=OuterRef("stage"), stage_due_at=OuterRef("due_at")
            )
            queryset = queryset.exclude(
                Q(due_at__gte=now) & Exists(claimed.filter(kind=kinds.REMINDER))
            ).exclude(Q(due_at__lt=now) & Exists(claimed.filter(kind=kinds.NOTICE)))
        return queryset.order_by("pk")

    candidates = candidate_query()
    n_candidates = candidates.count()
    n_open = Case.objects.open().count()

    def counts():
        return (
            SupervisionNotice.objects.count(),
            Notification.objects.count(),
            AuditEvent.objects.count(),
            DBTaskResult.objects.count(),
        )

    rows, results, batch_plans = [], {}, []
    for label in ("first run", "second run (idempotent)"):
        # The first candidate batch as this run will see it (the second run: after the first).
        chunk = candidate_query().select_related("org", "lead_unit")[:500]
        queries = captured(lambda chunk=chunk: list(chunk))
        plan = short(explain(queries[0][1])) if args.explain else ""  # now, before the run
        batch_plans.append((label, queries[0], plan))
        before = counts()
        t0 = time.perf_counter()
        report = sup.supervise(now)
        seconds = time.perf_counter() - t0
        after = counts()
        delta = [a - b for a, b in zip(after, before, strict=True)]
        results[label] = {"seconds": seconds, "report": report, "delta": delta}
        per_candidate = f"{1000 * seconds / max(1, n_candidates):.1f}"
        counts_ = [report.reminders, report.notices, report.circulars, report.skipped, len(report.errors)]
        rows.append([label, f"{seconds:.1f}", *counts_, *[f"{d:,}" for d in delta], per_candidate])
    out.write(
        f"\n## Supervision (`supervise(now)`: {n_open:,} open cases, {n_candidates:,} due within "
        f"{sup.REMIND_WITHIN} or overdue)\n\n"
    )
    table(["run", "wall s", "reminders", "notices", "circulars", "skipped", "errors", "+notices",
           "+notifications", "+audit events", "+tasks", "ms/candidate"], rows, out)  # fmt: skip
    for label, (ms, _sql), _plan in batch_plans:
        out.write(f"first candidate batch query (up to 500 rows) before the {label}: {ms:.1f} ms\n")
    first = results["first run"]["report"]
    if first.errors:
        out.write("errors: " + "; ".join(first.errors[:5]) + "\n")
    if args.explain:
        for label, (_ms, sql), plan in batch_plans:
            out.write(
                f"\n--- supervision: first candidate batch query before the {label}\n{short(sql)}\n\n{plan}\n"
            )
        # ... and once more now, after both runs (what the next pass would run).
        chunk = candidate_query().select_related("org", "lead_unit")[:500]
        queries = captured(lambda: list(chunk))
        print_plan("supervision: first candidate batch query after both runs", queries[0][1], out)
    return {"results": results, "candidates": n_candidates, "open": n_open}


# ---------------------------------------------------------------------------------------------


def _load() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument(
        "--years", type=float, default=1, help="history the loader spreads the cases over (5M: --years 5)"
    )
    parser.add_argument("--intake", type=int, default=300, help="timed calls per intake path")
    parser.add_argument(
        "--concurrency", type=int, default=4, help="processes for the concurrent intake run (≤1: skip)"
    )
    parser.add_argument("--runs", type=int, default=50, help="runs per workbench query")
    parser.add_argument(
        "--explain", action="store_true", help="print EXPLAIN (ANALYZE, BUFFERS) of slow queries"
    )
    parser.add_argument(
        "--timeout", type=float, default=20, help="statement timeout (s) for the workbench queries"
    )
    parser.add_argument("--keep-notices", action="store_true")
    parser.add_argument("--only", default="intake,workbench,ranking,supervision")
    args = parser.parse_args()
    cases_loader.setup(args.db)

    from django.core.management import call_command
    from django.db import connection

    from cases.models import Case
    from demo.orgs import build_demo

    out = sys.stdout
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    summary_ = build_demo()
    out.write(
        f"demo district {'reused' if summary_.reused else 'built'} in {time.perf_counter() - t0:.1f} s "
        f"({connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''})\n"
    )
    out.write(f"{os.cpu_count()} CPUs, load average at start {_load()}\n")
    have = Case.objects.count()
    if have < args.cases and not args.skip_load:
        from cases import summaries

        cases_loader.load(args.cases - have, days=round(365 * args.years))
        t0 = time.perf_counter()
        rows = summaries.rebuild_all()  # the loader bypasses the saves that keep the figures
        out.write(f"monthly figures rebuilt: {rows:,} rows in {time.perf_counter() - t0:.1f} s\n")
        cases_loader.vacuum_analyze(out)
    dataset(out)
    sections = set(args.only.split(","))
    results = {}
    if "intake" in sections:
        results["intake"] = intake(args, out)
    if "workbench" in sections:
        results["workbench"] = workbench(args, out)
    if "ranking" in sections:
        results["ranking"] = ranking(args, out)
    if "supervision" in sections:
        results["supervision"] = supervision(args, out)
    out.write(f"\ntotal {time.perf_counter() - started:.0f} s; load average now {_load()}\n")


if __name__ == "__main__":
    main()
