"""The audit key ring: the key that seals chain heads and checkpoints, and the old keys kept to
verify seals made before a rotation.

``LUOSHI_AUDIT_KEY`` (or ``_FILE``) is the current key; ``LUOSHI_AUDIT_KEYS_OLD`` (or ``_FILE``)
holds earlier keys, one per line or comma-separated. Each key is known by its id, the first 16 hex
digits of a SHA-256 of the key (not secret), stored next to every seal so verification picks the
right key. Without ``LUOSHI_AUDIT_KEY`` the key is derived from ``SECRET_KEY`` (demo and tests work
with no setting; ``check --deploy`` warns, luoshi.W002): production sets its own, kept apart from
the database and its backups. The entry ``@secret_key`` in the old keys stands for that derived key
(to move an installation from the default to its own key; drop it after ``luoshi audit reseal``).

Seals are HMAC-SHA256 over a canonical JSON list, so no field can run into the next.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from django.conf import settings

_DERIVE_LABEL = b"luoshi.audit.key.v1"


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"luoshi-audit-key-id:" + key).hexdigest()[:16]


@dataclass(frozen=True)
class Keyring:
    current_id: str
    keys: dict[str, bytes]
    derived: bool  # True: no LUOSHI_AUDIT_KEY, the key is derived from SECRET_KEY

    @property
    def current(self) -> bytes:
        return self.keys[self.current_id]

    def get(self, kid: str) -> bytes | None:
        return self.keys.get(kid)


@functools.lru_cache(maxsize=8)
def _build(audit_key: str, old: str, secret_key: str) -> Keyring:
    from_secret = hmac.new(secret_key.encode(), _DERIVE_LABEL, hashlib.sha256).digest()
    derived = not audit_key
    current = from_secret if derived else audit_key.encode()
    keys = {key_id(current): current}
    for item in re.split(r"[\s,]+", old or ""):
        if item:
            key = from_secret if item == "@secret_key" else item.encode()
            keys.setdefault(key_id(key), key)
    return Keyring(key_id(current), keys, derived)


def keyring() -> Keyring:
    return _build(
        getattr(settings, "AUDIT_KEY", "") or "",
        getattr(settings, "AUDIT_KEYS_OLD", "") or "",
        settings.SECRET_KEY,
    )


def _mac(key: bytes, parts: list) -> str:
    message = json.dumps(parts, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def head_message(head) -> list:
    return [
        "luoshi-audit-head-v1",
        head.subject_type,
        head.subject_id,
        head.seq,
        head.last_hash,
        head.flagged_seq,
    ]


def _seal(row, message: list) -> None:
    """Set ``row.key_id`` and ``row.mac`` with the current key (no database access)."""
    ring = keyring()
    row.key_id = ring.current_id
    row.mac = _mac(ring.current, message)


def _seal_ok(row, message: list) -> bool:
    key = keyring().get(row.key_id or "")
    return key is not None and hmac.compare_digest(_mac(key, message), row.mac or "")


def seal_head(head) -> None:
    _seal(head, head_message(head))


def head_seal_ok(head) -> bool:
    return _seal_ok(head, head_message(head))


def checkpoint_message(cp) -> list:
    return [
        "luoshi-audit-checkpoint-v1",
        cp.seq,
        cp.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        cp.chains,
        cp.events,
        cp.root,
        cp.counts_sha256,
        cp.prev_mac,
    ]


def seal_checkpoint(cp) -> None:
    _seal(cp, checkpoint_message(cp))


def checkpoint_seal_ok(cp) -> bool:
    return _seal_ok(cp, checkpoint_message(cp))
