"""The 党工委 approves what the branch submits, in a browser: the branch secretary (shuji, on a
phone) has recorded steps 1–6 (backdated, through the services), records step 7 (确定发展对象)
with a 公示 of three working days — the page names the breach and asks for a reason, which is kept
with the step — then submits step 8 (报上级党委备案) instead of recording it; the street working
committee's account (dangwei, desktop) finds it in 报批事项 with its deadline and approves it; the
step is recorded with the 党工委 as the deciding body; the 全程纪实表 prints with the reason and no
internal text."""

import datetime as dt

import pytest
from dateutil.relativedelta import relativedelta

from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.development import services as development_services
from party.development.models import StepSubmission
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Steps 2–6, backdated (browser tests run on real time; these dates lie well before any run).
DATES = {
    2: dt.date(2025, 6, 20),
    3: dt.date(2025, 8, 1),
    4: dt.date(2025, 8, 5),
    5: dt.date(2025, 8, 6),
    6: dt.date(2026, 8, 1),
}


@pytest.fixture
def journey(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_party()
    world = build_world()
    branch = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    members = add_members(branch, 6)
    appoint(members[0], branch)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    RoleGrantFactory(
        user=UserFactory(username="dangwei", is_staff=False), org=world["w1"], role=Role.PARTY_COMMITTEE
    )
    applicant = development_services.apply_for_membership(
        actor=SYSTEM,
        branch=branch,
        applied_on=dt.date(2025, 6, 2),
        name="林晓雨",
        gender="F",
        birth_date=dt.date(1999, 4, 2),
    )
    people = {2: [members[0].person], 5: [members[1].person]}
    for number, day in DATES.items():
        development_services.record_step(
            actor=SYSTEM,
            applicant=applicant,
            number=number,
            done_on=day,
            people=people.get(number, ()),
            deciding_org=world["w1"] if number == 4 else None,
        )
    return {"world": world, "branch": branch, "applicant": applicant}


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


def test_branch_submits_and_the_committee_approves(journey, login, live_server):
    applicant, committee = journey["applicant"], journey["world"]["w1"]
    url = f"{live_server.url}/party/development/applicants/{applicant.pk}/"

    # shuji records step 7 with a 公示 of three working days: a soft rule, a reason is asked.
    shuji = login("shuji", phone=True)
    shuji.goto(url)
    assert "第7步 确定发展对象" in shuji.inner_text("#pending")
    shuji.fill("#id_done_on", "2026-12-04")
    shuji.fill("#id_notice_from", "2026-12-01")
    shuji.fill("#id_notice_to", "2026-12-03")
    shuji.click("#step-form button[type=submit]")
    warnings = shuji.locator("#step-warnings")
    warnings.wait_for()
    text = warnings.inner_text()
    assert "只有 3 个工作日" in text and "dev." not in text and "rules.md" not in text
    screenshot(shuji, "committee-1-shuji-warning-phone")
    shuji.click("#confirm-step")  # no reason yet: refused, asked again
    shuji.locator("#step-warnings .invalid-feedback").wait_for()
    shuji.fill("#id_confirm_reason", "公示期间适逢社区换届,经支委会研究按期确定,公示材料已补充")
    shuji.click("#confirm-step")
    shuji.wait_for_selector(".alert-success")
    assert "公示期间适逢社区换届" in shuji.inner_text("#timeline")

    # Step 8 is the 党工委's: the page says who handles it and offers 提交上级党委.
    assert committee.name in shuji.inner_text("#handled-by")
    assert shuji.locator("#step-form").count() == 0
    shuji.fill("#id_note", "报送发展对象备案(审批)表")
    screenshot(shuji, "committee-2-shuji-submit-phone")
    shuji.click("#submit-form button[type=submit]")
    shuji.wait_for_selector(".alert-success")
    assert "等待上级党委办理" in shuji.inner_text("#pending-submission")
    submission = StepSubmission.objects.get(applicant=applicant)

    # dangwei finds it in 报批事项 with its deadline and approves it.
    dangwei = login("dangwei")
    dangwei.goto(f"{live_server.url}/party/development/committee/")
    queue = dangwei.inner_text("#submission-queue")
    # Browser tests run on real time: the deadline is one month after the day it was submitted.
    assert submission.due_on == submission.submitted_on + relativedelta(months=1)
    assert "林晓雨" in queue and "第8步 报上级党委备案" in queue and f"{submission.due_on:%Y-%m-%d}" in queue
    screenshot(dangwei, "committee-3-dangwei-queue")
    dangwei.click(f"#sub-{submission.pk} a")
    dangwei.check("#id_action_0")
    dangwei.fill("#id_note", "同意备案")
    screenshot(dangwei, "committee-4-dangwei-approve")
    dangwei.click("#decide-form button[type=submit]")
    dangwei.wait_for_selector(".alert-success")
    assert "林晓雨" not in dangwei.inner_text("#submission-queue")
    applicant.refresh_from_db()
    assert applicant.step == 8

    # The branch sees the result; the 全程纪实表 prints the reason and no internal text.
    shuji.goto(url)
    timeline = shuji.locator("#timeline > li").nth(7).inner_text()
    assert "第8步" in timeline and committee.name in timeline
    screenshot(shuji, "committee-5-shuji-timeline-phone")
    shuji.goto(f"{url}print/")
    printed = shuji.inner_text("body")
    assert "公示期间适逢社区换届" in printed and committee.name in printed
    assert "dev." not in printed and "rules.md" not in printed
    assert shuji.locator("script").count() == 0
    screenshot(shuji, "committee-6-record-print")
