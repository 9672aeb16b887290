"""Coordination in the browser: a department asks for more time and the street approves it (延期),
the street blows the whistle (吹哨报到) and the summoned department reports in, a duplicate report
is merged into its master case, and the supervision office approves a re-handling (重办)."""

import pytest

from cases import services
from cases.models import Case, CaseRequest, Category
from core.actors import SYSTEM
from orgs.models import User

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _case(world, **kwargs):
    defaults = {
        "channel": "hotline",
        "description": "湖东社区3栋门口垃圾堆了三天没人清运",
        "area": world["c1"],
        "reporter_name": "王小明",
        "reporter_phone": "13987654321",
    }
    merged = {**defaults, **kwargs}
    if merged["channel"] != "public":
        merged.setdefault("actor", SYSTEM)  # entered by staff: the system unless a user is given
    return services.report_case(**merged)


def test_extension_whistle_merge_and_rehandle(staff_page, live_server, journey):
    world = journey["world"]
    category = Category.objects.get(code="0301")
    case = services.register_case(_case(world), actor=SYSTEM, category=category)
    case = services.dispatch_case(case, actor=SYSTEM, lead_unit=world["d1"])

    # 1. The department signs, then asks for three more working days.
    bumen = staff_page("bumen")
    bumen.goto(f"{live_server.url}/cases/{case.number}/")
    bumen.click("button:has-text('签收')")
    bumen.wait_for_selector("#case-status:has-text('处置中')")
    bumen.click("summary:has-text('申请延期')")
    bumen.click("#form-extension button[type=submit]")  # empty: the error names the field
    bumen.wait_for_selector("#form-extension >> text=请填写延期工作日数")
    bumen.fill("#extension_days", "3")
    bumen.fill("#extension_reason", "清运车辆检修,需协调环卫公司")
    screenshot(bumen, "coordination-01-extension-request")
    bumen.click("#form-extension button[type=submit]")
    bumen.wait_for_selector("text=已提交延期申请")
    assert bumen.locator("text=等待审批").count() == 1

    # 2. The street finds it under 待审批 and approves; the deadline moves.
    jiedao = staff_page("jiedao")
    open_menu(jiedao, "网格事项")
    jiedao.click(".case-tabs >> text=待审批")
    jiedao.wait_for_selector(f"#case-table >> text={case.number}")
    screenshot(jiedao, "coordination-02-requests-tab")
    jiedao.click(f"#case-table >> text={case.number}")
    request = CaseRequest.objects.get()
    jiedao.check(f"#form-decide-{request.pk} input[value='1']")
    jiedao.fill(f"#decide-{request.pk}_note", "同意延期3个工作日")
    jiedao.click(f"#form-decide-{request.pk} button[type=submit]")
    jiedao.wait_for_selector("text=已延期 3 个工作日")
    screenshot(jiedao, "coordination-03-extension-approved")

    # 3. The street blows the whistle: 区教育局 must report in, and does.
    jiedao.click("summary:has-text('吹哨报到')")
    jiedao.select_option("#summon_units", label="区教育局")
    jiedao.fill("#summon_note", "垃圾堆放点紧邻学校,请教育局到场协同")
    jiedao.click("#form-summon button[type=submit]")
    jiedao.wait_for_selector("text=已吹哨,等待各部门报到")
    jiaoyu = staff_page("jiaoyu")
    jiaoyu.goto(f"{live_server.url}/cases/{case.number}/")
    jiaoyu.wait_for_selector("[id^=form-report-in-]")
    jiaoyu.fill("[id^=report_in-][id$=_note]", "已派专人到场,负责学校周边秩序")
    screenshot(jiaoyu, "coordination-04-report-in")
    jiaoyu.click("[id^=form-report-in-] button[type=submit]")
    jiaoyu.wait_for_selector("text=已报到")

    # 4. A second report of another problem is merged into a master case by its number.
    master = _case(world, description="湖西路口井盖松动")
    duplicate = _case(world, description="湖西路口的井盖一踩就响")
    jiedao.goto(f"{live_server.url}/cases/{duplicate.number}/")
    jiedao.click("summary:has-text('合并重复事项')")
    jiedao.fill("#merge_into", master.number)
    jiedao.fill("#merge_reason", "同一路口同一井盖")
    screenshot(jiedao, "coordination-05-merge-form")
    jiedao.click("#form-merge button[type=submit]")
    jiedao.wait_for_selector("text=已合并到主事项")
    assert Case.objects.get(pk=duplicate.pk).merged_into_id == master.pk

    # 5. Closed, rated unresolved and dissatisfied: the street asks to re-handle, 督查室 approves.
    case = Case.objects.get(pk=case.pk)
    lead = case.assignments.get(role="lead")
    services.give_feedback(lead, actor=SYSTEM, text="已清运")
    case = services.check_case(case, actor=SYSTEM, passed=True, note="")
    caller = User.objects.get(username="jiedao")
    services.rate_case(case, actor=caller, contacted=True, resolved=False, satisfaction="dissatisfied")
    jiedao.goto(f"{live_server.url}/cases/{case.number}/")
    jiedao.fill("#rehandle_reason", "回访时反映人说垃圾又堆起来了")
    jiedao.click("#form-rehandle button[type=submit]")
    jiedao.wait_for_selector("text=已提交重办申请")
    dudao = staff_page("dudao")
    open_menu(dudao, "网格事项")
    dudao.click(".case-tabs >> text=待审批")
    dudao.click(f"#case-table >> text={case.number}")
    request = CaseRequest.objects.get(kind="rehandle")
    dudao.check(f"#form-decide-{request.pk} input[value='1']")
    screenshot(dudao, "coordination-06-rehandle-approval")
    dudao.click(f"#form-decide-{request.pk} button[type=submit]")
    dudao.wait_for_selector("#case-status:has-text('待签收')")
    assert dudao.locator("text=重办 1 次").count() == 1
    screenshot(dudao, "coordination-07-rehandled")


def test_department_answers_a_supervision_notice(staff_page, live_server, journey):
    import datetime as dt

    from django.utils import timezone

    from cases.supervision import supervise

    world = journey["world"]
    case = services.register_case(_case(world), actor=SYSTEM, category=Category.objects.get(code="0301"))
    services.dispatch_case(case, actor=SYSTEM, lead_unit=world["d1"])
    supervise(timezone.now() + dt.timedelta(days=5))  # nobody signed for it: overdue, a notice

    bumen = staff_page("bumen")
    bumen.click("text=督办通知单待回复")
    bumen.wait_for_selector(f"text={case.number}")
    bumen.fill("[id^=reply-][id$=_reply]", "值班人员外出巡查未及时签收,已调整值班安排")
    screenshot(bumen, "coordination-08-notice-reply")
    bumen.click("[id^=form-reply-] button[type=submit]")
    bumen.wait_for_selector("text=已回复")
    dudao = staff_page("dudao")
    open_menu(dudao, "督办通知")
    dudao.wait_for_selector(f"text={case.number}")
    assert dudao.locator("text=值班人员外出巡查").count() == 1
    screenshot(dudao, "coordination-09-notices-supervisor")
