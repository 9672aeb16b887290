"""Spreadsheet exports that cannot carry formulas (CSV/formula injection).

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return may be run as
a formula by Excel or LibreOffice (``=HYPERLINK("http://x","y")``). Every CSV and Excel export goes
through this module:

- CSV: ``csv_writer(buffer)`` writes such text with a leading ``'`` (the text stays readable;
  spreadsheet programs show it without the quote);
- Excel (openpyxl): ``workbook_bytes(book)`` saves the workbook after ``neutralize_workbook`` has
  turned every such cell into a plain string cell (data type ``s``) with Excel's quote prefix
  (``quotePrefix``), so Excel shows the text, not a formula. Numbers are left alone.
"""

from __future__ import annotations

import csv
import io

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def neutralize(value):
    """The CSV form of a cell: formula-like text gets a leading ``'``; anything else is unchanged."""
    return f"'{value}" if is_formula_like(value) else value


class SafeWriter:
    """A ``csv.writer`` whose rows are neutralized (same ``writerow``/``writerows``)."""

    def __init__(self, buffer, **kwargs):
        self._writer = csv.writer(buffer, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([neutralize(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(buffer, **kwargs) -> SafeWriter:
    return SafeWriter(buffer, **kwargs)


def neutralize_workbook(book) -> None:
    """Every formula-like text cell of every sheet becomes a quoted plain string cell."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if is_formula_like(cell.value):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def workbook_bytes(book) -> bytes:
    """Save an openpyxl workbook to bytes, neutralized."""
    neutralize_workbook(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
