"""督查问效: reminders before a limit, one supervision notice per missed deadline, a circular when a
case is overdue again; idempotent however often and on however many workers it runs."""

import pytest
import time_machine

from audit.models import AuditEvent
from cases import services
from cases.models import NoticeKind, SupervisionNotice
from cases.supervision import reply_to_notice, supervise
from core.errors import PermissionDenied
from core.models import Notification

from .conftest import at, new_case, walk

pytestmark = pytest.mark.django_db


@pytest.fixture
def dispatched(world, actors, category):
    # Monday 09:00: sign-for is due at 15:00 the same day (4 working hours).
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        return walk(new_case(world), actors, world, category, "dispatched")


def test_reminder_before_the_limit_then_one_notice_when_missed(dispatched, actors):
    report = supervise(now=at(2026, 11, 23, 9, 30))
    assert (report.reminders, report.notices) == (0, 0)  # 5.5 h left: too early to remind
    report = supervise(now=at(2026, 11, 23, 12))
    assert (report.reminders, report.notices) == (1, 0)
    reminder = SupervisionNotice.objects.get(kind=NoticeKind.REMINDER)
    assert reminder.unit.name == "区城市管理和综合执法局" and reminder.stage == "sign"
    assert Notification.objects.filter(user=actors["handler"], kind="case.reminder").count() == 1
    assert supervise(now=at(2026, 11, 23, 13)).reminders == 0  # already reminded for this deadline

    with time_machine.travel(at(2026, 11, 23, 16), tick=False):
        report = supervise(now=at(2026, 11, 23, 16))
    assert report.notices == 1
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    assert notice.reply_due_at == at(2026, 11, 24, 17, 30)  # one working day to reply
    assert "已于11月23日 15:00逾期" in notice.text
    assert Notification.objects.filter(user=actors["handler"], kind="case.notice").count() == 1
    assert not Notification.objects.filter(user=actors["other_handler"]).exists()
    assert AuditEvent.objects.for_subject(dispatched).filter(action="case.notice_issued").count() == 1
    for _ in range(3):  # later passes, as if on several workers, add nothing
        assert supervise(now=at(2026, 11, 24, 9)).notices == 0
    assert SupervisionNotice.objects.filter(kind=NoticeKind.NOTICE).count() == 1


def test_overdue_again_in_a_later_stage_is_circulated(dispatched, world, actors):
    supervise(now=at(2026, 11, 23, 16))  # sign-for missed → notice 1
    lead = dispatched.assignments.get(role="lead")
    with time_machine.travel(at(2026, 11, 24, 9), tick=False):
        services.sign_assignment(lead, actor=actors["handler"])
    # handling due 11-30 17:30 (5 working days from 11-23); overdue on 12-01
    report = supervise(now=at(2026, 12, 1, 9))
    assert report.notices == 1 and report.circulars == 1
    circular = SupervisionNotice.objects.get(kind=NoticeKind.CIRCULAR)
    assert "再次逾期" in circular.text
    assert Notification.objects.filter(user=actors["supervisor"], kind="case.circular").exists()


def test_units_reply_to_notices(dispatched, actors):
    supervise(now=at(2026, 11, 23, 16))
    notice = SupervisionNotice.objects.get(kind=NoticeKind.NOTICE)
    with pytest.raises(PermissionDenied):
        reply_to_notice(notice, actor=actors["other_handler"], reply="不是我们")
    notice = reply_to_notice(notice, actor=actors["handler"], reply="人员外出巡查未及时签收,已整改")
    assert notice.replied_at is not None
    assert SupervisionNotice.objects.visible_to(actors["handler"]).filter(pk=notice.pk).exists()
    assert not SupervisionNotice.objects.visible_to(actors["other_handler"]).filter(pk=notice.pk).exists()


def test_closed_cases_are_left_alone(world, actors, category):
    with time_machine.travel(at(2026, 11, 23, 9), tick=False):
        case = walk(new_case(world), actors, world, category, "closed")
        services.rate_case(case, token=case.access_token, resolved=True, satisfaction="satisfied")
    report = supervise(now=at(2026, 12, 20, 9))
    assert (report.reminders, report.notices, report.circulars) == (0, 0, 0)
