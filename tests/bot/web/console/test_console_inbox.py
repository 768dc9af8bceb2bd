"""人工客服 inbox (issue #14 §4): "转人工" on the web chat, WeChat (wechatpy-signed XML) and Telegram (python-telegram-bot
behind the real app, the fake Bot API) opens a conversation; a console reply reaches the resident's channel within its
rules (WeChat's 48-hour window honoured); roles without the permission get 403; every read and reply is audited."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import handover
from bot.admin.models import AuditEntry
from bot.channels.wechat_models import WechatWindow
from bot.config import Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines, transaction
from bot.handover_models import HandoverConversation, HandoverReply
from bot.web.app import create_app
from tests.support.admin import Staff, console_login, csrf_of, make_staff, staff_per_role
from tests.support.fake_telegram import TOKEN, FakeTelegram, message_update, running_fake_telegram
from tests.support.fake_wechat import AES_KEY, APP_ID, FakeWechat, fake_wechat_server, message_xml, signed_query
from tests.support.fake_wechat import TOKEN as WECHAT_TOKEN
from tests.support.server import running_server
from tests.support.webchat import WebResidents

SECRET = "s3cret-Token_42"


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def conversation_ids(factory: sessionmaker[Session]) -> list[int]:
    with transaction(factory) as session:
        return list(session.scalars(select(HandoverConversation.id).order_by(HandoverConversation.id)))


def audited(factory: sessionmaker[Session], action: str) -> list[AuditEntry]:
    with transaction(factory) as session:
        rows = list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))
        session.expunge_all()
    return rows


def said(residents: WebResidents, name: str, text: str) -> str:
    """The reply bubbles' text."""
    return "\n".join(str(r["text"]) for r in residents.ask(name, text)["replies"])


def send_reply(client: httpx.Client, csrf: str, conversation_id: int, text: str) -> str:
    """POST a console reply; the page it lands on."""
    r = client.post(f"/admin/inbox/{conversation_id}/reply", data={"text": text, "csrf_token": csrf})
    assert r.status_code == 200, r.text
    return r.text


# --- web chat --------------------------------------------------------------------------------------------------------


