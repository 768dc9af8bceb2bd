"""The 人工客服 inbox in a real headless Chromium on a phone-sized window: the web chat's "转人工" shows up, the staff
reply typed in the console arrives in the resident's chat."""

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
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff]]:
    db = tmp_path_factory.mktemp("inbox") / "inbox.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    with running_server(settings) as base:
        yield base, make_staff(session_factory(settings.db_url), "客服小周", "staff")


def chat(driver: WebDriver, base: str, text: str) -> str:
    driver.get(base + "/")
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".msg.bot"))
    before = len(driver.find_elements(By.CSS_SELECTOR, ".msg.bot"))
    driver.find_element(By.ID, "input").send_keys(text)
    driver.find_element(By.ID, "send").click()
    WebDriverWait(driver, 20).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".msg.bot")) > before)
    return str(driver.find_elements(By.CSS_SELECTOR, ".msg.bot")[-1].text)


def test_staff_answer_a_resident_from_the_phone_sized_inbox(
    server: tuple[str, Staff], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base, staff = server
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        assert "工作人员" in chat(driver, base, "转人工")
        console_login(driver, base, staff.name, staff.password, page="/admin/inbox", ready="conversation-1")
        card = driver.find_element(By.ID, "conversation-1")
        assert "转人工" in card.text and "网页聊天" in card.text
        width, scroll = driver.execute_script("return [window.innerWidth, document.body.scrollWidth]")
        assert width <= 500 and scroll <= width + 1  # a phone: nothing sticks out sideways
        card.find_element(By.NAME, "text").send_keys("您好，我是客服小周，请问有什么可以帮您？")
        screenshot(driver, "console-inbox")
        submit_and_wait(driver, card.find_element(By.CSS_SELECTOR, "form.reply button"))
        assert "已发送到居民的网页聊天" in driver.find_element(By.CSS_SELECTOR, ".msg.ok").text

        driver.get(base + "/")
        driver.execute_script("window.wufeiPoll && window.wufeiPoll();")
        WebDriverWait(driver, 20).until(
            lambda d: any("客服小周" in e.text for e in d.find_elements(By.CSS_SELECTOR, ".msg.push"))
        )
