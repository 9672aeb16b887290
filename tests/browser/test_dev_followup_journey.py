"""Development follow-up and 四议两公开 in a browser: the organization department approves an
extension of probation from the 党委's approval queue; the branch secretary corrects a recorded step
(the prior version stays on the timeline); the printable 全程纪实表, 志愿书-stage summary, approval
queue and a 四议两公开 record sheet (screenshots and PDFs); the village secretary uploads a photo
with GPS data and a visitor on a phone sees it on the public page without the data."""

import datetime as dt
import io
from pathlib import Path

import pytest
from PIL import Image

from cases.defaults import seed_defaults as seed_cases
from core.actors import SYSTEM
from orgs.roles import Role
from party.defaults import seed_defaults as seed_party
from party.development import services as development_services
from tests.conftest import build_world
from tests.factories import RoleGrantFactory, UserFactory, make_org
from tests.party.conftest import add_members, appoint
from tests.party.test_development import D, apply, assembly, walk
from villages import services as village_services
from villages.defaults import seed_defaults as seed_villages
from villages.models import DecisionPhoto, StepKind

from .conftest import SCREENSHOTS, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def journey(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    seed_cases()
    seed_party()
    seed_villages()
    world = build_world()
    branch = make_org(
        world["w1"], "branch", "中共湖西社区支部委员会", short_name="湖西社区党支部", host=world["c2"]
    )
    branch.members = add_members(branch, 8)
    appoint(branch.members[0], branch)
    RoleGrantFactory(
        user=UserFactory(username="shuji", is_staff=False), org=branch, role=Role.BRANCH_SECRETARY
    )
    RoleGrantFactory(
        user=UserFactory(username="zuzhibu", is_staff=True), org=world["party"], role=Role.ORG_DEPT
    )
    extended = walk(apply(branch, name="周建军"), branch, 22)
    meeting = assembly(branch, D[23])
    development_services.record_step(
        actor=SYSTEM,
        applicant=extended,
        number=23,
        done_on=D[23],
        vote=development_services.Vote(meeting=meeting, yes=8),
        outcome="extend",
        extension_months=6,
        note="预备期内学习不够深入,支部大会决定延长预备期",
    )
    corrected = walk(apply(branch, name="林晓雨"), branch, 16, dates={2: dt.date(2023, 4, 12)})
    # The village and a resolved decision.
    town = make_org(world["district"], "town", "莲花镇", code="430104100")
    village = make_org(town, "village", "桐木村", code="430104100201")
    vbranch = make_org(world["party"], "branch", "中共桐木村支部委员会", host=village)
    RoleGrantFactory(
        user=UserFactory(username="cunshuji", is_staff=False), org=vbranch, role=Role.BRANCH_SECRETARY
    )
    start = dt.date(2026, 9, 1)
    decision = village_services.propose_decision(
        actor=SYSTEM,
        village=village,
        title="组级道路硬化工程",
        matter="project",
        summary="硬化道路3公里,预算60万元",
        held_on=start,
    )
    day = start
    for kind, kw in [
        (StepKind.CONSULTATION, {"votes": {"expected": 7, "present": 7, "yes": 6}}),
        (StepKind.MEMBERS_REVIEW, {"votes": {"expected": 30, "present": 24, "yes": 22}}),
        (
            StepKind.VILLAGERS_RESOLUTION,
            {"villagers_body": "representatives", "votes": {"expected": 42, "present": 36, "yes": 33}},
        ),
    ]:
        day += dt.timedelta(days=3)
        village_services.record_step(
            actor=SYSTEM, decision=decision, kind=kind, held_on=day, minutes="讨论表决", **kw
        )
    village_services.record_step(
        actor=SYSTEM,
        decision=decision,
        kind=StepKind.RESOLUTION_DISCLOSURE,
        held_on=day + dt.timedelta(days=2),
        channel="村务公开栏",
        disclose_to=day + dt.timedelta(days=9),
    )
    photo = tmp_path / "site.jpg"
    image = Image.new("RGB", (640, 480), (150, 190, 230))
    image.paste((90, 140, 80), (0, 300, 640, 480))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (28.0, 11.0, 0.0)}
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    photo.write_bytes(out.getvalue())
    return {
        "world": world,
        "branch": branch,
        "extended": extended,
        "corrected": corrected,
        "village": village,
        "decision": decision,
        "photo": photo,
        "media": Path(settings.MEDIA_ROOT),
    }


@pytest.fixture
def login(browser, live_server, journey):
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


