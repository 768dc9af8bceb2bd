"""Readers for the documents staff upload or name on the command line: Word (.docx) text and CSV/XLSX tables.

Shared by the `wufei` commands and the admin API; python-docx and openpyxl are imported only when a file is read.
Every archive is checked for zip bombs before it is inflated (bot.archives).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path

from bot.archives import CSV, DOCX, XLSX, bounded_rows, check_zip, sheet_rows


class DocxError(ValueError):
    """The .docx file could not be read."""


def read_docx(path: Path) -> str:
    """The text of a Word document, one paragraph per line (tables row by row), as the plan parser expects."""
    if not path.exists():
        raise FileNotFoundError(path)
    return _docx(str(path))


def docx_text(data: bytes) -> str:
    """The text of a Word document given as bytes (an upload)."""
    return _docx(io.BytesIO(data))


def _docx(source: str | io.BytesIO) -> str:
    import docx  # python-docx, only needed for this command

    check_zip(source, DOCX)  # ArchiveRefused for a zip bomb, before python-docx inflates and parses it
    try:
        document = docx.Document(source)
    except Exception as exc:  # python-docx raises several types for a broken or foreign file
        raise DocxError(str(exc)) from exc
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append("  ".join(cell.text.strip() for cell in row.cells))
    return "\n".join(lines)


def read_table(path: Path) -> Iterator[dict[str, object]]:
    """Rows of a CSV (UTF-8, with or without BOM) or XLSX file (first sheet), keyed by the header row."""
    if not path.exists():
        raise ValueError(f"找不到文件：{path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        check_zip(path, XLSX, name=path.name)  # a zip bomb is refused before openpyxl inflates it
        try:
            book = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:
            raise ValueError(f"无法读取 Excel 文件：{exc}") from exc
        it = sheet_rows(book.worksheets[0], XLSX, name=path.name)  # row, column and time limits
        header = [str(h or "").strip() for h in next(it, ())]
        for values in it:
            yield {
                h: (v.date().isoformat() if isinstance(v, dt.datetime) else v)
                for h, v in zip(header, values, strict=False)
            }
        book.close()
        return
    if path.suffix.lower() != ".csv":
        raise ValueError("只支持 .csv 和 .xlsx 文件")
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            yield from bounded_rows(csv.DictReader(fh), CSV, name=path.name)  # 100,000 rows at most
    except UnicodeDecodeError as exc:
        raise ValueError("CSV 文件需要 UTF-8 编码（Excel 另存为“CSV UTF-8”）") from exc
