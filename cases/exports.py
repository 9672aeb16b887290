"""Excel 台账 of the monthly evaluation: the same ``evaluate`` numbers as the page."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from core.tabular import workbook_bytes

from .evaluation import GROUPS, RATE_LABELS, RATES, UnitScore, weights_for

HEADERS = [
    "名次",
    "单位",
    "结案数",
    "有效回访",
    *[RATE_LABELS[r] for r in RATES],
    "派遣(主办)",
    "退单(不成立)",
    "综合得分",
]


def row_values(row: UnitScore) -> list:
    rates = [None if row.rates[r] is None else round(row.rates[r] * 100, 2) for r in RATES]
    return [
        row.rank or "—",
        row.unit.name,
        row.closed,
        row.callbacks,
        *rates,
        row.dispatched,
        row.returned,
        row.score if row.score is not None else "—",
    ]


def ranking_workbook(month: dt.date, tables: dict[str, list[UnitScore]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    weights = weights_for(month)
    for group, rows in tables.items():
        sheet = workbook.create_sheet(GROUPS[group].replace("/", "、"))  # "/" is not allowed in sheet names
        sheet.append([f"{month:%Y年%m月} {GROUPS[group]}网格事项办理考核"])
        sheet["A1"].font = Font(bold=True, size=14)
        sheet.append(
            [
                f"权重:响应率{weights.response} 解决率{weights.resolution} 满意率{weights.satisfaction} "
                f"按期结案率{weights.on_time} 返工率{weights.rework} 退单率{weights.returns};"
                f"基本满意折算{weights.basic_satisfied_factor};比率单位为%"
            ]
        )
        sheet.append(HEADERS)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in rows:
            sheet.append(row_values(row))
        for index, header in enumerate(HEADERS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = 28 if header == "单位" else 12
        sheet.freeze_panes = "C4"
    return workbook_bytes(workbook)
