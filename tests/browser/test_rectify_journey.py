"""巡视巡察整改 in the browser: the organization department (zuzhibu) turns a 党建考评 finding of a
branch into a rectification item with one click (转整改), the branch secretary (shuji, on a phone)
reports the rectification complete with evidence, zuzhibu 销号s it and prints the 整改台账.
Screenshots go to test-output/screenshots/rectify-*.png."""

import pytest
from playwright.sync_api import expect

from cases.defaults import seed_defaults as seed_cases
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from rectify.defaults import seed_defaults as seed_rectify
from rectify.models import RectifyItem
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint
from workplan.defaults import seed_defaults as seed_workplan
from workplan.models import TaskState

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSING = "未召开支部党员大会"


@pytest.fixture
def journey(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_cases()
    seed_party()
    seed_workplan()
    seed_rectify()
    world = build_world()
    branch = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(branch, 6, 1)
    appoint(members[0], branch)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    RoleGrantFactory(
        user=UserFactory(username="zuzhibu", is_staff=True), org=world["party"], role=Role.ORG_DEPT
    )
    evidence = tmp_path / "党员大会会议记录.pdf"
    evidence.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return {"branch": branch, "evidence": evidence}


@pytest.fixture
def login(browser, live_server):
    contexts = []

    def open_page(username, phone=False):
        size = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
        context = browser.new_context(locale="zh-CN", viewport=size, is_mobile=phone, has_touch=phone)
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


def test_finding_to_rectification_and_closure(journey, login, live_server):
    branch = journey["branch"]
    zuzhibu = login("zuzhibu")
    zuzhibu.goto(f"{live_server.url}/party/dashboard/?org={branch.pk}")
    finding = zuzhibu.locator("#findings li.finding", has_text=MISSING).first
    expect(finding.locator("a.finding-action")).to_have_text("转整改")
    screenshot(zuzhibu, "rectify-1-findings")
    finding.locator("a.finding-action").click()

    expect(zuzhibu.locator("h1")).to_have_text("转整改")
    assert MISSING in zuzhibu.input_value("#id_text") and branch.name in zuzhibu.inner_text("#finding")
    zuzhibu.fill("#id_measure", "本季度内召开支部党员大会,完善会议记录")
    zuzhibu.fill("#id_responsible_name", "支部书记")
    screenshot(zuzhibu, "rectify-2-form")
    zuzhibu.click("button:has-text('下发整改')")
    expect(zuzhibu.locator("#item-status")).to_have_text("整改中")
    screenshot(zuzhibu, "rectify-3-item")

    shuji = login("shuji", phone=True)
    shuji.goto(f"{live_server.url}/rectify/")
    shuji.locator("#mine a").first.click()
    shuji.fill("#report_percent", "100")
    shuji.fill("#report_text", "已召开支部党员大会,会议记录已归档")
    shuji.set_input_files("#report_evidence", str(journey["evidence"]))
    shuji.check("#report_complete")
    screenshot(shuji, "rectify-4-phone-report")
    shuji.click("#report-form button[type=submit]")
    expect(shuji.locator("#item-status")).to_have_text("已完成待销号")
    screenshot(shuji, "rectify-5-phone-reported")

    zuzhibu.reload()
    expect(zuzhibu.locator("#close-form")).to_be_visible()
    zuzhibu.fill("#close-form input[name=note]", "会议记录齐全,同意销号")
    zuzhibu.click("#close-form button[type=submit]")
    expect(zuzhibu.locator("#item-status")).to_have_text("已销号")
    screenshot(zuzhibu, "rectify-6-closed")
    assert RectifyItem.objects.get().task.state == TaskState.CLOSED

    zuzhibu.click("text=← ")
    screenshot(zuzhibu, "rectify-7-list")
    with zuzhibu.expect_popup() as popup:
        zuzhibu.click("text=打印整改台账")
    ledger = popup.value
    ledger.wait_for_load_state()
    expect(ledger.locator("#sheet")).to_contain_text("已销号")
    screenshot(ledger, "rectify-8-ledger")
    zuzhibu.goto(ledger.url.replace("/ledger/", "/progress/"))
    expect(zuzhibu.locator("#by-status")).to_contain_text("已销号")
    screenshot(zuzhibu, "rectify-9-progress-report")
    # The finding is closed: the button now leads to a new rectification, not the closed one.
    zuzhibu.goto(f"{live_server.url}/party/dashboard/?org={branch.pk}")
    expect(
        zuzhibu.locator("#findings li.finding", has_text=MISSING).first.locator("a.finding-action")
    ).to_be_visible()


REVIEW_PROBLEMS = ["“三会一课”记录不够规范,个别会议记录过于简单", "发展党员工作计划性不强"]


def _published_review(world_party, branch, rater_user):
    """The 区委's published 述职评议 round with the branch's two problems."""
    import datetime as dt

    from core.actors import SYSTEM
    from party.duty_review import services as review

    round_ = review.create_round(actor=SYSTEM, org=world_party, year=2026, report_due=dt.date(2026, 12, 20))
    reporter = review.add_reporter(actor=SYSTEM, round_=round_, org=branch, secretary_name="李书记")
    rater = review.assign_rater(actor=SYSTEM, round_=round_, user=rater_user)
    review.open_round(actor=SYSTEM, round_=round_)
    review.submit_report(
        actor=SYSTEM, reporter=reporter, summary="本年度履行抓基层党建第一责任人职责,落实三会一课制度。"
    )
    review.start_rating(actor=SYSTEM, round_=round_)
    round_.refresh_from_db()
    review.rate(actor=SYSTEM, reporter=reporter, rater=rater, scores={i["code"]: 75 for i in round_.items})
    review.close_round(actor=SYSTEM, round_=round_)
    for text in REVIEW_PROBLEMS:
        review.add_problem(actor=SYSTEM, reporter=reporter, text=text)
    review.publish_round(actor=SYSTEM, round_=round_)
    return round_


def test_duty_review_problems_to_rectification(journey, login, live_server):
    from orgs.models import Org, User
    from rectify.models import ProblemList

    branch = journey["branch"]
    party = Org.objects.get(pk=Org.objects.get_parent(Org.objects.get_parent(branch)).pk)
    round_ = _published_review(party, branch, User.objects.get(username="zuzhibu"))
    zuzhibu = login("zuzhibu")
    zuzhibu.goto(f"{live_server.url}/party/duty-review/{round_.pk}/")
    action = zuzhibu.locator("#problems a.review-action")
    expect(action).to_have_text("转整改")
    screenshot(zuzhibu, "rectify-review-1-round")
    action.click()

    expect(zuzhibu.locator("h1")).to_have_text("述职评议问题转整改")
    assert "2026年度书记抓基层党建述职评议反馈问题" in zuzhibu.input_value("#id_title")
    boxes = zuzhibu.locator("#review-problems input[type=checkbox]")
    expect(boxes).to_have_count(2)
    assert all(boxes.nth(i).is_checked() for i in range(2))
    screenshot(zuzhibu, "rectify-review-2-form")
    zuzhibu.click("button:has-text('下发整改')")
    expect(zuzhibu.locator("h1")).to_contain_text("述职评议反馈问题")
    screenshot(zuzhibu, "rectify-review-3-list")
    plist = ProblemList.objects.get(source="duty_review")
    assert plist.problems.count() == 2 and plist.unit == branch
