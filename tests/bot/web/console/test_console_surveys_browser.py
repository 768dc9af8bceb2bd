"""问卷与指标 in a real headless Chromium: an office user sees the indicators on a phone, gets the row report of a
bad import, and downloads the indicators workbook, which reads back with openpyxl."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot.config import Settings
from bot.db import session_factory, transaction, utcnow
from surveys.definition import load_surveys
from surveys.importer import import_file
from tests.bot.web.admin_api.test_admin_surveys import BAD, CURRENT, GOOD, csv_bytes
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
    tmp = tmp_path_factory.mktemp("surveys-console")
    settings = Settings(database_url=f"sqlite:///{tmp / 'console.db'}")
    with running_server(settings) as base:
        factory = session_factory(settings.db_url)
        answers = tmp / "paper.csv"
        answers.write_bytes(csv_bytes(GOOD))
        with transaction(factory) as session:
            assert import_file(session, load_surveys()["public"], answers, now=utcnow()).imported == 4
        yield base, make_staff(factory, "办公室小王", "office")


def login(driver: WebDriver, base: str, staff: Staff) -> None:
    console_login(driver, base, staff.name, staff.password, page="/admin", ready="questions-today")


def open_surveys(driver: WebDriver) -> None:
    driver.find_element(By.LINK_TEXT, "问卷与指标").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, "indicators"))


def test_office_reads_the_indicators_on_a_phone_and_sees_bad_rows(
    server: tuple[str, Staff], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base, office = server
    with chrome(tmp_path_factory.mktemp("chrome-phone")) as driver:
        login(driver, base, office)
        open_surveys(driver)
        cards = {
            c.get_attribute("data-key"): c.text for c in driver.find_elements(By.CSS_SELECTOR, "#indicators .card")
        }
        assert "75.0%" in cards["publicity"] and "未达标" in cards["publicity"]
        assert "3/4" in cards["participation"]
        chart = driver.find_element(By.CSS_SELECTOR, "img.chart")
        WebDriverWait(driver, 30).until(lambda d: d.execute_script("return arguments[0].naturalWidth", chart) > 0)
        assert "新密·青屏街道" in driver.find_element(By.ID, "breakdown").text
        width, scroll = driver.execute_script("return [window.innerWidth, document.body.scrollWidth]")
        assert scroll <= width + 1  # wide tables scroll inside their card, the page does not
        screenshot(driver, "console-surveys-phone")

        Select(driver.find_element(By.NAME, "by")).select_by_visible_text("年龄段")
        driver.find_element(By.CSS_SELECTOR, "#filters button").click()
        WebDriverWait(driver, 20).until(lambda d: "按年龄段分组" in d.page_source)
        assert "45–59岁" in driver.find_element(By.ID, "breakdown").text

        bad = tmp_path_factory.mktemp("upload") / "有错的表.csv"
        bad.write_bytes(csv_bytes(GOOD + BAD))
        driver.find_element(By.NAME, "file").send_keys(str(bad))
        driver.find_element(By.ID, "import").click()
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "import-report"))
        assert "2 行有问题，未导入任何数据" in driver.find_element(By.CSS_SELECTOR, ".msg.err").text
        lines = [r.text.split()[0] for r in driver.find_elements(By.CSS_SELECTOR, "#bad-rows tr")[1:]]
        assert lines == ["6", "7"]
        assert driver.find_element(By.ID, "survey-n").text == "4"  # nothing was stored
        driver.execute_script("document.getElementById('import-report').scrollIntoView()")
        screenshot(driver, "console-surveys-import-report")


def test_office_downloads_the_indicators_workbook(
    server: tuple[str, Staff], tmp_path_factory: pytest.TempPathFactory
) -> None:
    base, office = server
    downloads = tmp_path_factory.mktemp("downloads")
    with chrome(tmp_path_factory.mktemp("chrome-desk"), phone=False, downloads=downloads) as driver:
        login(driver, base, office)
        open_surveys(driver)
        screenshot(driver, "console-surveys")
        driver.find_element(By.CSS_SELECTOR, '#downloads a[data-name="indicators.xlsx"]').click()
        saved = _wait_for_download(downloads, f"public-{CURRENT}-indicators.xlsx")  # the wave follows the calendar

    book = load_workbook(saved, read_only=True)
    assert book.sheetnames == ["汇总", "按township", "按age_band", "按identity", "回答"]
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][:2] == ("已完成问卷数", 4)
    figures = {row[0]: row for row in summary[3:6]}
    assert figures["宣传教育培训普及率"][1] == 0.75 and figures["宣传教育培训普及率"][4:6] == (3, 4)
    assert len(list(book["回答"].iter_rows(values_only=True))) == 5
    book.close()


def _wait_for_download(directory: Path, name: str, timeout: float = 60.0) -> Path:
    """The downloaded file once Chromium has finished writing it."""
    target = directory / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.is_file() and not list(directory.glob("*.crdownload")) and target.stat().st_size > 0:
            return target
        time.sleep(0.2)
    raise AssertionError(f"no download {name}: {[p.name for p in directory.iterdir()]}")
