"""The supervision journey in the browser: the office (dudao) turns the seed speech into a plan,
assigns a task to the urban-management bureau and issues the plan; the bureau (bumen) reports
completion with evidence; the office verifies it; a lagging task gets a supervision notice,
printed as an A4 page. Screenshots go to test-output/screenshots/workplan-*.png."""

import pytest
from playwright.sync_api import expect

from orgs.roles import Role
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.workplan.test_extract import seed_text
from workplan.defaults import seed_defaults
from workplan.models import Notice, Task, TaskState

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def office(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_defaults()
    world = build_world()
    o = world.orgs
    o["office"] = make_org(o["district"], "department", "区委督查室", short_name="督查室")
    for name in ("区委组织部", "区委宣传部", "区委办公室"):
        make_org(o["district"], "department", name, short_name=name)
    for username, role, org in [("dudao", Role.SUPERVISOR, "district"), ("bumen", Role.DEPT_HANDLER, "d1")]:
        RoleGrantFactory(user=UserFactory(username=username, is_staff=True), org=world[org], role=role)
    evidence = tmp_path / "整治验收报告.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return {"world": world, "evidence": evidence}


@pytest.fixture
def login(browser, live_server, office):
    contexts = []

    def open_page(username):
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
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


def test_supervision_journey(login, live_server, office):
    dudao = login("dudao")
    open_menu(dudao, "督查督办")
    dudao.click("text=从讲话生成任务")
    dudao.fill("#id_text", seed_text())
    dudao.fill("#id_year", "2026")
    screenshot(dudao, "workplan-01-paste-speech")
    dudao.click("button:has-text('生成草稿')")
    expect(dudao.locator("text=讲话提出3点意见")).to_have_count(1)  # waits for the page the click loads
    outline = dudao.input_value("#id_outline")
    assert "培训班 [区委组织部]" in outline
    screenshot(dudao, "workplan-02-review-draft")

    # Review: name the lead units the speech leaves generic, and assign one task to the bureau.
    for generic in ("[区委各部门]", "[各单位]", "[各部门]"):
        outline = outline.replace(generic, "[区委办公室]")
    lines = outline.splitlines()
    at = next(i for i, line in enumerate(lines) if "走流程" in line)
    indent = len(lines[at]) - len(lines[at].lstrip()) + 2
    lines.insert(
        at + 1,
        " " * indent + "城管系统领导班子“走流程”,解决群众办事堵点 [区城市管理和综合执法局] (时限:2026-12-31)",
    )
    dudao.fill("#id_outline", "\n".join(lines))
    dudao.fill("#id_title", "2026年区委重点工作推进会议部署事项")
    dudao.fill("#id_start_on", "2026-09-01")
    dudao.fill("#id_default_deadline", "2026-12-31")
    dudao.click("button:has-text('确认,生成计划草稿')")
    dudao.wait_for_selector("text=下达计划")
    screenshot(dudao, "workplan-03-plan-tree")
    dudao.click("button:has-text('下达计划')")
    expect(dudao.locator("text=计划已下达")).to_have_count(1)  # waits for the page the click loads

    task = Task.objects.get(title__contains="城管系统领导班子")
    assert task.lead_unit.name == "区城市管理和综合执法局" and task.parent.title.startswith("各级领导干部")

    bumen = login("bumen")
    open_menu(bumen, "督办任务")
    screenshot(bumen, "workplan-04-unit-workbench")
    bumen.click(f"text={task.title}")
    bumen.fill("#report_percent", "100")
    bumen.fill("#report_done_text", "区城管局班子成员分4批走流程,梳理堵点12个,已全部整改")
    bumen.select_option("#report_evidence_kind", "报告")
    bumen.set_input_files("#report_evidence", str(office["evidence"]))
    bumen.check("#report_complete")
    screenshot(bumen, "workplan-05-report-with-evidence")
    bumen.click("button:has-text('报送')")
    expect(bumen.locator("text=进展已报送")).to_have_count(1)  # waits for the page the click loads
    expect(bumen.locator("text=整治验收报告.pdf")).to_have_count(1)  # waits for the page the click loads

    dudao.goto(f"{live_server.url}/workplan/tasks/{task.pk}/")
    dudao.check("#verify_decision_0")
    dudao.fill("#verify_note", "佐证材料齐全,核验属实")
    screenshot(dudao, "workplan-06-verify")
    dudao.click("button:has-text('提交核验结论')")
    expect(dudao.locator("text=已核验")).to_have_count(1)  # waits for the page the click loads
    assert Task.objects.get(pk=task.pk).state == TaskState.DONE

    # A lagging task (nothing reported three months in) gets a supervision notice.
    dudao.goto(f"{live_server.url}/workplan/?status=lagging")
    screenshot(dudao, "workplan-07-board-lagging")
    lagging = Task.objects.get(title__contains="培训班")
    dudao.goto(f"{live_server.url}/workplan/tasks/{lagging.pk}/")
    assert dudao.locator(".badge:has-text('滞后')").count() >= 1
    dudao.click("summary:has-text('发督办通知单')")
    dudao.fill(
        "#notice_text",
        "区委组织部:你单位牵头的基层党组织书记培训班尚未启动,进度明显滞后,请说明原因并加快推进。",
    )
    dudao.click("button:has-text('发出')")
    notice = Notice.objects.get(task=lagging, kind="notice")
    dudao.goto(f"{live_server.url}/workplan/notices/{notice.pk}/")
    dudao.emulate_media(media="print")
    screenshot(dudao, "workplan-08-notice-print")
    assert dudao.locator("nav.navbar").is_hidden()
