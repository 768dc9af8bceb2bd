"""GET /api/chat/inbox: a web user fetches pushes newer than the last id shown; bad input gets a 4xx."""

from __future__ import annotations

import datetime as dt

import httpx

from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings
from bot.runtime import ensure_ready
from tests.support.server import running_server


def test_inbox_returns_only_newer_messages_for_that_user(settings: Settings) -> None:
    factory = ensure_ready(settings)
    sender = WebOutboxSender(factory)
    now = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
    assert sender.send("alice", "第一条", now=now).ok
    sender.send("bob", "别人的", now=now)
    sender.send("alice", "第二条", now=now)
    with running_server(
        settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False})})
    ) as base:
        first = httpx.get(base + "/api/chat/inbox", params={"user": "alice"}).json()
        assert [m["text"] for m in first["messages"]] == ["第一条", "第二条"]
        again = httpx.get(base + "/api/chat/inbox", params={"user": "alice", "after": first["last_id"]}).json()
        assert again == {"messages": [], "last_id": first["last_id"]}
        assert httpx.get(base + "/api/chat/inbox", params={"user": ""}).status_code == 422
        assert httpx.get(base + "/api/chat/inbox", params={"user": "a", "after": -1}).status_code == 422
