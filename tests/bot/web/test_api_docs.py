"""/docs and /redoc load their scripts from this server (packaged copies), never from a CDN: they work on an intranet."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.web.app import create_app

URL = re.compile(r"""(?:src|href|url)\s*[=:(]\s*['"]?([^'"\s)>]+)""", re.IGNORECASE)
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def local(ready_sqlite: Settings) -> Iterator[TestClient]:
    """A client on this machine (the docs answer only direct local requests by default)."""
    yield TestClient(create_app(ready_sqlite), client=("127.0.0.1", 50000))


def references(html: str) -> list[str]:
    """Every src/href/url(…) in a page, plus any absolute http(s) address written anywhere in it."""
    return [*URL.findall(html), *re.findall(r"https?://[^\s'\"<>)]+", html)]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_reference_no_external_host(local: TestClient, page: str) -> None:
    r = local.get(page)
    assert r.status_code == 200
    refs = references(r.text)
    assert any("/docs/assets/" in ref for ref in refs)
    external = [ref for ref in refs if EXTERNAL.match(ref)]
    assert external == []
    assert "fonts.googleapis" not in r.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_every_asset_a_docs_page_names_is_served(local: TestClient, page: str) -> None:
    assets = [ref for ref in references(local.get(page).text) if ref.startswith("/docs/assets/")]
    assert assets
    for asset in assets:
        r = local.get(asset)
        assert r.status_code == 200, asset
        assert len(r.content) > 500, asset


def test_the_checker_catches_a_cdn_page() -> None:
    html = '<link href="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"><script src="//cdn.x/y.js">'
    assert [ref for ref in references(html) if EXTERNAL.match(ref)]


def test_docs_stay_private_to_other_machines(ready_sqlite: Settings) -> None:
    remote = TestClient(create_app(ready_sqlite), client=("203.0.113.9", 40000))
    assert remote.get("/docs").status_code == 403
    assert remote.get("/docs/assets/swagger-ui.css").status_code == 200  # public files of a public project
