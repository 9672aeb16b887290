"""``record(..., new_subject=True)``: the first event of a subject made in the same transaction is
written without looking up its head, and the chain verifies exactly as before."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent, AuditHead
from audit.services import Subject, record
from audit.verify import verify
from core.actors import SYSTEM

pytestmark = pytest.mark.django_db

CODE = "org.updated"  # any registered code


def test_first_event_without_head_lookup_verifies_and_chains_on():
    subject = Subject("tests.thing", "1", label="物件")
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        first = record(subject, CODE, actor=SYSTEM, after={"n": 1}, new_subject=True)
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith("SELECT") and "audit_audithead" in q["sql"]
    ]
    assert (first.seq, first.prev_hash) == (1, "")
    with transaction.atomic():
        second = record(subject, CODE, actor=SYSTEM, after={"n": 2})
    assert (second.seq, second.prev_hash) == (2, first.hash)
    head = AuditHead.objects.get(subject_type="tests.thing", subject_id="1")
    assert (head.seq, head.last_hash) == (2, second.hash) and head.mac
    assert list(verify()) == []


def test_a_subject_with_a_chain_cannot_start_another():
    subject = Subject("tests.thing", "2")
    with transaction.atomic():
        record(subject, CODE, actor=SYSTEM)
    with pytest.raises(IntegrityError), transaction.atomic():
        record(subject, CODE, actor=SYSTEM, new_subject=True)
    assert AuditEvent.objects.filter(subject_type="tests.thing", subject_id="2").count() == 1
    assert list(verify()) == []
