"""Signed checkpoints of every audit chain head.

A checkpoint records, at one moment, how many events each chain had (``counts``, compressed) and a
root hash over all heads (subject, count, last hash), sealed with the audit key together with the
previous checkpoint's seal. Chains only grow, so ``luoshi audit verify`` checks the latest
checkpoint against the current chains: a chain deleted with its head, or cut back to fewer events
than the checkpoint saw (even with an old, validly sealed head put back from a backup), is reported,
and so is any change to the events the checkpoint covered (the root no longer matches).

Written by the worker every ``LUOSHI_AUDIT_CHECKPOINT_HOURS`` (audit/tasks.py) and by ``luoshi audit
checkpoint``. Each new checkpoint is refused if a chain is shorter than in the previous one or
missing, so a truncation is never sealed as the new normal. Each checkpoint's root and seal are also
written to the log: a copy outside the database is what shows that the latest checkpoints
themselves were not deleted.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import zlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from core import clock

from . import keys
from .models import AuditCheckpoint, AuditHead

log = logging.getLogger(__name__)


class CheckpointRefused(RuntimeError):
    def __init__(self, problems):
        super().__init__(f"审计检查点未写入:{len(problems)} 处问题")
        self.problems = problems


@dataclass(frozen=True)
class Shortfall:
    subject: tuple[str, str]
    expected: int
    actual: int  # 0: chain missing

    def message(self, checkpoint_seq: int | None = None) -> str:
        which = f"检查点 #{checkpoint_seq}" if checkpoint_seq else "上一个检查点"
        if self.actual == 0:
            return f"{which}记录 {self.expected} 条事件,现在整条链缺失(链被删除)"
        return f"{which}记录 {self.expected} 条事件,现在只有 {self.actual} 条(链尾被截断)"

    def __str__(self):
        return f"{self.subject[0]}:{self.subject[1]} {self.message()}"


class RootHasher:
    """SHA-256 over heads fed in (subject_type, subject_id) order."""

    def __init__(self):
        self._hash = hashlib.sha256()

    def add(self, subject_type: str, subject_id: str, seq: int, last_hash: str) -> None:
        line = json.dumps(
            [subject_type, subject_id, seq, last_hash], ensure_ascii=False, separators=(",", ":")
        )
        self._hash.update(line.encode() + b"\n")

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def pack_counts(counts: dict[str, dict[str, int]]) -> bytes:
    return zlib.compress(json.dumps(counts, separators=(",", ":"), sort_keys=True).encode(), 9)


def unpack_counts(blob: bytes | memoryview) -> dict[tuple[str, str], int]:
    data = json.loads(zlib.decompress(bytes(blob)))
    return {(kind, sid): seq for kind, ids in data.items() for sid, seq in ids.items()}


def _heads(batch_size: int = 10000) -> list[tuple[str, str, int, str]]:
    """All heads, sorted in Python (code point order, whatever the database's collation)."""
    rows = AuditHead.objects.values_list("subject_type", "subject_id", "seq", "last_hash")
    return sorted(rows.iterator(chunk_size=batch_size))


def latest() -> AuditCheckpoint | None:
    return AuditCheckpoint.objects.order_by("-seq").first()


def shortfalls(expected: dict[tuple[str, str], int], actual: dict[tuple[str, str], int]) -> list[Shortfall]:
    return [
        Shortfall(subject, count, actual.get(subject, 0))
        for subject, count in sorted(expected.items())
        if actual.get(subject, 0) < count
    ]


def compare_heads(checkpoint: AuditCheckpoint) -> list[Shortfall]:
    """Chains that are missing or shorter now than in ``checkpoint`` (heads only; fast)."""
    current = {(t, s): seq for t, s, seq, _h in _heads()}
    return shortfalls(unpack_counts(checkpoint.counts), current)


def make_checkpoint(*, now: datetime.datetime | None = None) -> AuditCheckpoint:
    """Write and return a new checkpoint of all heads; raise ``CheckpointRefused`` if a chain went
    backwards since the previous checkpoint (its seal does not verify, a chain is missing or shorter)."""
    with transaction.atomic():
        previous = AuditCheckpoint.objects.select_for_update().order_by("-seq").first()
        counts: dict[str, dict[str, int]] = {}
        flat: dict[tuple[str, str], int] = {}
        root, chains, events = RootHasher(), 0, 0
        for subject_type, subject_id, seq, last_hash in _heads():
            counts.setdefault(subject_type, {})[subject_id] = seq
            flat[(subject_type, subject_id)] = seq
            root.add(subject_type, subject_id, seq, last_hash)
            chains += 1
            events += seq
        problems: list = []
        if previous is not None:
            if not keys.checkpoint_seal_ok(previous) or not _counts_ok(previous):
                problems.append(f"上一个检查点 #{previous.seq} 的签名不符(被篡改或密钥不在密钥环中)")
            problems.extend(shortfalls(unpack_counts(previous.counts), flat))
        if problems:
            raise CheckpointRefused(problems)
        blob = pack_counts(counts)
        checkpoint = AuditCheckpoint(
            seq=(previous.seq + 1) if previous else 1,
            created_at=now or clock.now(),
            chains=chains,
            events=events,
            root=root.hexdigest(),
            counts=blob,
            counts_sha256=hashlib.sha256(blob).hexdigest(),
            prev_mac=previous.mac if previous else "",
        )
        keys.seal_checkpoint(checkpoint)
        checkpoint.save()
    log.info(
        "audit checkpoint #%s: %s chains, %s events, root %s, mac %s",
        checkpoint.seq,
        chains,
        events,
        checkpoint.root,
        checkpoint.mac,
    )
    return checkpoint


def _counts_ok(checkpoint: AuditCheckpoint) -> bool:
    return hashlib.sha256(bytes(checkpoint.counts)).hexdigest() == checkpoint.counts_sha256


def chain_problems() -> Iterable[str]:
    """Problems of the checkpoint chain itself: seals, links, numbering (the blobs of all but the
    latest are not read). A checkpoint sealed with a key no longer in the key ring is a problem only
    if it is the latest: after a rotation, a new checkpoint under the new key pins the older ones."""
    previous = None
    unknown_key = None
    rows = AuditCheckpoint.objects.order_by("seq").defer("counts")
    for checkpoint in rows.iterator(chunk_size=1000):
        unknown_key = None
        if keys.keyring().get(checkpoint.key_id) is None:
            unknown_key = f"检查点 #{checkpoint.seq} 的密钥 {checkpoint.key_id} 不在密钥环中,无法验证"
        elif not keys.checkpoint_seal_ok(checkpoint):
            yield f"检查点 #{checkpoint.seq} 签名不符(被篡改)"
        if previous is not None and (
            checkpoint.seq != previous.seq + 1 or checkpoint.prev_mac != previous.mac
        ):
            yield f"检查点 #{checkpoint.seq} 与上一个检查点 #{previous.seq} 不相连(中间的检查点被删除或改写)"
        elif previous is None and (checkpoint.seq != 1 or checkpoint.prev_mac):
            yield f"最早的检查点是 #{checkpoint.seq}(之前的检查点被删除)"
        previous = checkpoint
    if unknown_key:
        yield unknown_key
    if previous is not None:
        last = AuditCheckpoint.objects.get(pk=previous.pk)
        if not _counts_ok(last):
            yield f"检查点 #{last.seq} 的链长度表与签名不符(被篡改)"
