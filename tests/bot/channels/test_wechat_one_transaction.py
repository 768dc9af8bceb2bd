"""/wechat handles a message in one transaction: the answer, the chat log and the delivery commit together or not at all."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event

from bot import texts as core_texts
from bot.channels.wechat_models import WechatInbound, WechatWindow
from bot.config import Settings
from bot.dialogue import Dialogue
from bot.models import ChatLog
from bot.web.app import create_app
from tests.bot.web.webhooks.test_wechat_webhook import count, reply_of, wechat_settings
from tests.support.fake_wechat import message_xml


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    configured = wechat_settings(settings)
    quiet = configured.campaigns.model_copy(update={"scheduler": False})  # its ticks would commit too
    with TestClient(create_app(configured.model_copy(update={"campaigns": quiet}))) as test_client:
        yield test_client


def test_a_message_is_answered_logged_and_recorded_in_one_commit(client: TestClient, settings: Settings) -> None:
    reply_of(client, message_xml("o_warm", "text", Content="电池", MsgId=18_000_001))  # snapshot built, pool warm
    engine = client.app.state.factory.kw["bind"]  # type: ignore[attr-defined]
    commits: list[int] = []

    def on_commit(*_: object) -> None:
        commits.append(1)

    event.listen(engine, "commit", on_commit)
    try:
        content = reply_of(client, message_xml("o_one", "text", Content="用过的纸巾", MsgId=18_000_002))["Content"]
    finally:
        event.remove(engine, "commit", on_commit)
    assert "其他垃圾" in content
    assert len(commits) == 1
    assert count(settings, WechatInbound, dedupe_key="msg:18000002", status="done") == 1
    assert count(settings, ChatLog, channel="wechat", text="用过的纸巾") == 1


def test_a_dialogue_fault_rolls_its_writes_back_and_records_the_polite_reply(
    client: TestClient, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Dialogue.respond_in

    def half_then_fail(self: Dialogue, session: object, message: object) -> object:
        real(self, session, message)  # type: ignore[arg-type]  # the turn's rows are written…
        raise RuntimeError("fault after the turn")  # …then something fails before the commit

    monkeypatch.setattr(Dialogue, "respond_in", half_then_fail)
    xml = message_xml("o_fault", "text", Content="过期药品", MsgId=18_000_003)
    first = reply_of(client, xml)["Content"]
    monkeypatch.undo()
    retry = reply_of(client, xml)["Content"]  # WeChat's retry: the stored reply, not a second turn
    assert first == retry == core_texts.INTERNAL_ERROR
    assert count(settings, ChatLog, channel="wechat") == 0  # the failed turn's chat log was rolled back
    assert count(settings, WechatInbound, dedupe_key="msg:18000003") == 1


def _statements(client: TestClient, xml: str) -> tuple[str, list[str]]:
    """The reply's content and the SQL statements the message sent (engine events, BEGIN/COMMIT not counted)."""
    engine = client.app.state.factory.kw["bind"]  # type: ignore[attr-defined]
    sent: list[str] = []

    def on_statement(_conn: object, _cursor: object, sql: str, *_: object) -> None:
        sent.append(" ".join(sql.split()))

    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        content = reply_of(client, xml)["Content"]
    finally:
        event.remove(engine, "before_cursor_execute", on_statement)
    return content, sent


def test_the_dedupe_is_the_delivery_insert_of_the_turn_and_a_retry_is_rolled_back_whole(
    client: TestClient, settings: Settings
) -> None:
    reply_of(client, message_xml("o_warm2", "text", Content="电池", MsgId=18_000_010))  # snapshot built, pool warm
    xml = message_xml("o_retry", "text", Content="用过的纸巾", MsgId=18_000_011)
    first, sent = _statements(client, xml)
    assert "其他垃圾" in first
    assert not any(s.startswith("SELECT") and "wechat_inbound" in s for s in sent)  # no read of the delivery first
    inserts = [s for s in sent if "wechat_inbound" in s]
    assert len(inserts) == 1 and "INSERT INTO wechat_inbound" in inserts[0] and "ON CONFLICT DO NOTHING" in inserts[0]
    windows = [s for s in sent if "wechat_windows" in s]  # the service window: one upsert, no read
    assert len(windows) == 1 and "ON CONFLICT (openid) DO UPDATE" in windows[0]
    if "WITH" in inserts[0]:  # PostgreSQL: the signature's pair, the delivery and the window in one statement
        assert inserts == windows and "INSERT INTO wechat_nonces" in inserts[0]
    retry = reply_of(client, xml)["Content"]  # WeChat's retry: the turn runs, conflicts on the delivery, rolls back
    assert retry == first
    assert count(settings, ChatLog, channel="wechat", text="用过的纸巾") == 1  # the retry's chat log was rolled back
    assert count(settings, WechatInbound, dedupe_key="msg:18000011") == 1
    assert count(settings, WechatWindow, openid="o_retry") == 1
