"""The resident page in a real headless Chromium on a phone-sized window: staff find a resident, enter the other
account, check both on the confirm page and merge them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.dialogue import Dialogue, IncomingMessage
from campaigns.models import ChannelIdentity
from tests.support.admin import Staff, make_staff
from tests.support.browser import chrome, console_login, require_browser, screenshot, submit_and_wait
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff, Settings]]:
    db = tmp_path_factory.mktemp("residents") / "residents.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    with running_server(settings) as base:
        factory = session_factory(settings.db_url)
        dialogue = Dialogue(factory, settings)
        dialogue.handle(IncomingMessage("wechat", "o_zhang", "电池扔哪", T0))
        dialogue.handle(IncomingMessage("telegram", "4242", "纸巾扔哪", T0))
        yield base, make_staff(factory, "客服小周", "staff"), settings


def test_staff_merge_two_residents_from_a_phone(
    server: tuple[str, Staff, Settings], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base, staff, settings = server
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        console_login(driver, base, staff.name, staff.password, page="/admin/residents", ready="resident-search")
        driver.find_element(By.NAME, "q").send_keys("o_zhang")
        submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#resident-search button"))
        results = driver.find_element(By.ID, "resident-results")
        assert "o_zhang" in results.text and "4242" not in results.text
        driver.get(results.find_element(By.CSS_SELECTOR, "a").get_attribute("href") or "")
        driver.find_element(By.NAME, "drop").send_keys("telegram:4242")
        submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#merge-form button"))
        page = driver.find_element(By.TAG_NAME, "main").text
        assert "wechat:o_zhang" in page and "telegram:4242" in page and "确认合并" in page
        width, scroll = driver.execute_script("return [window.innerWidth, document.body.scrollWidth]")
        assert width <= 500 and scroll <= width + 1  # a phone: the two cards stack, nothing sticks out sideways
        screenshot(driver, "console-resident-merge")
        submit_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#merge-confirm button"))
        assert "合并到" in driver.find_element(By.CSS_SELECTOR, ".msg.ok").text
        assert "telegram:4242" in driver.find_element(By.ID, "split-list").text
    with transaction(session_factory(settings.db_url)) as session:
        owners = set(session.scalars(select(ChannelIdentity.resident_id)))
    assert len(owners) == 1
