"""Hostile Office files: a small .xlsx or .docx whose XML inflates to tens of MB, and sheets that claim a huge size."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

MB = 1000 * 1000


def _rewrite(source: bytes, target: Path, member: str, head: bytes, repeated: bytes, tail: bytes, size: int) -> Path:
    """Copy the zip `source` to `target`, with `member` replaced by head + repeated… (about `size` bytes) + tail."""
    with zipfile.ZipFile(io.BytesIO(source)) as old, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as new:
        for info in old.infolist():
            if info.filename != member:
                new.writestr(info, old.read(info.filename))
                continue
            with new.open(member, "w", force_zip64=True) as out:
                out.write(head)
                block = repeated * max(1, (1 << 20) // max(len(repeated), 1))
                written = 0
                while repeated and written < size:
                    out.write(block)
                    written += len(block)
                out.write(tail)
    return target


def _workbook(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def xlsx_bomb(target: Path, header: list[str], row: list[str], *, size: int = 100 * MB) -> Path:
    """A valid .xlsx whose first sheet repeats `row` until its XML is about `size` bytes (a few hundred KB zipped)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{v}</t></is></c>' for v in row)
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        + "<row>"
        + "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
        + "</row>"
    )
    return _rewrite(
        _workbook([header]),
        target,
        "xl/worksheets/sheet1.xml",
        head.encode(),
        f"<row>{cells}</row>".encode(),
        b"</sheetData></worksheet>",
        size,
    )


def xlsx_claiming(
    target: Path, header: list[str], *, dimension: str | None, last_row: int | None = None, far_cell: str = ""
) -> Path:
    """A tiny .xlsx whose sheet declares `dimension` (e.g. "A1:B2"), has a lone cell at `last_row`, or at `far_cell`
    (e.g. "XFD1", in the header row)."""
    cells = "".join(f'<c t="inlineStr"><is><t>{h}</t></is></c>' for h in header)
    if far_cell:
        cells += f'<c r="{far_cell}" t="inlineStr"><is><t>x</t></is></c>'
    far = f'<row r="{last_row}"><c r="A{last_row}" t="inlineStr"><is><t>x</t></is></c></row>' if last_row else ""
    xml = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + (f'<dimension ref="{dimension}"/>' if dimension else "")
        + f'<sheetData><row r="1">{cells}</row>{far}</sheetData></worksheet>'
    )
    return _rewrite(_workbook([header]), target, "xl/worksheets/sheet1.xml", xml.encode(), b"", b"", 0)


def docx_bomb(target: Path, *, size: int = 100 * MB) -> Path:
    """A valid .docx whose body repeats one paragraph until its XML is about `size` bytes."""
    import docx

    buffer = io.BytesIO()
    docx.Document().save(buffer)
    head = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    )
    return _rewrite(
        buffer.getvalue(),
        target,
        "word/document.xml",
        head.encode(),
        "<w:p><w:r><w:t>新郑市无废城市建设实施方案</w:t></w:r></w:p>".encode(),
        b"</w:body></w:document>",
        size,
    )
