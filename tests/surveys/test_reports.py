"""Reports: breakdown by 无废细胞 type, campaign reach beside the figures, every export format read back, the
`wufei survey import SURVEY_ID FILE --map` and `wufei indicators SURVEY_ID --format …` commands, and the
scheduled expiry of idle chat surveys."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import CampaignSettings, Settings, SurveySettings
from bot.db import session_factory, transaction, utcnow
from bot.scheduler import CampaignScheduler
from campaigns.models import Campaign, CampaignRun, Cell, CellMember, Delivery
from surveys import chart, export, flow, html_report, links, report
from surveys.definition import load_surveys
from surveys.models import EXPIRED, IN_PROGRESS, SurveyResponse
from tests.support.campaigns import add_residents

NOW = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]
YES = {"publicity": ["trained"], "participation": ["sorting"], "satisfaction": ["satisfied"]}
NO = {"publicity": ["none"], "participation": ["none"], "satisfaction": ["dissatisfied"]}


def add_cell(session: Session, name: str, kind: str, members: list[int]) -> None:
    cell = Cell(type=kind, name=name, township="新郑·和庄镇", status="申报", status_at=NOW, history=[], created_at=NOW)
    session.add(cell)
    session.flush()
    for rid in members:
        session.add(CellMember(cell_id=cell.id, resident_id=rid, via="import", joined_at=NOW))


def answer(session: Session, answers: dict[str, list[str]], resident_id: int | None, key: str | None) -> None:
    stored = flow.submit(
        session, PUBLIC, answers, key=key, resident_id=resident_id, channel="web", source="web", now=NOW
    )
    assert stored is not None


def test_breakdown_by_cell_type_counts_each_residents_cell_types(factory: sessionmaker[Session]) -> None:
    school, both, none = add_residents(factory, 3, now=NOW)
    with transaction(factory) as session:
        add_cell(session, "和庄一中", "学校", [school, both])
        add_cell(session, "和庄二中", "学校", [both])  # two cells of one type: counted once under 学校
        add_cell(session, "和庄社区", "社区", [both])
        answer(session, YES, school, "k1")
        answer(session, NO, both, "k2")
        answer(session, YES, none, "k3")
        answer(session, NO, None, None)  # imported: no resident
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, by=["cell_type"])
    rates = {value: items[0]["rate"] for value, items in data["breakdown"]["cell_type"].items()}
    counts = {value: items[0]["denominator"] for value, items in data["breakdown"]["cell_type"].items()}
    assert rates == {"学校": 0.5, "社区": 0.0, "未加入": 1.0, "（未关联居民：匿名或导入）": 0.0}
    assert counts == {"学校": 2, "社区": 1, "未加入": 1, "（未关联居民：匿名或导入）": 1}
    assert data["indicators"][0]["denominator"] == 4  # the overall figures are not affected by the join


def test_reach_counts_residents_with_a_sent_push_apart_from_the_survey(factory: sessionmaker[Session]) -> None:
    ids = add_residents(factory, 5, now=NOW)
    with transaction(factory) as session:
        campaign = Campaign(
            name="宣传",
            text="t",
            channels=["web"],
            schedule_kind="now",
            state="finished",
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(campaign)
        session.flush()
        run = CampaignRun(campaign_id=campaign.id, due_at=NOW, state="done", created_at=NOW)
        session.add(run)
        session.flush()
        for rid, state in zip(ids, ["sent", "sent", "failed", "skipped", "pending"], strict=True):
            session.add(
                Delivery(
                    campaign_id=campaign.id, run_id=run.id, resident_id=rid, channel="web", state=state,
                    next_attempt_at=NOW, created_at=NOW, updated_at=NOW,
                )
            )  # fmt: skip
        answer(session, YES, ids[0], "k1")
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave)
    reach = data["reach"]
    assert (reach["residents_reached"], reach["residents_total"], reach["share"]) == (2, 5, 0.4)
    assert "不是调查指标" in reach["label"] and "不同的口径" in reach["note"]
    page = html_report.render_html(data)
    assert "宣传推送覆盖人数" in page and "<b>2</b> 人" in page


def test_exports_of_one_report_read_back(factory: sessionmaker[Session], tmp_path: Path) -> None:
    add_residents(factory, 1, now=NOW)
    with transaction(factory) as session:
        for i in range(9):
            answer(session, {**YES, "township": ["xz_hezhuang"]}, None, f"y{i}")
        answer(session, {**NO, "township": ["xm_qingping"], "satisfaction": ["unsure"]}, None, "n")
    with transaction(factory) as session:
        data = report.build(session, PUBLIC, wave=PUBLIC.wave, by=["township"])
        export.write_xlsx(session, PUBLIC, tmp_path / "r.xlsx", report=data, wave=PUBLIC.wave)
    buffer = io.StringIO()
    assert export.write_indicators_csv(data, buffer) == 3 + 2 * 3
    rows = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    overall = {r["key"]: r for r in rows if r["dimension"] == "全部"}
    assert overall["publicity"]["rate"] == "0.9" and overall["publicity"]["met"] == "1"
    assert overall["satisfaction"]["excluded"] == "1" and overall["satisfaction"]["denominator"] == "9"
    assert {r["value"] for r in rows if r["dimension"] == "township"} == {"新郑·和庄镇", "新密·青屏街道"}
    book = load_workbook(tmp_path / "r.xlsx", read_only=True)
    assert book.sheetnames == ["汇总", "按township", "回答"]
    summary = [list(r) for r in book["汇总"].iter_rows(values_only=True)]
    assert summary[3][0] == "宣传教育培训普及率" and summary[3][1] == pytest.approx(0.9)
    assert any(r and r[0] == data["reach"]["label"] for r in summary)
    png = chart.render_png(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    page = html_report.render_html(data, chart_png=png)
    assert page.startswith("<!doctype html>") and 'lang="zh-CN"' in page and "data:image/png;base64," in page
    assert "90.0%" in page and "计算方法" in page and "按 乡镇（街道） 分组" in page and "@media print" in page


def test_idle_chat_surveys_are_expired_by_the_scheduler_tick(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    quiet = settings.model_copy(
        update={"surveys": SurveySettings(expire_hours=2), "campaigns": CampaignSettings(scheduler=False)}
    )
    with transaction(factory) as session:
        for key, at in (("old", NOW - dt.timedelta(hours=3)), ("fresh", NOW - dt.timedelta(minutes=30))):
            response = flow.begin(session, PUBLIC, key=key, resident_id=None, channel="web", source="chat", now=at)
            flow.take_answer(session, PUBLIC, response, "1", at)
    scheduler = CampaignScheduler(quiet, factory, senders={}, clock=lambda: NOW)
    scheduler.tick()
    with transaction(factory) as session:
        states = dict(session.execute(select(SurveyResponse.respondent_key, SurveyResponse.status)).all())
        old = session.execute(select(SurveyResponse).where(SurveyResponse.respondent_key == "old")).scalar_one()
        assert flow.answers_of(session, old) == {"publicity": ["trained"]}  # partial answers kept
    assert states == {"old": EXPIRED, "fresh": IN_PROGRESS}


# ---- the command line -------------------------------------------------------------------------------------------

WJX_HEADER = [
    "序号",
    "提交答卷时间",
    "1、您是否接触过“无废城市”的宣传、教育或培训？",
    "2、您参与过下面哪些行动？",
    "3、您对本地“无废城市”建设的成效满意吗？",
    "4、您住在哪个乡镇或街道？",
    "5、您的年龄段是？",
    "6、您的身份是？",
]
WJX_ROWS = [
    [
        "1",
        "2025/6/1 10:00:00",
        "参加过培训或活动",
        "垃圾分类投放┋光盘行动",
        "非常满意",
        "新郑·和庄镇",
        "30–44岁",
        "居民",
    ],
    ["2", "2025/6/1 10:05:00", "看到或听到过宣传", "减少使用塑料制品", "比较满意", "新密·青屏街道", "18–29岁", "学生"],
    ["3", "2025/6/1 10:09:00", "没有接触过", "以上都没有", "说不好", "新密·青屏街道", "30–44岁", "居民"],
]
WJX_MAP = """
columns:
  "1、": publicity
  "2、": participation
  "3、": satisfaction
  "4、": township
  "5、": age_band
  "6、": identity
  提交答卷时间: submitted_at
