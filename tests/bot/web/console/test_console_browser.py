"""The staff console in a real headless Chromium: log in, curate an unanswered question, see the web chat answer it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.db import session_factory
from tests.support.admin import Staff, make_staff
from tests.support.browser import chrome, console_login, require_browser, screenshot
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff]]:
    db = tmp_path_factory.mktemp("console") / "console.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    with running_server(settings) as base:
        yield base, make_staff(session_factory(settings.db_url), "宣传科小李", "staff")


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def login(driver: WebDriver, base: str, staff: Staff) -> None:
    console_login(driver, base, staff.name, staff.password, page="/admin", ready="questions-today")


def ask_in_chat(driver: WebDriver, base: str, text: str) -> str:
    driver.get(base + "/")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.bot"))
    before = len(driver.find_elements(By.CSS_SELECTOR, ".msg.bot"))
    driver.find_element(By.ID, "input").send_keys(text)
    driver.find_element(By.ID, "send").click()
    WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg.bot")) > before)
    return str(driver.find_elements(By.CSS_SELECTOR, ".msg.bot")[-1].text)


def test_staff_curates_a_question_and_the_chat_answers_it(browser: WebDriver, server: tuple[str, Staff]) -> None:
    base, staff = server
    assert "还不确定" in ask_in_chat(browser, base, "旧的尤克里里扔哪里？")

    login(browser, base, staff)
    screenshot(browser, "console-overview")
    browser.get(base + "/admin/knowledge")
    row = next(r for r in browser.find_elements(By.CSS_SELECTOR, "#unanswered tr") if "尤克里" in r.text)
    alias = row.find_element(By.NAME, "alias")
    alias.clear()
    alias.send_keys("尤克里里")
    row.find_element(By.NAME, "item").send_keys("尤克里里")
    Select(row.find_element(By.NAME, "category")).select_by_visible_text("可回收物")
    screenshot(browser, "console-knowledge-queue")
    row.find_element(By.CSS_SELECTOR, "button[value=map]").click()
    WebDriverWait(browser, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.ok"))
    assert "已把“尤克里里”归入“尤克里里”" in browser.find_element(By.CSS_SELECTOR, ".msg.ok").text

    assert "尤克里里属于可回收物" in ask_in_chat(browser, base, "旧的尤克里里扔哪里？")

    browser.get(base + "/admin/plans?city=新郑市")
    assert browser.find_elements(By.CSS_SELECTOR, "#targets tr")
    width, scroll = browser.execute_script("return [window.innerWidth, document.body.scrollWidth]")
    assert scroll <= width + 1  # wide tables scroll inside their card, the page does not
    screenshot(browser, "console-plans")


def test_the_dashboard_draws_its_charts(browser: WebDriver, server: tuple[str, Staff]) -> None:
    base, staff = server
    ask_in_chat(browser, base, "电池扔哪")
    ask_in_chat(browser, base, "嘎拉哈扔哪个桶")
    login(browser, base, staff)
    columns = browser.find_elements(By.CSS_SELECTOR, "#daily-questions .col")
    assert len(columns) == 14
    today = columns[-1].find_elements(By.TAG_NAME, "span")
    heights = [bar.size["height"] for bar in today]
    assert len(heights) == 2 and all(h > 0 for h in heights)  # answered and unanswered, both drawn
    assert "提问" in str(columns[-1].get_attribute("title"))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#daily-reach .col")) == 14
    assert "嘎拉哈" in browser.find_element(By.ID, "top-unanswered").text
    browser.execute_script("document.getElementById('daily-questions').scrollIntoView()")
    screenshot(browser, "console-dashboard-charts")
