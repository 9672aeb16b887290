"""Verification of the audit chains: finds altered, deleted, inserted, reordered or recomputed
events, rewound or forged heads, and chains deleted or cut back since the latest checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db import connection

from . import checkpoints, guard, keys
from .models import AuditEvent, AuditHead, event_hash


@dataclass(frozen=True)
class Problem:
    subject: str
    event_id: int | None
    message: str

    def __str__(self):
        where = f"事件 #{self.event_id}" if self.event_id else "链尾"
        return f"{self.subject} {where}: {self.message}"


def _head_problems(label: str, head: AuditHead) -> Iterator[Problem]:
    if not keys.head_seal_ok(head):
        if keys.keyring().get(head.key_id or "") is None:
            yield Problem(
                label,
                None,
                f"链头封印的密钥 {head.key_id or '(无)'} 不在密钥环中,无法验证(链头未封印或密钥缺失)",
            )
        else:
            yield Problem(label, None, "链头封印不符(链头被改写:回退、重算或伪造)")
    if head.flagged_seq:
        yield Problem(label, None, f"链长 {head.flagged_seq} 时发现链头封印不符(曾被篡改),其后的事件照常记录")


def verify(batch_size: int = 5000) -> Iterator[Problem]:
    """Walk every chain in subject order. Yields one ``Problem`` per inconsistency found."""
    for name in guard.missing_or_disabled(connection):
        yield Problem("数据库", None, f"审计保护触发器 {name} 缺失或被禁用")
    for message in checkpoints.chain_problems():
        yield Problem("检查点", None, message)
    checkpoint = checkpoints.latest()
    cp_counts = checkpoints.unpack_counts(checkpoint.counts) if checkpoint is not None else {}
    cp_hashes: dict[tuple[str, str], str] = {}

    heads = {
        (h.subject_type, h.subject_id): h for h in AuditHead.objects.all().iterator(chunk_size=batch_size)
    }
    lengths: dict[tuple[str, str], int] = {}
    current_key = None
    expected_seq, prev_hash, last_id, version = 1, "", 0, 1
    last_event = None

    queryset = AuditEvent.objects.order_by("subject_type", "subject_id", "seq", "id")
    for event in queryset.iterator(chunk_size=batch_size):
        key = (event.subject_type, event.subject_id)
        label = f"{key[0]}:{key[1]}"
        if key != current_key:
            if current_key is not None:
                yield from _close_chain(heads, lengths, current_key, last_event, expected_seq)
            current_key, expected_seq, prev_hash, last_id, last_event, version = key, 1, "", 0, None, 1
        yield from _event_problems(label, event, expected_seq, prev_hash, last_id, version)
        if cp_counts.get(key) == event.seq:
            cp_hashes[key] = event.hash
        expected_seq, prev_hash, last_id, last_event = event.seq + 1, event.hash, event.id, event
        version = max(version, event.hash_version)
    if current_key is not None:
        yield from _close_chain(heads, lengths, current_key, last_event, expected_seq)
    for key in heads.keys() - lengths.keys():
        yield Problem(f"{key[0]}:{key[1]}", None, "链头存在但事件全部缺失(事件被删除)")
        yield from _head_problems(f"{key[0]}:{key[1]}", heads[key])

    if checkpoint is not None:
        yield from _checkpoint_problems(checkpoint, cp_counts, cp_hashes, lengths)


def _event_problems(
    label: str, event: AuditEvent, expected_seq: int, prev_hash: str, last_id: int, version: int
) -> Iterator[Problem]:
    """One event against the one before it in its chain, and against its own hash."""
    if event.seq != expected_seq:
        yield Problem(label, event.id, f"序号应为 {expected_seq},实为 {event.seq}(事件缺失或重排)")
    if event.id <= last_id:
        yield Problem(label, event.id, "事件顺序与写入顺序不一致(被重排)")
    if event.prev_hash != prev_hash:
        yield Problem(label, event.id, "前一事件哈希不符(事件被删除、插入或重排)")
    if event.hash_version < version:
        yield Problem(label, event.id, f"哈希版本 {event.hash_version} 低于前一事件的 {version}(被改写)")
    if event_hash(event) != event.hash:
        yield Problem(label, event.id, "内容与哈希不符(事件被篡改)")


def _close_chain(
    heads: dict[tuple[str, str], AuditHead],
    lengths: dict[tuple[str, str], int],
    key: tuple[str, str],
    last_event: AuditEvent | None,
    expected_seq: int,
) -> Iterator[Problem]:
    """The end of one chain against its head; records the chain's length in ``lengths``."""
    head = heads.get(key)
    label = f"{key[0]}:{key[1]}"
    lengths[key] = expected_seq - 1
    if head is None:
        yield Problem(label, None, "链头缺失(审计链头被删除)")
        return
    if head.seq != expected_seq - 1 or head.last_hash != (last_event.hash if last_event else ""):
        yield Problem(label, None, f"链尾不符:链头记录 {head.seq} 条,实际 {expected_seq - 1} 条(事件被删除)")
    yield from _head_problems(label, head)


def _checkpoint_problems(checkpoint, cp_counts: dict, cp_hashes: dict, lengths: dict) -> Iterator[Problem]:
    """Chains cut back since the latest checkpoint, and events before it rewritten (its root)."""
    short = checkpoints.shortfalls(cp_counts, lengths)
    for item in short:
        yield Problem(f"{item.subject[0]}:{item.subject[1]}", None, item.message(checkpoint.seq))
    root = checkpoints.RootHasher()
    for key in sorted(cp_counts):
        root.add(key[0], key[1], cp_counts[key], cp_hashes.get(key, ""))
    if not short and root.hexdigest() != checkpoint.root:
        yield Problem(
            "检查点", None, f"检查点 #{checkpoint.seq} 的根哈希与现有事件不符(检查点之前的事件被改写)"
        )
