"""Speech mechanisms → the modules that carry them (讲话机制 → 承载模块), as data.

``data/mechanisms.toml`` lists each mechanism a district speech asks for (网格化治理, 三会一课,
发展党员, 四议两公开, 述职评议, 干部监督, 走流程, 巡视巡察整改, 理论学习中心组, 两新组织与党建联盟,
能力作风建设年 …), the feature that carries it, the URL names of its page and the units the district
assigns it to. The extractor marks a draft node that names a mechanism; the draft page shows
“由【模块】承载” with a link when the page exists (modules built later link once their URL resolves).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.urls import NoReverseMatch, reverse

DATA = Path(__file__).resolve().parent / "data" / "mechanisms.toml"


@dataclass(frozen=True)
class Mechanism:
    key: str
    label: str  # 机制
    module: str  # module key, e.g. "party.duty_review"
    module_label: str  # 承载模块 (human label)
    url_names: tuple[str, ...]
    leads: tuple[str, ...]  # 牵头单位 then 配合单位, as the district assigns them
    patterns: tuple[re.Pattern, ...]
    implied: re.Pattern | None = None
    implied_title: str = ""

    def find(self, text: str) -> int | None:
        """Where the mechanism is first named in ``text`` (None: not named)."""
        starts = [found.start() for regex in self.patterns if (found := regex.search(text))]
        return min(starts) if starts else None

    @property
    def url(self) -> str:
        """The module's page, or "" while the module is not installed."""
        for name in self.url_names:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        return ""


@cache
def mechanisms() -> tuple[Mechanism, ...]:
    with DATA.open("rb") as handle:
        rows = tomllib.load(handle)["mechanism"]
    return tuple(
        Mechanism(
            key=row["key"],
            label=row["label"],
            module=row["module"],
            module_label=row["module_label"],
            url_names=tuple(row.get("url_names", ())),
            leads=tuple(row.get("leads", ())),
            patterns=tuple(re.compile(p) for p in row["patterns"]),
            implied=re.compile(row["implied"]) if row.get("implied") else None,
            implied_title=row.get("implied_title", ""),
        )
        for row in rows
    )


def by_key(key: str) -> Mechanism:
    return next(m for m in mechanisms() if m.key == key)


def match(text: str) -> Mechanism | None:
    """The mechanism named earliest in ``text``."""
    found = [(start, i, m) for i, m in enumerate(mechanisms()) if (start := m.find(text)) is not None]
    return min(found)[2] if found else None
