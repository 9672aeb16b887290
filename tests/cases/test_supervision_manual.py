"""督查室 by hand: who must act at each stage, 催办 (audited, notified, counted in the rankings),
numbered 督办通知单 with the issuer's prefix, their A4 page and Word file."""

import datetime as dt
import io
import re
import zipfile

import pytest
import time_machine

from audit.models import AuditEvent
from cases import services, supervision
from cases.evaluation import evaluate
from cases.models import NoticeKind, SupervisionNotice
from core.errors import PermissionDenied, ServiceError, StateConflict
from core.models import Notification
from orgs.roles import Role
from tests.factories.orgs import make_org

from ..conftest import grant
from .conftest import at, new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def centre(world):
    """The street's dispatch centre (an office under the street) and the district's 发文代字."""
    world["district"].doc_prefix = "岳"
    world["district"].save(update_fields=["doc_prefix"])
    return make_org(world["s1"], "office", "望月湖街道综治中心(网格化服务管理中心)")


def reported(world):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):  # a Monday
        return new_case(world, area=world["g1"])


# -- who must act -------------------------------------------------------------------------------


def test_who_must_act_follows_the_stage(world, actors, category, centre):
    case = reported(world)
    must = supervision.who_must_act(case)
    # Register stage: the street's dispatch centre, not the grid the case is in.
    assert must.unit == centre and must.action == "dispatch"
    assert must.users == [actors["dispatcher"]]
    with time_machine.travel(at(2026, 11, 23, 9, 30), tick=False):
        case = walk(case, actors, world, category, "dispatched")
    must = supervision.who_must_act(case)  # to be signed: the lead unit's handlers
    assert (must.unit, must.action, must.users) == (world["d1"], "handle", [actors["handler"]])
    with time_machine.travel(at(2026, 11, 23, 10), tick=False):
        services.sign_assignment(case.assignments.get(role="lead"), actor=actors["handler"])
        case.refresh_from_db()
        assert supervision.who_must_act(case).unit == world["d1"]  # handling
        services.give_feedback(case.assignments.get(role="lead"), actor=actors["handler"], text="已清运")
        case.refresh_from_db()
    must = supervision.who_must_act(case)  # check: the dispatch centre again, not the grid worker
    assert must.unit == centre and must.action == "check" and actors["worker"] not in must.users
    assert must.users == [actors["dispatcher"]]


def test_district_queue_cases_go_to_the_district(world, actors):
    district_dispatcher = grant(world, "qu_diaodu", Role.DISPATCHER, "district")
    case = reported(world)
    case.org, case.street = world["district"], None
    case.save(update_fields=["org", "org_path", "street"])
    must = supervision.who_must_act(case)
    assert must.unit == world["district"] and must.users == [district_dispatcher]


def test_periodic_reminders_go_to_the_dispatch_centre(world, actors, centre):
    case = reported(world)
    report = supervision.supervise(now=case.due_at + dt.timedelta(minutes=5))
    assert report.notices == 1
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    assert notice.unit == centre and notice.number == "岳督办〔2026〕1号"
    assert Notification.objects.filter(user=actors["dispatcher"], kind="case.notice").exists()
    assert not Notification.objects.filter(user=actors["worker"]).exists()
    # The centre's dispatchers see the notice addressed to their office.
    assert SupervisionNotice.objects.visible_to(actors["dispatcher"]).filter(pk=notice.pk).exists()


# -- 催办 ----------------------------------------------------------------------------------------


def test_supervision_office_urges_the_unit_that_must_act(world, actors, category, centre):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "handling")
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):  # handling was due 11-30
        with pytest.raises(PermissionDenied):
            supervision.remind_case(case, actor=actors["dispatcher"], reason="请加快")
        with pytest.raises(ServiceError) as error:
            supervision.remind_case(case, actor=actors["supervisor"], reason=" ")
        assert error.value.field == "reason"
        with pytest.raises(ServiceError) as error:
            supervision.remind_case(
                case, actor=actors["supervisor"], reason="请加快", act_by=dt.date(2026, 12, 6)
            )
        assert error.value.field == "act_by"
        urge = supervision.remind_case(
            case, actor=actors["supervisor"], reason="群众多次来电,请立即处置", act_by=dt.date(2026, 12, 9)
        )
        again = supervision.remind_case(case, actor=actors["supervisor"], reason="仍未处置")
    assert urge.kind == NoticeKind.URGE and urge.manual and urge.unit == world["d1"]
    assert urge.issued_by == actors["supervisor"] and again.pk != urge.pk  # may urge again
    assert urge.act_by == at(2026, 12, 9, 17, 30) and "12月09日 17:30前办结" in urge.text
    events = AuditEvent.objects.for_subject(case).filter(action=supervision.URGED)
    assert events.count() == 2 and events.first().actor == actors["supervisor"]
    assert Notification.objects.filter(user=actors["handler"], kind="case.urged").count() == 2
    assert not Notification.objects.filter(user=actors["dispatcher"], kind="case.urged").exists()
    # The third 催办 of the same overdue deadline issues a numbered 督办通知单 too.
    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        supervision.remind_case(case, actor=actors["supervisor"], reason="第三次催办")
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    assert notice.manual and re.fullmatch(r"岳督办〔2026〕\d+号", notice.number)
    # Counted against the unit in the month's rankings.
    with time_machine.travel(at(2026, 12, 8, 9), tick=False):
        services.give_feedback(case.assignments.get(role="lead"), actor=actors["handler"], text="已清运")
        services.check_case(case, actor=actors["community"], passed=True, note="")
    row = next(r for r in evaluate(dt.date(2026, 12, 1), "department") if r.unit == world["d1"])
    assert row.urged == 3
    # No callback yet and the dispatch was in November: on time 0 (weight 0.20), no rework (0.05).
    unpunished = 100 * (0.20 * 0 + 0.05 * 1) / 0.25
    assert row.score == pytest.approx(unpunished - 3 * 0.5)


