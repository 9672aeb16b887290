"""The dispatch assistant's seat in cases: what an assistant (the ``intel`` app) may add to case
handling, registered by the assistant when its app is ready, so cases imports nothing of it.

- ``suggestions(case, user)``: the 智能辅助 panel of the case page and ``GET …/suggestions`` (the
  registered suggester's answer, or None without one);
- ``decided(kind, case, actor)``: called by the services after the dispatcher fixed the category
  (``"category"``) or the units (``"unit"``), so the assistant can record whether its suggestion
  was taken. Listeners never raise into the service (``intel.feedback`` logs its own failures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Suggester = Callable[[Any, Any], Any]
Listener = Callable[[str, Any, Any], Any]

_suggester: Suggester | None = None
_listeners: list[Listener] = []


def register(*, suggest: Suggester | None = None, on_decided: Listener | None = None) -> None:
    """Called once by the assistant app (``intel.apps``); registering again replaces, not adds."""
    global _suggester
    if suggest is not None:
        _suggester = suggest
    if on_decided is not None and on_decided not in _listeners:
        _listeners.append(on_decided)


def suggestions(case, user=None):
    """The registered assistant's suggestions for ``case`` as seen by ``user`` (None: no assistant)."""
    return None if _suggester is None else _suggester(case, user)


def decided(kind: str, case, actor) -> None:
    for listener in _listeners:
        listener(kind, case, actor)
