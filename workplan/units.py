"""Matching unit names written by people (Excel cells, speech texts, outlines) to the org tree.

``UnitMatcher`` loads the candidate units once (departments, offices, streets, towns and party
bodies that can lead a task) and answers by exact name, by short name, then by the bodies speeches
name (组织部门 → 区委组织部, 政法 → 区委政法委 …) when exactly one unit fits. A miss comes with
near-miss suggestions (difflib over names and short names), shown to the person fixing the file.
"""

from __future__ import annotations

import difflib
import re

from orgs.models import Org

LEADABLE_KINDS = (
    "department",
    "office",
    "street",
    "town",
    "party_committee",
    "working_committee",
    "leading_group",
)

# How speeches and tables name bodies → a fragment of the unit's official name.
BODY_ALIASES: list[tuple[str, str]] = [
    (r"组织部门|组织部", "组织部"),
    (r"宣传部门|宣传部|宣传思想部门", "宣传部"),
    (r"政法委|政法部门|政法机关|政法系统", "政法委"),
    (r"统战部门|统战部", "统战部"),
    (r"纪委监委|纪检监察机关|纪委", "纪委"),
    (r"区委办公室|区委办", "区委办公室"),
    (r"政府办公室|政府办", "政府办公室"),
    (r"督查室|督查部门", "督查室"),
    (r"城管部门|城管局|城市管理部门", "城市管理"),
    (r"民政部门|民政局", "民政"),
    (r"教育部门|教育局", "教育局"),
    (r"卫健部门|卫生健康部门|卫健局", "卫生健康"),
    (r"公安机关|公安部门|公安分局", "公安"),
    (r"司法行政部门|司法局", "司法局"),
    (r"信访部门|信访局", "信访"),
    (r"应急管理部门|应急局", "应急管理"),
    (r"市场监管部门|市场监管局", "市场监督"),
    (r"人社部门|人社局", "人力资源"),
    (r"财政部门|财政局", "财政"),
    (r"住建部门|住建局", "住房和城乡建设"),
    (r"农业农村部门|农业农村局", "农业农村"),
    (r"文旅部门|文旅体局", "文化旅游"),
    (r"退役军人事务部门", "退役军人"),
    (r"数据资源部门|数据资源局", "数据资源"),
    (r"发改部门|发改局", "发展和改革"),
]
_ALIAS_RES = [(re.compile(pattern), fragment) for pattern, fragment in BODY_ALIASES]


def normalize(name: str) -> str:
    return re.sub(r"[\s\u3000]", "", name or "").replace("(", "(").replace(")", ")")


class UnitMatcher:
    def __init__(self, queryset=None):
        if queryset is None:
            queryset = Org.objects.filter(archived_at__isnull=True, kind__in=LEADABLE_KINDS)
        self.units = list(queryset.only("pk", "name", "short_name", "kind", "path"))
        self.by_name: dict[str, Org] = {}
        self.by_short: dict[str, list[Org]] = {}
        for org in self.units:
            self.by_name.setdefault(normalize(org.name), org)
            if org.short_name:
                self.by_short.setdefault(normalize(org.short_name), []).append(org)

    def alias_fragment(self, text: str) -> str | None:
        for regex, fragment in _ALIAS_RES:
            if regex.search(text):
                return fragment
        return None

    def _by_fragment(self, fragment: str) -> Org | None:
        hits = [o for o in self.units if fragment in o.name and o.kind in ("department", "office")]
        departments = [o for o in hits if o.kind == "department"]
        hits = departments or hits
        return hits[0] if len(hits) == 1 else None

    def match(self, name: str) -> Org | None:
        key = normalize(name)
        if not key:
            return None
        if key in self.by_name:
            return self.by_name[key]
        shorts = self.by_short.get(key, [])
        if len(shorts) == 1:
            return shorts[0]
        fragment = self.alias_fragment(key)
        if fragment and len(key) <= len(fragment) + 4:
            return self._by_fragment(fragment)
        return None

    @staticmethod
    def first_alias(text: str) -> tuple[str, str] | None:
        """The first body a text names: (as written, fragment of the official name)."""
        best = None
        for regex, fragment in _ALIAS_RES:
            found = regex.search(text)
            if found and (best is None or found.start() < best[0]):
                best = (found.start(), found.group(0), fragment)
        return (best[1], best[2]) if best else None

    @classmethod
    def find_alias(cls, text: str) -> tuple[str, None] | None:
        found = cls.first_alias(text)
        return (found[0], None) if found else None

    def find_in_text(self, text: str) -> tuple[str, Org | None] | None:
        """The first body a text names: (as written, the matched unit or None)."""
        found = self.first_alias(text)
        if found is None:
            return None
        return found[0], self._by_fragment(found[1])

    def suggest(self, name: str, n: int = 3) -> list[str]:
        key = normalize(name)
        names = [o.name for o in self.units] + [o.short_name for o in self.units if o.short_name]
        close = difflib.get_close_matches(key, names, n=n, cutoff=0.5)
        fragment = self.alias_fragment(key)
        if fragment:
            close = [o.name for o in self.units if fragment in o.name][:n] + close
        out = []
        for candidate in close:
            org = (
                self.by_name.get(normalize(candidate))
                or (self.by_short.get(normalize(candidate)) or [None])[0]
            )
            label = org.name if org else candidate
            if label not in out:
                out.append(label)
        return out[:n]

    def explain_miss(self, name: str) -> str:
        suggestions = self.suggest(name)
        hint = f",您是不是要找:{'、'.join(suggestions)}" if suggestions else ""
        return f"单位“{name}”在组织架构中未找到{hint}"