def test_closed_cases_cannot_be_urged(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "closed")
    with pytest.raises(StateConflict):
        supervision.remind_case(case, actor=actors["supervisor"], reason="请加快")


# -- 督办通知单: numbers, print page, Word ---------------------------------------------------------


def test_notice_numbers_carry_the_issuer_prefix_and_never_repeat(world, actors, category, centre):
    case = reported(world)
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        first = supervision.issue_case_notice(case, actor=actors["supervisor"], text="请立即立案派遣")
        second = supervision.issue_case_notice(
            case, actor=actors["supervisor"], text="再次督办", reply_days=2
        )
        with pytest.raises(ServiceError) as error:
            supervision.issue_case_notice(case, actor=actors["supervisor"], text="x", reply_days=0)
        assert error.value.field == "reply_days"
    assert (first.number, second.number) == ("岳督办〔2026〕1号", "岳督办〔2026〕2号")
    assert first.unit == centre and first.reply_due_at == at(2026, 12, 8, 17, 30)
    assert supervision.issuing_office(actors["supervisor"], case) == world["district"]  # no post
    # An office with its own 发文代字 starts its own series; the district's goes on.
    world["s1"].doc_prefix = "望"
    world["s1"].save(update_fields=["doc_prefix"])
    assert centre.issuing_prefix() == "望" and world["g1"].issuing_prefix() == "望"
    with time_machine.travel(at(2026, 12, 7, 11), tick=False):
        third = supervision.issue_case_notice(case, actor=actors["supervisor"], text="第三次督办")
    assert third.number == "岳督办〔2026〕3号"


def test_print_page_and_word_file(client, world, actors, centre):
    case = reported(world)
    with time_machine.travel(at(2026, 12, 7, 10), tick=False):
        notice = supervision.issue_case_notice(
            case, actor=actors["supervisor"], text="该事项受理立案已逾期,请立即办理。"
        )
    client.force_login(actors["supervisor"])
    page = client.get(f"/cases/notices/{notice.pk}/print/").content.decode()
    assert "督办通知单" in page and "岳督办〔2026〕1号" in page and centre.name in page
    assert case.number in page and "该事项受理立案已逾期" in page
    article = page[page.index('<article class="a4"') : page.index("</article>")]
    assert f"/{notice.pk}/" not in article and "register" not in article  # no ids or codes
    response = client.get(f"/cases/notices/{notice.pk}/docx/")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        xml = archive.read("word/document.xml").decode()
    text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", xml))
    assert "岳督办〔2026〕1号" in text and "该事项受理立案已逾期" in text and centre.name in text
    # Outsiders get nothing; the addressed unit's people may print it.
    client.force_login(actors["other_dispatcher"])
    assert client.get(f"/cases/notices/{notice.pk}/print/").status_code == 404
    client.force_login(actors["dispatcher"])
    assert client.get(f"/cases/notices/{notice.pk}/print/").status_code == 200


def test_unnumbered_notices_get_a_number_when_printed(client, world, actors, centre):
    case = reported(world)
    old = SupervisionNotice.objects.create(
        case=case,
        org=case.org,
        kind=NoticeKind.NOTICE,
        stage="register",
        stage_due_at=case.due_at,
        unit=centre,
        text="旧通知单",
    )
    client.force_login(actors["supervisor"])
    assert client.get(f"/cases/notices/{old.pk}/print/").status_code == 200
    old.refresh_from_db()
    assert old.number == "岳督办〔2026〕1号"
    client.get(f"/cases/notices/{old.pk}/print/")
    old.refresh_from_db()
    assert old.number == "岳督办〔2026〕1号"  # kept


def test_case_page_urge_and_notice_forms(client, world, actors, centre):
    case = reported(world)
    client.force_login(actors["supervisor"])
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert 'id="form-urge"' in page and 'id="form-case-notice"' in page
    response = client.post(f"/cases/{case.number}/urge/", {"reason": ""})
    assert response.status_code == 400 and "请填写催办事由" in response.content.decode()
    response = client.post(f"/cases/{case.number}/urge/", {"reason": "请尽快立案"})
    assert response.status_code == 302
    response = client.post(f"/cases/{case.number}/notice/", {"text": "请立即立案", "reply_days": "1"})
    assert response.status_code == 302
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    page = client.get(f"/cases/{case.number}/").content.decode()
    assert notice.number in page and f"/cases/notices/{notice.pk}/print/" in page
    assert "stage:" not in page and "number:" not in page  # the timeline speaks Chinese
    # A dispatcher sees no supervision forms.
    client.force_login(actors["dispatcher"])
    assert 'id="form-urge"' not in client.get(f"/cases/{case.number}/").content.decode()
    client.force_login(actors["dispatcher"])
    assert client.post(f"/cases/{case.number}/urge/", {"reason": "x"}).status_code == 403
