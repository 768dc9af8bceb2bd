"""Reading tabular files (CSV in UTF-8 or GBK, XLSX) as a header and numbered rows of strings."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from bot.archives import CSV, XLSX, bounded_rows, check_zip, sheet_rows

Row = dict[str, str]


def read_table(path: Path) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    """The header (stripped) and an iterator of (line number, row) pairs; ValueError for other formats."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _csv(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx(path)
    raise ValueError(f"{path.name}: 只支持 .csv 或 .xlsx 文件")


def _csv(path: Path) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise ValueError(f"{path.name}: 无法识别文件编码（请另存为 UTF-8）")
    reader = csv.reader(io.StringIO(content, newline=""))
    try:
        header = [h.strip() for h in next(reader, [])]
    except csv.Error as exc:  # a field over the csv module's 128 KiB limit …
        raise ValueError(f"{path.name}: 表头无法读取（{exc}）") from exc

    def rows() -> Iterator[tuple[int, Row]]:
        try:
            for line, values in enumerate(bounded_rows(reader, CSV, name=path.name), 2):
                if not any(v.strip() for v in values):
                    continue
                yield line, {h: (values[i].strip() if i < len(values) else "") for i, h in enumerate(header) if h}
        except csv.Error as exc:
            raise ValueError(f"{path.name}: 第 {reader.line_num} 行无法读取（{exc}）") from exc

    return header, rows()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat()
    return str(value).strip()


def _xlsx(path: Path) -> tuple[list[str], Iterator[tuple[int, Row]]]:
    from openpyxl import load_workbook

    check_zip(path, XLSX, name=path.name)  # a zip bomb is refused before openpyxl inflates it
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a broken file
        raise ValueError(f"{path.name}: 不是有效的 xlsx 文件（{type(exc).__name__}）") from exc
    try:
        values = sheet_rows(book.worksheets[0], XLSX, name=path.name)  # row, column and time limits
    except ValueError:
        book.close()
        raise
    header = [_cell(h) for h in next(values, ())]

    def rows() -> Iterator[tuple[int, Row]]:
        try:
            for line, row in enumerate(values, 2):
                cells = [_cell(v) for v in row]
                if not any(cells):
                    continue
                yield line, {h: (cells[i] if i < len(cells) else "") for i, h in enumerate(header) if h}
        finally:
            book.close()

    return header, rows()
