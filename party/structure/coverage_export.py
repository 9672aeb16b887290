"""Excel of the 两新组织 coverage and 党建联盟 figures in the office 台账 layout (``core.ledger``)."""

from __future__ import annotations

import datetime as dt

from core.ledger import Column, Ledger, ledger_bytes
from party.structure.coverage import Coverage

FIGURE_COLUMNS = [
    Column("类别", 12),
    Column("总数", 8, "int"),
    Column("有党员", 8, "int"),
    Column("正式党员≥3人", 12, "int"),
    Column("其中已单独建立", 14, "int"),
    Column("党员1-2人", 10, "int"),
    Column("其中已联合建立", 14, "int"),
    Column("建立党组织(有形覆盖)", 18, "int"),
    Column("选派党建指导员", 14, "int"),
    Column("工作覆盖", 10, "int"),
    Column("有效覆盖", 10, "int"),
    Column("存在缺口", 10, "int"),
]
UNIT_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("单位名称", 36),
    Column("类型", 10),
    Column("党员数", 8, "int"),
    Column("正式党员", 8, "int"),
    Column("类别", 14),
    Column("覆盖党组织", 36),
    Column("覆盖方式", 10),
    Column("党建指导员", 16),
    Column("近12个月组织生活", 16),
    Column("缺口", 30),
]
ALLIANCE_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("党组织", 34),
    Column("联盟名称", 24),
    Column("成员单位", 30),
    Column("成员类型", 14),
    Column("加入日期", 12, "date"),
    Column("共建事项", 30),
]
NOTES = (
    "口径:两新组织指辖区内非公企业和社会组织;党员数按本人所在单位统计的正常党员;正式党员3人以上应单独建立党组织;"
    "有形覆盖指单独建立或纳入联合党支部;有效覆盖指已覆盖且覆盖党组织近12个月内开展过组织生活。",
)


def coverage_workbook(report: Coverage, *, maker: str = "", made_on: dt.date | None = None) -> bytes:
    unit = report.area.name if report.area else report.org.name
    period = f"截至{report.day:%Y年%m月%d日}"
    figure_rows = [
        [
            label,
            f["total"],
            f["with_members"],
            f["own_size"],
            f["own_built"],
            f["joint_size"],
            f["joint_covered"],
            f["covered"],
            f["instructor"],
            f["work_covered"],
            f["effective"],
            f["gaps"],
        ]
        for label, f in report.rows_by_kind
    ]
    unit_rows = [
        [
            seq,
            u.unit.name,
            u.unit.get_kind_display(),
            u.members,
            u.formal,
            u.size_label,
            u.covering.name if u.covering else "",
            "单独建立" if u.own_org else ("联合党支部" if u.joint_org else ""),
            "、".join(u.instructors),
            "已开展" if u.life else ("未开展" if u.covered else ""),
            u.gap,
        ]
        for seq, u in enumerate(report.units, 1)
    ]
    alliance_rows = [
        [
            seq,
            link.org.name,
            link.alliance,
            link.partner.name,
            link.get_partner_kind_display(),
            link.joined_on,
            link.note,
        ]
        for seq, link in enumerate(report.alliances, 1)
    ]
    common = {"unit": unit, "period": period, "maker": maker, "made_on": made_on}
    return ledger_bytes(
        Ledger(
            title=f"{unit}两新组织党建覆盖情况统计表",
            columns=FIGURE_COLUMNS,
            rows=figure_rows,
            sheet="覆盖情况",
            notes=NOTES,
            **common,
        ),
        Ledger(
            title=f"{unit}两新组织党建覆盖明细",
            columns=UNIT_COLUMNS,
            rows=unit_rows,
            sheet="单位明细",
            freeze_columns=2,
            **common,
        ),
        Ledger(
            title=f"{unit}党建联盟成员单位",
            columns=ALLIANCE_COLUMNS,
            rows=alliance_rows,
            sheet="党建联盟",
            **common,
        ),
    )
