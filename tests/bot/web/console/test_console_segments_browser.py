"""人群分组 in a real headless Chromium (phone-sized): preview rules, save the segment, see it listed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.db import session_factory, utcnow
from tests.support.admin import Staff, make_staff
from tests.support.browser import chrome, console_login, require_browser, screenshot, submit_and_wait
from tests.support.campaigns import add_residents
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Staff]]:
    db = tmp_path_factory.mktemp("segments-console") / "console.db"
    settings = Settings(database_url=f"sqlite:///{db}")
    settings = settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False})})
    with running_server(settings) as base:
        factory = session_factory(settings.db_url)
        add_residents(factory, 4, now=utcnow(), prefix="oXinjianluOpenid", channel="wechat", township="新建路街道")
        add_residents(factory, 2, now=utcnow(), prefix="web-other-", township="龙湖镇")
        yield base, make_staff(factory, "宣传科小李", "staff")


@pytest.fixture
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebDriver]:
    with chrome(tmp_path_factory.mktemp("chrome")) as driver:
        yield driver


def fits_the_screen(driver: WebDriver) -> bool:
    screen, layout, scroll = driver.execute_script(
        "return [screen.width, window.innerWidth, document.documentElement.scrollWidth]"
    )
    return bool(layout <= screen + 1 and scroll <= screen + 1)


def test_staff_previews_and_saves_a_segment_on_a_phone(browser: WebDriver, server: tuple[str, Staff]) -> None:
    base, staff = server
    console_login(browser, base, staff.name, staff.password, page="/admin/segments", ready="segment-form")
    form = browser.find_element(By.ID, "segment-form")
    form.find_element(By.NAME, "name").send_keys("新建路街道居民")
    form.find_element(By.NAME, "where").send_keys("township=新建路街道")
    submit_and_wait(browser, browser.find_element(By.ID, "preview-button"))

    assert browser.find_element(By.ID, "preview-count").text == "4"
    samples = browser.find_element(By.ID, "samples").text
    assert "新建路街道" in samples and "微信 oX***" in samples and "oXinjianluOpenid" not in samples
    assert "龙湖镇" not in samples
    assert fits_the_screen(browser)
    screenshot(browser, "console-segment-preview")

    submit_and_wait(browser, browser.find_element(By.ID, "save"))
    assert "已保存分组“新建路街道居民”，当前 4 人" in browser.find_element(By.CSS_SELECTOR, ".msg").text
    assert browser.find_element(By.ID, "segment-name").text == "新建路街道居民"
    assert browser.find_element(By.ID, "preview-count").text == "4"
    assert fits_the_screen(browser)
    screenshot(browser, "console-segment")

    browser.get(base + "/admin/segments")
    row = browser.find_element(By.ID, "segments").text
    assert "新建路街道居民" in row and "township=新建路街道" in row
