"""群发 quota under concurrency, the duplicate guard, menu keys the chat understands, and the dedupe purge."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import wechat, wechat_admin, wechat_texts
from bot.channels.wechat_models import WechatInbound, WechatMassSend
from bot.config import Settings, WechatSettings
from bot.db import dispose_engines, transaction
from bot.scheduler import CampaignScheduler
from bot.web.app import create_app
from campaigns import texts as campaign_texts
from knowledge import texts as kb_texts
from tests.support.fake_wechat import AES_KEY, APP_ID, TOKEN, FakeWechat, message_xml, signed_query

NOW = dt.datetime(2026, 6, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def config(fake: FakeWechat, **extra: object) -> WechatSettings:
    values: dict[str, object] = {"app_id": APP_ID, "app_secret": SecretStr("s"), "api_base_url": fake.base_url}
    values.update(extra)
    return WechatSettings.model_validate(values)


def test_concurrent_mass_sends_never_exceed_the_quota(factory: sessionmaker[Session], fake: FakeWechat) -> None:
    settings = config(fake, account_type="service")  # 4 per month
    client = wechat_admin.client_for(settings)
    assert client is not None

    def send(i: int) -> bool:
        result = wechat_admin.mass_send(factory, client, settings, tag_id=i, text=f"第{i}条", now=NOW)
        return result.ok

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(send, range(8)))
    assert outcomes.count(True) == 4
    assert len(fake.sent("message/mass/sendall")) == 4
    with transaction(factory) as session:
        quota = wechat_admin.mass_quota(session, settings, NOW)
        assert (quota.period, quota.used, quota.left) == ("2026-06", 4, 0)
    next_month = wechat_admin.mass_send(factory, client, settings, tag_id=1, text="七月", now=NOW.replace(month=7))
    assert next_month.ok and next_month.quota.period == "2026-07"


def test_a_repeated_mass_send_is_recognised_by_wechat_and_frees_its_slot(
    factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    settings = config(fake, mass_quota=3)
    client = wechat_admin.client_for(settings)
    assert client is not None
    first = wechat_admin.mass_send(factory, client, settings, tag_id=5, text="环境日", now=NOW)
    repeat = wechat_admin.mass_send(factory, client, settings, tag_id=5, text="环境日", now=NOW)
    assert first.ok and not repeat.ok and repeat.reason == wechat_texts.MASS_DUPLICATE
    assert repeat.quota.used == 1 and repeat.quota.account == wechat_texts.ACCOUNT_CUSTOM
    with transaction(factory) as session:
        statuses = session.execute(select(WechatMassSend.status).order_by(WechatMassSend.id)).scalars().all()
        assert statuses == ["sent", "duplicate"]


def test_an_unknown_mass_outcome_keeps_its_slot(factory: sessionmaker[Session]) -> None:
    settings = WechatSettings(
        app_id=APP_ID,
        app_secret=SecretStr("s"),
        api_base_url="http://127.0.0.1:9/cgi-bin/",
        account_type="subscription",
    )
    client = wechat_admin.client_for(settings)
    assert client is not None
    result = wechat_admin.mass_send(factory, client, settings, tag_id=5, text="环境日", now=NOW)
    assert not result.ok and "无法连接微信接口" in result.reason
    assert result.quota.used == 1  # it may have gone out: counted, and a retry would be deduped by clientmsgid


def test_the_default_menu_passes_wechats_rules_and_uses_only_keys_the_chat_knows() -> None:
    settings = WechatSettings()
    assert wechat_admin.check_menu(settings.menu, wechat_admin.known_click_keys(settings)) == 5
    with pytest.raises(wechat_admin.MenuError, match="子菜单"):
        wechat_admin.check_menu(
            [{"name": "更多", "sub_button": [{"type": "click", "name": "帮助", "key": "HELP"}] * 6}], {"HELP"}
        )


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("SORT", wechat_texts.MENU_SORT),
        ("HELP", kb_texts.HELP),
        ("SUBSCRIBE", campaign_texts.SUBSCRIBED),
        ("UNSUBSCRIBE", campaign_texts.UNSUBSCRIBED),
        ("SURVEY", "1."),
    ],
)
def test_every_menu_button_gets_its_own_answer(settings: Settings, key: str, expected: str) -> None:
    wechat_config = WechatSettings(
        token=SecretStr(TOKEN), app_id=APP_ID, encoding_aes_key=SecretStr(AES_KEY), mode="compatible"
    )
    app = create_app(settings.model_copy(update={"wechat": wechat_config}))
    xml = message_xml(f"o_menu_{key}", "event", Event="CLICK", EventKey=key)
    with TestClient(app) as client:
        res = client.post("/wechat", params=signed_query(), content=xml.encode())
    assert res.status_code == 200
    content = xmltodict.parse(res.text)["xml"]["Content"]
    assert expected in content
    assert content != wechat_texts.WELCOME


def test_purge_forgets_deliveries_older_than_two_days(settings: Settings, factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        for i, age in enumerate((dt.timedelta(days=3), dt.timedelta(days=2, minutes=1), dt.timedelta(hours=47))):
            session.add(WechatInbound(dedupe_key=f"msg:{i}", openid="o", msg_type="text", received_at=NOW - age))
    with transaction(factory) as session:
        assert wechat.purge_dedupe(session, NOW) == 2
    scheduler = CampaignScheduler(settings, factory, senders={}, clock=lambda: NOW + dt.timedelta(days=1))
    scheduler.purge_wechat()  # the scheduler tick's call: the 47-hour-old row is now old enough
    with transaction(factory) as session:
        assert session.execute(select(func.count()).select_from(WechatInbound)).scalar_one() == 0
    assert scheduler.purge_due == NOW + dt.timedelta(days=1, hours=1)
