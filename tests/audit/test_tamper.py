"""The eight kinds of tampering of issue 17, each done as an attacker with raw SQL and the triggers
switched off (tests/audit/attacker.py), each reported by ``audit verify``; the triggers that refuse
changes from any client; checkpoints; key rotation. Runs on SQLite and on PostgreSQL
(LUOSHI_TEST_DATABASE_URL)."""

import pytest
from django.core.checks import run_checks
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, models, transaction
from django.test import override_settings

from audit import checkpoints, guard, keys
from audit.models import AuditCheckpoint, AuditEvent, AuditHead, event_hash
from audit.services import Subject, record
from audit.verify import verify
from orgs import services
from tests.factories import UserFactory

from . import attacker

pytestmark = pytest.mark.django_db


@pytest.fixture
def street():
    """An org with a chain of four events by a named actor, and a second, untouched chain."""
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    district = services.create_org(actor=admin, parent=None, kind="district", name="岳麓区")
    street = services.create_org(actor=admin, parent=district, kind="street", name="望月湖街道")
    services.update_org(street, actor=admin, name="望月湖街道办事处", reason="更名")
    services.update_org(street, actor=admin, phone="0731-88888888", reason="补充电话")
    services.archive_org(street, actor=admin, reason="区划调整")
    assert list(verify()) == []
    return street


def chain(subject):
    return list(AuditEvent.objects.for_subject(subject).order_by("seq"))


def key_of(subject):
    return ("orgs.org", str(subject.pk))


def messages(subject=None):
    label = f"orgs.org:{subject.pk}" if subject is not None else None
    return [p.message for p in verify() if label is None or p.subject == label]


def assert_reported(fragment, subject=None):
    found = messages(subject)
    assert any(fragment in m for m in found), found
    with pytest.raises(CommandError, match="校验失败"):
        call_command("audit", "verify")


# --- the four kinds caught before -------------------------------------------------------------


def test_kind_a_changed_field(street):
    attacker.rewrite_event(chain(street)[1], reason="悄悄改了")
    assert_reported("内容与哈希不符", street)


def test_kind_b_deleted_middle_event(street):
    attacker.sql("DELETE FROM {events} WHERE id = %s", [chain(street)[1].pk])
    assert_reported("序号应为 2", street)


def test_kind_c_swapped_events(street):
    second, third = chain(street)[1:3]
    columns = ["action", "reason", "created_at", "prev_hash", "hash"]
    for target, source in ((second, third), (third, second)):
        attacker.rewrite_event(target, **{c: getattr(source, c) for c in columns}, before=source.before)
    assert_reported("前一事件哈希不符", street)


def test_kind_d_changed_timestamp(street):
    event = chain(street)[2]
    attacker.rewrite_event(event, created_at=event.created_at.replace(year=event.created_at.year - 1))
    assert_reported("内容与哈希不符", street)


# --- the four kinds missed before -------------------------------------------------------------


def test_kind_1_last_event_deleted_and_head_rewound(street):
    events = chain(street)
    attacker.sql("DELETE FROM {events} WHERE id = %s", [events[-1].pk])
    attacker.set_head(*key_of(street), seq=events[-2].seq, last_hash=events[-2].hash)
    assert_reported("链头封印不符", street)


def test_kind_1_with_an_old_sealed_head_put_back_is_caught_by_the_checkpoint(street):
    """The attacker kept the head row from before the last event (a backup): its seal is valid."""
    events = chain(street)
    old_head = {"seq": events[-2].seq, "last_hash": events[-2].hash, "flagged_seq": 0}
    head = AuditHead(subject_type="orgs.org", subject_id=str(street.pk), **old_head)
    keys.seal_head(head)  # what the application wrote at the time
    checkpoints.make_checkpoint()
    attacker.sql("DELETE FROM {events} WHERE id = %s", [events[-1].pk])
    attacker.set_head(*key_of(street), **old_head, key_id=head.key_id, mac=head.mac)
    assert not any("链头封印" in m for m in messages(street))
    assert_reported(f"记录 {events[-1].seq} 条事件,现在只有 {events[-2].seq} 条", street)
    with pytest.raises(CommandError, match="未写入"):
        call_command("audit", "checkpoint")  # a truncation is never sealed as the new normal


