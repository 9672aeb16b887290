"""台账: Excel ledgers in the layout offices file and print (one writer for every export).

A ledger sheet, top to bottom:

1. the title (标题), merged across every column, 黑体 16pt bold, centred;
2. 填报单位 (left half) and 统计期间 (right half);
3. optional note rows (e.g. the weights of a ranking), merged across;
4. the header row (表头): bold, wrapped, bordered, shaded; the panes are frozen below it and it is
   repeated on every printed page (打印标题);
5. the data rows, bordered, each column with its number format (dates ``yyyy-mm-dd``, percentages
   ``0.0%`` stored as numbers, integers, money ``#,##0.00``);
6. an optional totals row (合计), then the footer: 制表人 (left) and 制表日期 (right).

Print setup: A4 landscape, fit to one page wide, print area = the whole table, page footer
``第 &P 页 共 &N 页``.

``Ledger(...).workbook()`` / ``ledger_bytes(*ledgers)`` build the file (several ledgers → several
sheets); ``workbook_bytes`` of ``core.tabular`` neutralizes formula-like text as for every export.
Importers find the header row below the title block with ``find_header_row`` and stop at the
footer (``is_footer_row``), so an exported ledger re-imports.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from .tabular import workbook_bytes

TITLE_FONT = "黑体"
BODY_FONT = "宋体"
HEADER_FILL = "D9E1F2"
MAKER_LABEL = "制表人"
MADE_ON_LABEL = "制表日期"
UNIT_LABEL = "填报单位"
PERIOD_LABEL = "统计期间"
TOTAL_LABEL = "合计"
PAGE_FOOTER = "第 &P 页 共 &N 页"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column kinds and their number formats.
FORMATS = {
    "text": "General",
    "code": "@",  # numbers kept as text (工单号, 身份证号 …)
    "seq": "0",
    "int": "0",
    "number": "0.00",
    "money": "#,##0.00",
    "percent": "0.0%",  # the value is a fraction: 0.78 → 78.0%
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm",
}
NUMERIC_KINDS = {"seq", "int", "number", "money", "percent"}
CENTRED_KINDS = {"seq", "date", "datetime", "code"}

_THIN = Side(style="thin", color="000000")
BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


@dataclass(frozen=True)
class Column:
    """One column: its header, width (characters), kind (a key of ``FORMATS``) and, if the kind's
    format is not wanted, an explicit ``number_format``."""

    header: str
    width: float = 12
    kind: str = "text"
    number_format: str | None = None

    @property
    def format(self) -> str:
        return self.number_format or FORMATS[self.kind]


@dataclass(frozen=True)
class Cell:
    """A value with a highlight (``fill``, an RGB hex) or a note (``comment``)."""

    value: Any
    fill: str = ""
    comment: str = ""


@dataclass
class Ledger:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]
    unit: str = ""
    period: str = ""
    maker: str = ""
    made_on: dt.date | None = None
    sheet: str = "台账"
    notes: Sequence[str] = ()
    totals: Sequence[Any] | None = None
    freeze_columns: int = 0
    written: dict[str, int] = field(default_factory=dict, repr=False)

    @property
    def header_row(self) -> int:
        return 3 + len(self.notes)

    def workbook(self) -> Workbook:
        book = Workbook()
        self.write(book.active)
        return book

    def write(self, sheet: Worksheet) -> Worksheet:
        """Lay the ledger out on ``sheet``; ``self.written`` then holds the row numbers
        (``header``, ``first``, ``last`` data row, ``footer``)."""
        sheet.title = _sheet_title(self.sheet)
        width = len(self.columns)
        last = get_column_letter(width)
        self._title_block(sheet, width)
        header = self.header_row
        for index, column in enumerate(self.columns, start=1):
            cell = sheet.cell(row=header, column=index, value=column.header)
            cell.font = Font(name=BODY_FONT, size=11, bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.border = BORDER
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            sheet.column_dimensions[get_column_letter(index)].width = column.width
        sheet.row_dimensions[header].height = 30
        row_number = header
        for values in self.rows:
            row_number += 1
            self._data_row(sheet, row_number, values)
        first = header + 1
        if self.totals is not None:
            row_number += 1
            self._data_row(sheet, row_number, self.totals, bold=True)
        footer = row_number + 1
        self._footer(sheet, footer, width)
        sheet.freeze_panes = f"{get_column_letter(self.freeze_columns + 1)}{header + 1}"
        self._print_setup(sheet, f"A1:{last}{footer}", header)
        self.written = {"header": header, "first": first, "last": row_number, "footer": footer}
        return sheet

    # -- parts ----------------------------------------------------------------------------------

    def _title_block(self, sheet: Worksheet, width: int) -> None:
        sheet.cell(row=1, column=1, value=self.title)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
        title = sheet.cell(row=1, column=1)
        title.font = Font(name=TITLE_FONT, size=16, bold=True)
        title.alignment = Alignment(horizontal="center", vertical="center")
        sheet.row_dimensions[1].height = 32
        self._pair(
            sheet,
            2,
            width,
            f"{UNIT_LABEL}:{self.unit}" if self.unit else "",
            f"{PERIOD_LABEL}:{self.period}" if self.period else "",
        )
        for offset, note in enumerate(self.notes):
            row = 3 + offset
            sheet.cell(row=row, column=1, value=note).font = Font(name=BODY_FONT, size=10)
            sheet.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="center")
            if width > 1:
                sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)

    def _footer(self, sheet: Worksheet, row: int, width: int) -> None:
        made_on = self.made_on.isoformat() if self.made_on else ""
        self._pair(sheet, row, width, f"{MAKER_LABEL}:{self.maker}", f"{MADE_ON_LABEL}:{made_on}")

    @staticmethod
    def _pair(sheet: Worksheet, row: int, width: int, left: str, right: str) -> None:
        """``left`` over the left half of the row, ``right`` (right-aligned) over the rest."""
        split = max(1, width // 2)
        sheet.cell(row=row, column=1, value=left or None).font = Font(name=BODY_FONT, size=11)
        sheet.cell(row=row, column=1).alignment = Alignment(horizontal="left", vertical="center")
        if split > 1:
            sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=split)
        if width > split:
            cell = sheet.cell(row=row, column=split + 1, value=right or None)
            cell.font = Font(name=BODY_FONT, size=11)
            cell.alignment = Alignment(horizontal="right", vertical="center")
            if width > split + 1:
                sheet.merge_cells(start_row=row, start_column=split + 1, end_row=row, end_column=width)
        elif right:  # a one-column ledger: both texts in the one cell
            sheet.cell(row=row, column=1).value = " ".join(t for t in (left, right) if t)

    def _data_row(self, sheet: Worksheet, row: int, values: Sequence[Any], bold: bool = False) -> None:
        for index, column in enumerate(self.columns, start=1):
            raw = values[index - 1] if index - 1 < len(values) else None
            extra = raw if isinstance(raw, Cell) else None
            value = cell_value(extra.value if extra else raw, column.kind)
            cell = sheet.cell(row=row, column=index, value=value)
            cell.border = BORDER
            cell.font = Font(name=BODY_FONT, size=10, bold=bold)
            if not isinstance(value, str) or column.kind == "code":
                cell.number_format = column.format
            horizontal = "center" if column.kind in CENTRED_KINDS else None
            if column.kind in NUMBER_ALIGN and not isinstance(value, str):
                horizontal = "right"
            cell.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
            if extra and extra.fill:
                cell.fill = PatternFill("solid", fgColor=extra.fill)
            if extra and extra.comment:
                cell.comment = Comment(extra.comment, "落实")

    @staticmethod
    def _print_setup(sheet: Worksheet, area: str, header: int) -> None:
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.print_options.horizontalCentered = True
        sheet.page_margins.left = sheet.page_margins.right = 0.5
        sheet.page_margins.top = sheet.page_margins.bottom = 0.6
        sheet.print_title_rows = f"{header}:{header}"
        sheet.print_area = area
        sheet.oddFooter.center.text = PAGE_FOOTER
        sheet.evenFooter.center.text = PAGE_FOOTER


NUMBER_ALIGN = NUMERIC_KINDS - {"seq"}


def cell_value(value: Any, kind: str = "text") -> Any:
    """A value openpyxl can store: Decimals → float for numeric kinds, aware datetimes → local
    wall time (Excel has no time zones), ``None`` → empty."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        if kind == "date":
            return value.date()
        return value
    if kind == "code" and isinstance(value, int | float):
        return str(value)
    return value


