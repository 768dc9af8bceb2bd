"""The HTTP API: /api/chat keeps a conversation, bad input gets a 4xx with a reason."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.config import Settings
from bot.web.app import create_app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as c:
        yield c


def test_chat_returns_replies_and_the_structured_answer(client: TestClient) -> None:
    r = client.post("/api/chat", json={"text": "用过的纸巾扔哪个桶?"})
    assert r.status_code == 200
    body = r.json()
    assert "其他垃圾" in body["replies"][0]["text"]
    assert body["answer"]["intent"] == "sorting"
    assert body["answer"]["items"][0]["category"] == "其他垃圾"


def test_chat_keeps_clarification_per_user_with_choices(client: TestClient) -> None:
    first = client.post("/api/chat", json={"text": "电池"}).json()
    assert first["answer"]["intent"] == "clarify"
    assert [c["key"] for c in first["replies"][0]["choices"]] == ["1", "2"]
    second = client.post("/api/chat", json={"text": "1"}).json()  # the same client: the identity cookie goes back
    assert second["answer"]["items"][0]["category"] == "其他垃圾"
    client.cookies.clear()  # another client: its "1" answers nothing
    assert client.post("/api/chat", json={"text": "1"}).json()["answer"]["intent"] != "sorting"


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"user": "w3"}, 422),
        ({"text": ""}, 422),
        ({"text": "纸" * 2001}, 422),
        ({"user": 5, "text": ["x"]}, 422),
        ({"text": None}, 422),
    ],
)
def test_bad_chat_requests_get_a_reason(client: TestClient, payload: dict[str, object], status: int) -> None:
    r = client.post("/api/chat", json=payload)
    assert r.status_code == status
    assert r.json()["detail"] == "请求格式不正确"


def test_non_json_and_oversized_bodies_are_refused(client: TestClient) -> None:
    r = client.post("/api/chat", content=b"<xml/>", headers={"content-type": "application/xml"})
    assert r.status_code == 422
    r = client.post("/api/chat", content=b"{" + b" " * 70_000 + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert "上限" in r.json()["detail"]


def test_health_docs_and_page(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    local = TestClient(client.app, client=("127.0.0.1", 50000))  # the API docs answer this machine only by default
    assert local.get("/openapi.json").json()["paths"]["/api/chat"]
    assert local.get("/docs").status_code == 200
    page = client.get("/")
    assert page.status_code == 200 and "无废城市小助手" in page.text
    assert client.get("/static/chat.js").status_code == 200
