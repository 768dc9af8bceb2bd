"""The dashboard's charts and the Chinese indicator PNG looked at in a real headless Chromium on a phone-sized screen
(issue #15 §3, §5): questions per day with the unanswered share, top items and top unanswered as bars, the three
indicators against the 90% line with their intervals, campaign reach per day, the township table, and the chart PNG
the 问卷与指标 page shows — the Chinese rendering, not the English fallback."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from campaigns.models import Campaign, CampaignRun, Delivery
from surveys import chart, flow, report_cache
from surveys.definition import load_surveys
from tests.support.admin import Staff, make_staff
from tests.support.browser import chrome, console_login, require_browser, screenshot
from tests.support.campaigns import add_residents
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

WHO = [("xz_hezhuang", "aware"), ("xz_hezhuang", "trained"), ("xm_qingping", "none"), ("xm_qingping", "aware")]


def seed(settings: Settings, base: str) -> None:
    """Questions asked in the chat, four survey answers in two townships, and two pushes delivered today."""
    for text in ("电池扔哪", "电池扔哪", "电池扔哪", "旧衣服扔哪", "嘎拉哈扔哪个桶"):
        assert httpx.post(base + "/api/chat", json={"text": text}, timeout=30).status_code == 200
    factory = session_factory(settings.db_url)
    now = utcnow()
    public = load_surveys(now=now)["public"]
    ids = add_residents(factory, 2, now=now)
    with transaction(factory) as session:
        for township, heard in WHO:
            answers = {"publicity": [heard], "participation": ["sorting"], "satisfaction": ["satisfied"],
                       "township": [township], "age_band": ["a30_44"], "identity": ["resident"]}  # fmt: skip
            flow.submit(session, public, answers, key=None, resident_id=None, channel=None, source="import", now=now)
        campaign = Campaign(name="宣传", text="t", channels=["web"], schedule_kind="now", state="finished",
                            created_at=now, updated_at=now)  # fmt: skip
        session.add(campaign)
        session.flush()
        run = CampaignRun(campaign_id=campaign.id, due_at=now, state="done", created_at=now)
        session.add(run)
        session.flush()
        for rid in ids:
            session.add(Delivery(campaign_id=campaign.id, run_id=run.id, resident_id=rid, channel="web", state="sent",
                                 next_attempt_at=now, sent_at=now, created_at=now, updated_at=now))  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff, Settings]]:
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('dashboard') / 'console.db'}")
    with running_server(settings) as base:
        seed(settings, base)
        yield base, make_staff(session_factory(settings.db_url), "办公室小张", "office"), settings


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def box(driver: WebDriver, element: Any) -> dict[str, float]:
    return dict(driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", element))


def test_the_dashboard_charts_read_at_a_glance(browser: WebDriver, server: tuple[str, Staff, Settings]) -> None:
    base, office, _settings = server
    console_login(browser, base, office.name, office.password, page="/admin", ready="questions-today")

    today = browser.find_elements(By.CSS_SELECTOR, "#daily-questions .col")[-1]
    assert "提问 5，未答出 1（占 20%）" in str(today.get_attribute("title"))
    answered, unanswered = (bar.size["height"] for bar in today.find_elements(By.TAG_NAME, "span")[::-1])
    assert answered == pytest.approx(4 * unanswered, abs=2)  # stacked: 4 answered over 1 unanswered

    reach = browser.find_elements(By.CSS_SELECTOR, "#daily-reach .col")
    assert len(reach) == 14 and "送达 2 条" in str(reach[-1].get_attribute("title"))
    assert reach[-1].find_element(By.TAG_NAME, "span").size["height"] > 0

    items = browser.find_elements(By.CSS_SELECTOR, "#top-items tr")[1:]
    assert items[0].text.startswith("电池扔哪 3")
    widths = [box(browser, r.find_element(By.CSS_SELECTOR, ".bar span"))["width"] for r in items]
    assert widths[0] == max(widths) and widths[-1] == pytest.approx(widths[0] / 3, rel=0.05)
    assert "嘎拉哈" in browser.find_element(By.ID, "top-unanswered").text
    assert browser.find_elements(By.CSS_SELECTOR, "#top-unanswered .bar span.miss")

    # the three indicators: a bar as long as the rate, the interval drawn over it, the target line at 90%
    rows = browser.find_elements(By.XPATH, "//h2[contains(., '三项指标')]/following-sibling::div[1]//tr")[1:]
    assert len(rows) == 3
    publicity = rows[0]
    assert publicity.text.startswith("宣传教育培训普及率 75.0%")
    bar = box(browser, publicity.find_element(By.CSS_SELECTOR, ".bar"))
    fill = box(browser, publicity.find_element(By.CSS_SELECTOR, ".bar span"))
    interval = box(browser, publicity.find_element(By.CSS_SELECTOR, ".bar em"))
    target = box(browser, publicity.find_element(By.CSS_SELECTOR, ".bar i"))
    assert fill["width"] == pytest.approx(0.75 * bar["width"], abs=1.5)
    assert target["left"] - bar["left"] == pytest.approx(0.9 * bar["width"], abs=2.5)
    assert interval["left"] < fill["right"] < interval["right"]  # the rate lies inside its interval

    townships = browser.find_element(By.ID, "townships").text
    assert "新郑·和庄镇" in townships and "新密·青屏街道" in townships and "100%" in townships and "50%" in townships
    width, scroll = browser.execute_script("return [window.innerWidth, document.body.scrollWidth]")
    assert scroll <= width + 1  # nothing wider than the phone
    screenshot(browser, "dashboard-charts-phone")


def test_the_indicator_png_shown_on_the_page_is_the_chinese_chart(
    browser: WebDriver, server: tuple[str, Staff, Settings]
) -> None:
    base, office, settings = server
    console_login(browser, base, office.name, office.password, page="/admin/surveys", ready="indicators")
    image = browser.find_element(By.CSS_SELECTOR, "img.chart")
    WebDriverWait(browser, 30).until(lambda d: d.execute_script("return arguments[0].naturalWidth", image) > 0)
    assert box(browser, image)["width"] <= browser.execute_script("return window.innerWidth")  # fits the phone
    shown = base64.b64decode(
        browser.execute_async_script(
            """const done = arguments[arguments.length - 1];
            fetch(arguments[0].src, {credentials: 'same-origin'}).then(r => r.arrayBuffer()).then(b => {
              let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); done(btoa(s)); });""",
            image,
        )
    )
    assert chart.cjk_font() is not None  # fonts-wqy-microhei or another CJK font is installed
    now = utcnow()
    public = load_surveys(now=now)["public"]
    with transaction(session_factory(settings.db_url)) as session:
        data = report_cache.build(session, public, wave=public.wave)
    texts = [t.get_text() for t in chart.build_figure(data).findobj(match=lambda o: hasattr(o, "get_text"))]
    joined = "\n".join(t for t in texts if t)
    assert "目标 90%" in joined and "95% 置信区间" in joined and "无废城市" in joined and "target" not in joined
    assert shown == chart.render_png(data)  # the browser got exactly this Chinese rendering
    english = _english_png(data)  # the fallback drawn on a machine without a CJK font is a different picture
    assert english != shown
    screenshot(browser, "indicators-chart-phone")


def _english_png(data: dict[str, Any]) -> bytes:
    """The chart as drawn on a machine without a CJK font."""
    real = chart.cjk_font
    chart.cjk_font = lambda: None  # type: ignore[assignment]
    try:
        return chart.render_png(data)
    finally:
        chart.cjk_font = real  # type: ignore[method-assign]