values:
  participation: {减少使用塑料制品: less_plastic, 以上都没有: 都没有}
  satisfaction: {非常满意: satisfied, 说不好: unsure}
"""


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


def test_cli_imports_a_wjx_export_with_a_map_and_writes_every_format(env: dict[str, str], tmp_path: Path) -> None:
    data = tmp_path / "wjx.csv"
    with data.open("w", encoding="gb18030", newline="") as handle:  # 问卷星 CSVs are often GBK
        csv.writer(handle).writerows([WJX_HEADER, *WJX_ROWS])
    mapping = tmp_path / "wjx.yaml"
    mapping.write_text(WJX_MAP, encoding="utf-8")
    unmapped = wufei(env, "survey", "import", "public", str(data))
    # without the map the headers are recognised by their wording, and the foreign option is named with the choices
    assert unmapped.returncode != 0 and "“说不好”不是这一题的选项" in unmapped.stderr and "不清楚" in unmapped.stderr
    done = wufei(env, "survey", "import", "public", str(data), "--map", str(mapping))
    assert done.returncode == 0 and "已导入 3 份" in done.stdout, done.stderr
    shown = json.loads(wufei(env, "indicators", "public", "--format", "json", "--by", "township").stdout)
    items = {i["key"]: i for i in shown["indicators"]}
    assert (items["publicity"]["numerator"], items["publicity"]["denominator"]) == (2, 3)
    assert (items["participation"]["numerator"], items["satisfaction"]["excluded"]) == (2, 1)
    assert set(shown["breakdown"]["township"]) == {"新郑·和庄镇", "新密·青屏街道"}
    outputs = {fmt: tmp_path / f"r.{fmt}" for fmt in ("csv", "xlsx", "html", "png")}
    for fmt, out in outputs.items():
        result = wufei(env, "indicators", "public", "--by", "township", "--format", fmt, "-o", str(out))
        assert result.returncode == 0 and out.is_file(), result.stderr
    rows = list(csv.DictReader(outputs["csv"].open(encoding="utf-8-sig")))
    assert rows[0]["dimension"] == "全部" and rows[0]["rate"] == "0.6667"
    assert "按township" in load_workbook(outputs["xlsx"], read_only=True).sheetnames
    assert "宣传教育培训普及率" in outputs["html"].read_text(encoding="utf-8")
    assert outputs["png"].read_bytes().startswith(b"\x89PNG")
    needs_file = wufei(env, "indicators", "public", "--format", "xlsx")
    assert needs_file.returncode == 2 and "-o" in needs_file.stderr
    url = env["WUFEI_DATABASE_URL"]
    (rid,) = add_residents(session_factory(url), 1, now=NOW)
    env_link = {**env, "WUFEI_SURVEYS__BASE_URL": "https://wufei.example.cn/", "WUFEI_SURVEYS__SALT": "s"}
    issued = wufei(env_link, "survey", "link", "public", str(rid), "--days", "7")
    assert issued.returncode == 0 and issued.stdout.startswith("https://wufei.example.cn/s/"), issued.stderr
    token = issued.stdout.strip().rsplit("/", 1)[1]
    with transaction(session_factory(url)) as session:
        opened = links.open_link(session, token, {"public": PUBLIC}, salt="s", now=utcnow(), ttl=dt.timedelta(days=7))
        assert opened.state == links.OK and opened.link is not None and opened.link.resident_id == rid
    assert wufei(env_link, "survey", "link", "public", "999").returncode == 2
    bad_map = tmp_path / "bad.yaml"
    bad_map.write_text("columns: {'1、': nosuchquestion}\n", encoding="utf-8")
    refused = wufei(env, "survey", "import", "public", str(data), "--map", str(bad_map))
    assert refused.returncode == 2 and "nosuchquestion" in refused.stderr


def _figure_texts(figure: Any) -> list[str]:
    found = [t.get_text() for t in figure.findobj(match=lambda o: hasattr(o, "get_text"))]
    return [t for t in found if t]


def test_the_chart_is_labelled_in_chinese_and_honours_the_breakdown(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for township in ("xz_hezhuang", "xz_hezhuang", "xm_qingping"):
            answers = {"publicity": ["aware"], "participation": ["sorting"], "satisfaction": ["satisfied"],
                       "township": [township], "age_band": ["a30_44"], "identity": ["resident"]}  # fmt: skip
            flow.submit(session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW)
        plain = report.build(session, PUBLIC, wave=None)
        by_township = report.build(session, PUBLIC, wave=None, by=["township"])
    assert chart.cjk_font() is not None  # the browser/CI set-up installs fonts-wqy-microhei
    texts = "\n".join(_figure_texts(chart.build_figure(plain)))
    assert "目标 90%" in texts and "95% 置信区间" in texts and "宣传教育培\n训普及率" in texts and "样本 3 份" in texts
    assert "target" not in texts and "wave" not in texts
    split = chart.build_figure(by_township)
    texts = "\n".join(_figure_texts(split))
    assert "新郑·和庄镇" in texts and "新密·青\n屏街道" in texts and "按乡镇/街道" in texts
    assert len(split.axes) == len(PUBLIC.indicators)
    assert chart.render_png(by_township).startswith(b"\x89PNG")


def test_a_cjk_font_installed_after_the_font_cache_is_still_found(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    kept = [f for f in font_manager.fontManager.ttflist if f.name not in chart.CJK_FAMILIES]
    monkeypatch.setattr(font_manager.fontManager, "ttflist", kept)  # the cache as built before the font came
    chart.cjk_font.cache_clear()
    try:
        assert chart.cjk_font() in chart.CJK_FAMILIES
    finally:
        chart.cjk_font.cache_clear()