def pdf(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.pdf"
    page.emulate_media(media="print")
    page.pdf(path=str(path), format="A4", print_background=True)
    page.emulate_media(media="screen")
    assert path.stat().st_size > 1000 and path.read_bytes().startswith(b"%PDF")
    return path


def test_approval_correction_and_printable_forms(journey, login, live_server):
    committee = journey["branch"].path[:-4]
    from orgs.models import Org

    street = Org.objects.get(path=committee)
    zuzhibu = login("zuzhibu")
    zuzhibu.goto(f"{live_server.url}/party/development/approvals/?org={street.pk}")
    queue = zuzhibu.inner_text("#approval-queue")
    assert (
        "周建军" in queue and "延长预备期 6 个月" in queue and "林晓雨" in queue and "接收预备党员" in queue
    )
    screenshot(zuzhibu, "devfollow-1-approval-queue")
    row = zuzhibu.locator(f"#q-{journey['extended'].pk}")
    row.locator("input[type=date]").fill("2025-11-10")
    row.locator("button[type=submit]").click()
    zuzhibu.wait_for_selector(".alert-success")
    assert "同意" in zuzhibu.inner_text(".alert-success")
    journey["extended"].refresh_from_db()
    assert journey["extended"].extended_months == 6 and journey["extended"].probation_ends_on == dt.date(
        2026, 4, 10
    )
    zuzhibu.goto(f"{live_server.url}/party/development/approvals/print/?org={street.pk}")
    assert zuzhibu.locator("script").count() == 0 and "林晓雨" in zuzhibu.inner_text("#print-queue")
    screenshot(zuzhibu, "devfollow-2-approval-queue-print")
    pdf(zuzhibu, "devfollow-approval-queue")

    shuji = login("shuji", phone=True)
    applicant = journey["corrected"]
    shuji.goto(f"{live_server.url}/party/development/applicants/{applicant.pk}/")
    shuji.locator("#timeline > li").nth(1).locator(".correct-link").click()
    shuji.fill("#id_reason", "谈话记录日期录错,按原始记录更正")
    shuji.fill("#id_done_on", "2023-03-28")
    shuji.click("#correct-form button[type=submit]")
    shuji.wait_for_selector(".alert-success")
    timeline = shuji.inner_text("#timeline")
    assert "已更正" in timeline and "更正原因:谈话记录日期录错" in timeline and "原记录" in timeline
    screenshot(shuji, "devfollow-3-corrected-timeline-phone")

    zuzhibu.goto(f"{live_server.url}/party/development/applicants/{applicant.pk}/print/")
    text = zuzhibu.inner_text("#record")
    assert "第2步" in text and "已更正" in text and "✓ 符合" in text
    assert zuzhibu.locator("script").count() == 0
    screenshot(zuzhibu, "devfollow-4-record-print")
    pdf(zuzhibu, "devfollow-record")
    zuzhibu.goto(f"{live_server.url}/party/development/applicants/{applicant.pk}/print/form/")
    assert "支部大会讨论" in zuzhibu.inner_text("#stage")
    screenshot(zuzhibu, "devfollow-5-form-print")


def test_village_photo_public_on_a_phone_and_record_sheet(journey, login, live_server, browser):
    decision = journey["decision"]
    cunshuji = login("cunshuji", phone=True)
    cunshuji.goto(f"{live_server.url}/villages/{decision.pk}/")
    cunshuji.select_option("#id_stage", "result")
    cunshuji.fill("#id_caption", "施工现场")
    cunshuji.set_input_files("#id_photos", str(journey["photo"]))
    cunshuji.click("#photo-form button[type=submit]")
    cunshuji.wait_for_selector(".alert-success")
    assert "施工现场" in cunshuji.inner_text("#photos")
    screenshot(cunshuji, "devfollow-6-village-item-phone")
    stored = DecisionPhoto.objects.get(decision=decision).file
    assert b"PhoneMaker" not in stored.read()

    visitor = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = visitor.new_page()
    page.goto(f"{live_server.url}/villages/public/{journey['village'].code}/")
    text = page.inner_text("main")
    assert "组级道路硬化工程" in text and "赞成 33" in text and "讨论表决" not in text and "施工现场" in text
    img = page.locator(".public-photos img").first
    img.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=img.element_handle())
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # no sideways scroll
    screenshot(page, "devfollow-7-village-public-phone")
    visitor.close()

    cunshuji.goto(f"{live_server.url}/villages/{decision.pk}/print/")
    assert "赞成 33" in cunshuji.inner_text("#sheet") and cunshuji.locator("script").count() == 0
    screenshot(cunshuji, "devfollow-8-village-sheet-print")
    pdf(cunshuji, "devfollow-village-sheet")
