"""The 问卷与指标 page, its chart, the printable report, the downloads and the dashboard share one cache of computed
indicators: page views compute once, later pages reuse what earlier ones computed, a new answer recomputes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.db import dispose_engines, session_factory
from bot.web.app import create_app
from tests.bot.web.admin_api.test_admin_surveys import GOOD, csv_bytes
from tests.support.admin import console_login, staff_per_role
from tests.support.report_calls import count_report_calls

PAGE = "/admin/surveys"
RATE = re.compile(r'data-key="publicity">\s*<div>宣传教育培训普及率</div>\s*<div class="rate \w+">([\d.]+%)</div>')


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c
    dispose_engines()


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What was computed (report.build with its breakdown, report.trend), counted from an empty cache."""
    return count_report_calls(
        monkeypatch, lambda kw: "build " + ",".join(kw.get("by") or []) + f" wave={kw.get('wave')}"
    )


def publicity_rate(page: str) -> str:
    found = RATE.search(page)
    assert found is not None
    return found.group(1)


def test_pages_reports_and_downloads_compute_the_figures_once(
    client: TestClient, settings: Settings, computed: list[str]
) -> None:
    csrf = console_login(client, staff_per_role(session_factory(settings.db_url))["office"])
    computed.clear()  # the login lands on the dashboard
    imported = client.post(
        f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("p.csv", csv_bytes(GOOD))}
    )
    assert "已导入 4 份问卷" in imported.text  # the page after the import: its figures computed here

    first, second = client.get(PAGE).text, client.get(PAGE).text
    assert publicity_rate(first) == publicity_rate(second) == "75.0%"
    wave = re.search(r'chart\.png\?wave=(\w+)"', first)
    assert wave is not None
    assert len(computed) == 2 and computed[0].startswith("build township") and computed[1] == "trend"

    assert client.get(f"{PAGE}/public/chart.png", params={"wave": wave.group(1)}).content[:4] == b"\x89PNG"
    assert client.get(f"{PAGE}/public/chart.png", params={"wave": wave.group(1)}).status_code == 200
    assert len(computed) == 3 and computed[2].startswith("build  wave=")  # no breakdown: computed once for both

    assert "各批次趋势" in client.get(f"{PAGE}/public/report").text
    # the printable report breaks down by township (the page's, reused), age band and identity; the trend is reused
    assert [c.split()[1] for c in computed[3:]] == ["age_band", "identity"]
    links = re.findall(r'<a class="button" href="([^"]+)" data-name="indicators\.(?:xlsx|csv|html)"', first)
    for href in links:
        assert client.get(href.replace("&amp;", "&")).status_code == 200
    assert len(links) == 3 and len(computed) == 5  # every download reused what the pages computed

    computed.clear()
    client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("q.csv", csv_bytes([GOOD[2]]))})
    assert publicity_rate(client.get(PAGE).text) == "60.0%"  # 3 of 5: the new answer is counted
    assert publicity_rate(client.get(PAGE).text) == "60.0%"
    assert len(computed) == 2  # the township figures and the trend, once for the import's page and both views


def test_the_dashboard_and_the_all_waves_page_share_their_figures(
    client: TestClient, settings: Settings, computed: list[str]
) -> None:
    csrf = console_login(client, staff_per_role(session_factory(settings.db_url))["office"])
    client.post(f"{PAGE}/public/import", data={"csrf_token": csrf}, files={"file": ("p.csv", csv_bytes(GOOD))})
    computed.clear()
    assert "共 4 份答卷" in client.get("/admin").text
    assert computed == ["build township wave=None"]
    assert publicity_rate(client.get(PAGE, params={"wave": "all", "by": "township"}).text) == "75.0%"
    assert computed == ["build township wave=None"]  # the dashboard's figures over every wave (and the trend the
    # import's page computed) reused