def test_kind_1_extending_a_rewound_chain_does_not_bless_it(street):
    events = chain(street)
    attacker.sql("DELETE FROM {events} WHERE id = %s", [events[-1].pk])
    attacker.set_head(*key_of(street), seq=events[-2].seq, last_hash=events[-2].hash)
    with transaction.atomic():
        record(street, "org.updated", reason="之后的正常操作")
    head = AuditHead.objects.get(subject_type="orgs.org", subject_id=str(street.pk))
    assert head.flagged_seq == events[-2].seq and keys.head_seal_ok(head)
    assert_reported("曾被篡改", street)


@pytest.mark.parametrize("column", ["actor_label", "subject_label"])
def test_kind_2_edited_actor_name_or_subject_label(street, column):
    attacker.rewrite_event(chain(street)[1], **{column: "冒名顶替"})
    assert_reported("内容与哈希不符", street)


def test_kind_3_whole_chain_deleted_with_its_head(street):
    checkpoints.make_checkpoint()
    attacker.sql("DELETE FROM {events} WHERE subject_type = 'orgs.org' AND subject_id = %s", [str(street.pk)])
    attacker.sql("DELETE FROM {heads} WHERE subject_type = 'orgs.org' AND subject_id = %s", [str(street.pk)])
    assert_reported("整条链缺失", street)


