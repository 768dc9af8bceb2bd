"""The customer-service Sender against a fake WeChat API server: windows, quotas, token refresh and errors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import wechat_texts
from bot.channels.wechat_api import WechatSender, open_window, open_window_upsert
from bot.channels.wechat_models import WechatWindow
from bot.config import WechatSettings
from bot.db import dispose_engines, transaction
from tests.support.fake_wechat import APP_ID, FakeWechat
from tests.support.http_faults import DROPS
from tests.support.server import free_port

NOW = dt.datetime(2026, 3, 30, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    """Each test has its own database: close its pooled connections so PostgreSQL does not run out of slots."""
    yield
    dispose_engines()


@pytest.fixture
def sender(factory: sessionmaker[Session], fake: FakeWechat) -> WechatSender:
    config = WechatSettings(
        token=SecretStr("t"), app_id=APP_ID, app_secret=SecretStr("s3cret"), api_base_url=fake.base_url
    )
    return WechatSender(config, factory)


def opened(factory: sessionmaker[Session], openid: str, kind: str = "message", at: dt.datetime = NOW) -> None:
    with transaction(factory) as session:
        open_window(session, openid=openid, kind=kind, now=at)


def test_sends_inside_the_48_hour_window(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_a")
    result = sender.send("o_a", "6月5日是环境日 🌱", now=NOW + dt.timedelta(hours=47))
    assert result.ok and result.provider_id
    assert fake.sent()[0].body == {
        "touser": "o_a",
        "msgtype": "text",
        "text": {"content": "6月5日是环境日 🌱"},
        "_accepted": True,
    }


def test_refuses_outside_the_window_without_calling_wechat(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    never = sender.send("o_stranger", "hi", now=NOW)
    opened(factory, "o_b")
    late = sender.send("o_b", "hi", now=NOW + dt.timedelta(hours=48, seconds=1))
    for result in (never, late):
        assert not result.ok and result.unreachable
        assert result.reason == wechat_texts.REASON_NO_INSTRUMENT  # no template or 订阅通知 configured either
    assert fake.calls_to("message/custom/send") == []


def test_five_messages_per_window_then_a_new_message_reopens_it(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_c")
    results = [sender.send("o_c", f"第{i}条", now=NOW) for i in range(6)]
    assert [r.ok for r in results] == [True] * 5 + [False]
    assert results[5].reason == wechat_texts.REASON_QUOTA_NO_INSTRUMENT and results[5].unreachable
    opened(factory, "o_c", at=NOW + dt.timedelta(hours=1))
    assert sender.send("o_c", "又可以发了", now=NOW + dt.timedelta(hours=1)).ok
    assert len(fake.sent()) == 6


def test_a_follow_opens_three_sends_within_a_minute(sender: WechatSender, factory: sessionmaker[Session]) -> None:
    opened(factory, "o_d", kind="event")
    assert [sender.send("o_d", "x", now=NOW + dt.timedelta(seconds=10)).ok for _ in range(4)] == [True] * 3 + [False]
    opened(factory, "o_e", kind="event")
    assert not sender.send("o_e", "x", now=NOW + dt.timedelta(seconds=61)).ok


def test_an_unfollowed_resident_is_not_sent_to(sender: WechatSender, factory: sessionmaker[Session]) -> None:
    opened(factory, "o_f")
    opened(factory, "o_f", kind="unfollow")
    result = sender.send("o_f", "x", now=NOW)
    assert result.unreachable and result.reason == wechat_texts.REASON_UNFOLLOWED


@pytest.mark.parametrize(
    ("code", "reason", "unreachable"),
    [
        (45015, wechat_texts.REASON_NO_INSTRUMENT, True),
        (45047, wechat_texts.REASON_QUOTA_NO_INSTRUMENT, True),
        (43004, wechat_texts.REASON_UNFOLLOWED, True),
        (45009, wechat_texts.REASON_API_QUOTA, False),
        (40164, wechat_texts.REASON_IP, False),
    ],
)
def test_platform_errors_become_reasons(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat, code: int, reason: str, unreachable: bool
) -> None:
    opened(factory, "o_g")
    fake.fail_next("message/custom/send", code)
    result = sender.send("o_g", "x", now=NOW)
    assert not result.ok
    assert result.reason == reason
    assert result.unreachable is unreachable
    assert unreachable or (result.retry_after or 0) > 0
    follow_up = sender.send("o_g", "x", now=NOW)
    assert follow_up.ok is (not unreachable)  # WeChat's word on the window is kept; transient errors are not


def test_an_invalid_token_is_fetched_again_once_and_the_send_retried(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_h")
    assert sender.send("o_h", "x", now=NOW).ok
    fake.expire_token()
    assert sender.send("o_h", "y", now=NOW).ok
    assert len(fake.calls_to("stable_token")) == 2
    assert [c.body["text"]["content"] for c in fake.sent()] == ["x", "y"]


def test_a_token_error_that_persists_is_reported_not_looped(
    sender: WechatSender, factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_i")
    fake.fail_next("message/custom/send", 40001, 40001, 40001)
    result = sender.send("o_i", "x", now=NOW)
    assert not result.ok and not result.unreachable
    assert "40001" in result.reason and result.retry_after
    assert len(fake.calls_to("message/custom/send")) == 2


def test_an_unreachable_api_is_a_result_not_an_exception(factory: sessionmaker[Session]) -> None:
    config = WechatSettings(app_id=APP_ID, app_secret=SecretStr("s"), api_base_url="http://127.0.0.1:9/cgi-bin/")
    opened(factory, "o_j")
    result = WechatSender(config, factory).send("o_j", "x", now=NOW)
    assert not result.ok and result.retry_after and not result.unreachable and result.outage


def test_without_app_secret_the_sender_says_so(factory: sessionmaker[Session]) -> None:
    result = WechatSender(WechatSettings(app_id=APP_ID), factory).send("o_k", "x", now=NOW)
    assert not result.ok and result.reason == wechat_texts.REASON_NOT_CONFIGURED


def slow_sender(factory: sessionmaker[Session], fake: FakeWechat, timeout: float = 0.5) -> WechatSender:
    config = WechatSettings(
        app_id=APP_ID, app_secret=SecretStr("s3cret"), api_base_url=fake.base_url, send_timeout_seconds=timeout
    )
    return WechatSender(config, factory)


@pytest.mark.parametrize("path", ["message/custom/send", "message/template/send"])
def test_an_answer_slower_than_the_send_timeout_is_unconfirmed_and_never_sent_again(
    factory: sessionmaker[Session], fake: FakeWechat, path: str
) -> None:
    at = NOW if path == "message/custom/send" else NOW + dt.timedelta(days=3)  # outside the window: a template
    opened(factory, "o_slow")
    fake.slow_next(path, 1.5)  # accepted at once, answered after our 0.5 s: WeChat delivered it
    template = {"template_id": "TPL", "data": {"first": "环境日"}}
    result = slow_sender(factory, fake).send("o_slow", "周六集中回收大件垃圾", now=at, template=template)
    assert not result.ok and result.unconfirmed
    assert result.retry_after is None and not result.unreachable  # nothing tells the loop to send it again
    assert "可能已送达" in result.reason and "ReadTimeout" in result.reason
    assert len(fake.sent(path)) == 1 and len(fake.calls_to(path)) == 1  # exactly one copy reached WeChat
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_slow")
        assert window is not None
        assert window.message_sent == (1 if path == "message/custom/send" else 0)  # the slot is not handed back


def test_the_send_timeout_comes_from_settings_and_a_slow_but_timely_answer_is_sent(
    factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_patient")
    fake.slow_next("message/custom/send", 0.6)
    result = slow_sender(factory, fake, timeout=3.0).send("o_patient", "x", now=NOW)
    assert result.ok and not result.unconfirmed and result.provider_id
    assert WechatSettings().send_timeout_seconds == 30.0  # a loaded WeChat gets far longer than the old 5 s


def test_a_token_fetch_that_times_out_is_retryable_and_sends_nothing(
    factory: sessionmaker[Session], fake: FakeWechat
) -> None:
    opened(factory, "o_token")
    sender = slow_sender(factory, fake, timeout=5.0)
    assert sender.client is not None
    sender.client.timeout = 0.3  # the token fetch keeps its own short timeout
    fake.slow_next("stable_token", 1.0)
    result = sender.send("o_token", "x", now=NOW)
    assert not result.ok and not result.unconfirmed  # nothing was sent: trying again cannot push twice
    assert result.outage and result.retry_after
    assert fake.calls_to("message/custom/send") == []
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_token")
        assert window is not None and window.message_sent == 0  # the slot is given back
    assert sender.send("o_token", "x", now=NOW).ok  # and the next try goes through
    assert len(fake.sent()) == 1


def test_a_connection_that_never_opens_is_retryable_not_unconfirmed(factory: sessionmaker[Session]) -> None:
    config = WechatSettings(
        app_id=APP_ID, app_secret=SecretStr("s"), api_base_url=f"http://127.0.0.1:{free_port()}/cgi-bin/"
    )
    opened(factory, "o_down")
    result = WechatSender(config, factory).send("o_down", "x", now=NOW)
    assert not result.ok and not result.unconfirmed and result.outage and result.retry_after


@pytest.mark.parametrize("how", DROPS)
@pytest.mark.parametrize("path", ["message/custom/send", "message/template/send"])
def test_a_connection_dropped_after_the_request_is_unconfirmed_and_never_sent_again(
    factory: sessionmaker[Session], fake: FakeWechat, path: str, how: str
) -> None:
    at = NOW if path == "message/custom/send" else NOW + dt.timedelta(days=3)  # outside the window: a template
    opened(factory, "o_drop")
    fake.drop_next(path, how)  # WeChat reads and accepts the push, then the connection breaks before its answer
    template = {"template_id": "TPL", "data": {"first": "环境日"}}
    result = slow_sender(factory, fake, timeout=5.0).send("o_drop", "周六集中回收大件垃圾", now=at, template=template)
    assert not result.ok and result.unconfirmed
    assert result.retry_after is None and not result.outage and not result.unreachable  # nothing asks for a retry
    assert "可能已送达" in result.reason and "连接中断" in result.reason
    assert len(fake.sent(path)) == 1 and len(fake.calls_to(path)) == 1  # exactly one copy reached WeChat
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_drop")
        assert window is not None
        assert window.message_sent == (1 if path == "message/custom/send" else 0)  # the slot is not handed back


def test_a_refused_connection_sends_nothing_is_retryable_and_the_next_try_is_delivered_once(
    factory: sessionmaker[Session], fake: FakeWechat, sender: WechatSender
) -> None:
    opened(factory, "o_refused")
    assert sender.client is not None and fake.listener is not None
    sender.client.fetch_access_token()  # the token is at hand: the push itself meets the closed port
    fake.listener.stop()
    refused = sender.send("o_refused", "x", now=NOW)
    assert not refused.ok and not refused.unconfirmed and refused.outage and refused.retry_after
    assert "无法连接微信接口" in refused.reason
    with transaction(factory) as session:
        window = session.get(WechatWindow, "o_refused")
        assert window is not None and window.message_sent == 0  # nothing left: the slot is given back
    fake.listener.start()
    assert sender.send("o_refused", "x", now=NOW).ok
    assert len(fake.calls_to("message/custom/send")) == 1 and len(fake.sent()) == 1


def _window(factory: sessionmaker[Session], openid: str) -> tuple[object, ...]:
    with transaction(factory) as session:
        row = session.get(WechatWindow, openid)
        assert row is not None
        return (row.message_at, row.message_sent, row.event_at, row.event_sent, row.unfollowed_at)


def test_the_window_upsert_leaves_the_rows_open_window_leaves(factory: sessionmaker[Session]) -> None:
    steps = [("message", NOW), ("event", NOW + dt.timedelta(minutes=1)), ("unfollow", NOW + dt.timedelta(minutes=2))]
    steps += [("message", NOW + dt.timedelta(minutes=3))]
    for kind, at in steps:  # the same steps on two followers: one by the ORM, one by the upsert; new row first
        with transaction(factory) as session:
            open_window(session, openid="o_orm", kind=kind, now=at)
            open_window_upsert(session, openid="o_upsert", kind=kind, now=at)
        with transaction(factory) as session:  # a send used in between: the next step resets the count
            for openid in ("o_orm", "o_upsert"):
                row = session.get(WechatWindow, openid)
                assert row is not None
                row.message_sent, row.event_sent = 3, 1
        assert _window(factory, "o_upsert") == _window(factory, "o_orm")
    with transaction(factory) as session:  # a row this session holds is changed through it, not behind its back
        held = session.get(WechatWindow, "o_upsert")
        assert held is not None
        open_window_upsert(session, openid="o_upsert", kind="unfollow", now=NOW + dt.timedelta(minutes=4))
        assert held.unfollowed_at is not None
    with transaction(factory) as session:
        open_window_upsert(session, openid="o_unfollow_first", kind="unfollow", now=NOW)
    assert _window(factory, "o_unfollow_first")[1:] == (0, None, 0, NOW)
