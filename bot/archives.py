"""Guards for reading Office files (.xlsx, .docx), which are zip archives: sizes, rows and time checked before parsing.

A 300 KB .xlsx can hold 100 MB of sheet XML; openpyxl and python-docx would inflate and parse all of it. `check_zip`
reads only the zip's directory and refuses a file whose members would unpack past a limit, or whose compression ratio
only a bomb reaches. `bounded_rows` stops a sheet at a row limit and a time budget; `sheet_rows` also ignores the
size a sheet declares (openpyxl would pad rows to it, or drop rows past it) and refuses rows wider than allowed.
Python's zipfile never yields more than a member's declared size (it fails the CRC check instead), so the directory's
figures are an upper bound we can trust. Files that are not zips are left to the reader, which reports them in its
own words. Not web or channel code: domain packages (surveys) may import it.
"""

from __future__ import annotations

import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

T = TypeVar("T")
MiB = 1024 * 1024
RATIO_FLOOR = MiB  # members smaller than this unpack to little whatever their ratio


class ArchiveRefused(ValueError):
    """The file would unpack or read past a limit; nothing of it was parsed."""


@dataclass(frozen=True)
class Limits:
    """How far one kind of file may unpack and how much of it is read."""

    kind: str  # "xlsx", "docx": named in the reasons
    max_unpacked: int  # bytes of all members together, as the zip directory declares them
    max_members: int
    max_ratio: float  # unpacked / packed size of any member larger than RATIO_FLOOR
    max_rows: int = 0  # rows of a sheet (0 = not a table)
    max_columns: int = 0
    seconds: float = 0.0  # time budget of reading the rows (0 = none)
    hint: str = ""  # what staff can do about it


# ordinary spreadsheets compress 5–30×, a repeated-row bomb about 1,000×; 64 MiB of sheet XML is some 40,000 rows of
# 50 answers (a 4–6 MiB file), and 100,000 rows is far more than a township survey collects: bigger files are split
XLSX = Limits("xlsx", max_unpacked=64 * MiB, max_members=1_000, max_ratio=200, max_rows=100_000, max_columns=512,
              seconds=60.0, hint="（请删去多余的工作表或空行，或分批导入）")  # fmt: skip
# a CSV is not an archive, only its rows are bounded (the request body cap bounds its size)
CSV = Limits("csv", max_unpacked=0, max_members=0, max_ratio=0, max_rows=100_000, seconds=60.0)
DOCX = Limits("docx", max_unpacked=32 * MiB, max_members=1_000, max_ratio=200,
              hint="（请压缩图片，或另存为 UTF-8 纯文本后导入）")  # a 方案 is a few MB of XML at most  # fmt: skip


def _size(n: int) -> str:
    return f"{n / MiB:.0f} MB" if n >= MiB else f"{n / 1024:.0f} KB"


def check_zip(source: str | Path | IO[bytes], limits: Limits, *, name: str = "") -> None:
    """Refuse (ArchiveRefused with a Chinese reason) an archive that would unpack past `limits`; non-zips pass."""
    label = f"{name}: " if name else ""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError):
        return  # not a zip at all: the reader says so in its own words
    finally:
        if not isinstance(source, (str, Path)):
            source.seek(0)
    if len(members) > limits.max_members:
        raise ArchiveRefused(
            f"{label}{limits.kind} 文件内含 {len(members)} 个部件，超过上限 {limits.max_members} 个，不予读取"
        )
    total = sum(m.file_size for m in members)
    if total > limits.max_unpacked:
        raise ArchiveRefused(
            f"{label}{limits.kind} 文件解压后有 {_size(total)}，超过上限 {_size(limits.max_unpacked)}，不予读取"
            + limits.hint
        )
    for m in members:
        if m.file_size > RATIO_FLOOR and m.file_size > limits.max_ratio * max(m.compress_size, 1):
            raise ArchiveRefused(
                f"{label}{limits.kind} 文件中的 {m.filename[:80]} 压缩比异常（{_size(m.compress_size)} 解压为"
                f" {_size(m.file_size)}），疑似压缩炸弹，不予读取"
            )


def bounded_rows(rows: Iterable[T], limits: Limits, *, name: str = "", first_line: int = 1) -> Iterator[T]:
    """Pass `rows` through; ArchiveRefused past `limits.max_rows` rows or `limits.seconds` spent reading them.

    Only the time inside the reader counts (not the caller's validation or database work between rows), so a slow
    database cannot make a good file fail, and a file that is slow to parse cannot hold a worker for long.
    """
    label = f"{name}: " if name else ""
    source = iter(rows)
    spent = 0.0
    count = first_line
    while True:
        started = time.monotonic()
        try:
            row = next(source)
        except StopIteration:
            return
        spent += time.monotonic() - started
        if limits.max_rows and count > limits.max_rows:
            raise ArchiveRefused(f"{label}超过 {limits.max_rows} 行的上限，请分批导入")
        if limits.seconds and spent > limits.seconds:
            raise ArchiveRefused(f"{label}读取超过 {limits.seconds:g} 秒仍未读完（读到第 {count} 行），请分批导入")
        count += 1
        yield row


def sheet_rows(sheet: Any, limits: Limits, *, name: str = "") -> Iterator[tuple[Any, ...]]:
    """The values of a read-only openpyxl sheet, row by row, within the row, column and time limits."""
    # the sheet's own <dimension> is not trusted either way: too big, openpyxl pads every row to it; too small, it
    # silently drops the rows past it. Without it each row is as wide as its last cell, and we count what is there.
    sheet.reset_dimensions()
    values = sheet.iter_rows(values_only=True, max_row=limits.max_rows + 2)  # stop one row past the limit
    return bounded_rows(_narrow(values, limits, f"{name}: " if name else ""), limits, name=name, first_line=0)


def _narrow(rows: Iterable[tuple[Any, ...]], limits: Limits, label: str) -> Iterator[tuple[Any, ...]]:
    for row in rows:
        if len(row) > limits.max_columns:  # a cell at column XFD makes openpyxl build a 16,384-wide row
            raise ArchiveRefused(f"{label}工作表有 {len(row)} 列，超过上限 {limits.max_columns} 列")
        yield row
