"""Excel export of the dashboard in the 台账 layout (``core.ledger``): scores and every finding with
its evidence (same numbers as the page). No rule codes: the finding's title names it."""

from __future__ import annotations

import datetime as dt

from core.ledger import Column, Ledger, ledger_bytes
from party.compliance import Finding, Score

SCORE_COLUMNS = [
    Column("名次", 6, "seq"),
    Column("党组织", 44),
    Column("类型", 12),
    Column("得分", 8, "number", "0.0"),
    Column("严重", 7, "int"),
    Column("一般", 7, "int"),
    Column("提示", 7, "int"),
]
FINDING_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("严重程度", 8),
    Column("问题", 20),
    Column("党组织", 34),
    Column("期间", 14),
    Column("原因", 44),
    Column("证据", 40),
    Column("建议措施", 30),
    Column("依据", 30),
]


def findings_workbook(
    org,
    quarter: str,
    scores: dict[int, Score],
    findings: list[Finding],
    *,
    maker: str = "",
    made_on: dt.date | None = None,
) -> bytes:
    ranked = sorted(
        (s for s in scores.values() if s.org.kind == "branch"), key=lambda s: (-s.score, s.org.path)
    )
    score_rows = [
        [
            rank,
            s.org.name,
            s.org.get_kind_display(),
            float(s.score),
            s.counts["high"],
            s.counts["medium"],
            s.counts["low"],
        ]
        for rank, s in enumerate(ranked, 1)
    ]
    finding_rows = [
        [
            seq,
            f.severity_label,
            f.title,
            f.org_name,
            f.period,
            f.reason,
            "\n".join(f.evidence),
            f.action,
            f.source,
        ]
        for seq, f in enumerate(findings, 1)
    ]
    common = {"unit": org.name, "period": quarter, "maker": maker, "made_on": made_on}
    return ledger_bytes(
        Ledger(
            title=f"{org.name} {quarter} 基层党组织考评",
            columns=SCORE_COLUMNS,
            rows=score_rows,
            sheet="得分排名",
            freeze_columns=2,
            **common,
        ),
        Ledger(
            title=f"{org.name} {quarter} 基层党组织问题清单",
            columns=FINDING_COLUMNS,
            rows=finding_rows,
            sheet="问题清单",
            freeze_columns=2,
            **common,
        ),
    )
