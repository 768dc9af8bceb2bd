"""Imports (good and bad files, all-or-nothing), SQL tallies against known answers, exports read back, CLI."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from surveys import export, report
from surveys.definition import load_surveys
from surveys.importer import import_file
from surveys.models import SurveyResponse

NOW = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]
HEADER = [
    "序号",
    "publicity",
    "participation",
    "satisfaction",
    "township",
    "age_band",
    "identity",
    "comment",
    "submitted_at",
]
GOOD = [
    [
        "1",
        "参加过培训或活动",
        "垃圾分类投放┋光盘行动",
        "满意",
        "新郑·和庄镇",
        "30–44岁",
        "居民",
        "",
        "2025/06/01 10:00:00",
    ],
    ["2", "2", "1|4", "比较满意", "xz_xinyan", "a18_29", "学生", "好", ""],
    ["3", "没有接触过", "都没有", "不清楚", "新密·青屏街道", "5", "其他", "", ""],
    ["4", "看到或听到过宣传", "减塑", "一般", "新密·青屏街道", "5", "居民", "", ""],
]
BAD = [
    ["5", "也许", "1", "满意", "新郑·和庄镇", "1", "居民", "", ""],
    ["6", "1", "1,6", "满意", "新郑·和庄镇", "1", "居民", "", "昨天"],
    ["7", "1", "1", "", "新郑·和庄镇", "1", "居民", "", ""],
]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def count(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(SurveyResponse)) or 0)


def test_a_file_with_bad_rows_imports_nothing_and_reports_every_bad_row(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "mixed.csv", GOOD + BAD)
    with transaction(factory) as session:
        result = import_file(session, PUBLIC, path, now=NOW)
    assert [line for line, _ in result.bad] == [6, 7, 8]
    reasons = dict(result.bad)
    assert "publicity" in reasons[6]
    assert "都没有" in reasons[7] and "submitted_at" in reasons[7]
    assert "satisfaction" in reasons[8] and "需要回答" in reasons[8]
    assert result.ignored_columns == ["序号"] and not result.committed
    assert count(factory) == 0
    with transaction(factory) as session:
        result = import_file(session, PUBLIC, path, now=NOW, skip_bad=True)
    assert result.imported == 4 and result.committed
    assert count(factory) == 4


def test_imported_answers_tally_to_hand_counted_indicators(factory: sessionmaker[Session], tmp_path: Path) -> None:
    path = write_csv(tmp_path / "good.csv", GOOD)
    with transaction(factory) as session:
        assert import_file(session, PUBLIC, path, now=NOW).imported == 4
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"])
    by_key = {i["key"]: i for i in data["indicators"]}
    assert data["n"] == 4
    assert (by_key["publicity"]["numerator"], by_key["publicity"]["denominator"]) == (3, 4)
    assert (by_key["participation"]["numerator"], by_key["participation"]["denominator"]) == (3, 4)
    sat = by_key["satisfaction"]
    assert (sat["numerator"], sat["denominator"], sat["excluded"]) == (2, 3, 1)
    assert sat["score"] == pytest.approx((100 + 80 + 60) / 3, abs=0.01)
    assert "score" not in by_key["publicity"]
    qingping = {i["key"]: i for i in data["breakdown"]["township"]["新密·青屏街道"]}
    assert (qingping["publicity"]["numerator"], qingping["publicity"]["denominator"]) == (1, 2)
    with transaction(factory) as session:
        first = session.execute(select(SurveyResponse).order_by(SurveyResponse.id)).scalars().first()
        assert first is not None and first.completed_at == dt.datetime(2025, 6, 1, 2, 0, tzinfo=dt.UTC)
        assert first.source == "import" and first.respondent_key is None


def test_exports_read_back_as_csv_and_xlsx(factory: sessionmaker[Session], tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [HEADER, *GOOD]:
        sheet.append(row)
    book.save(tmp_path / "in.xlsx")
    with transaction(factory) as session:
        assert import_file(session, PUBLIC, tmp_path / "in.xlsx", now=NOW).imported == 4
    with transaction(factory) as session:
        export.write_csv(session, PUBLIC, tmp_path / "labels.csv", wave=None)
        export.write_csv(session, PUBLIC, tmp_path / "codes.csv", wave=None, codes=True)
        data = report.build(session, PUBLIC, wave=None, by=["age_band"])
        export.write_xlsx(session, PUBLIC, tmp_path / "out.xlsx", report=data, wave=None)
    with (tmp_path / "labels.csv").open(encoding="utf-8-sig") as handle:
        labels = list(csv.DictReader(handle))
    with (tmp_path / "codes.csv").open(encoding="utf-8-sig") as handle:
        codes = list(csv.DictReader(handle))
    assert labels[0]["participation"] == "垃圾分类投放┋光盘行动" and codes[0]["participation"] == "sorting┋clean_plate"
    assert labels[2]["township"] == "新密·青屏街道" and codes[2]["township"] == "xm_qingping"
    assert "resident_id" not in labels[0] and "respondent_key" not in labels[0]
    # an export imports again unchanged (round trip)
    with transaction(factory) as session:
        again = import_file(session, PUBLIC, tmp_path / "codes.csv", now=NOW)
    assert again.bad == [] and again.imported == 4
    workbook = load_workbook(tmp_path / "out.xlsx", read_only=True)
    assert workbook.sheetnames == ["汇总", "按age_band", "回答"]
    summary = [list(r) for r in workbook["汇总"].iter_rows(values_only=True)]
    names = [r[0] for r in summary[3:6]]
    assert names == ["宣传教育培训普及率", "建设参与度", "建设成效满意度"]
    assert summary[3][1] == pytest.approx(0.75) and "Wilson" in str(summary[3][12])
    assert len(list(workbook["回答"].iter_rows())) == 1 + 4


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "WUFEI_DATA_DIR": str(tmp_path / "data"),
        "WUFEI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "WUFEI_LOG_LEVEL": "WARNING",
    }


def wufei(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env, timeout=180
    )


def test_cli_import_export_and_indicators(env: dict[str, str], tmp_path: Path) -> None:
    bad = wufei(env, "survey", "import", str(write_csv(tmp_path / "bad.csv", GOOD + BAD)))
    assert bad.returncode == 1 and "第 6 行" in bad.stderr and "未导入任何数据" in bad.stderr
    good = wufei(env, "survey", "import", str(write_csv(tmp_path / "good.csv", GOOD)))
    assert good.returncode == 0 and "已导入 4 份" in good.stdout, good.stderr
    listed = wufei(env, "survey", "list")
    assert "public" in listed.stdout and "completed 4" in listed.stdout
    shown = wufei(env, "indicators")
    assert shown.returncode == 0 and "宣传教育培训普及率：75.0%" in shown.stdout and "计算方法" in shown.stdout
    as_json = json.loads(wufei(env, "indicators", "--json", "--by", "identity").stdout)
    assert as_json["survey"] == "public" and as_json["n"] == 4
    assert {i["key"] for i in as_json["indicators"]} == {"publicity", "participation", "satisfaction"}
    assert set(as_json["breakdown"]["identity"]) == {"居民", "学生", "其他"}
    weights = tmp_path / "pop.csv"
    weights.write_text("township,population\n新郑·和庄镇,100\nxz_xinyan,100\n新密·青屏街道,200\n", encoding="utf-8")
    weighted = json.loads(wufei(env, "indicators", "--json", "--weighted", "--weights", str(weights)).stdout)
    pub = next(i for i in weighted["indicators"] if i["key"] == "publicity")
    assert pub["weighted"] and pub["rate"] == pytest.approx(0.25 * 1 + 0.25 * 1 + 0.5 * 0.5)
    no_weights = wufei(env, "indicators", "--weighted")
    assert no_weights.returncode == 2 and "权重文件" in no_weights.stderr
    out = tmp_path / "out.xlsx"
    exported = wufei(env, "survey", "export", "--format", "xlsx", str(out))
    assert exported.returncode == 0 and out.is_file() and "计算方法" in exported.stdout
    missing = wufei(env, "survey", "import", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2 and "找不到文件" in missing.stderr
    unknown = wufei(env, "indicators", "--survey", "nope")
    assert unknown.returncode == 2 and "没有问卷" in unknown.stderr


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)"]


def test_formulas_in_answers_are_text_in_every_export_and_the_escape_is_stable(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    rows = [[str(n), "2", "1", "满意", "新郑·和庄镇", "5", "居民", f, ""] for n, f in enumerate(FORMULAS, 1)]
    with transaction(factory) as session:
        assert import_file(session, PUBLIC, write_csv(tmp_path / "in.csv", rows), now=NOW).imported == 4
    with transaction(factory) as session:
        export.write_csv(session, PUBLIC, tmp_path / "codes.csv", wave=None, codes=True)
        data = report.build(session, PUBLIC, wave=None)
        export.write_xlsx(session, PUBLIC, tmp_path / "out.xlsx", report=data, wave=None, codes=True)
    escaped = ["'" + f for f in FORMULAS]
    with (tmp_path / "codes.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [row["comment"] for row in csv.DictReader(handle)] == escaped
    book = load_workbook(tmp_path / "out.xlsx")
    assert [c.coordinate for s in book.worksheets for row in s.iter_rows() for c in row if c.data_type == "f"] == []
    answers = [[c.value for c in row] for row in book["回答"].iter_rows()]
    column = answers[0].index("comment")
    assert [row[column] for row in answers[1:]] == escaped
    # an export imported again keeps the quote once: exporting it again gives the same text, not "''=…"
    with transaction(factory) as session:
        assert import_file(session, PUBLIC, tmp_path / "codes.csv", now=NOW).imported == 4
        export.write_csv(session, PUBLIC, tmp_path / "again.csv", wave=None, codes=True)
    with (tmp_path / "again.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [row["comment"] for row in csv.DictReader(handle)] == escaped * 2
