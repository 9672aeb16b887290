"""Reading rule parameters (规则参数) as of a day and for an org.

``Rules.load(day)`` reads the whole (small) table once; ``rules.get(code, org)`` returns the
version in force on ``day``: a local override set on the org or its nearest ancestor beats the
national default, and among versions the latest ``effective_from`` not after ``day`` wins.
Findings quote ``rules.param(code)`` for the rule's source.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from party.rules.models import RuleParameter


class MissingRule(LookupError):
    pass


@dataclass
class Rules:
    day: datetime.date
    rows: dict[str, list[RuleParameter]]

    @classmethod
    def load(cls, day: datetime.date) -> Rules:
        rows: dict[str, list[RuleParameter]] = {}
        for row in RuleParameter.objects.filter(effective_from__lte=day).order_by("-effective_from", "-pk"):
            rows.setdefault(row.code, []).append(row)
        return cls(day, rows)

    def param(self, code: str, org=None) -> RuleParameter:
        versions = self.rows.get(code)
        if not versions:
            raise MissingRule(f"规则参数 {code} 未设置(请在管理后台“规则参数”中补充)")
        if org is not None:
            path = org.path if hasattr(org, "path") else str(org)
            local = [r for r in versions if r.org_path and path.startswith(r.org_path)]
            if local:
                # Most specific org first, then the latest version.
                return max(local, key=lambda r: (len(r.org_path), r.effective_from))
        national = [r for r in versions if not r.org_path]
        if not national:
            raise MissingRule(f"规则参数 {code} 没有全国默认值")
        return national[0]

    def get(self, code: str, org=None):
        return self.param(code, org).typed_value()

    def source(self, code: str, org=None) -> str:
        return self.param(code, org).source
