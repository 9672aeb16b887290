"""Actions on a compliance finding offered by apps above party (e.g. 转整改 of ``rectify``).

party imports no upper app: an app registers ``fn(user, finding) -> FindingAction | None`` from its
``AppConfig.ready()``, and the findings lists (``party/_finding.html``, through the
``finding_actions`` tag) show a button for every action a provider returns for the user."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FindingAction:
    label: str
    url: str


Provider = Callable[[object, object], FindingAction | None]
_PROVIDERS: list[Provider] = []


def register(provider: Provider) -> Provider:
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def for_finding(user, finding) -> list[FindingAction]:
    actions = []
    for provider in _PROVIDERS:
        action = provider(user, finding)
        if action is not None:
            actions.append(action)
    return actions
