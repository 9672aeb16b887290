"""Task or 原则要求? The directive classifier of the speech → draft extractor.

A speech's directive clauses (要…/必须…/抓好…) are of two sorts. Some name a concrete action with a
countable or checkable object — 建立网格事项流转处置机制, 举办……培训班, 开展“两先一优”表彰活动 —
and become supervised tasks. Others state a principle or an attitude — 提高政治站位, 增强“四个意识”,
以……为引领, 切实……的自觉 — which no one can report as done; they become 原则要求 nodes, listed on the
draft apart from the tasks and never created as tasks.

The lexicons are data (``data/directives.toml``); the decision:

1. a clause that names a mechanism (``mechanisms.toml``) is a task — the module carries it;
2. a concrete action (a task verb followed by a task object in the same comma segment, or a
   quantity such as 3期/不少于20名, or a deadline) that comes before the first principle phrase
   is a task;
3. anything else is a 原则要求.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from . import mechanisms

DATA = Path(__file__).resolve().parent / "data" / "directives.toml"
TASK, PRINCIPLE = "task", "principle"
QUANTITY = re.compile(r"\d+(?:\.\d+)?(?:个|项|名|次|场|期|家|户|人次|人|批|所|处|条|篇|万元|%|%)")
DEADLINE = re.compile(r"\d{1,2}月(?:底|末|中旬|上旬)?(?:前|之前)|年底前|上半年|[一二三四]季度")


@dataclass(frozen=True)
class Verdict:
    kind: str  # TASK or PRINCIPLE
    reason: str  # the words that decided, shown on the draft preview
    mechanism: mechanisms.Mechanism | None = None


@dataclass(frozen=True)
class Lexicon:
    principles: tuple[re.Pattern, ...]
    concrete: re.Pattern


@cache
def lexicon() -> Lexicon:
    with DATA.open("rb") as handle:
        data = tomllib.load(handle)
    verbs = "|".join(map(re.escape, data["task"]["verbs"]))
    objects = "|".join(map(re.escape, data["task"]["objects"]))
    return Lexicon(
        principles=tuple(re.compile(p) for p in data["principle"]["patterns"]),
        concrete=re.compile(rf"(?:{verbs})[^,,;;。]{{0,24}}?(?:{objects})"),
    )


def _first(patterns, text: str) -> re.Match | None:
    hits = [found for regex in patterns if (found := regex.search(text))]
    return min(hits, key=lambda m: m.start()) if hits else None


def classify(text: str) -> Verdict:
    mechanism = mechanisms.match(text)
    if mechanism is not None:
        return Verdict(TASK, mechanism.label, mechanism)
    words = lexicon()
    principle = _first(words.principles, text)
    concrete = _first((words.concrete, QUANTITY, DEADLINE), text)
    if concrete is not None and (principle is None or concrete.start() < principle.start()):
        return Verdict(TASK, concrete.group(0))
    if principle is not None:
        return Verdict(PRINCIPLE, principle.group(0))
    return Verdict(PRINCIPLE, "未写明具体行动和可检查的对象")