def percent(value: Any) -> float | None:
    """A percentage number (78 or Decimal("78.0")) as the fraction a ``percent`` column stores."""
    if value is None or value == "":
        return None
    return round(float(value) / 100, 4)


def as_of(day: dt.date) -> str:
    """统计期间 of a snapshot ledger: 截至2026年12月7日."""
    return f"截至{day.year}年{day.month}月{day.day}日"


def _sheet_title(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, "、")
    return text[:31] or "台账"


def ledger_workbook(*ledgers: Ledger) -> Workbook:
    book = Workbook()
    book.remove(book.active)
    for ledger in ledgers:
        ledger.write(book.create_sheet())
    return book


def ledger_bytes(*ledgers: Ledger) -> bytes:
    """The .xlsx file of ``ledgers`` (one sheet each), formula-like text neutralized."""
    return workbook_bytes(ledger_workbook(*ledgers))


def xlsx_response(data: bytes, filename: str):
    """An attachment response for ``data`` named ``filename`` (Chinese names allowed)."""
    from urllib.parse import quote

    from django.http import HttpResponse

    response = HttpResponse(data, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


# -- reading a ledger back ----------------------------------------------------------------------


def is_footer_row(values: Sequence[Any]) -> bool:
    """The 制表人/制表日期 footer (or any row whose first filled cell starts with 制表人)."""
    for value in values:
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        return isinstance(value, str) and value.strip().startswith((MAKER_LABEL, MADE_ON_LABEL))
    return False


def find_header_row(rows: Sequence[Sequence[Any]], is_header) -> int:
    """The 0-based index of the header among the first ``rows`` (a title block may come first):
    the first row with a cell ``is_header`` accepts; 0 if there is none."""
    for index, values in enumerate(rows):
        if any(is_header(value) for value in values if value is not None):
            return index
    return 0
