"""宣传活动 and 无废细胞 in a real headless Chromium (phone-sized): create and schedule a 农历 campaign, add a cell."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.db import session_factory
from tests.support.admin import Staff, make_staff
from tests.support.browser import chrome, console_login, require_browser, screenshot, submit_and_wait
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.remote.webelement import WebElement  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff]]:
    db = tmp_path_factory.mktemp("campaigns-console") / "console.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    settings = settings.model_copy(
        update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False, "staff": ["web:staff1"]})}
    )
    with running_server(settings) as base:
        yield base, make_staff(session_factory(settings.db_url), "宣传科小王", "staff")


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def login(driver: WebDriver, base: str, staff: Staff) -> None:
    console_login(driver, base, staff.name, staff.password, page="/admin/campaigns", ready="new-campaign")


def submit(driver: WebDriver, button: WebElement) -> None:
    """Click a form's button and wait until the next page replaced this one."""
    submit_and_wait(driver, button)


def message(driver: WebDriver) -> str:
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg"))
    return str(driver.find_element(By.CSS_SELECTOR, ".msg").text)


def fits_the_screen(driver: WebDriver) -> bool:
    screen, layout, scroll = driver.execute_script(
        "return [screen.width, window.innerWidth, document.documentElement.scrollWidth]"
    )
    return bool(layout <= screen + 1 and scroll <= screen + 1)  # wide tables scroll inside their card


def test_staff_schedules_a_lunar_campaign_and_adds_a_cell(browser: WebDriver, server: tuple[str, Staff]) -> None:
    base, staff = server
    login(browser, base, staff)
    screenshot(browser, "console-campaigns-empty")

    browser.find_element(By.ID, "new-campaign").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "campaign-form"))
    browser.find_element(By.NAME, "name").send_keys("三月三无废集市")
    browser.find_element(By.NAME, "text").send_keys("{township}的居民：农历三月初三，无废集市等您来")
    browser.find_element(By.CSS_SELECTOR, "input[name=kind][value=lunar]").click()
    Select(browser.find_element(By.NAME, "lunar_month")).select_by_visible_text("三月")
    Select(browser.find_element(By.NAME, "lunar_day")).select_by_visible_text("初三")
    assert fits_the_screen(browser)
    screenshot(browser, "console-campaign-new")
    submit(browser, browser.find_element(By.ID, "create"))
    assert "已创建草稿" in message(browser)
    assert "每年农历三月初三 09:00" in browser.page_source

    submit(browser, browser.find_element(By.ID, "test-send"))
    assert "测试消息已发给 1 个账号" in message(browser)
    submit(browser, browser.find_element(By.ID, "action-start"))
    text = message(browser)
    assert "已启动，当前状态：已排期" in text and "09:00（北京时间）发送" in text
    assert browser.find_element(By.ID, "state").text == "已排期"
    assert browser.find_elements(By.ID, "live")  # the page polls its figures while the campaign is live
    assert fits_the_screen(browser)
    screenshot(browser, "console-campaign-detail")

    browser.get(base + "/admin/campaigns")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#campaigns tr") if "三月三无废集市" in r.text)
    assert "已排期" in row.text and "农历三月初三" in row.text
    assert fits_the_screen(browser)
    screenshot(browser, "console-campaigns")

    browser.get(base + "/admin/cells")
    form = browser.find_element(By.ID, "cell-form")
    Select(form.find_element(By.NAME, "type")).select_by_visible_text("学校")
    form.find_element(By.NAME, "name").send_keys("新建路小学")
    form.find_element(By.NAME, "township").send_keys("新建路街道")
    submit(browser, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "已添加无废细胞“新建路小学”" in message(browser)
    submit(browser, browser.find_element(By.ID, "next-status"))
    assert "状态已改为：创建中" in message(browser)
    assert browser.find_element(By.ID, "cell-status").text == "创建中"
    screenshot(browser, "console-cell-detail")

    browser.get(base + "/admin/cells")
    assert "新建路小学" in browser.find_element(By.ID, "cells").text
    assert fits_the_screen(browser)
    screenshot(browser, "console-cells")

    browser.find_element(By.LINK_TEXT, "二维码").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.ID, "sheet"))
    assert browser.find_element(By.ID, "chat-command").text.startswith("加入无废细胞 ")
    screenshot(browser, "console-cell-print")
