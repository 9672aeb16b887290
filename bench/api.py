"""Benchmark: the REST list endpoint at 1,000,000 cases and Open311 POST throughput, on PostgreSQL.

    .venv/bin/python bench/api.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_cases \
        [--runs 50] [--posts 200] [--concurrency 4] [--only list,open311] [--explain]

Uses the database that ``bench/cases.py`` loaded (run that first; this script loads nothing).
Every request goes through Django's test ``Client`` in this process: the whole stack (middleware,
Bearer-token authentication, rate limiting, django-ninja validation and serialization, the
``visible_to`` scope, the query) but no socket or HTTP server, so the figures are the
application's own cost; a production server adds its parsing and the network.

- list: ``GET /api/v1/cases`` with a street-scoped token (jiedao, the dispatch centre of
  望月湖街道) — the first page (50) with no filter and with each common filter, a page 5 deep by
  cursor, and the 200-row maximum page; ``--runs`` timed runs each after 2 warm-ups; p50/p95 of
  the wall time, and of this process's and the database backend's CPU time per call (on a shared
  machine the CPU time is the call's own cost). The department token (bumen, 城管局: 56 % of all
  cases) is measured too, as the widest non-district scope.
- open311: ``POST /open311/v2/requests.json`` with an API key (form-encoded, lat/long, a service
  code, a description), ``--posts`` one after another, then ``--concurrency`` forked processes at
  once: requests/s and p50/p95 latency. Each creates a real case through ``report_case`` (numbers
  ``YL…``, channel api); they are left in the database like the intake runs of ``bench/cases.py``.

Rate limits are switched off for the run (``LUOSHI_API_RATE=off`` etc.); the token and the
Open311 key are revoked at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import logging
import os
import random
import sys
import time
from pathlib import Path

from core.actors import SYSTEM

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import cases_loader  # noqa: E402  (bench/cases_loader.py)

_spec = importlib.util.spec_from_file_location("bench_cases", Path(__file__).resolve().parent / "cases.py")
bench_cases = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_cases)  # the helpers of bench/cases.py (timing, percentiles, processes)

DEFAULT_DB = bench_cases.DEFAULT_DB
AIM_LIST_P95_MS = 200.0

for name in ("LUOSHI_API_RATE", "LUOSHI_API_ANON_RATE", "LUOSHI_OPEN311_RATE", "LUOSHI_OPEN311_POST_RATE"):
    os.environ[name] = "off"
os.environ.setdefault("LUOSHI_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")  # the test Client's host


def _row(label: str, stats: dict, cpu: dict | None = None) -> str:
    line = f"  {label:<44} p50 {stats['p50']:7.1f} ms  p95 {stats['p95']:7.1f} ms"
    if cpu:
        line += f"   CPU p50 {cpu['p50']:6.1f} ms  p95 {cpu['p95']:6.1f} ms"
    return line


def list_section(args, out) -> dict:
    from django.test import Client

    from api import services as api_services
    from core import clock
    from orgs.models import Org, User

    out.write("\n## GET /api/v1/cases (Bearer token, in-process client)\n")
    logging.getLogger("django.request").setLevel(logging.CRITICAL)
    street = Org.objects.get(kind="street", name="望月湖街道")
    community = Org.objects.filter(kind="community", path__startswith=street.path).order_by("path").first()
    results = {}
    for username in ("jiedao", "bumen"):
        user = User.objects.get(username=username)
        token, raw = api_services.issue_token(owner=user, name="bench-api", actor=SYSTEM)
        client = Client(headers={"Authorization": f"Bearer {raw}"})
        try:
            first = client.get("/api/v1/cases", {"limit": 50}).json()
            cursor = first["next_cursor"]
            for _ in range(3):  # the cursor of page 5 (none when the user sees fewer than 5 pages)
                if cursor:
                    cursor = client.get("/api/v1/cases", {"limit": 50, "cursor": cursor}).json()[
                        "next_cursor"
                    ]
            month_ago = (clock.now().date() - dt.timedelta(days=30)).isoformat()
            scenarios = [
                ("first page (50, no filter)", {"limit": 50}),
                ("status=handling", {"status": "handling"}),
                ("status=registered,dispatched", {"status": "registered,dispatched"}),
                ("overdue=true", {"overdue": "true"}),
                ("created in the last 30 days", {"created_from": month_ago}),
                ("q=路灯 (title/address/number)", {"q": "路灯"}),
                *([("page 5 by cursor", {"limit": 50, "cursor": cursor})] if cursor else []),
                ("limit=200 (the maximum page)", {"limit": 200}),
            ]
            if username == "jiedao":
                scenarios.insert(4, (f"area={community.name}", {"area": community.pk}))
            out.write(f"\n{username} ({user.get_full_name() or user.username}):\n")
            for label, params in scenarios:
                state = {}

                def call(params=params, state=state, client=client):
                    response = client.get("/api/v1/cases", params)
                    assert response.status_code == 200, (response.status_code, response.content[:300])
                    state["n"] = len(response.json()["items"])

                measured = bench_cases.timed_sched(call, args.runs)
                wall = bench_cases.summary(measured["wall"])
                cpu = bench_cases.summary(measured["cpu"])
                results[(username, label)] = {"wall": wall, "cpu": cpu, "rows": state["n"]}
                out.write(_row(f"{label} [{state['n']} rows]", wall, cpu) + "\n")
                if args.explain and wall["p95"] > AIM_LIST_P95_MS:
                    out.write("    (over the aim: see bench/cases.py --explain for the workbench plans)\n")
        finally:
            api_services.revoke_token(token, actor=SYSTEM, reason="bench finished")
    street_p95 = max(r["wall"]["p95"] for (u, _), r in results.items() if u == "jiedao")
    street_cpu = max(r["cpu"]["p95"] for (u, _), r in results.items() if u == "jiedao")
    out.write(
        f"\nworst street-token p95: wall {street_p95:.1f} ms, CPU {street_cpu:.1f} ms "
        f"(aim < {AIM_LIST_P95_MS:.0f} ms)\n"
    )
    return results


def open311_section(args, out) -> dict:
    from django.test import Client

    from api import services as api_services
    from api.open311 import georeport
    from orgs.models import Org

    out.write("\n## POST /open311/v2/requests.json (API key, form-encoded, in-process client)\n")
    street = Org.objects.get(kind="street", name="望月湖街道")
    from shapely.geometry import shape

    grids = []  # points inside the street's grids, so intake locates each report to a grid
    for geometry in (
        Org.objects.filter(kind="grid", path__startswith=street.path)
        .exclude(geometry=None)
        .values_list("geometry", flat=True)[:50]
    ):
        point = shape(geometry).representative_point()
        grids.append((point.y, point.x))
    if not grids:
        grids = [(28.1838, 112.9430)]
    codes = [c["service_code"] for c in (georeport.service_out(s) for s in georeport.services_queryset())]
    record, raw = api_services.issue_open311_client(name="bench-open311", actor=SYSTEM)
    texts = [
        "小区门口路灯不亮已经一周,晚上出行不便,请尽快维修。",
        "人行道上有井盖缺失,存在安全隐患。",
        "垃圾桶满溢无人清运,气味很大。",
        "楼下餐馆夜间噪音扰民,影响休息。",
    ]
    rng = random.Random(20261129)
    client = Client()

    def post():
        lat, lon = rng.choice(grids)
        response = client.post(
            "/open311/v2/requests.json",
            {
                "api_key": raw,
                "jurisdiction_id": georeport.jurisdiction(),
                "service_code": rng.choice(codes),
                "lat": f"{lat:.6f}",
                "long": f"{lon:.6f}",
                "description": rng.choice(texts),
            },
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    results = {}
    try:
        sequential = bench_cases.timed(post, args.posts)
        results["sequential"] = bench_cases.rate(sequential)
        s = results["sequential"]
        out.write(
            f"  one client, {args.posts} requests: {s['rate']:.1f} requests/s, "
            f"p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms\n"
        )
        if args.concurrency > 1:
            per = max(1, args.posts // args.concurrency)
            c = bench_cases.concurrent_rate(post, args.concurrency, per)
            results["concurrent"] = c
            out.write(
                f"  {args.concurrency} processes × {per} requests: {c['rate']:.1f} requests/s, "
                f"p50 {c['p50']:.1f} ms, p95 {c['p95']:.1f} ms, lock-wait share {c['lock_share']:.0%}\n"
            )
    finally:
        api_services.revoke_open311_client(record, actor=SYSTEM, reason="bench finished")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--runs", type=int, default=50, help="timed runs per list scenario")
    parser.add_argument("--posts", type=int, default=200, help="Open311 POSTs, one client")
    parser.add_argument("--concurrency", type=int, default=4, help="processes for the concurrent POSTs")
    parser.add_argument("--only", default="list,open311")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    cases_loader.setup(args.db)

    from cases.models import Case

    out = sys.stdout
    started = time.perf_counter()
    total = Case.objects.count()
    out.write(f"{total:,} cases; {os.cpu_count()} CPUs, load average at start {bench_cases._load()}\n")
    if total < 100_000:
        out.write("(fewer than 100,000 cases: load them first with bench/cases.py)\n")
    sections = set(args.only.split(","))
    if "list" in sections:
        list_section(args, out)
    if "open311" in sections:
        open311_section(args, out)
    out.write(f"\ntotal {time.perf_counter() - started:.0f} s; load average now {bench_cases._load()}\n")


if __name__ == "__main__":
    main()
