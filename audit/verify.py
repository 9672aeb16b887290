"""Verification of the audit chains: finds altered, deleted, inserted or reordered events."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .models import AuditEvent, AuditHead, event_hash


@dataclass(frozen=True)
class Problem:
    subject: str
    event_id: int | None
    message: str

    def __str__(self):
        where = f"事件 #{self.event_id}" if self.event_id else "链尾"
        return f"{self.subject} {where}: {self.message}"


def verify(batch_size: int = 5000) -> Iterator[Problem]:
    """Walk every chain in subject order. Yields one ``Problem`` per inconsistency found."""
    heads = {
        (h.subject_type, h.subject_id): h for h in AuditHead.objects.all().iterator(chunk_size=batch_size)
    }
    seen: set[tuple[str, str]] = set()
    current_key = None
    expected_seq, prev_hash, last_id = 1, "", 0
    last_event = None

    def close_chain(key, last_event, expected_seq):
        head = heads.get(key)
        label = f"{key[0]}:{key[1]}"
        if head is None:
            yield Problem(label, None, "链头缺失(审计链头被删除)")
        elif head.seq != expected_seq - 1 or head.last_hash != (last_event.hash if last_event else ""):
            yield Problem(
                label, None, f"链尾不符:链头记录 {head.seq} 条,实际 {expected_seq - 1} 条(事件被删除)"
            )

    queryset = AuditEvent.objects.order_by("subject_type", "subject_id", "seq", "id")
    for event in queryset.iterator(chunk_size=batch_size):
        key = (event.subject_type, event.subject_id)
        label = f"{key[0]}:{key[1]}"
        if key != current_key:
            if current_key is not None:
                yield from close_chain(current_key, last_event, expected_seq)
            current_key, expected_seq, prev_hash, last_id, last_event = key, 1, "", 0, None
            seen.add(key)
        if event.seq != expected_seq:
            yield Problem(label, event.id, f"序号应为 {expected_seq},实为 {event.seq}(事件缺失或重排)")
        if event.id <= last_id:
            yield Problem(label, event.id, "事件顺序与写入顺序不一致(被重排)")
        if event.prev_hash != prev_hash:
            yield Problem(label, event.id, "前一事件哈希不符(事件被删除、插入或重排)")
        if event_hash(event) != event.hash:
            yield Problem(label, event.id, "内容与哈希不符(事件被篡改)")
        expected_seq, prev_hash, last_id, last_event = event.seq + 1, event.hash, event.id, event
    if current_key is not None:
        yield from close_chain(current_key, last_event, expected_seq)
    for key in heads.keys() - seen:
        yield Problem(f"{key[0]}:{key[1]}", None, "链头存在但事件全部缺失(事件被删除)")
