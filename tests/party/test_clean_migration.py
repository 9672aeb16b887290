"""The data migration party 0025_clean_official_text on rows written before it: a vote step's
body names the meeting's date instead of its record id, a time limit loses the rule version's
confirmation note, the wrong earliest day of steps 4–6 goes, a cancelled probationary member's
status becomes 取消预备党员资格."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from party.development.models import Applicant, DevelopmentStep
from party.membership.models import Member

from ..factories import ApplicantFactory, DevelopmentStepFactory, MeetingFactory, MemberFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("party.migrations.0025_clean_official_text")


def test_rows_written_before_are_cleaned():
    meeting = MeetingFactory(held_on=dt.date(2024, 10, 10))
    step = DevelopmentStepFactory(number=15, body=f"支部党员大会(会议 #{meeting.pk})")
    waiting = ApplicantFactory(
        step=4,
        activist_on=dt.date(2026, 7, 1),
        earliest_on=dt.date(2027, 7, 1),
        due_label="收到申请后1个月内派人谈话(2026年版(未经确认))",
    )
    member = MemberFactory(category="probationary", status="removed")
    cancelled = ApplicantFactory(status="cancelled", member=member)
    kept = MemberFactory(status="removed")  # 出党 of a full member: unchanged
    migration.forwards(apps, None)
    assert DevelopmentStep.objects.get(pk=step.pk).body == "支部党员大会(2024-10-10 召开)"
    waiting = Applicant.objects.get(pk=waiting.pk)
    assert waiting.earliest_on is None and waiting.due_label == "收到申请后1个月内派人谈话(2026年版)"
    assert Member.objects.get(pk=member.pk).status == "probation_cancelled"
    assert Member.objects.get(pk=kept.pk).status == "removed" and cancelled.status == "cancelled"
