"""bot.archives: zip bombs, oversize sheets and slow reads are refused before openpyxl or python-docx parse them."""

from __future__ import annotations

import argparse
import io
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session, sessionmaker

from bot.archives import DOCX, XLSX, ArchiveRefused, Limits, bounded_rows, check_zip, sheet_rows
from bot.cli import plans as cli_plans
from bot.config import Settings
from bot.db import session_factory
from bot.web.app import create_app
from tests.support.admin import make_staff
from tests.support.bombs import MB, docx_bomb, xlsx_bomb, xlsx_claiming

HEADER = ["publicity", "satisfaction"]


@pytest.fixture(scope="module")
def bombs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Built once: a 100 MB-of-XML .xlsx and .docx, and a 40 MB one (under the size cap, over the ratio)."""
    folder = tmp_path_factory.mktemp("bombs")
    return {
        "xlsx": xlsx_bomb(folder / "big.xlsx", HEADER, ["aware", "satisfied"]),
        "dense": xlsx_bomb(folder / "dense.xlsx", HEADER, ["aware", "satisfied"], size=40 * MB),
        "docx": docx_bomb(folder / "plan.docx"),
    }


def test_an_ordinary_workbook_passes_and_reads_whole(tmp_path: Path) -> None:
    book = Workbook()
    for i in range(2000):
        book.active.append([f"第{i}行", i, "满意"])
    path = tmp_path / "ok.xlsx"
    book.save(path)
    check_zip(path, XLSX)
    rows = list(sheet_rows(load_workbook(path, read_only=True).worksheets[0], XLSX))
    assert len(rows) == 2000 and rows[-1] == ("第1999行", 1999, "满意")


def test_a_zip_bomb_is_refused_from_the_directory_alone(bombs: dict[str, Path]) -> None:
    start = time.monotonic()
    with pytest.raises(ArchiveRefused, match=r"big.xlsx: xlsx 文件解压后有 9\d MB，超过上限 64 MB"):
        check_zip(bombs["xlsx"], XLSX, name="big.xlsx")
    with pytest.raises(ArchiveRefused, match="压缩比异常"):
        check_zip(bombs["dense"], XLSX)  # 38 MB unpacked is allowed, but ~250:1 only a bomb reaches
    with pytest.raises(ArchiveRefused, match=r"docx 文件解压后有 9\d MB，超过上限 32 MB"):
        check_zip(io.BytesIO(bombs["docx"].read_bytes()), DOCX)
    assert time.monotonic() - start < 3  # milliseconds when the machine is idle


def test_too_many_members_and_non_zips(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(1001):
            archive.writestr(f"x/{i}.xml", "<a/>")
    with pytest.raises(ArchiveRefused, match="1001 个部件"):
        check_zip(path, XLSX)
    check_zip(io.BytesIO(b"not a zip"), XLSX)  # the reader reports it in its own words


def _rows(path: Path) -> list[tuple[object, ...]]:
    return list(sheet_rows(load_workbook(path, read_only=True).worksheets[0], XLSX))


def test_a_lone_cell_a_million_rows_down_stops_at_the_row_limit(tmp_path: Path) -> None:
    path = xlsx_claiming(tmp_path / "far.xlsx", HEADER, dimension=None, last_row=1_000_000)
    check_zip(path, XLSX)  # a few hundred bytes: the directory is innocent
    start = time.monotonic()
    with pytest.raises(ArchiveRefused, match="超过 100000 行的上限"):
        _rows(path)
    assert time.monotonic() - start < 10


def test_a_cell_at_column_xfd_is_refused_before_rows_of_16384_cells_pile_up(tmp_path: Path) -> None:
    with pytest.raises(ArchiveRefused, match="16384 列，超过上限 512 列"):
        _rows(xlsx_claiming(tmp_path / "far.xlsx", HEADER, dimension=None, far_cell="XFD1"))
    with pytest.raises(ArchiveRefused, match="603 列，超过上限 512 列"):
        _rows(xlsx_claiming(tmp_path / "wide.xlsx", [*HEADER, *[""] * 600, "far"], dimension=None))


def test_the_size_a_sheet_declares_is_not_trusted_either_way(tmp_path: Path) -> None:
    big = xlsx_claiming(tmp_path / "big.xlsx", HEADER, dimension="A1:XFD1048576")
    assert _rows(big) == [tuple(HEADER)]  # not one row padded to 16,384 cells, nor a million empty rows
    book = Workbook()
    for i in range(5):
        book.active.append([f"r{i}", i])
    path = tmp_path / "small.xlsx"
    book.save(path)
    with zipfile.ZipFile(path) as archive:
        parts = {n: archive.read(n) for n in archive.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = sheet.replace('<dimension ref="A1:B5"/>', '<dimension ref="A1:B2"/>').encode()
    with zipfile.ZipFile(path, "w") as archive:
        for n, data in parts.items():
            archive.writestr(n, data)
    assert len(_rows(path)) == 5  # openpyxl alone stops at the declared second row


def test_reading_stops_at_the_time_budget() -> None:
    def slow() -> Iterator[int]:
        while True:
            time.sleep(0.0001)
            yield 1

    start = time.monotonic()
    with pytest.raises(ArchiveRefused, match=r"读取超过 0\.2 秒仍未读完"):
        list(bounded_rows(slow(), Limits("xlsx", 1, 1, 1, max_rows=10**9, seconds=0.2)))
    assert time.monotonic() - start < 3


def _ns(**kw: object) -> argparse.Namespace:
    return argparse.Namespace(**{"city": None, **kw})


def test_kb_ingest_refuses_a_docx_bomb(
    factory: sessionmaker[Session], bombs: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    start = time.monotonic()
    assert cli_plans.cmd_ingest(_ns(file=str(bombs["docx"])), factory) == 2
    assert "MB，超过上限 32 MB" in capsys.readouterr().err
    assert time.monotonic() - start < 5


def test_the_plan_upload_refuses_a_docx_bomb(settings: Settings, bombs: dict[str, Path]) -> None:
    with TestClient(create_app(settings)) as client:
        staff = make_staff(session_factory(settings.db_url), "方案员", "staff")
        r = client.post(
            "/api/admin/plans",
            files={"file": ("方案.docx", bombs["docx"].read_bytes(), "application/octet-stream")},
            headers=staff.headers,
        )
    assert r.status_code == 422 and "方案.docx: docx 文件解压后有 9" in r.json()["detail"], r.text


def test_a_csv_past_the_row_limit_is_refused_by_both_readers(tmp_path: Path) -> None:
    from bot.documents import read_table as read_cells
    from surveys.tables import read_table as read_answers

    at_limit, over = tmp_path / "at.csv", tmp_path / "over.csv"
    rows = "".join("1,2\n" for _ in range(100_000))
    at_limit.write_text("a,b\n" + rows, encoding="utf-8")
    over.write_text("a,b\n" + rows + "1,2\n", encoding="utf-8")
    assert sum(1 for _ in read_answers(at_limit)[1]) == 100_000
    assert sum(1 for _ in read_cells(at_limit)) == 100_000
    with pytest.raises(ArchiveRefused, match=r"over\.csv: 超过 100000 行的上限，请分批导入"):
        list(read_answers(over)[1])
    with pytest.raises(ArchiveRefused, match=r"over\.csv: 超过 100000 行的上限，请分批导入"):
        list(read_cells(over))
