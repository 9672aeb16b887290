"""Benchmark: the key-task supervision board with 10,000 tasks and 100,000 progress reports.

    .venv/bin/python bench/workplan.py --db postgres://postgres@127.0.0.1:5432/luoshi_bench_workplan \
        [--tasks 10000] [--reports 100000] [--runs 30] [--skip-load] [--explain] [--no-ladder]

Creates the database if needed, migrates, builds the demo district if absent, bulk-loads plans,
task trees (lead and co-units from the demo departments and streets), progress reports and
evidence-free history (``--skip-load``: use what is there), VACUUM ANALYZEs, then measures, for
``--runs`` runs each, median and p95:

- the whole board page ``/workplan/`` through the Django test ``Client`` as dudao (district
  supervision office: status counts, unit chart, first page of 50 ordered overdue/lagging first),
  and filtered by status and by unit;
- the unit workbench ``/workplan/mine/`` as bumen (区城管局) and jiedao (望月湖街道);
- a task page with its timeline;
- one pass of the escalation ladder over all open tasks (first run and idempotent second run);
- the speech extractor on the seed speech.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.append(str(Path(__file__).resolve().parent))  # bench/: cases_loader.ensure_static

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/luoshi_bench_workplan"
AIM_BOARD_MS = 300.0


def pct(values, q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q * (len(values) - 1))))]


def ensure_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup(url: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luoshi.settings")
    os.environ["LUOSHI_DATABASE_URL"] = url
    os.environ.setdefault("LUOSHI_DEBUG", "0")
    os.environ.setdefault("LUOSHI_SECRET_KEY", "bench-only")
    os.environ.setdefault("LUOSHI_DEMO_APP", "1")  # build_demo: the dev-only demo app
    import django

    django.setup()
    from cases_loader import ensure_static
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    ensure_static()


def _child_task(rng, parent, i: int, units: list, office, now, today: dt.date, margin, calendar):
    """Sub-task ``i`` of ``parent``: random lead unit, progress and state (active ones lagging or not)."""
    from workplan import status
    from workplan.models import Task

    lead = rng.choice(units)
    progress = rng.choice([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100])
    state = "active"
    if progress == 100:
        state = rng.choice(["submitted", "done", "closed"])
    elif rng.random() < 0.02:
        state = "cancelled"
    child = Task(
        plan=parent.plan,
        parent=parent,
        org=office,
        org_path=office.path,
        number=f"{parent.number}.{i + 1}",
        sort=i + 1,
        title=f"压测子任务 {parent.title}-{i + 1}",
        start_on=parent.start_on,
        deadline=parent.deadline,
        lead_unit=lead,
        state=state,
        progress=progress,
        leader_name=rng.choice(["张副区长", "李副区长", "王常委", "赵部长"]),
        created_at=now,
        next_report_due=today + dt.timedelta(days=rng.randint(-10, 30)) if state == "active" else None,
    )
    if state == "active":
        child.lags_from = status.lags_from(child.start_on, child.deadline, child.progress, margin, calendar)
    return child


def load(n_tasks: int, n_reports: int) -> None:
    from django.db import connection, transaction
    from django.utils import timezone

    from orgs.models import Org
    from workdays.calendar import WorkCalendar
    from workplan import status
    from workplan.models import Plan, ProgressReport, Task, TaskUnit

    rng = random.Random(20261129)
    root = Org.objects.filter(is_demo=True, kind="district", depth=1).first()
    office = Org.objects.get(is_demo=True, name="区委督查室")
    units = list(
        Org.objects.filter(is_demo=True, kind__in=("department", "street", "town"), archived_at__isnull=True)
    )
    calendar = WorkCalendar()
    today = timezone.localdate()
    margin = status.rule_in_force(today).lag_margin
    now = timezone.now()
    existing = Task.objects.filter(plan__title__startswith="压测计划").count()
    if existing >= n_tasks:
        print(f"已有 {existing} 项压测任务,跳过装载")
        return
    per_plan = 500
    started = time.monotonic()
    with transaction.atomic():
        plan_rows = [
            Plan(
                org=office,
                org_path=office.path,
                title=f"压测计划{i + 1}",
                year=today.year,
                state="approved",
                approved_at=now,
            )
            for i in range(max(1, n_tasks // per_plan))
        ]
        Plan.objects.bulk_create(plan_rows)
        tasks: list[Task] = []
        for plan in plan_rows:
            for top in range(per_plan // 10):
                start = today - dt.timedelta(days=rng.randint(30, 200))
                deadline = start + dt.timedelta(days=rng.randint(60, 300))
                tasks.append(
                    Task(
                        plan=plan,
                        org=office,
                        org_path=office.path,
                        number=str(top + 1),
                        sort=top + 1,
                        title=f"压测一级任务 {plan.title}-{top + 1}",
                        start_on=start,
                        deadline=deadline,
                        children_count=9,
                        lead_unit=rng.choice(units),
                        created_at=now,
                    )
                )
        Task.objects.bulk_create(tasks, batch_size=2000)
        children: list[Task] = []
        for parent in tasks:
            for i in range(9):
                child = _child_task(rng, parent, i, units, office, now, today, margin, calendar)
                children.append(child)
        Task.objects.bulk_create(children, batch_size=2000)
        all_tasks = tasks + children
        unit_rows = []
        for task in all_tasks:
            unit_rows.append(
                TaskUnit(
                    task=task, org=task.lead_unit, org_path=task.lead_unit.path, role="lead", created_at=now
                )
            )
            for co in rng.sample(units, rng.randint(0, 2)):
                if co.pk != task.lead_unit_id:
                    unit_rows.append(TaskUnit(task=task, org=co, org_path=co.path, role="co", created_at=now))
        TaskUnit.objects.bulk_create(unit_rows, batch_size=5000)
        reports = []
        base, extra = divmod(n_reports, len(children))
        for index, task in enumerate(children):
            count = base + (1 if index < extra else 0)
            task.reports_count = count
            for k in range(count):
                reports.append(
                    ProgressReport(
                        task=task,
                        org=task.lead_unit,
                        org_path=task.lead_unit.path,
                        percent=min(100, int(task.progress) * (k + 1) // count),
                        done_text="按计划推进,完成阶段性工作",
                        created_at=now - dt.timedelta(days=7 * (count - k)),
                    )
                )
            if len(reports) >= 20000:
                ProgressReport.objects.bulk_create(reports, batch_size=5000)
                reports = []
        ProgressReport.objects.bulk_create(reports, batch_size=5000)
        Task.objects.bulk_update(children, ["reports_count"], batch_size=2000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    print(
        f"装载 {len(all_tasks)} 项任务、{n_reports} 次报送、"
        f"{len(unit_rows)} 条承办单位,用时 {time.monotonic() - started:.1f} 秒"
    )
    del root


def measure(label: str, fn, runs: int) -> list[float]:
    fn()  # warm up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    print(f"  {label:<44} median {statistics.median(times):7.1f} ms   p95 {pct(times, 0.95):7.1f} ms")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--tasks", type=int, default=10000)
    parser.add_argument("--reports", type=int, default=100000)
    parser.add_argument("--no-ladder", action="store_true", help="不运行催办督办")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--skip-load", action="store_true")
    parser.add_argument("--explain", action="store_true")
    args = parser.parse_args()
    ensure_database(args.db)
    setup(args.db)
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from orgs.models import Org, User
    from workplan import escalation, selectors
    from workplan.extract import extract
    from workplan.models import ProgressReport, Task
    from workplan.units import UnitMatcher

    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    if not Org.objects.filter(is_demo=True, kind="district").exists():
        call_command("build_demo", skip_checks=True)
    if not args.skip_load:
        load(args.tasks, args.reports)
    tasks, reports = Task.objects.count(), ProgressReport.objects.count()
    print(f"数据库 {connection.vendor}:任务 {tasks} 项,报送 {reports} 次\n")
    clients = {}
    for name in ("dudao", "bumen", "jiedao"):
        client = Client()
        client.force_login(User.objects.get(username=name))
        clients[name] = client

    def page(name, url):
        def run():
            response = clients[name].get(url)
            assert response.status_code == 200, (url, response.status_code)

        return run

    urban = Org.objects.get(is_demo=True, name="区城市管理和综合执法局")
    some_task = Task.objects.filter(children_count=0, plan__title__startswith="压测").first()
    results = {}
    print("页面(完整渲染,Django test Client):")
    results["board"] = measure("督办总览 /workplan/ (dudao)", page("dudao", "/workplan/"), args.runs)
    measure("督办总览 ?status=lagging (dudao)", page("dudao", "/workplan/?status=lagging"), args.runs)
    measure(f"督办总览 ?unit={urban.pk} (dudao)", page("dudao", f"/workplan/?unit={urban.pk}"), args.runs)
    measure("本单位任务 /workplan/mine/ (bumen)", page("bumen", "/workplan/mine/"), args.runs)
    measure("本单位任务 /workplan/mine/ (jiedao)", page("jiedao", "/workplan/mine/"), args.runs)
    if some_task is not None:
        measure(
            "任务页 /workplan/tasks/<id>/ (dudao)",
            page("dudao", f"/workplan/tasks/{some_task.pk}/"),
            args.runs,
        )
    if args.explain:
        user = User.objects.get(username="dudao")
        day = selectors.today()
        query = selectors.board(user, selectors.BoardFilters(), day)[:50]
        print("\nEXPLAIN board first page:\n" + query.explain(analyze=True))
        counts = Task.objects.visible_to(user).with_status(day).order_by().values("status_code")
        print("\nEXPLAIN status counts:\n" + counts.explain(analyze=True))
    print("\n催办督办(全部在办任务):")
    for label in () if args.no_ladder else ("首次运行", "再次运行(幂等)"):
        started = time.perf_counter()
        report = escalation.run_ladder()
        print(
            f"  {label}: {time.perf_counter() - started:.1f} s — 催办 {report.reminders},"
            f"督办 {report.notices},通报 {report.circulars},问责建议 {report.proposals},跳过 {report.skipped}"
        )
    speech = Path(__file__).resolve().parent.parent / "demo" / "data" / "seed_speech.txt"
    matcher = UnitMatcher()
    text = speech.read_text(encoding="utf-8")
    measure("讲话生成任务草稿(种子讲话,含单位匹配)", lambda: extract(text, matcher=matcher), args.runs)
    board = results["board"]
    verdict = "达标" if pct(board, 0.95) < AIM_BOARD_MS else "未达标"
    print(f"\n督办总览 p95 {pct(board, 0.95):.1f} ms,目标 < {AIM_BOARD_MS:.0f} ms:{verdict}")


if __name__ == "__main__":
    main()
