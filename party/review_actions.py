"""Actions on a published 述职评议 organization's problem list offered by apps above party (e.g.
转整改 of ``rectify``), the same way as ``party.finding_actions`` for compliance findings.

party imports no upper app: an app registers ``fn(user, round_, org) -> FindingAction | None`` from
its ``AppConfig.ready()``, and the round page's 问题清单 (``party/duty_review/round.html``, through
the ``review_problem_actions`` tag) shows a button for every action a provider returns."""

from __future__ import annotations

from collections.abc import Callable

from party.finding_actions import FindingAction

Provider = Callable[[object, object, object], FindingAction | None]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def for_problems(user, round_, org) -> list[FindingAction]:
    """What ``user`` may do with the problems of ``org`` in the published round ``round_``."""
    actions = []
    for provider in _PROVIDERS:
        action = provider(user, round_, org)
        if action is not None:
            actions.append(action)
    return actions
