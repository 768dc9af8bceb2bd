"""/docs renders in a real headless Chromium from the packaged Swagger UI (this machine has no CDN to fetch from)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import CampaignSettings, Settings
from tests.support.browser import chrome, require_browser
from tests.support.server import running_server

pytestmark = pytest.mark.browser

require_browser()

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("docs")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'docs.db'}", data_dir=folder, campaigns=CampaignSettings(scheduler=False)
    )
    with running_server(settings) as base:
        yield base


@pytest.mark.parametrize(("page", "ready"), [("/docs", ".swagger-ui .opblock"), ("/redoc", "[data-section-id]")])
def test_api_docs_render_offline(base_url: str, tmp_path: Path, page: str, ready: str) -> None:
    with chrome(tmp_path / "profile", phone=False) as driver:
        # any request leaving this server fails at once, as on an intranet without a CDN
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*://*.net/*", "*://*.com/*", "*://*.io/*"]})
        driver.get(base_url + page)
        WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.CSS_SELECTOR, ready))
        assert "/api/chat" in driver.find_element(By.TAG_NAME, "body").text
        assert "无废城市小助手 API" in driver.find_element(By.TAG_NAME, "body").text
