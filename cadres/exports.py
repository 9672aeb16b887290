"""The 能上能下 statistics as an Excel sheet in the office layout (``core.ledger``)."""

from __future__ import annotations

from core import kit
from core.ledger import Column, Ledger, ledger_bytes
from orgs.models import Org

from . import access
from .selectors import UP_COLUMNS, Statistics, UnitRow


def unit_of(user) -> Org | None:
    """The org of the holder's widest grant (the unit the sheet names)."""
    paths = access.holder_paths(user)
    return Org.objects.filter(path=paths[0]).first() if paths else None


def _values(row: UnitRow, seq) -> list:
    ups = [row.up.get(kind, 0) for kind in UP_COLUMNS]
    return [
        seq,
        row.unit,
        *ups,
        row.up_total,
        row.unsuitable,
        row.accountability_adjust,
        row.down_total,
        row.accountability_other,
    ]


def statistics_ledger(stats: Statistics, *, unit: str, maker) -> Ledger:
    columns = [
        Column("序号", 6, "seq"),
        Column("单位", 28),
        *[Column(kind.label, 10, "int") for kind in UP_COLUMNS],
        Column("能上合计", 10, "int"),
        Column("不适宜担任现职调整", 14, "int"),
        Column("问责(组织调整或者组织处理)", 16, "int"),
        Column("能下合计", 10, "int"),
        Column("其他问责(通报、诫勉、纪律处分)", 16, "int"),
    ]
    rows = [_values(row, i) for i, row in enumerate(stats.rows, start=1)]
    total = _values(stats.total, "")
    total[1] = "合计"
    return Ledger(
        title=f"领导干部能上能下情况统计表({stats.year}年)",
        columns=columns,
        rows=rows,
        unit=unit,
        period=f"{stats.year}年1月1日至{stats.year}年12月31日",
        maker=maker.display_name(),
        made_on=kit.today(),
        sheet="能上能下",
        notes=("能下:不适宜担任现职调整,及以组织调整或者组织处理方式问责的领导干部;已撤销的记录不计入。",),
        totals=total,
    )


def statistics_bytes(stats: Statistics, *, unit: str, maker) -> bytes:
    return ledger_bytes(statistics_ledger(stats, unit=unit, maker=maker))
