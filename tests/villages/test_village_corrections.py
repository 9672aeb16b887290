"""更正 of 四议两公开 steps: the prior row is kept, the latest step is checked again by the same
rules, earlier steps may correct only their record, and a refused correction changes nothing."""

import datetime as dt

import pytest

from audit.models import AuditEvent
from core.actors import SYSTEM
from core.errors import PermissionDenied, ServiceError, StateConflict
from orgs.roles import Role
from villages import services
from villages.models import DecisionStep, StepKind

from ..conftest import grant
from .test_villages import propose, step, through

pytestmark = pytest.mark.django_db


def live(decision, kind):
    return decision.steps.get(kind=kind, superseded_at__isnull=True)


def test_latest_step_corrected_keeps_the_prior_row_and_is_checked_again(village):
    d = through(propose(village), 2)
    old = live(d, StepKind.CONSULTATION)
    new = services.correct_step(
        actor=SYSTEM, step=old, reason="票数录错", votes={"yes": 5, "no": 1}, minutes="两委会议商议,表决通过"
    )
    d.refresh_from_db()
    old.refresh_from_db()
    assert old.superseded_at is not None and (old.yes, old.no) == (6, 0)
    assert (new.yes, new.no, new.passed, new.superseded_at) == (5, 1, True, None)
    assert d.done_steps == 2 and d.next_kind == StepKind.MEMBERS_REVIEW
    event = AuditEvent.objects.for_subject(d).order_by("-seq").first()
    assert event.action == "villages.step_corrected" and event.reason == "票数录错"
    assert event.before["votes"][2] == 6
    # Both rows are kept; the page shows the superseded one struck through.
    assert DecisionStep.objects.filter(decision=d, kind=StepKind.CONSULTATION).count() == 2


def test_a_correction_that_breaks_a_hard_rule_changes_nothing(village):
    d = through(propose(village), 3)
    review = live(d, StepKind.MEMBERS_REVIEW)
    # 30 members, 19 present: below the two-thirds quorum of the members' meeting.
    with pytest.raises(ServiceError) as refused:
        services.correct_step(actor=SYSTEM, step=review, reason="人数录错", votes={"present": 19, "yes": 16})
    assert refused.value.field == "present"
    with pytest.raises(ServiceError) as early:
        services.correct_step(actor=SYSTEM, step=review, reason="日期录错", held_on=dt.date(2026, 9, 2))
    assert early.value.field == "held_on" and "不能早于上一步" in early.value.message
    review.refresh_from_db()
    d.refresh_from_db()
    assert review.superseded_at is None and d.done_steps == 3
    assert DecisionStep.objects.filter(decision=d).count() == 3


def test_earlier_steps_correct_only_their_record(village):
    d = through(propose(village), 3)
    consultation = live(d, StepKind.CONSULTATION)
    with pytest.raises(ServiceError) as refused:
        services.correct_step(actor=SYSTEM, step=consultation, reason="x", held_on=dt.date(2026, 9, 4))
    assert refused.value.field == "held_on" and "只能更正最近一步" in refused.value.message
    with pytest.raises(ServiceError) as votes:
        services.correct_step(actor=SYSTEM, step=consultation, reason="x", votes={"yes": 4})
    assert votes.value.field == "yes"
    fixed = services.correct_step(
        actor=SYSTEM, step=consultation, reason="补充讨论情况", minutes="会议讨论了资金来源并表决"
    )
    assert fixed.minutes == "会议讨论了资金来源并表决" and fixed.yes == consultation.yes
    proposal = live(d, StepKind.PROPOSAL)
    with pytest.raises(ServiceError):
        services.correct_step(actor=SYSTEM, step=proposal, reason="x", held_on=dt.date(2026, 8, 30))
    with pytest.raises(ServiceError) as same:
        services.correct_step(actor=SYSTEM, step=proposal, reason="x", minutes=proposal.minutes)
    assert "没有需要更正的内容" in same.value.message
    d.refresh_from_db()
    assert d.done_steps == 3


