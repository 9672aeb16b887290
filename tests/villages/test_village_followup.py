"""四议两公开 follow-up: photos (EXIF/GPS stripped, public without personal data, withdrawn not
deleted), implementation through a workplan task (existing or new, scoped), the result
disclosure's due date, disclosure reminders at their edges (once per level), the township list,
the compliance findings and the printable record sheet."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError
from core.models import Notification
from orgs.roles import Role
from party import compliance
from villages import reminders, services
from villages.models import Decision, DecisionPhoto, DecisionStatus
from workplan import services as wp_services

from ..conftest import grant
from .test_villages import propose, through

pytestmark = pytest.mark.django_db


def jpeg_with_gps(name="scene.jpg"):
    image = Image.new("RGB", (64, 48), (30, 120, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (28.0, 11.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    assert b"PhoneMaker" in out.getvalue()
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(world, village):
    return {
        "shuji": grant(world, "vf_shuji", Role.BRANCH_SECRETARY, "vbranch"),
        "staff": grant(world, "vf_staff", Role.COMMUNITY_STAFF, "village"),
        "town": grant(world, "vf_town", Role.DISPATCHER, "town"),
        "outsider": grant(world, "vf_out", Role.COMMUNITY_STAFF, "c1"),
        "dudao": grant(world, "vf_dudao", Role.SUPERVISOR, "district"),
    }


def test_photos_are_stripped_and_public_without_personal_data(client, media, village, people):
    d = through(propose(village), 5)
    photos = services.add_photos(
        actor=people["shuji"], decision=d, uploads=[jpeg_with_gps()], stage="result", caption="道路施工现场"
    )
    stored = photos[0].file.read()
    assert b"PhoneMaker" not in stored and Image.open(io.BytesIO(stored)).getexif().get(0x8825) is None
    with pytest.raises(ServiceError, match="不能包含手机号码") as error:
        services.add_photos(
            actor=people["shuji"], decision=d, uploads=[jpeg_with_gps()], caption="联系13812345678"
        )
    assert error.value.field == "caption"
    with pytest.raises(ServiceError, match="不是有效的图片"):
        services.add_photos(
            actor=people["shuji"], decision=d, uploads=[SimpleUploadedFile("x.jpg", b"not an image")]
        )
    with pytest.raises(PermissionDenied):
        services.add_photos(actor=people["outsider"], decision=d, uploads=[jpeg_with_gps()])
    page = client.get(reverse("villages:public", args=[village.code])).content.decode()
    assert photos[0].file.url in page and "道路施工现场" in page
    services.withdraw_photo(actor=people["shuji"], photo=photos[0], reason="照片拍到村民面部")
    page = client.get(reverse("villages:public", args=[village.code])).content.decode()
    assert photos[0].file.url not in page
    assert DecisionPhoto.objects.filter(pk=photos[0].pk, withdrawn_at__isnull=False).exists()
    assert AuditEvent.objects.filter(action="villages.photo_withdrawn").exists()


def test_result_photos_wait_for_the_published_resolution(media, village, people):
    d = through(propose(village), 3)
    with pytest.raises(ServiceError, match="决议公开") as error:
        services.add_photos(actor=people["shuji"], decision=d, uploads=[jpeg_with_gps()], stage="result")
    assert error.value.field == "stage"
    services.add_photos(actor=people["shuji"], decision=d, uploads=[jpeg_with_gps()], stage="item")


def test_personal_data_refused_in_public_texts(village):
    with pytest.raises(ServiceError) as error:
        services.propose_decision(
            actor=SYSTEM,
            village=village,
            title="低保评议",
            matter="subsidy",
            summary="申请人身份证430104199001011234",
            held_on=dt.date(2026, 9, 1),
        )
    assert error.value.field == "summary"


def test_photo_pages(client, media, village, people):
    d = through(propose(village), 4)
    client.force_login(people["outsider"])
    assert client.post(reverse("villages:photos", args=[d.pk]), {"stage": "item"}).status_code == 404
    client.force_login(people["shuji"])
    response = client.post(
        reverse("villages:photos", args=[d.pk]),
        {"stage": "item", "caption": "公示栏", "photos": [jpeg_with_gps()]},
    )
    assert response.status_code == 302 and d.photos.count() == 1
    page = client.get(reverse("villages:detail", args=[d.pk])).content.decode()
    assert "公示栏" in page and "关联实施任务" in page


def test_link_a_new_task_and_show_its_progress(client, media, village, people, world):
    office = world["party"]
    plan = wp_services.create_plan(
        actor=people["dudao"],
        owner=world["district"],
        title="2026年乡村振兴重点工作",
        source_date=dt.date(2026, 2, 1),
    )
    d = through(propose(village), 2)
    with pytest.raises(ServiceError, match="决议通过后"):
        services.link_task(actor=people["dudao"], decision=d, plan=plan, deadline=dt.date(2026, 12, 31))
    d = through(d, 5)
    assert d.due_label.startswith("决议公开后约 180 天")
    # A village secretary is not a supervisor of the plan: the workplan service refuses.
    with pytest.raises(PermissionDenied):
        services.link_task(actor=people["shuji"], decision=d, plan=plan, deadline=dt.date(2026, 12, 31))
    task = services.link_task(actor=people["dudao"], decision=d, plan=plan, deadline=dt.date(2026, 12, 31))
    d.refresh_from_db()
    assert d.task == task and task.lead_unit == village and d.due_on == dt.date(2027, 1, 30)
    assert task.links.filter(url=f"/villages/{d.pk}/").exists()
    with pytest.raises(ServiceError, match="已关联"):
        services.link_task(actor=SYSTEM, decision=d, task=task)
    client.force_login(people["dudao"])
    page = client.get(reverse("villages:detail", args=[d.pk])).content.decode()
    assert task.title in page and "任务进度" in page
    assert office is not None


def test_link_an_existing_task_only_if_visible(media, village, people, world):
    plan = wp_services.create_plan(
        actor=people["dudao"],
        owner=world["district"],
        title="2026年重点工作",
        source_date=dt.date(2026, 2, 1),
    )
    task = wp_services.create_task(
        plan,
        actor=people["dudao"],
        title="组级道路硬化",
        start_on=dt.date(2026, 9, 1),
        deadline=dt.date(2026, 10, 31),
        lead_unit=world["d1"],
    )
    d = through(propose(village), 4)
    with pytest.raises(ServiceError, match="无权查看") as error:
        services.link_task(actor=people["shuji"], decision=d, task=task)
    services.link_task(actor=SYSTEM, decision=d, task=task)
    d = through(Decision.objects.get(pk=d.pk), 5)
    assert d.due_on == dt.date(2026, 11, 30)  # the task's deadline + 30 days
    assert error.value.field == "task"


def test_reminders_due_and_late_once_each(village, people):
    d = through(propose(village), 4)  # resolved 2026-09-10: disclosure due 2026-09-15
    assert d.due_on == dt.date(2026, 9, 15)
    assert reminders.run(dt.date(2026, 9, 12)).due == 0  # 3 days before: not yet
    report = reminders.run(dt.date(2026, 9, 13))  # exactly 2 days before
    assert report.due == 1
    to = set(Notification.objects.filter(kind=reminders.KIND).values_list("user__username", flat=True))
    assert {"vf_shuji", "vf_staff", "vf_town"} <= to and "vf_out" not in to
    assert reminders.run(dt.date(2026, 9, 14)).skipped == 1  # once per level
    assert reminders.run(dt.date(2026, 9, 15)).due == 0  # the due day itself is not late
    report = reminders.run(dt.date(2026, 9, 16))
    assert report.late == 1
    late = Notification.objects.filter(kind=reminders.KIND, title__contains="已逾期")
    assert late.count() == len(to)
    assert reminders.run(dt.date(2026, 9, 17)).late == 0


def test_township_list_and_compliance_findings(client, village, people, world):
    d = through(propose(village), 4)
    # Published late (决议 2026-09-10, published 2026-09-20: 10 days > 5) → a deviation.
    services.record_step(
        actor=SYSTEM,
        decision=d,
        kind="resolution_disclosure",
        held_on=dt.date(2026, 9, 20),
        channel="村务公开栏",
        disclose_to=dt.date(2026, 9, 30),
    )
    other = services.propose_decision(
        actor=SYSTEM,
        village=village,
        title="集体林地流转",
        matter="land",
        summary="流转集体林地200亩",
        held_on=dt.date(2026, 9, 1),
    )
    other = through(other, 4)  # disclosure due 2026-09-15, not made
    findings = compliance.check(
        world["party"], dt.date(2026, 7, 1), dt.date(2026, 9, 30), dt.date(2026, 9, 30)
    )
    rules = {f.rule: f for f in findings if f.rule.startswith("village.")}
    assert set(rules) == {"village.deviation", "village.overdue"}
    assert rules["village.deviation"].org_id == world["vbranch"].pk
    assert any("超过 5 天" in e for e in rules["village.deviation"].evidence)
    assert any("集体林地流转" in e for e in rules["village.overdue"].evidence)
    # Before the due day nothing is overdue (boundary).
    findings = compliance.check(
        world["party"], dt.date(2026, 7, 1), dt.date(2026, 9, 15), dt.date(2026, 9, 15)
    )
    assert not [f for f in findings if f.rule == "village.overdue"]
    client.force_login(people["town"])
    page = client.get(reverse("villages:township")).content.decode()
    assert "集体林地流转" in page and "应公开未公开" in page and "组级道路硬化工程" in page
    client.force_login(people["outsider"])
    page = client.get(reverse("villages:township"))
    assert page.status_code == 404 or "集体林地流转" not in page.content.decode()
    assert other.status == DecisionStatus.RESOLVED


def test_record_sheet_prints(client, village, people):
    d = through(propose(village), 6)
    client.force_login(people["shuji"])
    page = client.get(reverse("villages:print", args=[d.pk])).content.decode()
    assert "四议两公开”记录表" in page and "@media print" in page and "<script" not in page
    assert "赞成 15" in page and "道路已完工验收" in page
    client.force_login(people["outsider"])
    assert client.get(reverse("villages:print", args=[d.pk])).status_code == 404
