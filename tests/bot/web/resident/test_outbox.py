"""GET /api/chat/inbox: a web resident fetches the pushes newer than the last id shown, with its identity cookie only."""

from __future__ import annotations

import datetime as dt

import httpx

from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings
from bot.runtime import ensure_ready
from tests.support.server import running_server
from tests.support.webchat import WebResidents


def test_inbox_returns_only_newer_messages_for_that_user(settings: Settings) -> None:
    factory = ensure_ready(settings)
    sender = WebOutboxSender(factory)
    now = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
    with (
        running_server(
            settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"scheduler": False})})
        ) as base,
        httpx.Client() as client,
    ):
        people = WebResidents(client, base)
        people.ask("alice", "你好")
        people.ask("bob", "你好")
        alice, bob = (people.cookies[name].split(".")[0] for name in ("alice", "bob"))
        assert sender.send(alice, "第一条", now=now).ok
        sender.send(bob, "别人的", now=now)
        sender.send(alice, "第二条", now=now)
        first = people.inbox("alice").json()
        assert [m["text"] for m in first["messages"]] == ["第一条", "第二条"]
        again = people.inbox("alice", after=first["last_id"]).json()
        assert again == {"messages": [], "last_id": first["last_id"]}
        assert [m["text"] for m in people.inbox("bob").json()["messages"]] == ["别人的"]
        assert people.inbox("nobody").status_code == 401
        assert people.inbox("alice", after=-1).status_code == 422
