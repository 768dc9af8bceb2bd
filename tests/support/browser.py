"""Headless Chromium for browser tests: Debian's chromium + chromedriver driven by Selenium; skip or fail when absent."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# screenshots of the console for reviewers (not committed): WUFEI_SCREENSHOTS or ./screenshots
SCREENSHOTS = Path(os.environ.get("WUFEI_SCREENSHOTS", "screenshots"))


def require_browser() -> None:
    """Skip the calling test module without a browser, or fail when CI requires one."""
    if CHROMIUM and CHROMEDRIVER:
        return
    if os.environ.get("WUFEI_TEST_REQUIRE_BROWSER") == "1":
        raise RuntimeError("browser tests required but chromium/chromedriver not found (run `make browser`)")
    pytest.skip("browser tests skipped: Debian chromium and chromium-driver are not installed", allow_module_level=True)


@contextmanager
def chrome(profile: Path, *, phone: bool = True, downloads: Path | None = None) -> Iterator[Any]:
    """A headless Chromium WebDriver (phone-sized unless `phone` is False), quit on exit."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    if phone:
        options.add_experimental_option(
            "mobileEmulation", {"deviceMetrics": {"width": 390, "height": 844, "pixelRatio": 3}}
        )
    else:
        options.add_argument("--window-size=1280,900")
    if downloads is not None:
        options.add_experimental_option(
            "prefs", {"download.default_directory": str(downloads), "download.prompt_for_download": False}
        )
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def screenshot(driver: Any, name: str) -> None:
    """Save a full-width screenshot under SCREENSHOTS for a reviewer."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def console_login(driver: Any, base: str, name: str, password: str, *, page: str = "/admin", ready: str) -> None:
    """Open a console `page`, get sent to the login form, log in, and wait for the element with id `ready`."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(base + page)
    assert "/admin/login" in driver.current_url
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.ID, "login").click()
    WebDriverWait(driver, 20).until(lambda d: d.find_elements(By.ID, ready))


def submit_and_wait(driver: Any, button: Any, timeout: float = 20) -> None:
    """Click a form's button and wait until a new document replaced this one and finished loading.

    A marker set on the old window is gone once the browser has navigated; errors the driver raises while
    the old document is being torn down (stale nodes, inspector errors) only mean "not yet".
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    driver.execute_script("window.__wufeiOldPage = true;")
    button.click()

    def replaced(d: Any) -> bool:
        try:
            return bool(d.execute_script("return !window.__wufeiOldPage && document.readyState === 'complete';"))
        except WebDriverException:
            return False

    WebDriverWait(driver, timeout).until(replaced)
