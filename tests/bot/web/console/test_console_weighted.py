"""问卷与指标 weighted by population (settings.surveys.weights_file): the figure, the effective sample size, strata
named as people read them when they have under five answers, trimmed weights reported — on the page, in the
printable report and in the downloads."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.admin import audit
from bot.config import Settings
from bot.db import dispose_engines, session_factory, transaction
from bot.web.app import create_app
from surveys import chart, report_cache
from surveys.definition import load_surveys
from surveys.weights import load_population
from tests.bot.web.admin_api.test_admin_surveys import csv_bytes
from tests.support.admin import console_login, staff_per_role

PAGE = "/admin/surveys"
HEZHUANG = ["1", "参加过培训或活动", "垃圾分类投放", "满意", "新郑·和庄镇", "30–44岁", "居民", ""]
QINGPING = [[str(i), "没有接触过", "都没有", "一般", "新密·青屏街道", "45–59岁", "居民", ""] for i in range(2, 13)]
RATE = re.compile(r'data-key="publicity">\s*<div>宣传教育培训普及率</div>\s*<div class="rate \w*">([\d.]+%)</div>')


def client_for(settings: Settings, weights: Path | None) -> TestClient:
    surveys = settings.surveys.model_copy(update={"weights_file": weights})
    return TestClient(create_app(settings.model_copy(update={"surveys": surveys})))


@pytest.fixture
def weights(tmp_path: Path) -> Path:
    path = tmp_path / "人口.csv"
    path.write_text("township,population\n新郑·和庄镇,1000\n新密·青屏街道,1000\n", encoding="utf-8")
    return path


@pytest.fixture
def client(settings: Settings, weights: Path) -> Iterator[TestClient]:
    with client_for(settings, weights) as c:
        csrf = console_login(c, staff_per_role(session_factory(settings.db_url))["office"])
        answers = csv_bytes([HEZHUANG, *QINGPING])
        assert "已导入 12 份问卷" in c.post(f"{PAGE}/public/import", data={"csrf_token": csrf},
                                       files={"file": ("p.csv", answers)}).text  # fmt: skip
        yield c
    dispose_engines()


def test_the_weighted_page_shows_the_figure_effective_size_and_trimming(client: TestClient) -> None:
    plain = client.get(PAGE).text
    assert 'name="weighted"' in plain and 'id="weighting"' not in plain
    assert RATE.search(plain).group(1) == "8.3%"  # type: ignore[union-attr]  # 1 of 12
    page = client.get(PAGE, params={"weighted": "1"}).text
    # 和庄镇 is half the population but one answer: its weight (6× the mean) is trimmed to 5×, so 5/12 instead of 1/2
    assert RATE.search(page).group(1) == "41.7%"  # type: ignore[union-attr]
    assert "已按人口加权（事后分层，维度 乡镇（街道））" in page
    sizes = re.findall(r'<div class="n-effective">有效样本量 ([\d.]+) 份（Kish）</div>', page)
    assert len(sizes) == 3 and all(float(s) < 12 for s in sizes)  # unequal weights: fewer than the 12 answers
    warnings = page.split('id="warnings"')[1].split("</div>")[0]
    assert "分层“新郑·和庄镇”只有 1 份有效样本" in warnings
    assert "分层 新郑·和庄镇 的权重超过平均权重的 5 倍，已截断到 5 倍" in warnings
    assert "xz_hezhuang" not in warnings  # named as people read it, not by its code
    assert "weighted=1" in page.split('id="downloads"')[1].split("</div>")[0]
    assert "chart.png?wave=" in page and re.search(r"chart\.png\?wave=\w+&amp;weighted=1", page)


def test_weighted_downloads_and_the_printable_report_say_so_and_are_audited(
    client: TestClient, settings: Settings
) -> None:
    page = client.get(PAGE, params={"weighted": "1"}).text
    html = re.search(r'href="([^"]+)" data-name="indicators.html"', page)
    assert html is not None
    body = client.get(html.group(1).replace("&amp;", "&")).text
    assert "已加权：事后分层，维度 乡镇（街道）" in body and "有效样本量（Kish 公式" in body
    assert "分层“新郑·和庄镇”只有 1 份有效样本" in body and "41.7%" in body
    printable = re.search(r'href="([^"]+)" id="printable"', page)
    assert printable is not None and "weighted=1" in printable.group(1)
    assert "已加权" in client.get(printable.group(1).replace("&amp;", "&")).text
    with transaction(session_factory(settings.db_url)) as session:
        details = [(e.action, e.detail.get("weighted")) for e in audit.entries(session)]
    assert ("survey.export", True) in details and ("survey.report", True) in details


def test_without_a_population_file_there_is_no_weighting_to_ask_for(settings: Settings) -> None:
    with client_for(settings, None) as c:
        console_login(c, staff_per_role(session_factory(settings.db_url))["viewer"])
        assert 'name="weighted"' not in c.get(PAGE).text
        refused = c.get(PAGE, params={"weighted": "1"})
        assert refused.status_code == 422 and "WUFEI_SURVEYS__WEIGHTS_FILE" in refused.text
    dispose_engines()


def test_the_weighted_chart_says_it_is_weighted(client: TestClient, settings: Settings, weights: Path) -> None:
    page = client.get(PAGE, params={"weighted": "1"}).text
    src = re.search(r'src="(/admin/surveys/public/chart\.png\?[^"]+)"', page)
    assert src is not None
    weighted_png = client.get(src.group(1).replace("&amp;", "&")).content
    plain_png = client.get(src.group(1).replace("&amp;weighted=1", "")).content
    assert weighted_png[:4] == plain_png[:4] == b"\x89PNG" and weighted_png != plain_png
    public = load_surveys()["public"]
    with transaction(session_factory(settings.db_url)) as session:
        population = load_population(public, weights)
        data = report_cache.build(session, public, wave=public.wave, weights=population, weights_source=weights.name)
    title = chart.build_figure(data).axes[0].get_title()
    assert title.endswith("· 按人口加权") and "样本 12 份" in title
