"""Outside the customer-service window: 模板消息, then 订阅通知, then a recorded reason — against the fake WeChat API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import wechat_texts
from bot.channels.wechat_api import WechatSender, open_window
from bot.config import WechatSettings
from bot.db import dispose_engines, transaction
from tests.support.fake_wechat import APP_ID, FakeWechat

NOW = dt.datetime(2026, 6, 4, 9, 0, tzinfo=dt.UTC)
TEMPLATE = {
    "template_id": "TPL_ENV_DAY",
    "url": "https://example.org/env-day",
    "data": {
        "first": "环境日活动",
        "keyword1": "6月5日上午9点",
        "keyword2": "新郑市人民公园东门广场集合，请自带水杯和环保袋",
    },
}


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    """Each test has its own database: close its pooled connections so PostgreSQL does not run out of slots."""
    yield
    dispose_engines()


def make_sender(factory: sessionmaker[Session], fake: FakeWechat, **extra: object) -> WechatSender:
    values: dict[str, object] = {"app_id": APP_ID, "app_secret": SecretStr("s3cret"), "api_base_url": fake.base_url}
    values.update(extra)
    return WechatSender(WechatSettings.model_validate(values), factory)


@pytest.fixture
def sender(factory: sessionmaker[Session], fake: FakeWechat) -> WechatSender:
    return make_sender(factory, fake)


def opened(factory: sessionmaker[Session], openid: str, kind: str = "message", at: dt.datetime = NOW) -> None:
    with transaction(factory) as session:
        open_window(session, openid=openid, kind=kind, now=at)


def test_inside_the_window_the_text_goes_as_a_customer_service_message_even_with_a_template(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_in")
    result = sender.send("o_in", "明天是环境日", now=NOW, template=TEMPLATE)
    assert result.ok and result.reason == wechat_texts.VIA_CUSTOM
    assert [c.body["text"]["content"] for c in fake.sent()] == ["明天是环境日"]
    assert fake.calls_to("message/template/send") == []


def test_outside_the_window_the_campaign_template_is_used(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_old", at=NOW - dt.timedelta(days=3))
    result = sender.send("o_old", "明天是环境日", now=NOW, template=TEMPLATE)
    assert result.ok and result.provider_id
    assert result.reason == wechat_texts.VIA_TEMPLATE.format(why=wechat_texts.WHY_WINDOW)
    assert fake.calls_to("message/custom/send") == []  # the window is known closed: no doomed call first
    [call] = fake.sent("message/template/send")
    assert call.body["touser"] == "o_old" and call.body["template_id"] == "TPL_ENV_DAY"
    assert call.body["url"] == "https://example.org/env-day"
    data = call.body["data"]
    assert data["first"] == {"value": "环境日活动"} and data["keyword1"] == {"value": "6月5日上午9点"}
    assert data["keyword2"]["value"] == "新郑市人民公园东门广场集合，请自带水杯…"  # 20 characters, WeChat's limit
    assert len(data["keyword2"]["value"]) == 20


def test_a_used_up_window_falls_back_to_the_template_and_says_why(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_busy")
    assert all(sender.send("o_busy", f"第{i}条", now=NOW).ok for i in range(5))
    result = sender.send("o_busy", "第6条", now=NOW, template=TEMPLATE)
    assert result.ok and result.reason == wechat_texts.VIA_TEMPLATE.format(why=wechat_texts.WHY_QUOTA)
    assert len(fake.sent()) == 5 and len(fake.sent("message/template/send")) == 1


def test_when_wechat_says_the_window_is_closed_the_same_send_uses_the_template(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_stale")
    fake.fail_next("message/custom/send", 45015)
    result = sender.send("o_stale", "x", now=NOW, template=TEMPLATE)
    assert result.ok and result.reason.startswith("模板消息")
    assert len(fake.calls_to("message/custom/send")) == 1
    assert sender.send("o_stale", "y", now=NOW, template=TEMPLATE).ok
    assert len(fake.calls_to("message/custom/send")) == 1  # WeChat's word was kept: no second doomed call


def test_without_a_template_the_configured_subscription_notice_is_used(
    factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    sender = make_sender(
        factory,
        fake,
        subscribe_template_id="SUB_TPL",
        subscribe_page="pages/index",
        subscribe_fields={"thing1": "{text}", "time2": "{date}"},
    )
    result = sender.send("o_sub", "6月5日环境日，欢迎到人民公园参加旧物交换活动", now=NOW)
    assert result.ok and result.reason == wechat_texts.VIA_SUBSCRIBE.format(why=wechat_texts.WHY_WINDOW)
    [call] = fake.sent("message/subscribe/bizsend")
    assert call.body["template_id"] == "SUB_TPL" and call.body["page"] == "pages/index"
    assert call.body["data"]["thing1"]["value"] == "6月5日环境日，欢迎到人民公园参加旧物…"  # 20 characters
    assert call.body["data"]["time2"] == {"value": "2026年6月4日"}


def test_with_no_instrument_the_send_is_skipped_with_a_clear_reason(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    silent = sender.send("o_silent", "x", now=NOW)
    assert not silent.ok and silent.unreachable
    assert silent.reason == "超出48小时客服消息窗口，且未配置模板消息或订阅通知"
    opened(factory, "o_full")
    for _ in range(5):
        assert sender.send("o_full", "x", now=NOW).ok
    full = sender.send("o_full", "x", now=NOW)
    assert not full.ok and full.unreachable and full.reason == wechat_texts.REASON_QUOTA_NO_INSTRUMENT
    assert fake.calls_to("message/template/send") == fake.calls_to("message/subscribe/bizsend") == []


def test_an_unfollowed_resident_gets_no_template_either(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_gone", kind="unfollow")
    result = sender.send("o_gone", "x", now=NOW, template=TEMPLATE)
    assert result.unreachable and result.reason == wechat_texts.REASON_UNFOLLOWED
    assert fake.calls_to("message/template/send") == []


def test_template_43004_marks_the_resident_unfollowed(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    fake.fail_next("message/template/send", 43004)
    first = sender.send("o_left", "x", now=NOW, template=TEMPLATE)
    assert not first.ok and first.unreachable and first.reason == wechat_texts.REASON_UNFOLLOWED
    again = sender.send("o_left", "x", now=NOW, template=TEMPLATE)
    assert again.unreachable and again.reason == wechat_texts.REASON_UNFOLLOWED
    assert len(fake.calls_to("message/template/send")) == 1  # remembered, though the resident had no window yet


@pytest.mark.parametrize(
    ("code", "reason", "unreachable", "retry"),
    [
        (40037, wechat_texts.REASON_TEMPLATE_BAD, False, False),
        (45009, wechat_texts.REASON_API_QUOTA, False, True),
    ],
)
def test_template_errors_become_reasons_without_looping(
    sender: WechatSender, fake: FakeWechat, code: int, reason: str, unreachable: bool, retry: bool
) -> None:
    fake.fail_next("message/template/send", code)
    result = sender.send("o_t", "x", now=NOW, template=TEMPLATE)
    assert not result.ok and result.reason == reason and result.unreachable is unreachable
    assert (result.retry_after is not None) is retry
    assert len(fake.calls_to("message/template/send")) == 1


def test_a_refused_subscription_notice_is_unreachable(factory: sessionmaker[Session], fake: FakeWechat) -> None:
    sender = make_sender(factory, fake, subscribe_template_id="SUB_TPL")
    fake.fail_next("message/subscribe/bizsend", 43101)
    result = sender.send("o_no", "x", now=NOW)
    assert not result.ok and result.unreachable and result.reason == wechat_texts.REASON_SUBSCRIBE_REFUSED


def test_an_expired_token_is_fetched_again_once_for_a_template(sender: WechatSender, fake: FakeWechat) -> None:
    assert sender.send("o_tok", "x", now=NOW, template=TEMPLATE).ok
    fake.expire_token()
    assert sender.send("o_tok", "y", now=NOW, template=TEMPLATE).ok
    assert len(fake.calls_to("stable_token")) == 2
    assert len(fake.sent("message/template/send")) == 2


def test_a_template_without_id_or_data_is_refused_locally(sender: WechatSender, fake: FakeWechat) -> None:
    result = sender.send("o_bad", "x", now=NOW, template={"template_id": "", "data": {}})
    assert not result.ok and result.reason == wechat_texts.REASON_TEMPLATE_FIELDS
    assert fake.calls_to("message/template/send") == []


def test_chat_answers_use_customer_service_only_never_a_notice(
    factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    sender = make_sender(factory, fake, subscribe_template_id="SUB_TPL")
    opened(factory, "o_chat")
    results = [sender.send_custom("o_chat", f"第{i}段", now=NOW) for i in range(6)]
    assert [r.ok for r in results] == [True] * 5 + [False]
    assert results[5].reason == wechat_texts.REASON_QUOTA
    assert fake.calls_to("message/subscribe/bizsend") == []
