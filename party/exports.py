"""Excel export of the dashboard: scores and every finding with its evidence (same numbers as the page)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from core.tabular import workbook_bytes
from party.compliance import Finding, Score


def findings_workbook(org, quarter: str, scores: dict[int, Score], findings: list[Finding]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "得分排名"
    sheet.append([f"{org.name} {quarter} 基层党组织考评"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["名次", "党组织", "类型", "得分", "严重", "一般", "提示"])
    rows = sorted(
        (s for s in scores.values() if s.org.kind == "branch"), key=lambda s: (-s.score, s.org.path)
    )
    for rank, s in enumerate(rows, 1):
        sheet.append(
            [
                rank,
                s.org.name,
                s.org.get_kind_display(),
                float(s.score),
                s.counts["high"],
                s.counts["medium"],
                s.counts["low"],
            ]
        )
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["B"].width = 48
    detail = book.create_sheet("问题清单")
    # No rule code (an internal identifier) on an official output; the 依据 column is for the
    # organization department, who download this workbook (their pages show it in a help panel).
    detail.append(["严重程度", "问题", "党组织", "期间", "原因", "证据", "建议措施", "依据"])
    for cell in detail[1]:
        cell.font = Font(bold=True)
    for f in findings:
        detail.append(
            [
                f.severity_label,
                f.title,
                f.org_name,
                f.period,
                f.reason,
                "\n".join(f.evidence),
                f.action,
                f.source,
            ]
        )
    for column, width in zip("ABCDEFGH", (8, 20, 44, 14, 60, 50, 40, 40), strict=True):
        detail.column_dimensions[column].width = width
    for row in detail.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return workbook_bytes(book)
