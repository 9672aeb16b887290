"""Writing audit events. Call ``record`` inside the transaction that makes the change."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

from django.apps import apps
from django.db import models, transaction
from django.forms.models import model_to_dict

from core import clock
from core.actors import Actor, user_or_none
from core.batchinsert import insert_together
from core.middleware import current_request_id
from core.textguard import check_text

from . import events, keys
from .models import HASH_VERSION, AuditEvent, AuditHead, event_hash

log = logging.getLogger(__name__)


def snapshot(obj: models.Model, fields: Collection[str] | None = None) -> dict:
    """A JSON-able dict of a model's concrete field values (for before/after)."""
    data = model_to_dict(obj, fields=fields)
    for field in obj._meta.concrete_fields:
        if field.name in data and isinstance(field, models.ForeignKey):
            data[field.name] = getattr(obj, field.attname)
    for key, value in list(data.items()):
        if isinstance(value, models.Model):
            data[key] = value.pk
        elif isinstance(value, list | tuple):
            data[key] = [item.pk if isinstance(item, models.Model) else item for item in value]
        elif hasattr(value, "name") and hasattr(value, "url"):  # file fields
            data[key] = value.name or ""
    for secret in ("password", "id_number_encrypted", "phone_encrypted", "id_number_index"):
        data.pop(secret, None)
    return data


def _actor_org(actor):
    """The org an actor acts for by default: their narrowest current grant (cached per request)."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    if not hasattr(actor, "_luoshi_actor_org"):
        # by app label, as the ``actor_org`` ForeignKey names it: audit sits below orgs
        RoleGrant = apps.get_model("orgs", "RoleGrant")
        grant = RoleGrant.objects.current().filter(user=actor).order_by("-org_path").only("org_id").first()
        actor._luoshi_actor_org = grant.org_id if grant else None
    return actor._luoshi_actor_org


def _subject_scope(subject: models.Model) -> str:
    for attr in ("org_path", "scope_path", "path"):
        value = getattr(subject, attr, None)
        if isinstance(value, str):
            return value
    return ""


@dataclass(frozen=True)
class Subject:
    """A subject given by type and id (for events about things that are not a saved model)."""

    label_lower: str
    pk: str
    label: str = ""
    scope_path: str = ""


def record(
    subject: models.Model | Subject,
    action: str,
    *,
    actor: Actor | None = None,
    actor_org=None,
    reason: str = "",
    before: dict | None = None,
    after: dict | None = None,
    scope_path: str | None = None,
    new_subject: bool = False,
) -> AuditEvent:
    """Append one event to ``subject``'s chain. Must run inside the caller's transaction.

    ``actor`` is a user or ``SYSTEM``; ``None`` (no one signed in: a resident on the public pages)
    is kept for anonymous events. Both SYSTEM and None are recorded as "系统".

    ``new_subject=True``: the subject was created in this transaction (a new case), so its chain
    starts here and the head is not looked up (no ``SELECT … FOR UPDATE``): the event is seq 1 and
    the head is inserted. Should the subject have a chain after all, inserting the head violates
    its unique constraint and the transaction fails: a chain can never fork."""
    if not events.is_registered(action):
        raise ValueError(f"unregistered audit event code: {action!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit.record must be called inside the transaction that makes the change")
    # Reasons and notes often come straight from a page's POST (no form): refuse control characters
    # here too, so the caller's transaction rolls back with a message instead of a database error.
    check_text(reason, "reason", "原因/说明")
    if isinstance(subject, Subject):
        subject_type, subject_id, label = subject.label_lower, str(subject.pk), subject.label
        default_scope = subject.scope_path
    else:
        subject_type, subject_id, label = subject._meta.label_lower, str(subject.pk), str(subject)[:200]
        default_scope = _subject_scope(subject)
    user = user_or_none(actor)  # SYSTEM, or None for an anonymous resident: recorded as "系统"
    head = (
        None
        if new_subject
        else AuditHead.objects.select_for_update()
        .filter(subject_type=subject_type, subject_id=subject_id)
        .first()
    )
    event = AuditEvent(
        subject_type=subject_type,
        subject_id=subject_id,
        subject_label=label,
        seq=(head.seq + 1) if head else 1,
        action=action,
        actor=user,
        actor_label=user.display_name() if user is not None else "系统",
        actor_org_id=getattr(actor_org, "pk", actor_org) if actor_org is not None else _actor_org(user),
        scope_path=default_scope if scope_path is None else scope_path,
        reason=reason or "",
        before=before,
        after=after,
        created_at=clock.now(),
        request_id=current_request_id(),
        prev_hash=head.last_hash if head else "",
        hash_version=HASH_VERSION,
    )
    event.hash = event_hash(event)
    if head is None:
        # A new chain: the event and its head in one statement (PostgreSQL; two saves elsewhere).
        head = AuditHead(
            subject_type=subject_type, subject_id=subject_id, seq=event.seq, last_hash=event.hash
        )
        keys.seal_head(head)
        insert_together([event, head])
        return event
    event.save()
    if not head.flagged_seq and not keys.head_seal_ok(head):
        # Someone rewound, recomputed or forged this head. Keep serving, but never bless it:
        # the new seal carries the length at which the broken seal was found (verify reports it).
        head.flagged_seq = head.seq
        log.error("audit head %s:%s has a broken seal at seq %s", subject_type, subject_id, head.seq)
    head.seq, head.last_hash = event.seq, event.hash
    keys.seal_head(head)
    AuditHead.objects.filter(pk=head.pk).update(
        seq=head.seq,
        last_hash=head.last_hash,
        flagged_seq=head.flagged_seq,
        key_id=head.key_id,
        mac=head.mac,
    )
    return event


def record_change(subject: models.Model, action: str, before: dict, *, fields=None, **kwargs) -> AuditEvent:
    """Record an event whose ``after`` is the subject's current snapshot."""
    return record(subject, action, before=before, after=snapshot(subject, fields), **kwargs)
