"""The 台账 writer: title block, header, number formats, print setup, footer, re-reading."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from openpyxl import load_workbook

from core.ledger import Cell, Column, Ledger, find_header_row, is_footer_row, ledger_bytes, percent

COLUMNS = [
    Column("序号", 6, "seq"),
    Column("事项", 30),
    Column("时限", 12, "date"),
    Column("进度", 9, "percent"),
    Column("金额(元)", 12, "money"),
    Column("件数", 8, "int"),
]


def _ledger(**kwargs):
    rows = [
        [1, "修路", dt.date(2026, 12, 31), percent(Decimal("78.0")), Decimal("12.5"), 3],
        [
            2,
            '=HYPERLINK("x")',
            dt.datetime(2026, 12, 1, 9, 30, tzinfo=dt.UTC),
            percent(100),
            Cell(20, fill="F8D7DA", comment="代交"),
            0,
        ],
    ]
    defaults = dict(
        title="测试台账",
        columns=COLUMNS,
        rows=rows,
        unit="区委办公室",
        period="2026年12月",
        maker="张三",
        made_on=dt.date(2026, 12, 7),
        sheet="台账",
    )
    defaults.update(kwargs)
    return Ledger(**defaults)


def _sheet(*ledgers):
    return load_workbook(io.BytesIO(ledger_bytes(*ledgers))).active


def test_title_block_header_and_footer():
    sheet = _sheet(_ledger())
    assert sheet["A1"].value == "测试台账"
    assert "A1:F1" in {str(r) for r in sheet.merged_cells.ranges}
    assert sheet["A1"].font.b and sheet["A1"].font.sz == 16 and sheet["A1"].font.name == "黑体"
    assert sheet["A1"].alignment.horizontal == "center"
    assert sheet["A2"].value == "填报单位:区委办公室"
    assert sheet["D2"].value == "统计期间:2026年12月"
    assert [c.value for c in sheet[3]] == [c.header for c in COLUMNS]
    assert all(c.font.b and c.border.left.style == "thin" for c in sheet[3])
    assert sheet["A6"].value == "制表人:张三"
    assert sheet["D6"].value == "制表日期:2026-12-07"
    assert sheet.freeze_panes == "A4"
    assert sheet.column_dimensions["B"].width == 30


def test_number_formats_store_numbers():
    sheet = _sheet(_ledger())
    assert sheet["C4"].number_format == "yyyy-mm-dd"
    assert sheet["C4"].value.date() == dt.date(2026, 12, 31)
    assert sheet["C5"].value.date() == dt.date(2026, 12, 1)  # an aware datetime: its local day
    assert sheet["C5"].value.hour == 0
    assert sheet["D4"].number_format == "0.0%"
    assert isinstance(sheet["D4"].value, float) and sheet["D4"].value == 0.78
    assert sheet["D5"].value == 1.0
    assert sheet["E4"].number_format == "#,##0.00" and sheet["E4"].value == 12.5
    assert sheet["F4"].number_format == "0" and sheet["F5"].value == 0
    assert sheet["A5"].value == 2 and sheet["A5"].border.bottom.style == "thin"
    assert sheet["E5"].fill.fgColor.rgb.endswith("F8D7DA") and sheet["E5"].comment.text == "代交"


def test_formula_like_text_stays_text():
    sheet = _sheet(_ledger())
    assert sheet["B5"].data_type == "s" and sheet["B5"].quotePrefix


def test_print_setup():
    sheet = _sheet(_ledger())
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == 9
    assert int(sheet.page_setup.fitToWidth) == 1 and int(sheet.page_setup.fitToHeight) == 0
    assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert sheet.print_title_rows == "$3:$3"
    assert sheet.print_area == "'台账'!$A$1:$F$6"
    assert sheet.oddFooter.center.text == "第 &P 页 共 &N 页"


def test_notes_totals_and_several_sheets():
    first = _ledger(notes=["说明:比率单位为%"], totals=["合计", None, None, None, 32.5, 3], sheet="一/二")
    second = _ledger(rows=[], sheet="空表", freeze_columns=2)
    book = load_workbook(io.BytesIO(ledger_bytes(first, second)))
    assert book.sheetnames == ["一、二", "空表"]
    one = book["一、二"]
    assert one["A3"].value == "说明:比率单位为%"
    assert [c.value for c in one[4]][:2] == ["序号", "事项"]
    assert one.freeze_panes == "A5" and one.print_title_rows == "$4:$4"
    assert one["A7"].value == "合计" and one["A7"].font.b and one["E7"].value == 32.5
    assert one["A8"].value == "制表人:张三"
    empty = book["空表"]
    assert empty["A4"].value == "制表人:张三" and empty.freeze_panes == "C4"
    assert first.written == {"header": 4, "first": 5, "last": 7, "footer": 8}


def test_reading_back_helpers():
    rows = list(_sheet(_ledger()).iter_rows(values_only=True))
    assert find_header_row(rows[:10], lambda v: v == "事项") == 2
    assert find_header_row(rows[:10], lambda v: v == "没有") == 0
    assert is_footer_row(rows[5]) and not is_footer_row(rows[3]) and not is_footer_row((None, None))


def test_importers_read_a_ledger_below_its_title_block():
    """``orgs.imports.read_sheet`` (every Excel import) finds the header under the title block,
    numbers rows as Excel does and stops at the 制表人 footer."""
    from orgs.imports import Column as ImportColumn
    from orgs.imports import read_sheet

    data = ledger_bytes(_ledger(notes=["说明"]))
    columns = [ImportColumn(c.header, c.header == "事项", "") for c in COLUMNS]
    sheet = read_sheet(io.BytesIO(data), columns)
    assert [(number, cells["事项"]) for number, cells in sheet.rows] == [(5, "修路"), (6, '=HYPERLINK("x")')]
    assert sheet.col("事项") == "B(事项)"


def test_as_of():
    from core.ledger import as_of

    assert as_of(dt.date(2026, 12, 7)) == "截至2026年12月7日"
