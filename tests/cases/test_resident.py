"""办理进度通知 and the public story: each milestone reaches the reporter once, through the channels
that reach them; opt-out; anonymity; failures retried and visible; 查询码; masking."""

import json
import urllib.parse

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse

from cases import resident, services, tracking
from cases.models import (
    Case,
    DeliveryStatus,
    Milestone,
    ReporterDelivery,
    ReporterMessage,
    format_token,
    new_access_token,
    normalize_token,
)
from core import outbound
from core.models import Notification
from core.privacy import mask_personal_text
from orgs.roles import Role
from tests.conftest import grant

from .conftest import new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def outbox(settings, tmp_path):
    settings.LUOSHI_OUTBOX_FILE = str(tmp_path / "outbox.jsonl")
    settings.LUOSHI_RESIDENT_CHANNELS = ["inbox", "file"]
    cache.clear()
    yield tmp_path / "outbox.jsonl"
    cache.clear()


def sent(case):
    return [line for line in outbound.read_outbox() if line["params"]["number"] == case.number]


def milestones(case):
    return list(case.reporter_messages.order_by("created_at", "pk").values_list("milestone", "round"))


# ---------------------------------------------------------------------------------------------
# Milestones


def test_each_public_milestone_reaches_the_phone_reporter_once_after_commit(
    world, actors, category, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(world)
    with django_capture_on_commit_callbacks(execute=True):
        case = walk(case, actors, world, category, "fed_back")
    with django_capture_on_commit_callbacks(execute=True):
        case = services.check_case(case, actor=actors["community"], passed=False, note="仍有垃圾")
    lead = case.assignments.get(role="lead")
    with django_capture_on_commit_callbacks(execute=True):
        services.give_feedback(lead, actor=actors["handler"], text="已再次清运")
    with django_capture_on_commit_callbacks(execute=True):
        services.check_case(Case.objects.get(pk=case.pk), actor=actors["community"], passed=True, note="")
    assert milestones(case) == [
        ("received", 0),
        ("registered", 0),
        ("dispatched", 0),
        ("answered", 0),
        ("reworked", 1),
        ("answered", 1),
        ("closed", 0),
    ]
    lines = sent(case)
    assert [line["kind"] for line in lines] == [m for m, _ in milestones(case)]
    # Phone only (no account): the file channel got it, masked; no inbox.
    assert lines[0]["to"] == {"user": "", "phone": "139****5678", "email": False, "wechat": False}
    assert not Notification.objects.exists()
    assert ReporterDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 7
    reworked = next(line for line in lines if line["kind"] == "reworked")
    assert "退回重新办理" in reworked["text"] and "13912345678" not in reworked["text"]
    # The link opens the tracking page; the message names the number and the 查询码, no staff.
    assert case.number in reworked["text"] and format_token(case.access_token) in reworked["text"]
    assert "bumen" not in json.dumps(lines, ensure_ascii=False)


def test_a_milestone_is_recorded_once_even_if_told_again_or_the_job_retries(world, actors, category):
    case = walk(new_case(world), actors, world, category, "registered")
    assert resident.tell(case, Milestone.REGISTERED) is None  # told already
    resident.on_event(case, "case.registered")
    assert ReporterMessage.objects.filter(case=case, milestone="registered").count() == 1
    ids = list(case.reporter_messages.values_list("pk", flat=True))
    assert resident.send(ids) == (2, 0)  # received + registered, through the file channel
    assert resident.send(ids) == (0, 0)  # a retried job sends nothing twice
    assert len(sent(case)) == 2


def test_refusal_tells_the_reason_without_personal_numbers(world, actors):
    case = new_case(world)
    services.reject_case(case, actor=actors["dispatcher"], reason="属于物业管理范围,请联系物业 0731-88881234")
    message = case.reporter_messages.get(milestone=Milestone.REFUSED)
    assert "不予立案,理由:属于物业管理范围" in message.text
    assert "88881234" not in message.text


def test_account_reporter_gets_the_inbox_and_anonymity_hides_them_publicly(
    client, world, actors, category, django_capture_on_commit_callbacks
):
    jumin = grant(world, "jumin", Role.RESIDENT, "c1")
    jumin.email = "jumin@example.com"
    jumin.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(world, actor=jumin, anonymous=True, reporter_phone="", reporter_name="")
    assert case.reporter_user == jumin and case.anonymous
    note = Notification.objects.get(user=jumin)
    assert note.kind == "resident.received" and note.url == resident.tracking_path(case)
    line = sent(case)[0]
    assert line["to"]["user"] == "jumin" and line["to"]["phone"] == ""
    page = client.get(note.url).content.decode()
    assert "jumin" not in page and "张伟" not in page and "jumin@example.com" not in page


def test_email_channel_when_configured(settings, world, django_capture_on_commit_callbacks):
    settings.LUOSHI_RESIDENT_CHANNELS = ["inbox", "email"]
    jumin = grant(world, "jumin", Role.RESIDENT, "c1")
    jumin.email = "jumin@example.com"
    jumin.save()
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(world, actor=jumin)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["jumin@example.com"]
    assert case.number in mail.outbox[0].body
    assert set(ReporterDelivery.objects.values_list("channel", flat=True)) == {"inbox", "email"}


def test_opt_out_on_the_form_and_by_the_unsubscribe_link(client, world, actors, category):
    quiet = new_case(world, notify_reporter=False)
    walk(quiet, actors, world, category, "registered")
    assert not quiet.reporter_messages.exists()

    case = new_case(world)
    assert milestones(case) == [("received", 0)]
    text = case.reporter_messages.get().text
    link = text.rsplit("不再接收通知:", 1)[1]
    path = urllib.parse.urlsplit(link).path
    assert client.get(path).status_code == 200
    response = client.post(path, {"on": "0"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.notify_reporter is False
    # The pending delivery is cancelled and nothing new is recorded.
    assert ReporterDelivery.objects.get(message__case=case).status == DeliveryStatus.CANCELLED
    walk(case, actors, world, category, "registered")
    assert milestones(case) == [("received", 0)]
    assert client.get(reverse("portal:unsubscribe", args=["forged"])).status_code == 404


def test_failed_delivery_is_retried_and_visible(world, monkeypatch, settings, rf):
    case = new_case(world)

    class Down(outbound.Channel):
        name = "file"

        def send(self, to, message):
            raise outbound.SendFailed("网关超时")

    ids = list(case.reporter_messages.values_list("pk", flat=True))
    assert resident.send(ids, channels={"file": Down()}) == (0, 1)
    delivery = ReporterDelivery.objects.get(message__case=case)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert delivery.last_error == "网关超时"
    from django.utils import timezone

    assert resident.failing_deliveries(timezone.now()) == {"ok": False, "failed": 1}
    with pytest.raises(resident.DeliveryFailed):
        monkeypatch.setattr(outbound.FileChannel, "send", Down.send)
        resident.deliver_messages.call(ids)
    monkeypatch.undo()
    assert resident.send(ids) == (1, 0)  # the retry sends it
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert resident.failing_deliveries(timezone.now())["ok"] is True


DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def test_reports_share_one_deferred_delivery_job(world, settings, django_capture_on_commit_callbacks):
    """Intake queues no job per report (issue 22): the first report after a quiet moment queues
    one ``deliver_due`` to run once the hold is over; the reports committed meanwhile queue
    nothing, and that one job sends them all."""
    from django_tasks_db.models import DBTaskResult

    from core import clock

    settings.TASKS = DB_TASKS
    cases = []
    for _ in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            cases.append(new_case(world))
    jobs = list(DBTaskResult.objects.all())
    assert [job.task_path for job in jobs] == ["cases.resident.deliver_due"]
    wait = (jobs[0].run_after - clock.now()).total_seconds()
    assert resident.WAKE_HOLD < wait <= resident.WAKE_HOLD + 2
    assert not any(sent(case) for case in cases)
    assert resident.deliver_due.call() == 3  # the job, when it runs: every report's message
    assert all(len(sent(case)) == 1 for case in cases)
    # The hold over, the next report queues the next job.
    cache.delete(resident.WAKE_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        new_case(world)
    assert DBTaskResult.objects.count() == 2


def test_a_queue_that_is_down_loses_no_message(
    world, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """The report is committed even when the job queue refuses the wake-up; the periodic sweep
    (``deliver_due`` is periodic) sends the message."""
    from core.periodic import schedules

    def down(*args, **kwargs):
        raise ConnectionError("Redis 不可用")

    monkeypatch.setattr(type(resident.deliver_due), "enqueue", down)
    with django_capture_on_commit_callbacks(execute=True):
        case = new_case(world)
    assert Case.objects.filter(pk=case.pk).exists() and sent(case) == []
    monkeypatch.undo()
    assert "cases.resident.deliver_due" in {s.name for s in schedules()}
    assert resident.deliver_due.call() == 1 and len(sent(case)) == 1


def test_the_sweep_retries_a_failed_delivery_with_backoff_then_leaves_it_to_the_operator(
    world, django_capture_on_commit_callbacks
):
    import datetime as dt

    from core import clock

    case = new_case(world)

    class Down(outbound.Channel):
        name = "file"

        def send(self, to, message):
            raise outbound.SendFailed("网关超时")

    assert resident.send(None, channels={"file": Down()}) == (0, 1)
    delivery = ReporterDelivery.objects.get(message__case=case)
    start = clock.now()
    # After attempt n the sweep waits 1, 2, 4 … minutes; meanwhile it does not touch the delivery.
    for attempt in range(1, resident.MAX_ATTEMPTS):
        wait = resident.RETRY_BACKOFF * 2 ** (attempt - 1)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        with clock.frozen(delivery.claimed_at + wait - dt.timedelta(seconds=1)):
            assert resident.send(None, channels={"file": Down()}) == (0, 0)
        with clock.frozen(delivery.claimed_at + wait + dt.timedelta(seconds=1)):
            assert resident.send(None, channels={"file": Down()}) == (0, 1)
    delivery.refresh_from_db()
    assert delivery.attempts == resident.MAX_ATTEMPTS and delivery.status == DeliveryStatus.FAILED
    with clock.frozen(start + dt.timedelta(days=7)):
        assert resident.deliver_due.call() == 0  # given up: only "重新发送" sends it now
        with django_capture_on_commit_callbacks(execute=True):
            resident.retry_failed([delivery.pk])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and len(sent(case)) == 1


def test_rate_reminder_once_for_an_unrated_closed_case(world, actors, category, settings):
    from core import clock

    case = walk(new_case(world), actors, world, category, "closed")
    assert resident.remind_to_rate.call() == 0  # just closed
    import datetime as dt

    with clock.frozen(clock.now() + dt.timedelta(days=3)):
        assert resident.remind_to_rate.call() == 1
        assert resident.remind_to_rate.call() == 0
    assert case.reporter_messages.filter(milestone=Milestone.RATE).count() == 1


# ---------------------------------------------------------------------------------------------
# Channels with fake transports


def test_aliyun_sms_signs_the_request_and_reads_the_answer():
    calls = []

    def transport(method, url, headers, body):
        calls.append((method, url))
        return 200, b'{"Code": "OK", "BizId": "900619746936498440^0"}'

    channel = outbound.SmsChannel(
        transport,
        provider="aliyun",
        key_id="testid",
        key_secret="testsecret",
        sign_name="落实",
        templates={"answered": "SMS_1"},
    )
    to = outbound.Recipient(phone="13912345678")
    message = outbound.Outbound(key="k", kind="answered", title="t", text="x", params={"number": "YL1"})
    assert channel.applies(to, message)
    assert not channel.applies(to, outbound.Outbound(key="k", kind="closed", title="t", text="x"))
    assert channel.send(to, message) == "900619746936498440^0"
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(calls[0][1]).query)
    assert query["TemplateCode"] == ["SMS_1"] and query["PhoneNumbers"] == ["13912345678"]
    assert json.loads(query["TemplateParam"][0])["number"] == "YL1" and query["Signature"]


def test_aliyun_signature_matches_the_documented_example():
    # Aliyun's SMS signature documentation example (SignatureVersion 1.0, secret "testSecret").
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    query = outbound.aliyun_signed_query(params, "testSecret")
    assert query.startswith("Signature=zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D&")


def test_aliyun_and_tencent_errors_fail_the_delivery():
    down = outbound.SmsChannel(
        lambda *a: (200, '{"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"}'.encode()),
        provider="aliyun",
        templates={"closed": "SMS_2"},
    )
    to = outbound.Recipient(phone="13912345678")
    message = outbound.Outbound(key="k", kind="closed", title="t", text="x")
    with pytest.raises(outbound.SendFailed, match="触发流控"):
        down.send(to, message)
    seen = {}

    def tencent(method, url, headers, body):
        seen.update(headers=headers, body=json.loads(body))
        return 200, b'{"Response": {"SendStatusSet": [{"Code": "Ok", "SerialNo": "S1"}]}}'

    ok = outbound.SmsChannel(
        tencent, provider="tencent", app_id="1400", key_id="AKID", key_secret="k", templates={"closed": "88"}
    )
    assert ok.send(to, message) == "S1"
    assert seen["body"]["PhoneNumberSet"] == ["+8613912345678"] and seen["body"]["TemplateId"] == "88"
    assert seen["headers"]["Authorization"].startswith("TC3-HMAC-SHA256 Credential=AKID/")
    assert "SignedHeaders=content-type;host" in seen["headers"]["Authorization"]
    with pytest.raises(outbound.SendFailed):
        outbound.SmsChannel(provider="", templates={"closed": "1"}).send(to, message)


def test_wechat_subscription_message_refreshes_an_expired_token():
    calls = []
    answers = iter(
        [
            b'{"access_token": "A", "expires_in": 7200}',
            b'{"errcode": 42001, "errmsg": "access_token expired"}',
            b'{"access_token": "B", "expires_in": 7200}',
            b'{"errcode": 0, "msgid": 77}',
        ]
    )

    def transport(method, url, headers, body):
        calls.append((method, url, json.loads(body) if body else None))
        return 200, next(answers)

    channel = outbound.WechatChannel(
        transport,
        appid="wx1",
        secret="s",
        templates={"answered": {"id": "T1", "data": {"character_string1": "number", "thing2": "step"}}},
    )
    to = outbound.Recipient(wechat_openid="o-1")
    message = outbound.Outbound(
        key="k", kind="answered", title="t", text="x", params={"number": "YL1", "step": "已答复"}
    )
    assert channel.applies(to, message) and not channel.applies(outbound.Recipient(phone="1"), message)
    assert channel.send(to, message) == "77"
    assert calls[-1][1].endswith("access_token=B")
    assert calls[-1][2]["data"] == {"character_string1": {"value": "YL1"}, "thing2": {"value": "已答复"}}


# ---------------------------------------------------------------------------------------------
# 查询码 and masking


def test_new_codes_avoid_look_alikes_and_lookup_is_forgiving(client, world):
    codes = {new_access_token() for _ in range(200)}
    assert all(len(c) == 13 and not set(c) & set("01OILU") for c in codes)
    case = new_case(world)
    shown = format_token(case.access_token)
    assert len(shown.split("-")) == 3
    typed = " " + shown.lower().replace("-", " ") + " "
    assert normalize_token(typed) == case.access_token
    response = client.get(reverse("portal:track"), {"number": case.number.lower(), "t": typed})
    assert response.status_code == 302 and response["Location"].endswith(case.access_token)
    assert case.token_matches(typed) and not case.token_matches("") and not case.token_matches(None)


def test_old_codes_keep_working(client, world):
    case = new_case(world)
    Case.objects.filter(pk=case.pk).update(access_token="aB-3_xYz0OlI1kLm")
    case.refresh_from_db()
    assert format_token(case.access_token) == "aB-3_xYz0OlI1kLm"
    assert client.get(f"{reverse('portal:case', args=[case.number])}?t=aB-3_xYz0OlI1kLm").status_code == 200
    assert client.get(f"{reverse('portal:case', args=[case.number])}?t=AB-3_XYZ0OLI1KLM").status_code == 404


def test_personal_numbers_are_masked_in_titles_and_text():
    text = "请联系13812345678或0731-88881234,身份证43010419900101123X,编号YL20261129-0001,共 300 米"
    masked = mask_personal_text(text)
    assert "13812345678" not in masked and "138****5678" in masked
    assert "88881234" not in masked and "43010419900101123X" not in masked and "4301**********123X" in masked
    assert "YL20261129-0001" in masked and "300 米" in masked


def test_generated_title_is_masked_and_the_description_kept(world):
    case = new_case(world, description="楼下噪音扰民 联系 13812345678 张先生")
    assert "13812345678" not in case.title and "138****5678" in case.title
    assert "13812345678" in case.description


# ---------------------------------------------------------------------------------------------
# The tracking page tells the story


def test_tracking_page_shows_answer_rework_and_next_step(client, world, actors, category):
    case = walk(new_case(world), actors, world, category, "fed_back")
    case = services.check_case(case, actor=actors["community"], passed=False, note="内部:处置不彻底")
    url = f"{reverse('portal:case', args=[case.number])}?t={case.access_token}"
    page = client.get(url).content.decode()
    assert "已清运,现场已清洁" in page  # the unit's answer
    assert "已退回责任单位重新办理" in page and "正在核查" not in page
    assert "下一步" in page and "正在重新办理" in page and "预计" in page
    assert "内部:处置不彻底" not in page and "bumen" not in page and "jiedao" not in page
    story = tracking.story(case)
    assert [s.label for s in story.steps] == ["受理", "立案", "派遣", "签收", "办理答复", "核查"]


def test_landing_page_for_visitors_home_for_staff(client, world, actors):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert reverse("portal:report") in html and reverse("portal:track") in html and reverse("login") in html
    client.force_login(actors["dispatcher"])
    assert "身边的问题" not in client.get("/").content.decode()


def test_exports_list_and_staff_page_mask_numbers_typed_into_text(client, world, actors, category):
    from tests.api.conftest import client_for

    case = new_case(world, description="噪音扰民 请回电13812345678", address="湖东路1号 0731-88881234")
    # An old row whose title still holds a number (before intake masked titles).
    Case.objects.filter(pk=case.pk).update(title="噪音 13812345678")
    api = client_for(actors["dispatcher"])
    text = b"".join(api.get("/api/v1/cases.csv").streaming_content).decode("utf-8-sig")
    assert case.number in text and "13812345678" not in text and "88881234" not in text
    listed = api.get("/api/v1/cases").json()["items"][0]
    assert listed["title"] == "噪音 138****5678" and "88881234" not in listed["address"]

    # The staff case page: clear for the dispatcher (may call back), masked for a co-unit's handler.
    client.force_login(actors["dispatcher"])
    assert "请回电13812345678" in client.get(reverse("cases:detail", args=[case.number])).content.decode()
    services.register_case(case, actor=actors["dispatcher"], category=category)
    services.dispatch_case(Case.objects.get(pk=case.pk), actor=actors["dispatcher"], lead_unit=world["d1"])
    client.force_login(actors["handler"])
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "请回电138****5678" in page and "13812345678" not in page


def test_my_cases_tell_what_happens_now(client, world, actors, category):
    jumin = grant(world, "jumin", Role.RESIDENT, "c1")
    case = walk(new_case(world, actor=jumin), actors, world, category, "dispatched")
    client.force_login(jumin)
    page = client.get(reverse("portal:mine")).content.decode()
    assert case.number in page and "等待区城市管理和综合执法局接收办理" in page and "预计" in page


def test_opting_out_is_recorded_on_the_case_chain(world):
    from audit.models import AuditEvent

    case = new_case(world)
    resident.set_notify(case, on=False)
    resident.set_notify(case, on=False)  # no change: nothing recorded twice
    events = AuditEvent.objects.for_subject(case).filter(action="case.reporter_notify_off")
    assert events.count() == 1
    resident.set_notify(case, on=True)
    assert Case.objects.get(pk=case.pk).notify_reporter is True
