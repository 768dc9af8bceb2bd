"""A small .xlsx that inflates to 100 MB, or claims a million rows, is refused quickly by every survey and cell import."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.db import session_factory
from bot.web.app import create_app
from tests.support.admin import Staff, staff_per_role
from tests.support.bombs import xlsx_bomb, xlsx_claiming

HEADER = ["publicity", "satisfaction", "township"]
ROW = ["aware", "satisfied", "xz_hezhuang"]


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 400 KB on disk, 100 MB of sheet XML (built once: it takes a few seconds)."""
    return xlsx_bomb(tmp_path_factory.mktemp("bombs") / "answers.xlsx", HEADER, ROW)


def wufei(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """The real `wufei` command on the test database; a minute at most (before the guard it ran for many)."""
    env = {**os.environ, "WUFEI_DATABASE_URL": settings.db_url, "WUFEI_DATA_DIR": str(settings.data_dir),
           "WUFEI_LOG_LEVEL": "WARNING"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env, timeout=60)


def test_the_cli_refuses_a_zip_bomb_in_seconds(settings: Settings, bomb: Path) -> None:
    assert bomb.stat().st_size < 1_000_000
    # each command must finish within wufei()'s 60 s (interpreter start-up on a busy machine; the check takes
    # milliseconds); before the guard the import was still parsing after 400 s
    survey = wufei(settings, "survey", "import", "public", str(bomb))
    cells = wufei(settings, "cells", "import", str(bomb))
    for done in (survey, cells):
        assert done.returncode == 2, done.stderr
        assert "解压后有 9" in done.stderr and "超过上限 64 MB" in done.stderr and "answers.xlsx" in done.stderr


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture
def staff(settings: Settings, client: TestClient) -> dict[str, Staff]:
    return staff_per_role(session_factory(settings.db_url))


def test_the_admin_api_refuses_a_zip_bomb_in_seconds(
    client: TestClient, staff: dict[str, Staff], bomb: Path, tmp_path: Path
) -> None:
    start = time.monotonic()
    r = client.post(
        "/api/admin/surveys/public/import",
        files={"file": ("answers.xlsx", bomb.read_bytes(), "application/octet-stream")},
        headers=staff["office"].headers,
    )
    assert r.status_code == 422 and "解压后有 9" in r.json()["detail"], r.text
    r = client.post(
        "/api/admin/cells/import",
        files={"file": ("细胞.xlsx", bomb.read_bytes(), "application/octet-stream")},
        headers=staff["staff"].headers,
    )
    assert r.status_code == 422 and "超过上限 64 MB" in r.json()["detail"], r.text
    claims = xlsx_claiming(tmp_path / "wide.xlsx", HEADER, dimension=None, far_cell="XFD1")
    r = client.post(
        "/api/admin/surveys/public/import",
        files={"file": ("wide.xlsx", claims.read_bytes(), "application/octet-stream")},
        headers=staff["office"].headers,
    )
    assert r.status_code == 422 and "16384 列" in r.json()["detail"], r.text
    assert time.monotonic() - start < 30  # the old code parsed for minutes


def test_a_lone_cell_a_million_rows_down_stops_at_the_row_limit(
    client: TestClient, staff: dict[str, Staff], tmp_path: Path
) -> None:
    far = xlsx_claiming(tmp_path / "far.xlsx", HEADER, dimension=None, last_row=1_000_000)
    start = time.monotonic()
    r = client.post(
        "/api/admin/surveys/public/import",
        files={"file": ("far.xlsx", far.read_bytes(), "application/octet-stream")},
        headers=staff["office"].headers,
    )
    assert r.status_code == 422 and "超过 100000 行的上限" in r.json()["detail"], r.text
    assert time.monotonic() - start < 30
