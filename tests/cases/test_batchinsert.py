"""``core.batchinsert.insert_together``: new rows of several tables in one statement on
PostgreSQL (in order elsewhere), with foreign keys to rows of the same call."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEvent, AuditHead
from audit.services import Subject, record
from audit.verify import verify
from cases.models import ReporterDelivery, ReporterMessage
from core.actors import SYSTEM
from core.batchinsert import Link, insert_together

from .conftest import new_case

pytestmark = pytest.mark.django_db

ONE_STATEMENT = connection.vendor == "postgresql"


def test_a_message_and_its_deliveries_in_one_statement(world):
    case = new_case(world)
    message = ReporterMessage(case=case, milestone="closed", round=0, title="t", text="正文", params={"a": 1})
    deliveries = [ReporterDelivery(channel="inbox"), ReporterDelivery(channel="file")]
    with CaptureQueriesContext(connection) as queries:
        insert_together([message, *deliveries], [Link(d, "message", message) for d in deliveries])
    if ONE_STATEMENT:
        assert len(queries) == 1 and queries[0]["sql"].startswith("WITH r0 AS (INSERT INTO")
    assert message.pk and all(d.pk for d in deliveries) and len({d.pk for d in deliveries}) == 2
    assert all(d.message is message and d.message_id == message.pk for d in deliveries)
    stored = ReporterMessage.objects.get(pk=message.pk)
    assert (stored.text, stored.params, stored.case_id) == ("正文", {"a": 1}, case.pk)
    assert stored.created_at is not None  # the field's default, as save() gives it
    channels = sorted(stored.deliveries.values_list("channel", "status"))
    assert channels == [("file", "pending"), ("inbox", "pending")]
    assert not message._state.adding and message._state.db == "default"


def test_refuses_saved_rows_and_links_backwards(world):
    case = new_case(world)
    message = ReporterMessage(case=case, milestone="closed", round=0, title="t", text="x", params={})
    delivery = ReporterDelivery(channel="inbox")
    with pytest.raises(ValueError, match="after the row it refers to"):
        insert_together([delivery, message], [Link(delivery, "message", message)])
    with pytest.raises(ValueError, match="one of the rows"):
        insert_together([message], [Link(delivery, "message", message)])
    saved = case.reporter_messages.first()
    with pytest.raises(ValueError, match="new rows only"):
        insert_together([saved])
    assert ReporterDelivery.objects.filter(channel="inbox", message__milestone="closed").count() == 0


def test_a_new_chain_is_one_statement_and_verifies():
    """The first event of a subject and its chain head go in together; the chain verifies, the
    next event extends it, and a second "first" event cannot fork it."""
    subject = Subject(label_lower="cases.case", pk="990001", label="测试事项")
    with CaptureQueriesContext(connection) as queries:
        first = record(subject, "case.reported", actor=SYSTEM, new_subject=True)
    assert len([q for q in queries if "INSERT" in q["sql"]]) == (1 if ONE_STATEMENT else 2)
    head = AuditHead.objects.get(subject_type="cases.case", subject_id="990001")
    assert (head.seq, head.last_hash, first.seq) == (1, first.hash, 1) and head.mac
    assert AuditEvent.objects.get(pk=first.pk).hash == first.hash
    second = record(subject, "case.registered", actor=SYSTEM)
    assert second.seq == 2 and second.prev_hash == first.hash
    assert list(verify()) == []
    with pytest.raises(IntegrityError), transaction.atomic():
        record(subject, "case.reported", actor=SYSTEM, new_subject=True)