def test_kind_4_event_rewritten_and_sha256_chain_recomputed(street):
    events = chain(street)
    prev = events[0].hash
    for event in events[1:]:
        if event.seq == 2:
            event.reason = "从未发生过更名"
        event.prev_hash = prev
        event.hash = event_hash(event)  # the plain SHA-256 is public: anyone can recompute it
        attacker.rewrite_event(event, reason=event.reason, prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    attacker.set_head(*key_of(street), last_hash=prev)
    found = messages(street)
    assert not any("内容与哈希不符" in m or "前一事件" in m for m in found)  # the chain itself is consistent
    assert_reported("链头封印不符", street)


def test_kind_4_recomputed_before_a_checkpoint_breaks_its_root(street):
    checkpoints.make_checkpoint()
    events = chain(street)
    prev = events[0].hash
    for event in events[1:]:
        event.reason = event.reason + "!" if event.seq == 2 else event.reason
        event.prev_hash = prev
        event.hash = event_hash(event)
        attacker.rewrite_event(event, reason=event.reason, prev_hash=event.prev_hash, hash=event.hash)
        prev = event.hash
    attacker.set_head(*key_of(street), last_hash=prev)
    assert any("根哈希" in m for m in messages())


def test_hash_version_downgrade_is_detected(street):
    event = chain(street)[1]
    event.hash_version, event.actor_label = 1, "冒名顶替"
    attacker.rewrite_event(event, hash_version=1, actor_label="冒名顶替", hash=event_hash(event))
    assert_reported("哈希版本 1 低于", street)


def test_version_1_events_verify_without_their_labels(street):
    event = chain(street)[0]
    event.hash_version = 1
    v1 = event_hash(event)
    event.actor_label = "别人"
    assert event_hash(event) == v1  # version 1 never covered the labels (documented)
    event.hash_version = 2
    assert event_hash(event) != v1


# --- triggers -------------------------------------------------------------------------------


def test_triggers_refuse_every_client(street):
    event = chain(street)[1]
    plain_qs = models.QuerySet(model=AuditEvent).filter(pk=event.pk)  # bypasses the guarded manager
    for attempt in (
        lambda: plain_qs.update(reason="改写"),
        lambda: plain_qs.delete(),
        lambda: _raw("UPDATE {events} SET actor_label = 'x' WHERE id = %s", [event.pk]),
        lambda: _raw("DELETE FROM {events} WHERE id = %s", [event.pk]),
        lambda: _raw("DELETE FROM {heads}"),
        lambda: _raw("UPDATE {heads} SET seq = seq - 1"),
        lambda: _raw("UPDATE {heads} SET last_hash = 'x'"),
        lambda: _raw("UPDATE {heads} SET subject_id = 'other'"),
        lambda: models.QuerySet(model=AuditHead).update(seq=0),
    ):
        with pytest.raises(IntegrityError, match="只能"), transaction.atomic():
            attempt()
    checkpoints.make_checkpoint()
    for statement in ("UPDATE {checkpoints} SET root = 'x'", "DELETE FROM {checkpoints}"):
        with pytest.raises(IntegrityError, match="只能追加"), transaction.atomic():
            _raw(statement)
    with pytest.raises(IntegrityError), transaction.atomic():
        models.QuerySet(model=AuditCheckpoint).all().delete()
    assert list(verify()) == []


def test_a_head_may_move_forward_and_be_resealed(street):
    with transaction.atomic():
        record(street, "org.updated", reason="正常追加")
    _raw("UPDATE {heads} SET mac = mac")  # same count and hash: allowed (resealing)
    assert list(verify()) == []


def test_missing_or_disabled_trigger_is_reported(street):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending foreign-key checks
            cursor.execute(f"ALTER TABLE {attacker.EVENTS} DISABLE TRIGGER USER")
        else:
            cursor.execute("DROP TRIGGER luoshi_audit_event_no_delete")
    assert_reported("保护触发器")


def _raw(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(
            statement.format(events=attacker.EVENTS, heads=attacker.HEADS, checkpoints=attacker.CHECKPOINTS),
            params,
        )


# --- checkpoints ----------------------------------------------------------------------------


def test_checkpoint_round_trip(street):
    first = checkpoints.make_checkpoint()
    assert (first.seq, first.prev_mac) == (1, "")
    counts = checkpoints.unpack_counts(first.counts)
    assert counts[key_of(street)] == 4
    assert first.chains == AuditHead.objects.count() and first.events == AuditEvent.objects.count()
    with transaction.atomic():
        record(street, "org.updated", reason="检查点之后")
        record(Subject("orgs.org", "new-subject", label="新对象"), "org.updated")
    call_command("audit", "checkpoint")
    second = checkpoints.latest()
    assert second.seq == 2 and second.prev_mac == first.mac and keys.checkpoint_seal_ok(second)
    assert checkpoints.unpack_counts(second.counts)[key_of(street)] == 5
    assert list(verify()) == []
    call_command("audit", "verify")


def test_forged_or_deleted_checkpoints_are_reported(street):
    for _ in range(3):
        checkpoints.make_checkpoint()
    attacker.sql("UPDATE {checkpoints} SET events = events + 1 WHERE seq = 3")
    assert_reported("检查点 #3 签名不符")
    attacker.sql("UPDATE {checkpoints} SET events = events - 1 WHERE seq = 3")
    attacker.sql("DELETE FROM {checkpoints} WHERE seq = 2")
    assert_reported("不相连")


def test_periodic_checkpoint_task(street):
    from audit.tasks import checkpoint_audit_chains
    from core.periodic import schedules

    assert "audit.tasks.checkpoint_audit_chains" in {s.name for s in schedules()}
    assert checkpoint_audit_chains.call() == 1
    attacker.sql("DELETE FROM {heads} WHERE subject_id = %s", [str(street.pk)])
    assert checkpoint_audit_chains.call() == 0  # refused, logged


# --- keys -----------------------------------------------------------------------------------


def test_key_rotation(street):
    with override_settings(AUDIT_KEY="first-key", AUDIT_KEYS_OLD=""):
        assert any("不在密钥环中" in m for m in messages())  # sealed with the default (derived) key
    with override_settings(AUDIT_KEY="first-key", AUDIT_KEYS_OLD="@secret_key"):
        call_command("audit", "reseal")
    with override_settings(AUDIT_KEY="first-key", AUDIT_KEYS_OLD=""):
        checkpoints.make_checkpoint()
        with transaction.atomic():
            record(street, "org.updated", reason="旧密钥下")
        assert list(verify()) == []
        old_id = keys.keyring().current_id
    with override_settings(AUDIT_KEY="second-key", AUDIT_KEYS_OLD=""):
        assert any("不在密钥环中" in m for m in messages())  # the old key is needed until resealed
    with override_settings(AUDIT_KEY="second-key", AUDIT_KEYS_OLD="first-key"):
        assert list(verify()) == []  # old seals verify with the old key
        call_command("audit", "reseal")  # every head under the new key, and a new checkpoint
        new_id = keys.keyring().current_id
        assert set(AuditHead.objects.values_list("key_id", flat=True)) == {new_id} != {old_id}
    with override_settings(AUDIT_KEY="second-key", AUDIT_KEYS_OLD=""):
        assert list(verify()) == []  # the old key can go: older checkpoints are pinned by the newest
        with transaction.atomic():
            record(street, "org.updated", reason="新密钥下")
        assert list(verify()) == []


def test_a_forged_seal_under_another_key_is_reported(street):
    with override_settings(AUDIT_KEY="attackers-guess"):
        head = AuditHead.objects.get(subject_type="orgs.org", subject_id=str(street.pk))
        head.seq, head.last_hash = head.seq, head.last_hash
        keys.seal_head(head)
    attacker.set_head(*key_of(street), key_id=head.key_id, mac=head.mac)
    assert_reported("不在密钥环中", street)


def test_keyring_defaults_and_derivation():
    with override_settings(AUDIT_KEY="", AUDIT_KEYS_OLD="", SECRET_KEY="s1"):
        derived = keys.keyring()
        assert derived.derived and derived.current != b"s1"
    with override_settings(AUDIT_KEY="k", AUDIT_KEYS_OLD="a, b\nc @secret_key", SECRET_KEY="s1"):
        ring = keys.keyring()
        assert not ring.derived and len(ring.keys) == 5 and ring.current == b"k"
        assert derived.current in ring.keys.values()


def test_deploy_check_warns_without_an_audit_key():
    with override_settings(AUDIT_KEY=""):
        assert "luoshi.W002" in {m.id for m in run_checks(include_deployment_checks=True)}
    with override_settings(AUDIT_KEY="own-key"):
        assert "luoshi.W002" not in {m.id for m in run_checks(include_deployment_checks=True)}


def test_migration_seals_heads_that_agree_and_flags_those_that_do_not(street):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("audit.migrations.0003_sealed_heads_checkpoints_triggers")
    attacker.set_head(*key_of(street), mac="", key_id="")  # as before the upgrade
    last = chain(street)[-1]
    attacker.sql("DELETE FROM {events} WHERE id = %s", [last.pk])  # a tail deleted before the upgrade

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    with guard.maintenance():
        migration.seal_existing_heads(apps, editor)
    heads = {h.subject_id: h for h in AuditHead.objects.all()}
    assert heads[str(street.pk)].flagged_seq == last.seq and keys.head_seal_ok(heads[str(street.pk)])
    assert all(h.flagged_seq == 0 for sid, h in heads.items() if sid != str(street.pk))
    assert_reported("曾被篡改", street)


@pytest.mark.django_db(transaction=True)
def test_flush_between_transactional_tests_passes_the_triggers():
    with transaction.atomic():
        record(Subject("orgs.org", "x", label="x"), "org.updated")
    with pytest.raises(IntegrityError):
        AuditEvent.objects.all()._raw_delete(connection.alias)
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists() and not AuditHead.objects.exists()
    assert guard.missing_or_disabled(connection) == []
