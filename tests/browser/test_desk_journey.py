"""The dispatcher's desk in the browser: jiedao opens the 回访 queue from the menu, reveals the
reporter's phone (audited), records a missed call and then a callback; back on the case list, she
selects two cases (and one that cannot be registered yet) and bulk-registers them, seeing a result
per row."""

import pytest

from core.actors import SYSTEM

from .conftest import open_menu, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _cases(world):
    from cases import services
    from cases.models import Category
    from orgs.models import User

    users = {u.username: u for u in User.objects.filter(username__in=["jiedao", "bumen", "shequ"])}
    category = Category.objects.get(code="0301")
    done = services.report_case(
        channel="hotline",
        actor=SYSTEM,
        description="湖东社区5栋楼道堆放杂物,影响通行",
        area=world["c1"],
        reporter_name="李阿姨",
        reporter_phone="13911112222",
        ticket_number="GD2026120700001",
    )
    services.register_case(done, actor=users["jiedao"], category=category)
    services.dispatch_case(done, actor=users["jiedao"], lead_unit=world["d1"])
    lead = done.assignments.get(role="lead")
    services.sign_assignment(lead, actor=users["bumen"])
    services.give_feedback(lead, actor=users["bumen"], text="已清理楼道杂物")
    services.check_case(done, actor=users["shequ"], passed=True, note="")
    batch = [
        services.report_case(
            channel="public",
            description=text,
            area=world["c1"],
            reporter_name="王先生",
            reporter_phone="13900000000",
            category=category if with_category else None,
        )
        for text, with_category in [
            ("湖东社区东门垃圾桶满溢", True),
            ("湖东社区北门有暴露垃圾", True),
            ("湖东社区路灯不亮,晚上看不见路", False),
        ]
    ]
    return done, batch


def test_desk_journey(staff_page, live_server, journey):
    done, batch = _cases(journey["world"])
    jiedao = staff_page("jiedao")

    # 1. The 回访 queue, from the menu (with its count).
    open_menu(jiedao, "回访队列(1)")
    jiedao.wait_for_selector(f".callback-queue >> text={done.number}")
    screenshot(jiedao, "desk-01-callback-queue")
    jiedao.click(f".callback-queue tr:has-text('{done.number}') >> a.btn")
    jiedao.wait_for_selector("#form-callback")
    assert jiedao.locator("text=13911112222").count() == 0  # masked until revealed
    jiedao.fill("#reveal_reason", "电话回访")
    jiedao.click("#reveal button[type=submit]")
    jiedao.wait_for_selector("#reveal >> text=13911112222")

    # 2. A call that does not get through is counted; the case stays in the queue.
    jiedao.check("#callback_reached_1")
    jiedao.fill("#callback_comment", "无人接听")
    jiedao.click("#form-callback button[type=submit]")
    jiedao.wait_for_selector("text=未联系上,已记录第 1 次回访")
    jiedao.click(f".callback-queue tr:has-text('{done.number}') >> a.btn")
    jiedao.wait_for_selector("text=已回访 1 次")
    jiedao.check("#callback_reached_0")
    jiedao.check("#callback_contacted_0")
    jiedao.check("#callback_resolved_0")
    jiedao.check("#callback_satisfaction_0")
    jiedao.fill("#callback_comment", "反映人表示楼道已清理干净")
    screenshot(jiedao, "desk-02-callback-form")
    jiedao.click("#form-callback button[type=submit]")
    jiedao.wait_for_selector("text=回访已完成(已回访)")
    jiedao.wait_for_selector("text=没有待回访的事项")
    screenshot(jiedao, "desk-03-callback-done")

    # 3. Bulk 立案 from the list: two cases with a pre-selected category go through, the one
    #    without a category is refused with the reason.
    open_menu(jiedao, "网格事项")
    jiedao.click(".case-tabs >> text=待受理")
    for case in batch:
        jiedao.wait_for_selector(f"#case-table >> text={case.number}")
    jiedao.click("#bulk-all")  # select the page, then leave one out
    jiedao.uncheck(f"input.bulk-row[value='{batch[2].number}']")
    jiedao.check(f"input.bulk-row[value='{batch[2].number}']")
    assert jiedao.inner_text("#bulk-count") == "已选 3 件"
    jiedao.select_option("#bulk-action", "register")
    screenshot(jiedao, "desk-04-bulk-selected")
    jiedao.click("#bulk-submit")
    jiedao.wait_for_selector("#bulk-results >> text=成功 2 件,共 3 件")
    results = jiedao.inner_text("#bulk-results")
    assert batch[2].number in results and "该事项尚未预选分类" in results
    # The list reloads: the two registered cases have left 待受理.
    jiedao.wait_for_selector(f"#case-table >> text={batch[0].number}", state="detached")
    assert jiedao.locator(f"#case-table >> text={batch[2].number}").count() == 1
    screenshot(jiedao, "desk-05-bulk-results")

    # 4. The 12345 ticket number finds its case from the search box.
    jiedao.click(".case-tabs >> text=全部")
    jiedao.fill("#id_q", "GD2026120700001")
    jiedao.wait_for_selector(f"#case-table >> text={done.number}")

    # 5. On a phone-sized screen the list with its bulk bar and the lookup page stay usable.
    jiedao.set_viewport_size({"width": 390, "height": 844})
    jiedao.goto(f"{live_server.url}/cases/?status=registered")
    jiedao.wait_for_selector("#bulk-form")
    screenshot(jiedao, "desk-06-list-bulk-phone")
    jiedao.goto(f"{live_server.url}/cases/lookup/")
    jiedao.fill("#id_phone", "13911112222")
    jiedao.click("#form-lookup button[type=submit]")
    jiedao.wait_for_selector(f".lookup-results >> text={done.number}")
    screenshot(jiedao, "desk-07-caller-lookup-phone")