def test_web_resident_asks_for_a_person_and_the_console_reply_reaches_the_chat(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with TestClient(create_app(settings)) as console:
        staff = make_staff(factory, "小王", "staff")
        residents = WebResidents(TestClient(console.app))  # the residents' own browser, not the staff's cookie jar
        residents.ask("alice", "充电宝扔哪个桶")
        assert "工作人员" in said(residents, "alice", "转人工")
        assert said(residents, "alice", "用过的纸巾扔哪").endswith(handover.WAITING_LINE)
        [cid] = conversation_ids(factory)

        csrf = console_login(console, staff)
        page = console.get("/admin/inbox").text
        assert f"会话 #{cid}" in page and "转人工" in page and "其他垃圾" in page  # its messages and the bot's answer
        assert "人工客服" in page  # the menu entry
        detail = console.get(f"/admin/inbox/{cid}").text
        assert "充电宝扔哪个桶" in detail  # the question, for the FAQ draft

        landed = send_reply(console, csrf, cid, "您好，充电宝属于有害垃圾，请投到有害垃圾桶。")
        assert "已发送到居民的网页聊天" in landed
        inbox = residents.inbox("alice").json()["messages"]
        assert inbox[-1]["text"] == "【工作人员回复】您好，充电宝属于有害垃圾，请投到有害垃圾桶。"
        assert residents.inbox("bob").status_code == 401  # nobody else reads it

        r = console.post(f"/admin/inbox/{cid}/close", data={"csrf_token": csrf})
        assert "已关闭会话" in r.text
        assert f"会话 #{cid}" not in console.get("/admin/inbox").text
        assert f"会话 #{cid}" in console.get("/admin/inbox?status=closed").text
        assert "会话已关闭" in send_reply(console, csrf, cid, "还在吗")

    with transaction(factory) as session:
        row = session.get(HandoverConversation, cid)
        assert row is not None and (row.status, row.assigned_to, row.closed_by) == ("closed", "小王", "小王")
        assert [r.sent for r in session.scalars(select(HandoverReply))] == [True]
    # the page, and the page each reply lands on: every showing of the transcript is a read
    assert [e.target for e in audited(factory, "conversation.read")] == [f"#{cid}"] * 3
    assert audited(factory, "conversation.list")[0].detail["conversations"] == [cid]
    [reply] = audited(factory, "conversation.reply")
    assert (reply.actor, reply.detail["sent"]) == ("小王", True)
    assert len(audited(factory, "conversation.close")) == 1


def test_roles_without_the_permission_get_403_and_do_not_see_the_menu(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with TestClient(create_app(settings)) as console:
        staff = staff_per_role(factory)
        WebResidents(TestClient(console.app)).ask("carol", "人工")
        [cid] = conversation_ids(factory)
        for role in ("office", "viewer"):
            console.cookies.clear()
            csrf = console_login(console, staff[role])
            assert "/admin/inbox" not in console.get("/admin").text
            assert console.get("/admin/inbox").status_code == 403
            assert console.get(f"/admin/inbox/{cid}").status_code == 403
            r = console.post(f"/admin/inbox/{cid}/reply", data={"text": "hi", "csrf_token": csrf})
            assert r.status_code == 403 and "无权" in r.text
            assert console.post(f"/admin/inbox/{cid}/close", data={"csrf_token": csrf}).status_code == 403
        console.cookies.clear()
        console_login(console, staff["admin"])
        assert console.get(f"/admin/inbox/{cid}").status_code == 200
        assert console.get("/admin/inbox/999999").status_code == 404
    assert audited(factory, "conversation.reply") == []
    assert [e.actor for e in audited(factory, "conversation.read")] == ["admin-user"]  # refusals read nothing


def test_one_click_turns_the_question_into_an_faq_the_bot_then_answers(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    with TestClient(create_app(settings)) as console:
        staff = make_staff(factory, "小李", "staff")
        residents = WebResidents(TestClient(console.app))
        residents.ask("dan", "垃圾分类积分怎么兑换")
        residents.ask("dan", "找工作人员")
        [cid] = conversation_ids(factory)
        csrf = console_login(console, staff)
        send_reply(console, csrf, cid, "积分可以在社区兑换点换日用品。")
        page = console.get(f"/admin/inbox/{cid}").text
        form = dict(re.findall(r'<input name="(key|title)" value="([^"]*)"', page))
        assert form == {"key": f"inbox-{cid}", "title": "垃圾分类积分怎么兑换"}
        assert "积分可以在社区兑换点换日用品。</textarea>" in page  # the staff answer prefilled
        r = console.post(
            f"/admin/inbox/{cid}/faq",
            data={
                "csrf_token": csrf_of(page), "key": f"inbox-{cid}", "title": "积分怎么兑换",
                "keywords": "积分 兑换", "answer": "积分可以在社区兑换点换日用品。",
            },
        )  # fmt: skip
        assert "已保存为常见问题" in r.text
        assert "社区兑换点" in said(residents, "erin", "我的积分能兑换什么")
    assert [e.detail["faq"] for e in audited(factory, "conversation.faq")] == [f"inbox-{cid}"]


# --- WeChat ----------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_wx() -> Iterator[FakeWechat]:
    with fake_wechat_server() as server:
        yield server


@pytest.fixture
def wx_settings(settings: Settings, fake_wx: FakeWechat) -> Settings:
    wechat = WechatSettings(
        token=SecretStr(WECHAT_TOKEN), app_id=APP_ID, app_secret=SecretStr("test-secret"),
        encoding_aes_key=SecretStr(AES_KEY), mode="compatible", api_base_url=fake_wx.base_url,
    )  # fmt: skip
    return settings.model_copy(update={"wechat": wechat})


def wx_say(client: TestClient, xml: str) -> str:
    res = client.post("/wechat", params=signed_query(), content=xml.encode("utf-8"))
    assert res.status_code == 200, res.text
    return str(xmltodict.parse(res.text)["xml"]["Content"]) if res.text.startswith("<xml") else res.text


def test_wechat_reply_goes_as_a_customer_service_message_inside_48_hours_only(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    with TestClient(create_app(wx_settings)) as console:
        staff = make_staff(factory, "小张", "staff")
        assert "工作人员" in wx_say(console, message_xml("o_person", "text", Content="人工客服", MsgId=7001))
        [cid] = conversation_ids(factory)
        csrf = console_login(console, staff)
        assert "微信客服消息窗口还剩约" in console.get(f"/admin/inbox/{cid}").text
        assert "已发送到居民的微信公众号" in send_reply(console, csrf, cid, "您好，请问具体是什么物品？")
        [sent] = fake_wx.sent()
        assert sent.body["touser"] == "o_person"
        assert sent.body["text"]["content"] == "【工作人员回复】您好，请问具体是什么物品？"

        with transaction(factory) as session:  # the resident's last message is now 49 hours old
            window = session.get(WechatWindow, "o_person")
            assert window is not None and window.message_at is not None
            last = window.message_at
            window.message_at = last - dt.timedelta(hours=49)
        page = console.get(f"/admin/inbox/{cid}").text
        assert "窗口已关闭" in page and 'name="text"' not in page  # no reply form that would pretend to send
        landed = send_reply(console, csrf, cid, "还在吗？")
        assert "没有发出" in landed and "48小时" in landed
        assert len(fake_wx.sent()) == 1  # WeChat was not even asked

    with transaction(factory) as session:
        assert [(r.text, r.sent) for r in session.scalars(select(HandoverReply).order_by(HandoverReply.id))] == [
            ("您好，请问具体是什么物品？", True),
            ("还在吗？", False),
        ]
    assert [e.detail["sent"] for e in audited(factory, "conversation.reply")] == [True, False]


def test_wechat_window_is_judged_at_the_given_time(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    with TestClient(create_app(wx_settings)) as client:
        wx_say(client, message_xml("o_clock", "text", Content="转人工", MsgId=7101))
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_clock")
        assert window is not None and window.message_at is not None
        opened = window.message_at
        assert handover.wechat_window(session, "o_clock", opened + dt.timedelta(hours=47)).open
        assert not handover.wechat_window(session, "o_clock", opened + dt.timedelta(hours=48)).open
    late = handover.deliver(
        wx_settings, factory, channel="wechat", external_id="o_clock", text="晚了", now=opened + dt.timedelta(hours=48)
    )
    assert not late.sent and handover.WINDOW_CLOSED in late.message and fake_wx.sent() == []
    inside = handover.deliver(
        wx_settings, factory, channel="wechat", external_id="o_clock", text="来了", now=opened + dt.timedelta(hours=47)
    )
    assert inside.sent and [c.body["text"]["content"] for c in fake_wx.sent()] == ["【工作人员回复】来了"]


def test_a_staff_reply_whose_answer_times_out_is_reported_as_maybe_delivered(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    with TestClient(create_app(wx_settings)) as client:
        wx_say(client, message_xml("o_slowpoke", "text", Content="转人工", MsgId=7201))
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_slowpoke")
        assert window is not None and window.message_at is not None
        opened = window.message_at
    slow = wx_settings.model_copy(
        update={"wechat": wx_settings.wechat.model_copy(update={"send_timeout_seconds": 0.5})}
    )
    fake_wx.slow_next("message/custom/send", 1.5)  # WeChat takes the reply and answers after our timeout
    late = handover.deliver(slow, factory, channel="wechat", external_id="o_slowpoke", text="稍等", now=opened)
    assert not late.sent and "可能已经送达" in late.message and "不要再发" in late.message
    assert "没有发出" not in late.message
    assert len(fake_wx.calls_to("message/custom/send")) == 1


# --- Telegram --------------------------------------------------------------------------------------------------------


@pytest.fixture
def fake_tg() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f


def login(client: httpx.Client, staff: Staff) -> str:
    token = csrf_of(client.get("/admin/login").text)
    r = client.post("/admin/login", data={"name": staff.name, "password": staff.password, "csrf_token": token})
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def test_telegram_resident_gets_the_console_reply_through_the_bot(
    settings: Settings, factory: sessionmaker[Session], fake_tg: FakeTelegram
) -> None:
    tg = settings.model_copy(
        update={"telegram": TelegramSettings(token=TOKEN, base_url=fake_tg.base_url, webhook_secret=SECRET)}
    )
    staff = make_staff(factory, "小赵", "staff")
    with running_server(tg) as base, httpx.Client(base_url=base, follow_redirects=True, timeout=30) as console:
        body: dict[str, Any] = {"update_id": fake_tg.new_update_id(), **message_update(801, "转人工")}
        res = httpx.post(
            f"{base}/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}, timeout=30
        )
        assert res.status_code == 200
        answer = fake_tg.wait_for("sendMessage", 1)[-1]
        assert "工作人员" in str(answer.params["text"])
        [cid] = conversation_ids(factory)
        csrf = login(console, staff)
        assert "Telegram" in console.get("/admin/inbox").text
        assert "已发送到居民的Telegram" in send_reply(console, csrf, cid, "您好，我是工作人员。")
        sent = [c for c in fake_tg.calls_to("sendMessage") if c.params["chat_id"] == "801"]
        assert str(sent[-1].params["text"]) == "【工作人员回复】您好，我是工作人员。"
