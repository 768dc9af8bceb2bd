"""A database that cannot be reached (down, restarting, locked, full) gives a 503 with a Chinese reason, not a 500."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

from bot import texts
from bot.config import Settings
from bot.web.app import create_app
from tests.support.admin import console_login, make_staff


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def cut_database(app: FastAPI, tmp_path: Path) -> None:
    """Point the app's sessions at a database file that cannot be opened (OperationalError on connect)."""
    unreachable = create_engine(f"sqlite:///{tmp_path / 'missing-folder' / 'x.db'}")
    app.state.factory = sessionmaker(bind=unreachable)


def test_api_answers_503_with_a_reason_while_the_database_is_unavailable_and_recovers(
    app: FastAPI, client: TestClient, tmp_path: Path
) -> None:
    working = app.state.factory
    assert client.post("/api/chat", json={"text": "你好"}).status_code == 200  # the client now has its web identity
    assert client.get("/api/chat/inbox").status_code == 200
    cut_database(app, tmp_path)
    r = client.get("/api/chat/inbox")
    assert r.status_code == 503
    assert r.json() == {"detail": texts.DATABASE_UNAVAILABLE}
    assert r.headers["retry-after"] == "5"
    assert client.get("/healthz").status_code == 503
    app.state.factory = working
    assert client.get("/api/chat/inbox").json()["messages"] == []


def test_console_and_admin_api_show_the_reason_while_the_database_is_unavailable(
    app: FastAPI, client: TestClient, tmp_path: Path
) -> None:
    admin = make_staff(app.state.factory, "管理员甲", "admin")
    console_login(client, admin)
    cut_database(app, tmp_path)
    page = client.get("/admin/knowledge")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert texts.DATABASE_UNAVAILABLE in page.text and "Traceback" not in page.text
    api = client.get("/api/admin/me", headers=admin.headers)
    assert api.status_code == 503 and api.json() == {"detail": texts.DATABASE_UNAVAILABLE}
