"""Excel 台账 of cases (``core.ledger`` layout): the monthly evaluation (same ``evaluate`` numbers
as the rankings page) and the filtered case list (网格事项台账, the columns of a 12345 台账)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from core.ledger import Column, Ledger, as_of, ledger_bytes
from core.privacy import mask_id_number, mask_phone

from .evaluation import GROUPS, RATE_LABELS, RATES, UnitScore, weights_for
from .models import Case

RANKING_COLUMNS = [
    Column("名次", 6, "seq"),
    Column("单位", 28),
    Column("结案数", 8, "int"),
    Column("有效回访", 9, "int"),
    *[Column(RATE_LABELS[r], 10, "percent") for r in RATES],
    Column("派遣(主办)", 10, "int"),
    Column("退单(不成立)", 11, "int"),
    Column("被催办次数", 10, "int"),
    Column("综合得分", 10, "number"),
]
HEADERS = [column.header for column in RANKING_COLUMNS]


def row_values(row: UnitScore) -> list:
    rates = [None if row.rates[r] is None else round(row.rates[r], 4) for r in RATES]
    return [
        row.rank or "—",
        row.unit.name,
        row.closed,
        row.callbacks,
        *rates,
        row.dispatched,
        row.returned,
        row.urged,
        row.score if row.score is not None else "—",
    ]


def ranking_workbook(
    month: dt.date,
    tables: dict[str, list[UnitScore]],
    *,
    unit: str = "",
    maker: str = "",
    made_on: dt.date | None = None,
) -> bytes:
    weights = weights_for(month)
    note = (
        f"权重:响应率{weights.response} 解决率{weights.resolution} 满意率{weights.satisfaction} "
        f"按期结案率{weights.on_time} 返工率{weights.rework} 退单率{weights.returns};"
        f"基本满意折算{weights.basic_satisfied_factor}"
    )
    ledgers = [
        Ledger(
            title=f"{month:%Y年%m月} {GROUPS[group]}网格事项办理考核",
            columns=RANKING_COLUMNS,
            rows=[row_values(row) for row in rows],
            unit=unit,
            period=f"{month:%Y年%m月}",
            maker=maker,
            made_on=made_on,
            sheet=GROUPS[group],
            notes=[note],
            freeze_columns=2,
        )
        for group, rows in tables.items()
    ]
    return ledger_bytes(*ledgers)


# ---------------------------------------------------------------------------------------------
# The case list (网格事项台账)

CASE_COLUMNS = [
    Column("序号", 6, "seq"),
    Column("事项编号", 16, "code"),
    Column("12345工单号", 16, "code"),
    Column("反映时间", 16, "datetime"),
    Column("来源", 10),
    Column("类别", 16),
    Column("问题描述", 44),
    Column("地点", 24),
    Column("责任单位", 18),
    Column("状态", 9),
    Column("时限", 16, "datetime"),
    Column("办结时间", 16, "datetime"),
    Column("满意度", 9),
]
MAX_CASE_ROWS = 20000

# Phone and ID numbers a description may carry (masked like everywhere else).
_ID_RE = re.compile(r"(?<![0-9])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<![0-9])1[3-9]\d{9}(?![0-9])")
_LANDLINE_RE = re.compile(r"(?<![0-9])0\d{2,3}-?\d{7,8}(?![0-9])")


def mask_text(text: str) -> str:
    """Free text with ID numbers (身份证号) and phone numbers masked."""
    text = _ID_RE.sub(lambda m: mask_id_number(m.group()), text or "")
    text = _MOBILE_RE.sub(lambda m: mask_phone(m.group()), text)
    return _LANDLINE_RE.sub(lambda m: mask_phone(m.group().replace("-", "")), text)


def case_row(seq: int, case: Case) -> list:
    description = case.title
    if case.description and case.description != case.title:
        description = f"{case.title}:{case.description}"
    return [
        seq,
        case.number,
        case.ticket_number,
        case.created_at,
        case.get_channel_display(),
        str(case.category) if case.category_id else "",
        mask_text(description),
        mask_text(case.address),
        case.lead_unit.name if case.lead_unit_id else "",
        case.get_status_display(),
        case.handle_due_at or case.due_at,
        case.closed_at,
        case.get_rating_satisfaction_display() if case.rating_satisfaction else "",
    ]


def case_list_workbook(
    cases: Iterable[Case],
    *,
    total: int,
    filters: str = "",
    unit: str = "",
    maker: str = "",
    made_on: dt.date | None = None,
) -> bytes:
    """The 台账 of the (scoped, filtered, ordered) case list, at most ``MAX_CASE_ROWS`` rows."""
    rows = (case_row(seq, case) for seq, case in enumerate(cases, start=1))
    notes = []
    if filters:
        notes.append(f"筛选条件:{filters}")
    if total > MAX_CASE_ROWS:
        notes.append(f"共 {total} 件,本表列出前 {MAX_CASE_ROWS} 件;请缩小筛选范围后分批导出")
    ledger = Ledger(
        title="网格事项台账",
        columns=CASE_COLUMNS,
        rows=rows,
        unit=unit,
        period=as_of(made_on) if made_on else "",
        maker=maker,
        made_on=made_on,
        notes=notes,
        freeze_columns=2,
    )
    return ledger_bytes(ledger)
