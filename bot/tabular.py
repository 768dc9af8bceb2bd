"""Spreadsheet-safe tables: every CSV and XLSX export is written here, so nothing a resident or a login form typed
reaches Excel or WPS as a live formula (OWASP "CSV injection": a text cell starting with = + - @ tab or CR gets a `'`).

Imports nothing else of ours, so domain packages (`surveys`, `campaigns`) may use it like `bot.db`; openpyxl is imported
only when a workbook is written (it would otherwise slow every `wufei` command down).
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl.workbook.workbook import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
BOM = "\ufeff"
# Characters an XLSX file cannot hold (openpyxl refuses the whole workbook over one of them): C0 controls but tab, LF, CR.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Text openpyxl would store as an error value rather than as text (openpyxl.cell.cell.ERROR_CODES).
ERROR_VALUES = frozenset(("#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A"))


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cell: text that a spreadsheet would run as a formula gets a leading `'`; numbers,
    dates and None are returned unchanged (a real negative number stays a number)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return QUOTE + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    """Every cell of a row through `safe_cell` (inlined: exports call this for every cell)."""
    return [QUOTE + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]


class CsvWriter:
    """A `csv.writer` whose every cell goes through `safe_cell` (the only way exports write CSV)."""

    def __init__(self, handle: IO[str]) -> None:
        self._writer = csv.writer(handle)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one escaped row."""
        self._writer.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write escaped rows."""
        self._writer.writerows(safe_row(row) for row in rows)


def csv_writer(handle: IO[str], *, bom: bool = False) -> CsvWriter:
    """A safe CSV writer on `handle`; `bom` first writes the UTF-8 byte-order mark so Excel reads the Chinese."""
    if bom:
        handle.write(BOM)
    return CsvWriter(handle)


def write_csv(rows: Iterable[Iterable[Any]], header: Iterable[Any], handle: IO[str], *, bom: bool = True) -> int:
    """Write the header and the rows as safe CSV (with a BOM unless told otherwise); returns the number of rows."""
    writer = csv_writer(handle, bom=bom)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


class XlsxSheet:
    """A write-only sheet whose text cells are always stored as text: escaped, never a formula or an error value."""

    def __init__(self, sheet: WriteOnlyWorksheet) -> None:
        self._sheet = sheet

    def _cell(self, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = safe_cell(XLSX_ILLEGAL.sub("", value))
        if text not in ERROR_VALUES:
            return text  # escaped, so openpyxl stores it as text (it makes a formula only of a leading "=")
        from openpyxl.cell import WriteOnlyCell

        cell = WriteOnlyCell(self._sheet, value=text)
        cell.data_type = "s"  # "#N/A" typed by a resident is text, not an error value
        return cell

    def append(self, row: Iterable[Any]) -> None:
        """Add one row (an empty row for `[]`)."""
        self._sheet.append([self._cell(value) for value in row])


class XlsxBook:
    """A write-only (streaming) workbook made of `XlsxSheet`s: the only way exports write XLSX."""

    def __init__(self) -> None:
        from openpyxl import Workbook

        self._book: Workbook = Workbook(write_only=True)

    def sheet(self, title: str) -> XlsxSheet:
        """A new sheet at the end (titles longer than Excel's 31 characters are cut)."""
        return XlsxSheet(self._book.create_sheet(title[:31]))

    def save(self, out: Path | IO[bytes]) -> None:
        """Write the workbook to a path or a binary file."""
        self._book.save(out)
