import datetime

import pytest
from django.utils import timezone

from core.models import PeriodicJob
from core.periodic import enqueue_due, schedules

pytestmark = pytest.mark.django_db


def test_each_due_job_is_claimed_once():
    names = {s.name for s in schedules()}
    assert "audit.tasks.verify_audit_chains" in names
    now = timezone.now()
    first = enqueue_due(now)
    assert set(first) == names
    assert enqueue_due(now) == []  # a second worker at the same moment gets nothing
    sweep = "cases.resident.deliver_due"  # the residents' messages every 5 minutes: what a lost wake-up left
    assert enqueue_due(now + datetime.timedelta(seconds=30)) == []
    assert enqueue_due(now + datetime.timedelta(minutes=5)) == [sweep]
    # the 10-minute supervision comes round again; the nightly audit check does not
    later = enqueue_due(now + datetime.timedelta(minutes=11))
    assert sorted(later) == [sweep, "cases.tasks.supervise_cases"]
    again = enqueue_due(now + datetime.timedelta(hours=24, seconds=1))
    assert "audit.tasks.verify_audit_chains" in again
    job = PeriodicJob.objects.get(name="audit.tasks.verify_audit_chains")
    assert job.next_run_at > now + datetime.timedelta(hours=24)