def test_a_failed_vote_corrected_to_a_pass_advances_and_a_short_disclosure_is_flagged(village):
    d = through(propose(village), 3)
    failed = step(
        d,
        StepKind.VILLAGERS_RESOLUTION,
        dt.date(2026, 9, 10),
        minutes="村民代表会议表决",
        villagers_body="representatives",
        votes={"expected": 42, "present": 28, "yes": 10},
    )
    d.refresh_from_db()
    assert failed.passed is False and d.done_steps == 3
    services.correct_step(actor=SYSTEM, step=failed, reason="赞成票录错", votes={"yes": 20})
    d.refresh_from_db()
    assert d.done_steps == 4 and d.status == "resolved"
    disclosure = step(
        d,
        StepKind.RESOLUTION_DISCLOSURE,
        dt.date(2026, 9, 12),
        channel="村务公开栏",
        disclose_to=dt.date(2026, 9, 18),
    )
    d.refresh_from_db()
    assert not disclosure.has_deviation and d.status == "disclosed"
    short = services.correct_step(
        actor=SYSTEM, step=disclosure, reason="公开期限录错", disclose_to=dt.date(2026, 9, 13)
    )
    d.refresh_from_db()
    assert short.has_deviation and d.deviations == 1 and d.status == "disclosed"


def test_reason_scope_and_stale_corrections(world, village):
    d = through(propose(village), 2)
    consultation = live(d, StepKind.CONSULTATION)
    with pytest.raises(ServiceError) as no_reason:
        services.correct_step(actor=SYSTEM, step=consultation, reason=" ", minutes="新记录")
    assert no_reason.value.field == "reason"
    outsider = grant(world, "v_out2", Role.COMMUNITY_STAFF, "c1")
    with pytest.raises(PermissionDenied):
        services.correct_step(actor=outsider, step=consultation, reason="x", minutes="新记录")
    services.correct_step(actor=SYSTEM, step=consultation, reason="补记", minutes="新记录")
    with pytest.raises(StateConflict):
        services.correct_step(actor=SYSTEM, step=consultation, reason="再改", minutes="又一版")


def test_correction_pages(client, world, village):
    from django.urls import reverse

    d = through(propose(village), 3)
    secretary = grant(world, "v_sj_c", Role.BRANCH_SECRETARY, "vbranch")
    client.force_login(secretary)
    detail = client.get(reverse("villages:detail", args=[d.pk])).content.decode()
    review = live(d, StepKind.MEMBERS_REVIEW)
    consultation = live(d, StepKind.CONSULTATION)
    assert reverse("villages:correct_step", args=[d.pk, review.pk]) in detail
    # An earlier step: only its meeting/body and record.
    url = reverse("villages:correct_step", args=[d.pk, consultation.pk])
    page = client.get(url).content.decode()
    assert 'name="minutes"' in page and 'name="yes"' not in page and 'name="held_on"' not in page
    response = client.post(url, {"body": consultation.body, "minutes": "补充:讨论了资金来源", "reason": ""})
    assert response.status_code == 400 and "请填写更正原因" in response.content.decode()
    response = client.post(
        url, {"body": consultation.body, "minutes": "补充:讨论了资金来源", "reason": "补记"}
    )
    assert response.status_code == 302
    assert "已更正(原记录)" in client.get(reverse("villages:detail", args=[d.pk])).content.decode()
    # The latest step: votes too, checked again; a quorum failure is shown on the field.
    url = reverse("villages:correct_step", args=[d.pk, review.pk])
    fields = {
        "held_on": "2026-09-06",
        "body": review.body,
        "minutes": review.minutes,
        "expected": 30,
        "present": 19,
        "yes": 16,
        "reason": "人数录错",
    }
    response = client.post(url, fields)
    assert response.status_code == 400 and "不足应到党员" in response.content.decode()
    assert client.post(url, {**fields, "present": 21}).status_code == 302
    assert live(d, StepKind.MEMBERS_REVIEW).present == 21
    # Someone outside the village cannot open the page.
    client.force_login(grant(world, "v_out3", Role.COMMUNITY_STAFF, "c1"))
    assert client.get(url).status_code == 404
