"""The shared spreadsheet writer: OWASP formula escaping in CSV and XLSX, and no export that bypasses it."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import tabular

ATTACKS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]
HARMLESS = ["希望多些回收点", "a=b", "1-2", "'=already", "", "#hashtag", "email@x.cn"]
ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "campaigns", "surveys", "knowledge")
# Writing a spreadsheet anywhere but bot/tabular.py would skip the escaping.
BYPASS = re.compile(r"\bcsv\.(writer|DictWriter)\(|\bWorkbook\(|\.create_sheet\(")


@pytest.mark.parametrize("text", ATTACKS)
def test_text_a_spreadsheet_would_run_gets_a_leading_quote(text: str) -> None:
    assert tabular.safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, -2, -2.5, 0, 3, None, True])
def test_other_text_and_every_number_stay_as_they_are(value: object) -> None:
    assert tabular.safe_cell(value) == value and type(tabular.safe_cell(value)) is type(value)


def test_csv_reads_back_escaped_with_a_bom_and_counts_rows() -> None:
    out = io.StringIO()
    rows = [[i, text, -i] for i, text in enumerate([*ATTACKS, *HARMLESS])]
    assert tabular.write_csv(rows, ["n", "text", "neg"], out) == len(rows)
    raw = out.getvalue()
    assert raw.startswith("\ufeffn,text,neg\r\n")
    back = list(csv.reader(io.StringIO(raw.removeprefix("\ufeff"), newline="")))
    assert [r[1] for r in back[1 : len(ATTACKS) + 1]] == ["'" + a for a in ATTACKS]
    assert [r[1] for r in back[len(ATTACKS) + 1 :]] == HARMLESS
    assert back[2][2] == "-1"  # a real negative number is written as a number, not escaped
    plain = io.StringIO()
    tabular.write_csv([], ["=h"], plain, bom=False)
    assert plain.getvalue() == "'=h\r\n"


def test_xlsx_stores_every_text_as_text_and_numbers_as_numbers(tmp_path: Path) -> None:
    book = tabular.XlsxBook()
    sheet = book.sheet("回答" * 20)  # too long for Excel: cut to 31 characters
    sheet.append(["text", "number"])
    harmless = [h for h in HARMLESS if h]
    for text in [*ATTACKS, *harmless, "#N/A", "#DIV/0!", "bell\x07 and nul\x00"]:
        sheet.append([text, -2])
    sheet.append([])
    book.save(tmp_path / "out.xlsx")
    read = load_workbook(tmp_path / "out.xlsx")
    (title,) = read.sheetnames
    assert len(title) == 31
    cells = [row for row in read[title].iter_rows(min_row=2) if row[1].value is not None]
    assert all(c.data_type == "s" for c, _ in cells)  # never "f" (formula) nor "e" (error value)
    assert all(n.value == -2 and n.data_type == "n" for _, n in cells)
    texts = [c.value for c, _ in cells]
    assert texts[: len(ATTACKS)] == ["'" + a for a in ATTACKS]
    assert texts[len(ATTACKS) :] == [*harmless, "#N/A", "#DIV/0!", "bell and nul"]
    with zipfile.ZipFile(tmp_path / "out.xlsx") as raw:
        assert not re.search(rb"<f[ >]", raw.read("xl/worksheets/sheet1.xml"))


def test_no_export_writes_csv_or_xlsx_around_the_shared_writer() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != ROOT / "bot" / "tabular.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BYPASS.search(line)
    ]
    assert offenders == [], "write CSV/XLSX through bot.tabular (csv_writer, write_csv, XlsxBook):\n" + "\n".join(
        offenders
    )
