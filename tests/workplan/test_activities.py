"""活动清单 (能力作风建设年): created from the template, monthly activities closed only with
evidence, the month view, the print page and the Excel ledger, and who may see them."""

import datetime as dt
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from audit.models import AuditEvent
from core.errors import PermissionDenied, ServiceError
from orgs.roles import Role
from workplan import activities, services
from workplan.models import Plan, PlanKind, TaskState

from ..conftest import grant
from .conftest import png

pytestmark = pytest.mark.django_db


@pytest.fixture
def year_list(wp):
    grant(wp, "zzb_user", Role.DEPT_HANDLER, "zzb")
    plan = activities.create_from_template(actor=wp.users["dudao"], owner=wp["office"], year=2026)
    services.approve_plan(plan, actor=wp.users["dudao"])
    return plan


def finish(task, wp, user):
    """Report the activity done with a photo, verify and close it (督查室)."""
    services.report_progress(
        task, actor=user, percent=100, done_text="活动已开展", complete=True, evidence=[("照片", png())]
    )
    services.verify_completion(task, actor=wp.users["dudao"], accept=True)
    services.close_task(task, actor=wp.users["dudao"])


def test_template_creates_a_monthly_list(wp, year_list):
    plan = year_list
    template = activities.templates()["ability_style_year"]
    assert plan.kind == PlanKind.ACTIVITY_LIST and plan.title == "2026年能力作风建设年活动清单"
    tasks = list(plan.tasks.order_by("deadline", "sort"))
    assert len(tasks) == len(template.activities)
    assert {t.deadline.month for t in tasks} == set(range(1, 13))
    training = next(t for t in tasks if "能力提升专题培训班" in t.title)
    assert (training.start_on, training.deadline) == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert training.lead_unit == wp["zzb"] and training.description == "专题培训"
    assert "照片" in training.evidence_kinds and training.expected_result
    # 区委办公室 is not in this org tree: the owner leads; the 组织部 partners every other activity.
    kickoff = tasks[0]
    assert kickoff.lead_unit == wp["office"]
    assert kickoff.units.filter(role="co", org=wp["zzb"]).exists()
    assert AuditEvent.objects.filter(action="workplan.activity_list_created").count() == 1
    with pytest.raises(ServiceError, match="已有"):
        activities.create_from_template(actor=wp.users["dudao"], owner=wp["office"], year=2026)


def test_only_a_supervisor_creates_a_list(wp):
    with pytest.raises(PermissionDenied):
        activities.create_from_template(actor=wp.users["bumen"], owner=wp["office"], year=2026)
    with pytest.raises(ServiceError, match="模板"):
        activities.create_from_template(
            actor=wp.users["dudao"], owner=wp["office"], year=2026, template_key="x"
        )


def test_an_activity_closes_only_with_evidence_and_the_month_view_counts_it(wp, year_list):
    user = wp.users["zzb_user"]
    march = year_list.tasks.get(title__contains="能力提升专题培训班")
    with pytest.raises(ServiceError, match="佐证材料"):
        services.report_progress(march, actor=user, percent=100, done_text="已办", complete=True)
    finish(march, wp, user)
    march.refresh_from_db()
    assert march.state == TaskState.CLOSED
    day = dt.date(2026, 12, 7)
    columns = activities.months(year_list, day=day)
    assert [c.month for c in columns] == list(range(1, 13))
    assert (columns[2].planned, columns[2].done, columns[2].state) == (1, 1, "done")
    assert columns[0].overdue == 2 and columns[0].state == "overdue"
    assert columns[11].current and columns[11].state == "current"


def test_pages_print_and_ledger(client, wp, year_list):
    finish(year_list.tasks.get(title__contains="能力提升专题培训班"), wp, wp.users["zzb_user"])
    client.force_login(wp.users["dudao"])
    page = client.get(reverse("workplan:activity_lists"))
    assert page.status_code == 200 and "2026年能力作风建设年活动清单" in page.content.decode()
    months = client.get(reverse("workplan:activity_months", args=[year_list.pk])).content.decode()
    assert "12月" in months and "已完成 · 佐证1份" in months and "逾期未完成" in months
    printed = client.get(reverse("workplan:activity_print", args=[year_list.pk])).content.decode()
    assert "载体/形式" in printed and "专题培训" in printed and "已销号" in printed
    response = client.get(reverse("workplan:activity_export", args=[year_list.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "2026年能力作风建设年活动清单"
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    header = next(i for i, row in enumerate(values) if row[0] == "序号")
    assert values[header][:6] == ["序号", "月份", "活动内容", "责任处室", "配合单位", "载体/形式"]
    training = next(row for row in values if row[2] and "专题培训班" in str(row[2]))
    assert training[1] == "3月" and training[9] == "已销号" and training[10] == 1


def test_creating_from_the_page(client, wp):
    client.force_login(wp.users["dudao"])
    url = reverse("workplan:activity_lists")
    form = client.get(url).content.decode()
    assert "按模板生成活动清单" in form
    response = client.post(url, {"template": "ability_style_year", "year": 2027, "owner": wp["office"].pk})
    assert response.status_code == 302
    plan = Plan.objects.get(kind=PlanKind.ACTIVITY_LIST)
    assert plan.year == 2027 and response["Location"] == reverse("workplan:activity_months", args=[plan.pk])
    assert plan.tasks.count() == len(activities.templates()["ability_style_year"].activities)


def test_scope(client, wp, year_list):
    months = reverse("workplan:activity_months", args=[year_list.pk])
    export = reverse("workplan:activity_export", args=[year_list.pk])
    # A unit leading an activity sees the list and only its own activities.
    client.force_login(wp.users["zzb_user"])
    page = client.get(months)
    assert page.status_code == 200 and "能力提升专题培训班" in page.content.decode()
    assert "动员部署会" in page.content.decode()  # a co-unit of the kickoff
    assert "按模板生成活动清单" not in client.get(reverse("workplan:activity_lists")).content.decode()
    assert client.post(reverse("workplan:activity_lists"), {"year": 2027}).status_code == 404
    # Outside the plan: neither the page, the print nor the Excel.
    for username in ("outsider", "other_dudao", "bumen"):
        client.force_login(wp.users[username])
        assert client.get(months).status_code == 404, username
        assert client.get(export).status_code == 404, username
        assert year_list.title not in client.get(reverse("workplan:activity_lists")).content.decode()
    # A key-work plan is not an activity list.
    other = services.create_plan(actor=wp.users["dudao"], owner=wp["office"], title="重点工作")
    client.force_login(wp.users["dudao"])
    assert client.get(reverse("workplan:activity_months", args=[other.pk])).status_code == 404


@pytest.mark.parametrize(
    "moment", ["2027-01-01 00:30", "2027-03-01 09:00", "2027-04-01 08:00", "2027-07-15 10:00"]
)
def test_demo_activity_list_shows_every_state_on_any_day(wp, moment):
    import time_machine
    from django.utils import timezone

    from demo.activities import build_demo_activities
    from tests.demo_showcase import demo_activity_states

    at = timezone.make_aware(dt.datetime.fromisoformat(moment))
    with time_machine.travel(at, tick=False):
        now = timezone.now()
        build_demo_activities(wp["office"], wp.users["dudao"], now)
        assert demo_activity_states(timezone.localdate(now)) == []
