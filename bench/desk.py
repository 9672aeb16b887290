"""Benchmark: the dispatcher's desk pages on the demo district (median and p95 per tab).

    .venv/bin/python bench/desk.py [--db sqlite:////tmp/luoshi-desk/db.sqlite3] [--runs 30]
    .venv/bin/python bench/desk.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_desk

Migrates and builds the demo district with its cases when absent (``build_demo`` +
``build_demo_cases``), then GETs each tab of ``cases:list`` through the Django test ``Client`` as
``jiedao`` (street dispatcher), and ``quzhongxin`` (district dispatcher) when the account exists,
plus the 回访 queue and two case pages with the dispatch forms: ``--runs`` requests per page, median
and p95 in ms and the number of SQL statements of one request. With ``--htmx`` the table
fragment (``HX-Target: case-table``) is fetched instead of the whole page, as the filters do.
``--profile LABEL`` prints a cProfile of that page (the project's own functions).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

DEFAULT_DB = "sqlite:////tmp/luoshi-desk/db.sqlite3"
TABS = [
    ("全部", ""),
    ("待受理", "?status=reported"),
    ("待派遣", "?status=registered"),
    ("退单待裁定", "?status=returned"),
    ("待审批", "?requests=1"),
    ("已逾期", "?overdue=1"),
    ("待核查", "?status=fed_back"),
    ("搜索 工单号", "?q=GD"),
]


def pct(values, q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def prepare(db: str) -> None:
    if db.startswith("sqlite:///"):
        Path(db.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        os.environ.setdefault("LUOSHI_VAR_DIR", str(Path(db.removeprefix("sqlite:///")).parent))
    import cases_loader  # noqa: PLC0415 (bench/cases_loader.py: settings + static files)

    cases_loader.setup(db)
    from django.core.management import call_command

    from cases.models import Case

    call_command("migrate", verbosity=0)
    if not Case.objects.filter(is_demo=True).exists():
        t0 = time.perf_counter()
        call_command("build_demo", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        call_command("build_demo_cases", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
        print(f"demo built in {time.perf_counter() - t0:.0f} s", file=sys.stderr)


def measure(username: str, url: str, runs: int, htmx: bool) -> dict:
    from django.db import connection
    from django.test import Client

    from orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    headers = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "case-table"} if htmx else {}

    def get():
        response = client.get(url, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return response

    get()  # warm-up (templates, scopes)
    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        get()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        get()
        times.append((time.perf_counter() - t0) * 1000)
    return {"p50": statistics.median(times), "p95": pct(times, 0.95), "queries": len(statements)}


def profile(username: str, url: str) -> None:
    import cProfile
    import pstats

    from django.test import Client

    from orgs.models import User

    client = Client()
    client.force_login(User.objects.get(username=username))
    client.get(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(5):
        client.get(url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative")
    stats.print_stats(r"/(cases|core|orgs|audit)/", 30)  # the project's own functions


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--htmx", action="store_true", help="the table fragment, not the whole page")
    parser.add_argument("--profile", default="", help="cProfile of the page with this label")
    args = parser.parse_args()
    prepare(args.db)
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch, reverse

    from cases.models import Case
    from orgs.models import User

    print(f"demo cases: {Case.objects.count()}; runs per page: {args.runs}; htmx: {args.htmx}\n")
    print("| account | page | p50 ms | p95 ms | SQL statements |")
    print("|---|---|---|---|---|")
    base = reverse("cases:list")
    pages = [("jiedao", label, base + query) for label, query in TABS]
    with contextlib.suppress(NoReverseMatch):  # older code without the queue
        pages.append(("jiedao", "回访队列", reverse("cases:callbacks")))
    jiedao = User.objects.get(username="jiedao")
    for status, label in (("registered", "事项页 待派遣(派遣表单)"), ("returned", "事项页 退单待裁定")):
        case = Case.objects.visible_to(jiedao, "dispatch").filter(status=status).order_by("pk").first()
        if case is not None:
            pages.append(("jiedao", label, reverse("cases:detail", args=[case.number])))
    if User.objects.filter(username="quzhongxin").exists():
        pages += [("quzhongxin", "区级待办", base + "?district=1"), ("quzhongxin", "全部", base + "?q=")]
    with override_settings(ALLOWED_HOSTS=["testserver"]):
        for username, label, url in pages:
            try:
                s = measure(username, url, args.runs, args.htmx and url.startswith(base))
                if args.profile and label == args.profile:
                    profile(username, url)
            except RuntimeError as error:
                print(f"| {username} | {label} | — | — | {error} |")
                continue
            print(f"| {username} | {label} | {s['p50']:.1f} | {s['p95']:.1f} | {s['queries']} |", flush=True)


if __name__ == "__main__":
    main()
