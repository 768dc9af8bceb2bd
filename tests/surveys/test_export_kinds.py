"""The responses export names each response's kind (in Chinese, with its code in a coded export) and whether it counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.surveys import _print_text
from bot.db import transaction
from surveys import export, report, verification
from surveys.models import IN_PROGRESS, SurveyResponse
from tests.surveys.test_verification import NO, PUBLIC, YES, submit


def _five_kinds(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        submit(session, NO, "chat-1", "chat", None)
        submit(session, NO, "link-1", "link", None)
        submit(session, YES, "web-code", "web", verification.CODE)
        submit(session, YES, "web-pass", "web", verification.PASS)
        submit(session, YES, "flood-1", "web", verification.UNVERIFIED)
        submit(session, YES, None, "import", None)
        submit(session, YES, "chat-2", "chat", None)
    with transaction(factory) as session:  # a chat response still in progress does not count either
        session.execute(
            update(SurveyResponse).where(SurveyResponse.respondent_key == "chat-2").values(status=IN_PROGRESS)
        )


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_export_names_the_kind_of_each_response_and_whether_it_counts(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    _five_kinds(factory)
    with transaction(factory) as session:
        export.write_csv(session, PUBLIC, tmp_path / "labels.csv", wave=PUBLIC.wave)
        export.write_csv(session, PUBLIC, tmp_path / "codes.csv", wave=PUBLIC.wave, codes=True)
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, with_reach=False)
        export.write_xlsx(session, PUBLIC, tmp_path / "book.xlsx", report=data, wave=PUBLIC.wave)

    labels = _csv(tmp_path / "labels.csv")
    assert "kind_code" not in labels[0]
    assert [(r["kind"], r["official"]) for r in labels] == [
        ("聊天（公众号/Telegram/网页聊天）", "计入"),
        ("个人链接", "计入"),
        ("网页问卷（已核验：验证码或二维码）", "计入"),
        ("网页问卷（已核验：验证码或二维码）", "计入"),
        ("网页问卷（未核验）", "不计入"),
        ("导入文件", "计入"),
        ("聊天（公众号/Telegram/网页聊天）", "不计入"),  # not completed
    ]
    codes = _csv(tmp_path / "codes.csv")
    assert [(r["kind_code"], r["official"]) for r in codes] == [
        ("chat", "1"),
        ("link", "1"),
        ("web_verified", "1"),
        ("web_verified", "1"),
        ("web_unverified", "0"),
        ("import", "1"),
        ("chat", "0"),
    ]
    assert codes[4]["kind"] == "网页问卷（未核验）"  # the Chinese name stays beside the code
    assert sum(r["official"] == "计入" for r in labels) == data["n"] == 5  # the column agrees with the figures

    sheet = load_workbook(tmp_path / "book.xlsx")["回答"]
    rows = list(sheet.iter_rows(values_only=True))
    kind, official = rows[0].index("kind"), rows[0].index("official")
    assert [(r[kind], r[official]) for r in rows[1:]] == [
        (k, o) for k, o in ((r["kind"], r["official"]) for r in labels)
    ]
    summary = [r for r in load_workbook(tmp_path / "book.xlsx")["汇总"].iter_rows(values_only=True) if r[0]]
    assert ("网页问卷（未核验）", 1, "不计入") in [tuple(r[:3]) for r in summary]


def test_the_text_summary_says_which_kinds_the_figures_count(
    factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    _five_kinds(factory)
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, with_reach=False)
    _print_text(data)
    out = capsys.readouterr().out
    assert "问卷来源（正式统计只算“计入”的来源）" in out
    assert "网页问卷（未核验） 1 份（不计入）" in out and "网页问卷（已核验：验证码或二维码） 2 份（计入）" in out
