"""能力作风建设年 in the browser: the campaign office creates the year's activity list from the
template and issues it; the organization department reports a month's activity with a photo as
evidence; the office verifies it and sees the month view count it, then prints the list.
Screenshots go to test-output/screenshots/activity-*.png."""

import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from orgs.roles import Role
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from workplan.defaults import seed_defaults
from workplan.models import Plan, TaskState

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def campaign(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_defaults()
    world = build_world()
    o = world.orgs
    make_org(o["district"], "department", "区委督查室", short_name="督查室")
    o["office"] = make_org(o["district"], "department", "区委办公室", short_name="区委办")
    o["zzb"] = make_org(o["district"], "department", "区委组织部", short_name="区委组织部")
    for username, role, org in [("dudao", Role.SUPERVISOR, "district"), ("zuzhi", Role.DEPT_HANDLER, "zzb")]:
        RoleGrantFactory(user=UserFactory(username=username, is_staff=True), org=world[org], role=role)
    photo = tmp_path / "培训班现场.jpg"
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (180, 40, 40)).save(out, format="JPEG")
    photo.write_bytes(out.getvalue())
    return {"world": world, "photo": photo}


@pytest.fixture
def login(browser, live_server, campaign):
    contexts = []

    def open_page(username, **viewport):
        context = browser.new_context(locale="zh-CN", viewport=viewport or {"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", "pw-123456")
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        return page

    yield open_page
    for context in contexts:
        context.close()


def test_activity_year_journey(login, live_server, campaign):
    year = timezone.localdate().year
    dudao = login("dudao")
    open_menu(dudao, "督查督办")
    dudao.click(".nav-pills >> text=活动清单")
    dudao.fill("#id_year", str(year))
    dudao.select_option("#id_owner", label="区委办公室")
    screenshot(dudao, "activity-01-create-from-template")
    dudao.click("button:has-text('生成活动清单')")
    expect(dudao.locator("text=已生成")).to_have_count(1)
    plan = Plan.objects.get(kind="activity_list")
    assert plan.org.name == "区委办公室" and plan.tasks.count() == 13
    expect(dudao.locator(".act-month")).to_have_count(12)
    dudao.click("text=任务清单(下达)")
    dudao.click("button:has-text('下达计划')")
    expect(dudao.locator("text=计划已下达")).to_have_count(1)

    task = plan.tasks.get(title__contains="能力提升专题培训班")
    zuzhi = login("zuzhi")
    zuzhi.goto(f"{live_server.url}/workplan/activities/{plan.pk}/")
    zuzhi.click(f"text={task.title}")
    zuzhi.fill("#report_percent", "100")
    zuzhi.fill("#report_done_text", "3月举办处级干部能力提升专题培训班2期,参训126人,培训率100%")
    zuzhi.select_option("#report_evidence_kind", "照片")
    zuzhi.set_input_files("#report_evidence", str(campaign["photo"]))
    zuzhi.check("#report_complete")
    screenshot(zuzhi, "activity-02-report-with-photo")
    zuzhi.click("button:has-text('报送')")
    expect(zuzhi.locator("text=进展已报送")).to_have_count(1)

    dudao.goto(f"{live_server.url}/workplan/tasks/{task.pk}/")
    dudao.check("#verify_decision_0")
    dudao.fill("#verify_note", "照片和签到台账齐全")
    dudao.click("button:has-text('提交核验结论')")
    expect(dudao.locator("text=已核验")).to_have_count(1)
    assert plan.tasks.get(pk=task.pk).state == TaskState.DONE

    dudao.goto(f"{live_server.url}/workplan/activities/{plan.pk}/")
    march = dudao.locator(".act-month[aria-label='3月']")
    expect(march.locator("text=已完成 · 佐证1份")).to_have_count(1)
    expect(march.locator("header")).to_contain_text("1/1")
    screenshot(dudao, "activity-03-month-view")

    dudao.click("text=打印活动清单")
    expect(dudao.locator("article.a4 tbody tr")).to_have_count(13)
    dudao.emulate_media(media="print")
    screenshot(dudao, "activity-04-print")
    assert dudao.locator("nav.navbar").is_hidden()

    phone = login("zuzhi", width=390, height=844)
    phone.goto(f"{live_server.url}/workplan/activities/{plan.pk}/")
    screenshot(phone, "activity-05-month-view-phone")
