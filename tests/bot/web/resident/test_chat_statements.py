"""/api/chat's statements per message: a known resident's message is one lookup and the turn's writes, one commit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from bot.config import Settings
from bot.web.app import create_app
from tests.support.sql import statements

# load_bench's conversation: sorting questions, a clarifying one, a plan question and an FAQ
CONVERSATION = [
    "用过的纸巾扔哪个桶",
    "过期药品是什么垃圾",
    "电池",
    "外卖餐盒怎么扔",
    "新郑市的无废城市目标是什么",
    "帮助",
]


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    quiet = settings.campaigns.model_copy(update={"scheduler": False})  # no sender loop's statements in the count
    with TestClient(create_app(settings.model_copy(update={"campaigns": quiet}))) as c:
        yield c


def test_each_message_of_a_known_resident_is_the_lookup_and_the_turns_writes_in_one_commit(client: TestClient) -> None:
    """With both rate limits on (the defaults), SQLite: the lookup (with both counts), the chat log, last_seen_at, the
    conversation state and the address's count (5); PostgreSQL: the lookup and one WITH statement (2). No message of
    the conversation reads or writes more, whatever answers it (item, clarifying question, plan, FAQ)."""
    factory = client.app.state.factory  # type: ignore[attr-defined]
    engine = factory.kw["bind"]
    commits: list[object] = []

    def committed(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", committed)
    try:
        assert client.post("/api/chat", json={"text": "你好"}).status_code == 200  # first contact: the cookie
        for text in CONVERSATION:
            commits.clear()
            with statements(factory) as sent:
                response = client.post("/api/chat", json={"text": text})
            assert response.status_code == 200 and response.json()["replies"], text
            most = 2 if engine.dialect.name == "postgresql" else 5
            assert len(sent) <= most, (text, [s for s, _ in sent])
            assert len(commits) == 1, text
    finally:
        event.remove(engine, "commit", committed)


def test_an_faq_after_an_item_replaces_the_context_in_one_update(client: TestClient) -> None:
    """The FAQ's context (kept for "那单位呢") is written over the item's: an UPDATE, never a DELETE and an INSERT."""
    factory = client.app.state.factory  # type: ignore[attr-defined]
    client.post("/api/chat", json={"text": "快递纸箱"})
    with statements(factory) as sent:
        assert client.post("/api/chat", json={"text": "乱扔垃圾罚款吗"}).json()["answer"]["intent"] == "faq"
    state = [s for s, _ in sent if "conversation_states" in s and not s.lstrip().upper().startswith("SELECT")]
    if factory.kw["bind"].dialect.name == "postgresql":
        assert len(state) == 1 and "UPDATE conversation_states" in state[0], state
    else:
        assert len(state) == 1 and state[0].lstrip().upper().startswith("UPDATE"), state
