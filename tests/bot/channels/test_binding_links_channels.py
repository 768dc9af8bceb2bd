"""One resident across channels and tracked links, over the real protocols (issue #14 §2, §3): a resident who bound
WeChat (wechatpy-signed XML into /wechat, pushes to the fake WeChat API) and the web chat (/api/chat with its
identity cookie) gets one push, not two; its link is a tracked /l/ link whose first click is recorded once;
退订 on one channel stops pushes to the merged resident. The same with Telegram (python-telegram-bot behind the real
server, the fake Bot API) bound to WeChat, following the link through the running server.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping

import httpx
import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram_sender import TelegramSender
from bot.channels.web_outbox import WebOutboxSender
from bot.channels.wechat_api import WechatSender
from bot.config import Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines, transaction, utcnow
from bot.web.app import create_app
from campaigns import ledger, lifecycle, runs, segments, texts
from campaigns.delivery import DeliveryLoop, SenderLike
from campaigns.models import ChannelIdentity, TrackedLink, WebOutbox
from tests.support.fake_telegram import TOKEN as TG_TOKEN
from tests.support.fake_telegram import message_update, running_fake_telegram
from tests.support.fake_wechat import AES_KEY, APP_ID, FakeWechat, fake_wechat_server, message_xml, signed_query
from tests.support.fake_wechat import TOKEN as WECHAT_TOKEN
from tests.support.server import running_server
from tests.support.webchat import WebResidents

GRACE = dt.timedelta(hours=2)
BASE = "https://wufei.example.cn"
TRACKED = re.compile(re.escape(BASE) + r"/l/([A-Za-z0-9_-]{22})")


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


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
    campaigns = settings.campaigns.model_copy(update={"scheduler": False})
    return settings.model_copy(update={"wechat": wechat, "campaigns": campaigns})


def wx_say(client: TestClient, openid: str, text: str, msg_id: int) -> str:
    xml = message_xml(openid, "text", Content=text, MsgId=msg_id)
    res = client.post("/wechat", params=signed_query(), content=xml.encode("utf-8"))
    assert res.status_code == 200, res.text
    return str(xmltodict.parse(res.text)["xml"]["Content"])


def push(factory: sessionmaker[Session], senders: Mapping[str, SenderLike], text: str) -> int:
    """A campaign to everyone on WeChat first, then the web chat; fired and sent now. Its id."""
    now = utcnow()
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="集市", text=text, now=now, channels=["wechat", "web"])
        lifecycle.start(session, campaign, now=now, quiet=None, grace=GRACE)
        cid = campaign.id
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=GRACE, channels_available=list(senders))
    DeliveryLoop(factory, senders, worker="t", clock=utcnow, sleep=lambda s: None, link_base=BASE).drain()
    return cid


def bind_wechat_and_web(client: TestClient) -> WebResidents:
    web = WebResidents(client)
    web.ask("me", "你好")
    reply = wx_say(client, "o_me", "绑定", 1)
    code = re.search(r"绑定码是 (\d{6})", reply).group(1)  # type: ignore[union-attr]
    answer = web.ask("me", f"绑定 {code}")["replies"][0]["text"]
    assert answer.startswith("绑定成功") and "微信公众号" in answer and "网页聊天" in answer
    return web


def test_a_bound_resident_gets_one_push_and_its_link_click_is_recorded_once(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    senders = {"wechat": WechatSender(wx_settings.wechat, factory), "web": WebOutboxSender(factory)}
    with TestClient(create_app(wx_settings)) as client:
        bind_wechat_and_web(client)
        cid = push(factory, senders, "周六无废集市，报名：https://example.org/market?a=1。")
        [sent] = fake_wx.sent()
        assert sent.body["touser"] == "o_me"
        with transaction(factory) as session:
            assert session.scalar(select(WebOutbox.id)) is None  # one push, not two
            st = ledger.status(session, lifecycle.get(session, cid))
        assert (st["targeted"], st["sent"], st["clicked"]) == (1, 1, 0)
        body = sent.body["text"]["content"]
        assert "example.org" not in body and body.startswith(f"周六无废集市，报名：{BASE}/l/")
        token = TRACKED.search(body).group(1)  # type: ignore[union-attr]
        assert body.split(token, 1)[1].startswith("。")  # punctuation after the link is kept, not tracked

        first = client.get(f"/l/{token}", follow_redirects=False)
        assert (first.status_code, first.headers["location"]) == (302, "https://example.org/market?a=1")
        with transaction(factory) as session:
            link = session.execute(select(TrackedLink)).scalar_one()
            clicked_at = link.clicked_at
            assert clicked_at is not None and link.click_channel == "wechat"
        second = client.get(f"/l/{token}", follow_redirects=False)
        assert (second.status_code, second.headers["location"]) == (302, "https://example.org/market?a=1")
        with transaction(factory) as session:
            assert session.execute(select(TrackedLink.clicked_at)).scalar_one() == clicked_at  # not recorded twice
            st = ledger.status(session, lifecycle.get(session, cid))
            opened = segments.count(session, {"opened": cid}, now=utcnow())
            not_opened = segments.count(session, {"not_opened": cid}, now=utcnow())
        assert (st["clicked"], opened, not_opened) == (1, 1, 0)

        missing = client.get("/l/AAAAAAAAAAAAAAAAAAAAAA", follow_redirects=False)
        assert missing.status_code == 404 and "链接无效" in missing.text
        assert client.get("/l/https:%2F%2Fevil.example", follow_redirects=False).status_code == 404


def test_unsubscribing_on_one_channel_stops_pushes_to_the_merged_resident(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    senders = {"wechat": WechatSender(wx_settings.wechat, factory), "web": WebOutboxSender(factory)}
    with TestClient(create_app(wx_settings)) as client:
        web = bind_wechat_and_web(client)
        assert web.ask("me", "退订")["replies"][0]["text"] == texts.UNSUBSCRIBED
        cid = push(factory, senders, "周六无废集市")
        assert fake_wx.sent() == []
        with transaction(factory) as session:
            assert session.scalar(select(WebOutbox.id)) is None
            st = ledger.status(session, lifecycle.get(session, cid))
            channels = session.scalars(select(ChannelIdentity.channel).order_by(ChannelIdentity.channel)).all()
        assert (st["targeted"], st["skip_reasons"]) == (1, {"opted_out": 1})
        assert channels == ["web", "wechat"]


def test_telegram_and_wechat_bound_over_real_servers_get_one_push_with_a_working_link(
    wx_settings: Settings, factory: sessionmaker[Session], fake_wx: FakeWechat
) -> None:
    secret = "s3cret-Token_42"
    with running_fake_telegram() as fake_tg:
        telegram = TelegramSettings(token=TG_TOKEN, base_url=fake_tg.base_url, webhook_secret=secret)
        both = wx_settings.model_copy(update={"telegram": telegram})
        sender = TelegramSender(both, factory)
        try:
            with running_server(both) as base:
                body = {"update_id": fake_tg.new_update_id(), **message_update(701, "绑定")}
                res = httpx.post(
                    f"{base}/telegram/webhook", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": secret}
                )
                assert res.status_code == 200
                [reply] = [str(c.params["text"]) for c in fake_tg.calls_to("sendMessage")]
                code = re.search(r"绑定码是 (\d{6})", reply).group(1)  # type: ignore[union-attr]
                xml = message_xml("o_tg", "text", Content=f"绑定{code}", MsgId=77)
                answer = httpx.post(f"{base}/wechat", params=signed_query(), content=xml.encode("utf-8"))
                assert "绑定成功" in str(xmltodict.parse(answer.text)["xml"]["Content"])
                now = utcnow()
                with transaction(factory) as session:
                    campaign = lifecycle.create(
                        session,
                        name="集市",
                        text="详情 https://example.org/a",
                        now=now,
                        channels=["telegram", "wechat"],
                    )
                    lifecycle.start(session, campaign, now=now, quiet=None, grace=GRACE)
                    runs.tick(session, now=now, quiet=None, grace=GRACE, channels_available=["telegram", "wechat"])
                senders = {"telegram": sender, "wechat": WechatSender(both.wechat, factory)}
                DeliveryLoop(factory, senders, worker="t", clock=utcnow, sleep=lambda s: None, link_base=BASE).drain()
                pushes = [str(c.params["text"]) for c in fake_tg.calls_to("sendMessage")][1:]
                assert len(pushes) == 1 and fake_wx.sent() == []  # one push, on the campaign's first channel
                token = TRACKED.search(pushes[0]).group(1)  # type: ignore[union-attr]
                hop = httpx.get(f"{base}/l/{token}", follow_redirects=False)
                assert (hop.status_code, hop.headers["location"]) == (302, "https://example.org/a")
                with transaction(factory) as session:
                    assert session.execute(select(TrackedLink.click_channel)).scalar_one() == "telegram"
        finally:
            sender.close()
