"""Per-process copies of small, rarely changed tables that hot paths read on every call.

``ProcessCache(name, load)`` keeps ``load()``'s result in this process. Whether it is still current
is decided by a version token kept in the shared cache (Django's ``default`` cache: Redis in
production, so every process and machine sees the same token):

- a change to a source row calls ``changed()`` (connected to the models' ``post_save`` and
  ``post_delete`` signals, and called by services that change rows with ``QuerySet.update``):
  this process forgets its copy at once, and when the transaction commits a new token is written
  to the shared cache (and this process forgets again: the rows it may have read before the commit
  were the uncommitted ones);
- ``get()`` compares its copy's token with the shared one at most once per ``check_every`` seconds
  (one cache read; never a database query while the copy is current) and loads again on a
  mismatch. The token is read before the rows are loaded, so a change committed in between only
  costs one more load later, never a stale copy.

So a change made in this process is seen at once; in another process within ``check_every``
seconds. ``max_age`` bounds everything else (a cache without a shared backend — LocMemCache with
several processes —, a lost cache write, a change rolled back after it was read in its own
transaction): a copy is never kept longer than that.

Why a token in the shared cache and not a stamp query (``Count``/``Max`` over the table, as
``party.rules`` does): the tables read here (SLA rules, calendar overrides, the org tree) have no
``updated_at``, so an in-place edit (a limit changed from 3 to 5 days) changes neither the row count
nor the last id; and the cache read is cheaper than a query (bench/README.md, "Intake after issue 22").
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
log = logging.getLogger(__name__)

_KEY = "luoshi:procache:{}"
_ALL: list[ProcessCache] = []


def forget_all() -> None:
    """Drop every process copy (tests: a rolled-back test's rows must not leak into the next)."""
    for process_cache in _ALL:
        process_cache.forget()


class ProcessCache(Generic[T]):
    def __init__(
        self, name: str, load: Callable[[], T], *, check_every: float = 1.0, max_age: float = 300.0
    ) -> None:
        self.name = name
        self.key = _KEY.format(name)
        self._load = load
        self.check_every = check_every
        self.max_age = max_age
        # (token, loaded at, checked at, value); replaced whole, so threads never see half an update
        self._copy: tuple[str, float, float, T] | None = None
        self._lock = threading.Lock()
        _ALL.append(self)

    def _shared_token(self) -> str:
        try:
            token = cache.get(self.key)
            if token is None:
                cache.add(self.key, secrets.token_hex(8), timeout=None)
                token = cache.get(self.key) or ""
        except Exception:  # the shared cache is down: copies are kept up to max_age
            log.warning("procache %s: the shared cache did not answer", self.name, exc_info=True)
            return ""
        return token

    def get(self) -> T:
        now = time.monotonic()
        copy = self._copy
        if copy is not None:
            token, loaded_at, checked_at, value = copy
            if now - checked_at < self.check_every:
                return value
            if now - loaded_at < self.max_age and self._shared_token() == token:
                self._copy = (token, loaded_at, now, value)
                return value
        with self._lock:
            token = self._shared_token()
            value = self._load()
            self._copy = (token, now, now, value)
        return value

    def forget(self, **kwargs) -> None:
        """Drop this process's copy (the next ``get`` loads again)."""
        self._copy = None

    def changed(self, **kwargs) -> None:
        """A source row changed: forget now, and tell every process once the change commits.

        Has a signal receiver's signature (``sender``, ``instance``, … are ignored)."""
        self._copy = None
        transaction.on_commit(self._publish)

    def _publish(self) -> None:
        self._copy = None
        try:
            cache.set(self.key, secrets.token_hex(8), timeout=None)
        except Exception:  # the change is committed; other processes see it within max_age
            log.error("procache %s: could not publish a change to the shared cache", self.name, exc_info=True)
