"""Reading rule parameters (规则参数) as of a day and for an org.

``Rules.load(day)`` reads the whole (small) table once per process and change: the rows are kept
with a stamp of the table (row count, last id, last ``changed_at``) and read again only when one
query for that stamp says the table changed — a service that loads the rules per item (a village
roster, a development step) pays one aggregate query, not a few hundred model instances.
``rules.get(code, org)`` ``rules.get(code, org)`` returns the
version in force on ``day``: a local override set on the org or its nearest ancestor beats the
national default, and among versions the latest ``effective_from`` not after ``day`` wins.
Findings quote ``rules.param(code)`` for the rule's source.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import connections, router
from django.db.models import Count, Max

from party.rules.models import RuleParameter

# database alias -> (stamp, every row, newest version first). Rows are shared between loads: read only.
_TABLE: dict[str, tuple[tuple, list[RuleParameter]]] = {}


def forget(**kwargs) -> None:
    """Drop this process's copy (connected to RuleParameter's post_save/post_delete in apps.py): a
    change in this process is seen at once, whatever the clock says; other processes see the stamp."""
    _TABLE.clear()


def _all_rows() -> list[RuleParameter]:
    alias = router.db_for_read(RuleParameter)
    stamp_row = RuleParameter.objects.using(alias).aggregate(
        n=Count("pk"), last=Max("pk"), changed=Max("changed_at")
    )
    # the connection object too: a test database or a reconnect to another server is another table
    stamp = (id(connections[alias].connection), stamp_row["n"], stamp_row["last"], stamp_row["changed"])
    cached = _TABLE.get(alias)
    if cached is None or cached[0] != stamp:
        rows = list(RuleParameter.objects.using(alias).order_by("-effective_from", "-pk"))
        cached = _TABLE[alias] = (stamp, rows)
    return cached[1]


class MissingRule(LookupError):
    pass


@dataclass
class Rules:
    day: datetime.date
    rows: dict[str, list[RuleParameter]]

    @classmethod
    def load(cls, day: datetime.date) -> Rules:
        rows: dict[str, list[RuleParameter]] = {}
        for row in _all_rows():
            if row.effective_from <= day:
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
