"""The audit log is append-only and tamper-evident: ``audit verify`` finds any altered, deleted,
inserted or reordered event and exits non-zero."""

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from audit.models import AppendOnlyError, AuditEvent, AuditHead
from audit.verify import verify
from orgs import services
from tests.factories import UserFactory

from . import attacker

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    """Three orgs, several events each, written through the services."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    district = services.create_org(actor=admin, parent=None, kind="district", name="岳麓区")
    street = services.create_org(actor=admin, parent=district, kind="street", name="望月湖街道")
    services.update_org(street, actor=admin, name="望月湖街道办事处", reason="更名")
    services.update_org(street, actor=admin, phone="0731-88888888", reason="补充电话")
    services.archive_org(street, actor=admin, reason="区划调整")
    return street


def _sql(statement, params=()):
    """Raw SQL on the event table, past the append-only triggers (tests/audit/attacker.py)."""
    attacker.sql(statement.replace("{table}", "{events}"), params)


def test_services_write_a_chain_per_subject(history):
    events = list(AuditEvent.objects.for_subject(history).order_by("seq"))
    assert [e.action for e in events] == ["org.created", "org.updated", "org.updated", "org.archived"]
    assert events[1].before == {"name": "望月湖街道"} and events[1].after == {"name": "望月湖街道办事处"}
    assert events[1].reason == "更名" and events[1].actor.username == "root"
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert list(verify()) == []
    call_command("audit", "verify")


def test_the_orm_refuses_changes_and_deletes(history):
    event = AuditEvent.objects.first()
    event.reason = "改写"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(reason="改写")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_altered_event_is_detected(history):
    target = AuditEvent.objects.for_subject(history).get(seq=2)
    _sql("UPDATE {table} SET reason = %s WHERE id = %s", ["悄悄改了", target.pk])
    problems = list(verify())
    assert any(p.event_id == target.pk and "篡改" in p.message for p in problems)
    with pytest.raises(CommandError, match="校验失败"):
        call_command("audit", "verify")


def test_altered_before_value_is_detected(history):
    target = AuditEvent.objects.for_subject(history).get(seq=2)
    _sql("UPDATE {table} SET after = %s WHERE id = %s", ['{"name": "别的名字"}', target.pk])
    assert any(p.event_id == target.pk for p in verify())


def test_deleted_middle_event_is_detected(history):
    target = AuditEvent.objects.for_subject(history).get(seq=2)
    _sql("DELETE FROM {table} WHERE id = %s", [target.pk])
    assert list(verify())
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_deleted_last_event_is_detected(history):
    target = AuditEvent.objects.for_subject(history).order_by("-seq").first()
    _sql("DELETE FROM {table} WHERE id = %s", [target.pk])
    problems = list(verify())
    assert any("链尾" in str(p) or "删除" in p.message for p in problems)


def test_deleted_whole_chain_is_detected(history):
    _sql("DELETE FROM {table} WHERE subject_id = %s AND subject_type = %s", [str(history.pk), "orgs.org"])
    assert any("全部缺失" in p.message for p in verify())


def test_swapped_events_are_detected(history):
    first, second = AuditEvent.objects.for_subject(history).filter(seq__in=[2, 3]).order_by("seq")
    # Swap the two rows' contents (everything but the id), as a tamperer reordering history would.
    columns = ["seq", "action", "reason", "before", "after", "created_at", "prev_hash", "hash"]
    values = {}
    for event in (first, second):
        values[event.pk] = [getattr(event, c) for c in columns]
    import json

    for pk, other in ((first.pk, second.pk), (second.pk, first.pk)):
        row = dict(zip(columns, values[other], strict=True))
        _sql(
            "UPDATE {table} SET seq = %s, action = %s, reason = %s, before = %s, after = %s, created_at = %s,"
            " prev_hash = %s, hash = %s WHERE id = %s",
            [
                row["seq"] + 1000,
                row["action"],
                row["reason"],
                json.dumps(row["before"]),
                json.dumps(row["after"]),
                row["created_at"],
                row["prev_hash"],
                row["hash"],
                pk,
            ],
        )
    _sql("UPDATE {table} SET seq = seq - 1000 WHERE seq > 1000")
    problems = list(verify())
    assert any("重排" in p.message for p in problems)


def test_record_outside_a_transaction_is_refused(history, monkeypatch):
    from audit.services import record

    monkeypatch.setattr(transaction.get_connection(), "in_atomic_block", False)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        record(history, "org.updated")


def test_unregistered_action_is_refused(history):
    from audit.services import record

    with transaction.atomic(), pytest.raises(ValueError, match="unregistered"):
        record(history, "org.teleported")


def test_head_tracks_last_event(history):
    head = AuditHead.objects.get(subject_type="orgs.org", subject_id=str(history.pk))
    last = AuditEvent.objects.for_subject(history).order_by("-seq").first()
    assert (head.seq, head.last_hash) == (last.seq, last.hash)
