"""The party journey: the organization department (zuzhibu) sees that a branch held no 支部党员大会
last quarter; the branch secretary (shuji) records it on a phone with attendance and minutes; the
finding disappears from zuzhibu's dashboard."""

import datetime as dt

import pytest

from cases.defaults import seed_defaults as seed_cases
from orgs.roles import Role
from party import selectors
from party.defaults import seed_defaults as seed_party
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MISSING = "未召开支部党员大会"


@pytest.fixture
def journey(transactional_db):
    seed_cases()
    seed_party()
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
    start, end, label = selectors.quarters(selectors.today())[1]
    return {"branch": branch, "members": members, "day": end - dt.timedelta(days=20), "quarter": label}


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


def test_secretary_records_assembly_and_finding_disappears(journey, login, live_server):
    branch = journey["branch"]
    dashboard = f"{live_server.url}/party/dashboard/?org={branch.pk}"

    zuzhibu = login("zuzhibu")
    zuzhibu.goto(dashboard)
    findings = zuzhibu.locator("#findings")
    assert MISSING in findings.inner_text()
    assert journey["quarter"] in zuzhibu.inner_text("h1")
    screenshot(zuzhibu, "party-1-zuzhibu-before")

    shuji = login("shuji", phone=True)
    assert "本支部组织生活" in shuji.inner_text("main")
    shuji.goto(f"{live_server.url}/party/orgs/{branch.pk}/meetings/new/")
    with shuji.expect_response(lambda r: "/meetings/attendance/" in r.url):
        shuji.select_option("#id_kind", "branch_assembly")
    shuji.fill("#id_held_on", journey["day"].isoformat())
    shuji.fill("#id_topic", "研究第三季度支部工作和党员发展事项")
    absent = journey["members"][3]
    shuji.wait_for_selector(f"label[for=att_{absent.pk}_leave]")
    shuji.click(f"label[for=att_{absent.pk}_leave]")
    shuji.fill(f"input[name=reason_{absent.pk}]", "外出务工")
    shuji.fill(
        "#id_minutes",
        "会议由支部书记主持,应到7人,实到6人,1人请假。会议学习了支部工作条例,"
        "讨论了老旧小区改造中党员包联楼栋的分工,大家对加装电梯的群众意见作了梳理。",
    )
    shuji.fill("#id_decisions", "党员按楼栋包联,月底前完成入户走访并报支委会。")
    screenshot(shuji, "party-2-shuji-phone-form")
    shuji.click("button[type=submit]:has-text('保存')")
    shuji.wait_for_url("**/party/meetings/*/")
    assert "已录入" in shuji.inner_text("main")
    assert "外出务工" in shuji.inner_text("main")
    screenshot(shuji, "party-3-shuji-recorded")

    zuzhibu.goto(dashboard)
    assert MISSING not in zuzhibu.locator("#findings").inner_text()
    screenshot(zuzhibu, "party-4-zuzhibu-after")


def test_future_date_refused_on_phone(journey, login, live_server):
    branch = journey["branch"]
    shuji = login("shuji", phone=True)
    shuji.goto(f"{live_server.url}/party/orgs/{branch.pk}/meetings/new/")
    shuji.fill("#id_held_on", (selectors.today() + dt.timedelta(days=5)).isoformat())
    shuji.fill("#id_topic", "主题党日")
    shuji.click("button[type=submit]:has-text('保存')")
    assert "召开日期不能晚于今天" in shuji.inner_text("main")
    screenshot(shuji, "party-5-shuji-future-date")


def test_election_reported_on_phone_and_approved_by_zuzhibu(journey, login, live_server):
    """换届: shuji reports the election on a phone (a quorum error first), zuzhibu approves it on the
    approvals page, and the branch page shows the approved term."""
    branch, members = journey["branch"], journey["members"]
    shuji = login("shuji", phone=True)
    shuji.goto(f"{live_server.url}/party/orgs/{branch.pk}/elections/new/")
    shuji.fill("#id_held_on", (selectors.today() - dt.timedelta(days=3)).isoformat())
    shuji.fill("#id_eligible", "6")
    shuji.fill("#id_present", "4")
    shuji.select_option("select[name=person_0]", str(members[1].person_id))
    shuji.fill("input[name=votes_0]", "4")
    shuji.select_option("select[name=person_1]", str(members[2].person_id))
    shuji.select_option("select[name=post_1]", "committee_member")
    shuji.fill("input[name=votes_1]", "4")
    shuji.click("#election-form button[type=submit]")
    assert "五分之四" in shuji.inner_text("main")
    shuji.fill("#id_present", "6")
    shuji.fill("input[name=votes_0]", "6")
    shuji.fill("input[name=votes_1]", "5")
    screenshot(shuji, "party-6-shuji-election-phone")
    shuji.click("#election-form button[type=submit]")
    shuji.wait_for_url(f"**/party/orgs/{branch.pk}/")
    assert "已报批" in shuji.locator("#terms").inner_text()

    zuzhibu = login("zuzhibu")
    zuzhibu.goto(f"{live_server.url}/party/dashboard/?org={branch.pk}")
    zuzhibu.click("#pending-approvals a")
    assert branch.name in zuzhibu.locator("#pending-terms").inner_text()
    screenshot(zuzhibu, "party-7-zuzhibu-approvals")
    zuzhibu.click("#pending-terms button:has-text('批准') >> nth=0")
    assert "没有待审批的换届选举结果" in zuzhibu.inner_text("main")

    shuji.reload()
    assert "已批准" in shuji.locator("#terms").inner_text()
    screenshot(shuji, "party-8-shuji-term-approved")

    zuzhibu.goto(f"{live_server.url}/party/dashboard/")
    assert zuzhibu.locator("#treemap rect").count() >= 1
    assert zuzhibu.locator("#trend circle").count() == 5
    screenshot(zuzhibu, "party-9-zuzhibu-treemap-trend")


def test_first_visit_of_a_large_subtree_says_it_is_computing_then_shows_the_figures(
    journey, login, live_server, settings
):
    zuzhibu = login("zuzhibu")
    settings.LUOSHI_PARTY_SNAPSHOT_BRANCHES = 1  # the district committee now reads snapshots
    zuzhibu.goto(f"{live_server.url}/party/dashboard/")
    assert "正在计算本季度研判结果,请稍候……" in zuzhibu.locator("#snapshot-pending").inner_text()
    assert zuzhibu.locator("#findings").count() == 0 and zuzhibu.locator("#children").count() == 0
    screenshot(zuzhibu, "party-10-zuzhibu-computing")
    # The test task backend ran the queued computation at once; the notice asks again after 3 s and
    # the page reloads with the figures.
    zuzhibu.wait_for_selector("#snapshot-note", timeout=15_000)
    assert zuzhibu.locator("#snapshot-pending").count() == 0 and zuzhibu.locator("#children").count() == 1
    screenshot(zuzhibu, "party-11-zuzhibu-computed")
