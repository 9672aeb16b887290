"""Several workers at once: the ladder issues each step once, and two verifications of the same
completion do not both win. Needs real concurrent transactions, so it runs on PostgreSQL."""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from core import clock
from core.errors import ServiceError
from orgs.roles import Role
from workplan import escalation, services
from workplan.defaults import seed_defaults
from workplan.models import Notice, Task

from ..conftest import build_world, grant
from ..factories import make_org
from .conftest import at, pdf

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def setup(settings, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("并发测试需要 PostgreSQL(设置 LUOSHI_TEST_DATABASE_URL;CI 中运行)")
    settings.MEDIA_ROOT = tmp_path
    seed_defaults()
    world = build_world()
    office = make_org(world["district"], "department", "区委督查室")
    dudao = grant(world, "dudao", Role.SUPERVISOR, "district")
    bumen = grant(world, "bumen", Role.DEPT_HANDLER, "d1")
    with clock.frozen(at(2026, 3, 2, 9)):
        plan = services.create_plan(actor=dudao, owner=office, title="并发测试计划")
        tasks = [
            services.create_task(
                plan,
                actor=dudao,
                title=f"任务{i}",
                lead_unit=world["d1"],
                start_on=dt.date(2026, 3, 2),
                deadline=dt.date(2026, 4, 30),
            )
            for i in range(8)
        ]
        services.approve_plan(plan, actor=dudao)
    return {"dudao": dudao, "bumen": bumen, "tasks": tasks}


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(i, fn):
        try:
            barrier.wait()
            outcomes[i] = fn()
        except ServiceError as refusal:
            outcomes[i] = refusal
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_three_workers_run_the_ladder_at_once(setup):
    now = at(2026, 5, 6, 9)
    reports = _race(*[lambda: escalation.run_ladder(now)] * 3)
    assert sum(r.notices for r in reports) == 16  # 8 tasks × (missed report + passed deadline)
    assert Notice.objects.filter(kind="notice").count() == 16
    assert len(set(Notice.objects.filter(kind="notice").values_list("number", flat=True))) == 16
    assert not any(r.errors for r in reports)


def test_two_verifications_at_once(setup):
    task = setup["tasks"][0]
    with clock.frozen(at(2026, 4, 20, 10)):
        services.report_progress(
            task, actor=setup["bumen"], percent=100, done_text="完成", evidence=[("文件", pdf())]
        )
    outcomes = _race(
        lambda: services.verify_completion(Task.objects.get(pk=task.pk), actor=setup["dudao"], accept=True),
        lambda: services.verify_completion(
            Task.objects.get(pk=task.pk), actor=setup["dudao"], accept=False, note="材料不全"
        ),
    )
    winners = [o for o in outcomes if isinstance(o, Task)]
    losers = [o for o in outcomes if isinstance(o, ServiceError)]
    assert len(winners) == 1 and len(losers) == 1 and "没有待核验" in losers[0].message
