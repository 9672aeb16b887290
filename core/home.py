"""What each person sees on the home page (工作台): sections contributed by the apps.

An app registers a provider ``fn(user) -> HomeSection | None``; the home page shows the
sections that apply to the user, each with the items they must act on today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class HomeItem:
    text: str
    url: str = ""
    badge: str = ""
    level: str = "secondary"  # bootstrap colour: danger / warning / success / secondary


@dataclass
class HomeSection:
    title: str
    items: list[HomeItem] = field(default_factory=list)
    empty_text: str = "今日暂无待办"
    order: int = 100


_PROVIDERS: list[Callable] = []


def provider(fn: Callable) -> Callable:
    _PROVIDERS.append(fn)
    return fn


def home_sections(user) -> list[HomeSection]:
    sections = [section for fn in _PROVIDERS if (section := fn(user)) is not None]
    return sorted(sections, key=lambda s: s.order)
