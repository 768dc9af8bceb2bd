"""The web chat page in a real headless Chromium (Debian's chromium + chromedriver, driven by Selenium)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.config import CampaignSettings, Settings
from bot.db import session_factory, transaction, utcnow
from bot.web.resident import identity
from campaigns import lifecycle
from campaigns.models import WebOutbox
from tests.support.browser import chrome, require_browser
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Settings]]:
    folder = tmp_path_factory.mktemp("browser")
    campaigns = CampaignSettings(quiet_hours="off", tick_seconds=0.5)  # pushes go out at any hour, quickly
    settings = Settings(database_url=f"sqlite:///{folder / 'web.db'}", data_dir=folder, campaigns=campaigns)
    with running_server(settings) as base:
        yield base, settings


@pytest.fixture(scope="module")
def base_url(server: tuple[str, Settings]) -> str:
    return server[0]


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def bot_texts(driver: WebDriver) -> list[str]:
    return [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".msg.bot")]


def send(driver: WebDriver, text: str) -> None:
    before = len(bot_texts(driver))
    box = driver.find_element(By.ID, "input")
    box.send_keys(text)
    driver.find_element(By.ID, "send").click()
    WebDriverWait(driver, 20).until(lambda d: len(bot_texts(d)) > before)


def test_resident_asks_clicks_a_choice_and_keeps_the_conversation(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    assert browser.title == "无废城市小助手"
    assert "您好" in bot_texts(browser)[0]

    send(browser, "用过的纸巾扔哪个桶？")
    assert "其他垃圾" in bot_texts(browser)[-1]

    send(browser, "电池")
    assert "哪种电池" in bot_texts(browser)[-1]
    buttons = browser.find_elements(By.CSS_SELECTOR, ".choices button")
    assert len(buttons) == 2
    before = len(bot_texts(browser))
    buttons[1].click()
    WebDriverWait(browser, 20).until(lambda d: len(bot_texts(d)) > before)
    assert "有害垃圾" in bot_texts(browser)[-1]
    assert all(not b.is_enabled() for b in browser.find_elements(By.CSS_SELECTOR, ".choices button"))

    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: len(bot_texts(d)) >= 3)
    mine = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".msg.me")]
    assert mine[:2] == ["用过的纸巾扔哪个桶？", "电池"]


def test_quick_buttons_and_layout_fit_a_phone(browser: WebDriver, base_url: str) -> None:
    browser.get(base_url + "/")
    before = len(bot_texts(browser))
    browser.find_element(By.CSS_SELECTOR, "#quick button[data-q='帮助']").click()
    WebDriverWait(browser, 20).until(lambda d: len(bot_texts(d)) > before)
    assert "我能帮您" in bot_texts(browser)[-1]
    inner, scroll = browser.execute_script("return [window.innerWidth, document.documentElement.scrollWidth]")
    assert inner == 390  # a phone-sized viewport
    assert scroll <= inner  # nothing sticks out sideways


def test_campaign_pushes_reach_the_open_chat(browser: WebDriver, server: tuple[str, Settings]) -> None:
    base, settings = server
    browser.get(base + "/")
    send(browser, "订阅")  # the first message: the server issues this browser its identity, and it consents to pushes
    assert "开通" in bot_texts(browser)[-1]
    every = browser.execute_cdp_cmd("Network.getAllCookies", {})["cookies"]  # WebDriver's own list stops at Path
    [cookie] = [c for c in every if c["name"] == identity.COOKIE]
    assert cookie["httpOnly"] and cookie["path"] == "/api/chat" and cookie.get("sameSite") == "Lax"
    assert identity.COOKIE not in browser.execute_script("return document.cookie")  # out of the page script's reach
    assert browser.execute_script("return localStorage.getItem('wufei.user')") is None  # no self-made id any more
    web_id = identity.verify(identity.signing_key(settings), cookie["value"])
    assert web_id

    factory = session_factory(settings.db_url)
    with transaction(factory) as session:  # a real campaign to every web resident, sent by the server's scheduler
        c = lifecycle.create(
            session, name="环境日", text="六五环境日：请把旧电池投进红色桶。", now=utcnow(), channels=["web"]
        )
        lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
    deadline = time.monotonic() + 30
    while not browser.find_elements(By.CSS_SELECTOR, ".msg.push") and time.monotonic() < deadline:
        browser.execute_script("return window.wufeiPoll()")
        time.sleep(0.5)
    assert "六五环境日" in browser.find_elements(By.CSS_SELECTOR, ".msg.push")[-1].text
    with transaction(factory) as session:
        assert web_id in session.execute(select(WebOutbox.external_id)).scalars().all()  # addressed to its cookie's id
    browser.refresh()  # shown once: the page remembers the last push it fetched
    WebDriverWait(browser, 10).until(lambda d: len(bot_texts(d)) >= 1)
    browser.execute_script("return window.wufeiPoll()")
    assert sum("六五环境日" in t for t in bot_texts(browser)) == 1


def test_another_browser_cannot_see_the_push(browser: WebDriver, server: tuple[str, Settings]) -> None:
    base, _settings = server
    browser.get(base + "/")
    send(browser, "你好")
    browser.execute_script("return window.wufeiPoll()")
    time.sleep(1)
    assert not browser.find_elements(By.CSS_SELECTOR, ".msg.push")
    status = browser.execute_script(
        "return fetch('/api/chat/inbox', {credentials: 'omit'}).then(function (r) { return r.status; })"
    )
    assert status == 401


def test_a_news_push_shows_as_a_card_and_stays_after_a_reload(browser: WebDriver, server: tuple[str, Settings]) -> None:
    base, settings = server
    browser.get(base + "/")
    send(browser, "订阅")
    article = {"title": "三月三无废集市", "description": "带上闲置物品来换购", "url": "https://news.example.cn/fair",
               "picurl": "https://img.example.cn/fair.jpg"}  # fmt: skip
    with transaction(session_factory(settings.db_url)) as session:
        c = lifecycle.create(
            session, name="集市", text="三月三来集市", now=utcnow(), channels=["web"], variants={"news": article}
        )
        lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
    deadline = time.monotonic() + 30
    while not browser.find_elements(By.CSS_SELECTOR, ".news-card") and time.monotonic() < deadline:
        browser.execute_script("return window.wufeiPoll()")
        time.sleep(0.5)
    [card] = browser.find_elements(By.CSS_SELECTOR, ".news-card")
    assert card.get_attribute("href") == article["url"] and card.get_attribute("rel") == "noopener noreferrer"
    assert card.find_element(By.TAG_NAME, "img").get_attribute("src") == article["picurl"]
    assert "三月三无废集市" in card.text and "带上闲置物品来换购" in card.text
    assert "【" not in browser.find_elements(By.CSS_SELECTOR, ".msg.push")[-1].text  # the card, not the text lines
    browser.refresh()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".news-card"))
    assert len(browser.find_elements(By.CSS_SELECTOR, ".news-card")) == 1
