"""The ledger and the sender loop on SQLite and PostgreSQL: materialise, send, retry, pause, crash, misfire."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter

import pytest
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.channels.telegram_sender import TelegramSender
from bot.channels.web_outbox import WebOutboxSender
from bot.channels.wechat_api import WechatSender, open_window
from bot.config import Settings, WechatSettings
from bot.db import transaction
from campaigns import cells, ledger, lifecycle, runs, segments
from campaigns.delivery import DeliveryLoop
from campaigns.models import Campaign, CampaignRun, ChannelIdentity, Delivery, Resident, WebOutbox
from campaigns.schedule import LOCAL, QuietHours
from campaigns.texts import LINK_LINE, STOP_LINE
from tests.bot.channels.test_telegram_sender import with_telegram
from tests.support.campaigns import Clock, FakeSender, add_residents
from tests.support.fake_telegram import running_fake_telegram
from tests.support.fake_wechat import APP_ID as WX_APP_ID
from tests.support.fake_wechat import fake_wechat_server

T0 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL).astimezone(dt.UTC)
GRACE = dt.timedelta(hours=2)


def make_campaign(factory: sessionmaker[Session], now: dt.datetime = T0, **kw: object) -> int:
    with transaction(factory) as session:
        segment = kw.pop("segment", None)
        seg = segments.save(session, str(segment), {"township": segment}, now=now) if segment else None
        campaign = lifecycle.create(session, name="环境日", text="{township}：6·5环境日", now=now, segment=seg, **kw)  # type: ignore[arg-type]
        lifecycle.start(session, campaign, now=now, quiet=None, grace=GRACE)
        return campaign.id


def tick(factory: sessionmaker[Session], now: dt.datetime, quiet: QuietHours | None = None) -> runs.TickReport:
    with transaction(factory) as session:
        return runs.tick(session, now=now, quiet=quiet, grace=GRACE, channels_available=["web", "telegram"])


def status(factory: sessionmaker[Session], campaign_id: int) -> dict[str, object]:
    with transaction(factory) as session:
        return ledger.status(session, lifecycle.get(session, campaign_id))


def loop_for(factory: sessionmaker[Session], clock: Clock, fake: FakeSender, **kw: object) -> DeliveryLoop:
    return DeliveryLoop(
        factory,
        {"web": WebOutboxSender(factory), "telegram": fake},
        worker="test",
        clock=clock,
        sleep=lambda s: None,
        **kw,  # type: ignore[arg-type]
    )


def test_audience_becomes_one_row_per_resident_with_skip_reasons(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 4, now=T0, township="新建路街道")
    add_residents(factory, 2, now=T0, township="新建路街道", prefix="no", consent=False)
    add_residents(factory, 3, now=T0, township="城关乡", prefix="other")
    stopped = add_residents(factory, 1, now=T0, township="新建路街道", prefix="stop")
    with transaction(factory) as session:
        session.get(Resident, stopped[0]).status = "stopped"  # type: ignore[union-attr]
    cid = make_campaign(factory, segment="新建路街道", channels=["telegram", "web"])
    with transaction(factory) as session:
        assert runs.preview(session, lifecycle.get(session, cid), now=T0) == {
            "audience": 7,
            "would_send": 4,
            "would_skip": {"no_consent": 2, "opted_out": 1},
        }
    assert tick(factory, T0).materialised == 7
    assert tick(factory, T0 + dt.timedelta(minutes=1)).materialised == 0  # idempotent
    clock, fake = Clock(T0), FakeSender()
    assert loop_for(factory, clock, fake).drain() == 4
    tick(factory, T0 + dt.timedelta(minutes=2))
    st = status(factory, cid)
    assert (st["state"], st["targeted"], st["sent"], st["skipped"], st["pending"]) == ("finished", 7, 4, 3, 0)
    with transaction(factory) as session:
        texts = list(session.execute(select(WebOutbox.text)).scalars())
    assert texts == ["新建路街道：6·5环境日" + STOP_LINE] * 4  # placeholder filled per resident, the stop line last


def test_one_batch_renders_each_place_its_own_text(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 3, now=T0, township="新建路街道", prefix="a")
    add_residents(factory, 2, now=T0, township="城关乡", prefix="b")
    add_residents(factory, 2, now=T0, township="新建路街道", prefix="c")  # after the others: same place again
    make_campaign(factory, channels=["web"])
    tick(factory, T0)
    assert loop_for(factory, Clock(T0), FakeSender(), batch_size=10).drain() == 7  # all seven in one batch
    with transaction(factory) as session:
        got = list(session.execute(select(WebOutbox.external_id, WebOutbox.text).order_by(WebOutbox.id)))
    places = ["新建路街道"] * 3 + ["城关乡"] * 2 + ["新建路街道"] * 2
    assert [text for _, text in got] == [f"{place}：6·5环境日{STOP_LINE}" for place in places]


def test_one_batch_of_two_campaigns_gives_each_row_its_own_campaign_text(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 2, now=T0, township="新建路街道", prefix="w")
    add_residents(factory, 2, now=T0, channel="telegram", township="城关乡", prefix="7")
    with transaction(factory) as session:
        first = lifecycle.create(
            session, name="甲", text="甲：{township}", now=T0, channels=["web", "telegram"],
            variants={"telegram": "甲（电报）：{township}"},
        )  # fmt: skip
        second = lifecycle.create(
            session, name="乙", text="乙：{township}", now=T0, channels=["web", "telegram"], link="https://a.cn/x"
        )
        for campaign in (first, second):
            lifecycle.start(session, campaign, now=T0, quiet=None, grace=GRACE)
    tick(factory, T0)
    fake = FakeSender()
    assert loop_for(factory, Clock(T0), fake, batch_size=20).drain() == 8  # both campaigns' rows in one batch
    with transaction(factory) as session:
        web = sorted(session.execute(select(WebOutbox.text)).scalars())
    assert web == sorted(
        ["甲：新建路街道" + STOP_LINE] * 2
        + ["乙：新建路街道" + LINK_LINE.format(link="https://a.cn/x") + STOP_LINE] * 2
    )
    assert sorted(text for _, text in fake.sent) == sorted(
        ["甲（电报）：城关乡" + STOP_LINE] * 2
        + ["乙：城关乡" + LINK_LINE.format(link="https://a.cn/x") + STOP_LINE] * 2
    )


def test_channel_preference_picks_the_first_listed_identity(factory: sessionmaker[Session]) -> None:
    [rid] = add_residents(factory, 1, now=T0, channel="web", prefix="w")
    with transaction(factory) as session:
        session.add(ChannelIdentity(resident_id=rid, channel="telegram", external_id="42", created_at=T0))
    cid = make_campaign(factory, channels=["telegram", "web"])
    tick(factory, T0)
    fake = FakeSender()
    loop_for(factory, Clock(T0), fake).drain()
    assert [e for e, _ in fake.sent] == ["42"]
    assert status(factory, cid)["sent"] == 1


def test_crash_between_claim_and_send_resends_each_row_exactly_once(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 30, now=T0, channel="telegram", prefix="c")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    # a worker claims a batch, commits the claim, and dies before sending anything
    with transaction(factory) as session:
        dead = ledger.claim(
            session, worker="dead", now=T0, limit=10, lease=dt.timedelta(seconds=120), channels=["telegram"]
        )
    assert len(dead) == 10
    clock, fake = Clock(T0), FakeSender()
    loop = loop_for(factory, clock, fake)
    assert loop.drain() == 20  # the claimed rows are not taken while the lease holds
    clock.advance(seconds=121)
    assert tick(factory, clock.now).recovered == 10
    assert loop.drain() == 10
    counts = Counter(e for e, _ in fake.sent)
    assert len(counts) == 30 and set(counts.values()) == {1}
    tick(factory, clock.now)
    assert status(factory, cid)["sent"] == 30
    # a late outcome from the dead worker cannot overwrite the row another worker now owns
    with transaction(factory) as session:
        assert not ledger.mark_sent(session, dead[0], now=clock.now)


def test_a_telegram_answer_lost_to_a_timeout_is_recorded_unconfirmed_and_never_pushed_twice(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    add_residents(factory, 2, now=T0, channel="telegram", prefix="70")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    clock = Clock(T0)
    with running_fake_telegram() as fake:
        sender = TelegramSender(
            with_telegram(settings, fake.base_url, per_chat_seconds=0.0, send_timeout_seconds=0.5), factory
        )
        loop = DeliveryLoop(factory, {"telegram": sender}, worker="t", clock=clock, sleep=lambda s: None)
        fake.slow_next("sendMessage", 1.5)  # the Bot API accepts the first push and answers after our timeout
        try:
            assert loop.drain() == 2
            clock.advance(seconds=3600)  # past any backoff and lease: nothing is due again
            assert tick(factory, clock.now).recovered == 0
            assert loop.drain() == 0
        finally:
            loop.close()
            sender.close()
        chats = Counter(str(c.params["chat_id"]) for c in fake.calls_to("sendMessage"))
    assert chats == {"700": 1, "701": 1}  # exactly one copy each
    with transaction(factory) as session:
        rows = {d.external_id: d for d in session.scalars(select(Delivery).where(Delivery.campaign_id == cid))}
        late, ok = rows["700"], rows["701"]
        assert (late.state, late.reason, late.provider_id) == ("sent", "unconfirmed", None)
        assert late.last_error and "可能已送达" in late.last_error and late.attempts == 1
        assert (ok.state, ok.reason) == ("sent", None) and ok.provider_id is not None
    counts = status(factory, cid)
    assert counts["sent"] == 2 and counts["unconfirmed"] == 1 and counts["pending"] == 0


def test_a_wechat_answer_lost_to_a_timeout_is_recorded_unconfirmed_and_never_pushed_twice(
    factory: sessionmaker[Session],
) -> None:
    add_residents(factory, 2, now=T0, channel="wechat", prefix="o_late")
    with transaction(factory) as session:
        for openid in ("o_late0", "o_late1"):
            open_window(session, openid=openid, kind="message", now=T0)  # both wrote to the account: 客服消息
    cid = make_campaign(factory, channels=["wechat"])
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=["wechat"])
    clock = Clock(T0)
    with fake_wechat_server() as fake:
        config = WechatSettings(
            app_id=WX_APP_ID, app_secret=SecretStr("s"), api_base_url=fake.base_url, send_timeout_seconds=0.5
        )
        loop = DeliveryLoop(
            factory, {"wechat": WechatSender(config, factory)}, worker="w", clock=clock, sleep=lambda s: None
        )
        fake.slow_next("message/custom/send", 1.5)  # WeChat takes the first push and answers after our timeout
        try:
            assert loop.drain() == 2
            clock.advance(seconds=3600)  # past any backoff and lease: nothing is due again
            with transaction(factory) as session:
                assert (
                    runs.tick(session, now=clock.now, quiet=None, grace=GRACE, channels_available=["wechat"]).recovered
                    == 0
                )
            assert loop.drain() == 0
        finally:
            loop.close()
        calls = fake.calls_to("message/custom/send")
    assert Counter(c.body["touser"] for c in calls) == {"o_late0": 1, "o_late1": 1}  # exactly one copy each
    slow_one = calls[0].body["touser"]
    with transaction(factory) as session:
        rows = {d.external_id: d for d in session.scalars(select(Delivery).where(Delivery.campaign_id == cid))}
        late = rows.pop(slow_one)
        [ok] = rows.values()
        assert (late.state, late.reason, late.provider_id) == ("sent", "unconfirmed", None)
        assert late.last_error and "可能已送达" in late.last_error and late.attempts == 1
        assert (ok.state, ok.reason) == ("sent", None) and ok.provider_id is not None
    counts = status(factory, cid)
    assert counts["sent"] == 2 and counts["unconfirmed"] == 1 and counts["pending"] == 0


@pytest.mark.parametrize("channel", ["telegram", "wechat"])
def test_a_connection_dropped_after_the_push_is_recorded_unconfirmed_and_never_pushed_twice(
    settings: Settings, factory: sessionmaker[Session], channel: str
) -> None:
    prefix = "80" if channel == "telegram" else "o_drop"
    add_residents(factory, 2, now=T0, channel=channel, prefix=prefix)
    with transaction(factory) as session:
        for i in range(2):
            open_window(session, openid=f"o_drop{i}", kind="message", now=T0)  # WeChat: 客服消息 may go
    cid = make_campaign(factory, channels=[channel])
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=[channel])
    clock = Clock(T0)
    with running_fake_telegram() as tg, fake_wechat_server() as wx:
        if channel == "telegram":
            sender: TelegramSender | WechatSender = TelegramSender(
                with_telegram(settings, tg.base_url, per_chat_seconds=0.0), factory, backoff_seconds=0.01
            )
            tg.drop_next("sendMessage", "reset")  # the Bot API reads the first push, then the connection is reset
        else:
            config = WechatSettings(app_id=WX_APP_ID, app_secret=SecretStr("s"), api_base_url=wx.base_url)
            sender = WechatSender(config, factory)
            wx.drop_next("message/custom/send", "close")  # WeChat reads the first push and closes without answer
        loop = DeliveryLoop(factory, {channel: sender}, worker="d", clock=clock, sleep=lambda s: None)
        try:
            assert loop.drain() == 2
            clock.advance(seconds=3600)  # past any backoff and lease: nothing is due again
            with transaction(factory) as session:
                assert (
                    runs.tick(session, now=clock.now, quiet=None, grace=GRACE, channels_available=[channel]).recovered
                    == 0
                )
            assert loop.drain() == 0
        finally:
            loop.close()
            if isinstance(sender, TelegramSender):
                sender.close()
        if channel == "telegram":
            pushed = [str(c.params["chat_id"]) for c in tg.calls_to("sendMessage")]
        else:
            pushed = [str(c.body["touser"]) for c in wx.calls_to("message/custom/send")]
    assert sorted(pushed) == [f"{prefix}0", f"{prefix}1"]  # exactly one copy each reached the platform
    with transaction(factory) as session:
        rows = {d.external_id: d for d in session.scalars(select(Delivery).where(Delivery.campaign_id == cid))}
        dropped = rows.pop(pushed[0])
        [ok] = rows.values()
        assert (dropped.state, dropped.reason, dropped.provider_id) == ("sent", "unconfirmed", None)
        assert dropped.last_error and "连接中断" in dropped.last_error and dropped.attempts == 1
        assert (ok.state, ok.reason) == ("sent", None) and ok.provider_id is not None
    counts = status(factory, cid)  # what the console and the admin API show
    assert counts["sent"] == 2 and counts["unconfirmed"] == 1 and counts["pending"] == 0


def test_a_refused_wechat_push_is_retried_later_and_delivered_once(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 1, now=T0, channel="wechat", prefix="o_refused")
    with transaction(factory) as session:
        open_window(session, openid="o_refused0", kind="message", now=T0)
    cid = make_campaign(factory, channels=["wechat"])
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=["wechat"])
    clock = Clock(T0)
    with fake_wechat_server() as fake:
        assert fake.listener is not None
        config = WechatSettings(app_id=WX_APP_ID, app_secret=SecretStr("s"), api_base_url=fake.base_url)
        sender = WechatSender(config, factory)
        assert sender.client is not None
        sender.client.fetch_access_token()  # the token is at hand: the push itself meets the closed port
        loop = DeliveryLoop(factory, {"wechat": sender}, worker="r", clock=clock, sleep=lambda s: None)
        try:
            fake.listener.stop()
            assert loop.drain() == 1  # refused: nothing was written
            with transaction(factory) as session:
                [row] = session.scalars(select(Delivery).where(Delivery.campaign_id == cid))
                assert row.state == "pending" and row.reason is None and "无法连接微信接口" in (row.last_error or "")
            fake.listener.start()
            clock.advance(seconds=31)  # the outage's retry time has come
            assert loop.drain() == 1
            clock.advance(seconds=3600)
            assert loop.drain() == 0
        finally:
            loop.close()
        assert [c.body["touser"] for c in fake.calls_to("message/custom/send")] == ["o_refused0"]  # one copy
    with transaction(factory) as session:
        [row] = session.scalars(select(Delivery).where(Delivery.campaign_id == cid))
        assert (row.state, row.reason) == ("sent", None) and row.provider_id is not None
    counts = status(factory, cid)
    assert counts["sent"] == 1 and counts["unconfirmed"] == 0


def test_failures_retry_with_backoff_then_fail_and_unreachable_is_skipped(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 3, now=T0, channel="telegram", prefix="r")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    fake = FakeSender(
        results={
            "r0": [SendResult(False, "timeout"), SendResult(True)],
            "r1": [SendResult(False, "boom")] * 3,
            "r2": [SendResult(False, "blocked by user", unreachable=True)],
        }
    )
    clock = Clock(T0)
    loop = loop_for(factory, clock, fake, max_attempts=3)
    loop.drain()
    clock.advance(seconds=29)
    assert loop.drain() == 0  # first back-off is 30 s
    clock.advance(seconds=2)
    assert loop.drain() == 2
    clock.advance(seconds=61)
    assert loop.drain() == 1
    with transaction(factory) as session:
        rows = {d.external_id: d for d in session.execute(select(Delivery)).scalars()}
        assert (rows["r0"].state, rows["r0"].attempts) == ("sent", 2)
        assert (rows["r1"].state, rows["r1"].attempts, rows["r1"].reason) == ("failed", 3, "retries")
        assert (rows["r2"].state, rows["r2"].reason) == ("skipped", "unreachable")
        blocked = session.get(Resident, rows["r2"].resident_id)
        assert blocked is not None and blocked.status == "unreachable" and "blocked" in (blocked.status_reason or "")
    tick(factory, clock.now)
    st = status(factory, cid)
    assert (st["sent"], st["failed"], st["unreachable"], st["state"]) == (1, 1, 1, "finished")


def test_rate_limit_answers_do_not_use_up_attempts(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 1, now=T0, channel="telegram", prefix="q")
    make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    fake = FakeSender(results={"q0": [SendResult(False, "429", retry_after=5)] * 4})
    clock = Clock(T0)
    loop = loop_for(factory, clock, fake, max_attempts=2)
    for _ in range(4):
        loop.drain()
        clock.advance(seconds=6)
    loop.drain()
    with transaction(factory) as session:
        row = session.execute(select(Delivery)).scalar_one()
    assert (row.state, row.attempts) == ("sent", 1)


def test_campaign_pauses_itself_after_consecutive_failures_and_resumes(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 10, now=T0, channel="telegram", prefix="p")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    fake = FakeSender(results={f"p{i}": [SendResult(False, "platform down")] for i in range(10)})
    loop = loop_for(factory, Clock(T0), fake, pause_after=4, batch_size=2)
    loop.drain()
    st = status(factory, cid)
    assert st["state"] == "paused" and "4" in str(st["state_reason"])
    assert st["pending"] == 10  # nothing failed for good, nothing sent
    with transaction(factory) as session:
        lifecycle.resume(session, lifecycle.get(session, cid), now=T0)
    clock = Clock(T0 + dt.timedelta(minutes=5))
    assert loop_for(factory, clock, FakeSender()).drain() == 10
    assert status(factory, cid)["sent"] == 10


def test_a_platform_that_stays_down_pauses_the_campaign_instead_of_retrying_forever(
    factory: sessionmaker[Session],
) -> None:
    add_residents(factory, 3, now=T0, channel="telegram", prefix="d")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    down = SendResult(False, "网络错误：connection refused", retry_after=5, outage=True)
    fake = FakeSender(results={f"d{i}": [down] * 10 for i in range(3)})
    clock = Clock(T0)
    loop = loop_for(factory, clock, fake, pause_after=3, max_attempts=2)
    for _ in range(5):
        loop.drain()
        clock.advance(seconds=6)
    st = status(factory, cid)
    assert st["state"] == "paused" and "connection refused" in str(st["state_reason"])
    assert st["pending"] == 3 and st["failed"] == 0  # outages do not use up attempts: nobody is given up on


def test_rate_limits_never_pause_a_campaign(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 1, now=T0, channel="telegram", prefix="l")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    fake = FakeSender(results={"l0": [SendResult(False, "429", retry_after=5)] * 6})
    clock = Clock(T0)
    loop = loop_for(factory, clock, fake, pause_after=2)
    for _ in range(7):
        loop.drain()
        clock.advance(seconds=6)
    assert status(factory, cid)["state"] != "paused" and status(factory, cid)["sent"] == 1


def test_quiet_hours_hold_pushes_until_morning(factory: sessionmaker[Session]) -> None:
    night = dt.datetime(2026, 6, 5, 22, 0, tzinfo=LOCAL).astimezone(dt.UTC)
    add_residents(factory, 2, now=night, channel="telegram", prefix="n")
    cid = make_campaign(factory, now=night, channels=["telegram"])
    quiet = QuietHours.parse("21:30-08:00")
    tick(factory, night, quiet)
    clock, fake = Clock(night), FakeSender()
    loop = loop_for(factory, clock, fake, quiet=quiet)
    assert loop.drain() == 0
    clock.now = dt.datetime(2026, 6, 6, 8, 1, tzinfo=LOCAL).astimezone(dt.UTC)
    assert loop.drain() == 2
    assert status(factory, cid)["sent"] == 2


def test_a_push_past_its_grace_is_marked_missed(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 2, now=T0, channel="telegram", prefix="m")
    with transaction(factory) as session:
        late = lifecycle.create(
            session, name="迟到", text="x", now=T0, channels=["telegram"], kind="once", expr="2026-06-05T09:00+08:00"
        )
        lifecycle.start(session, late, now=T0 - dt.timedelta(days=1), quiet=None, grace=GRACE)
        ok = lifecycle.create(
            session, name="准时", text="y", now=T0, channels=["telegram"], kind="once", expr="2026-06-05T10:30+08:00"
        )
        lifecycle.start(session, ok, now=T0 - dt.timedelta(days=1), quiet=None, grace=GRACE)
        late_id, ok_id = late.id, ok.id
    when = dt.datetime(2026, 6, 5, 11, 1, tzinfo=LOCAL).astimezone(dt.UTC)  # 09:00 + 2 h has passed
    report = tick(factory, when)
    assert len(report.missed) == 1 and len(report.runs) == 1
    fake = FakeSender()
    loop_for(factory, Clock(when), fake).drain()
    tick(factory, when)
    assert status(factory, late_id)["missed_runs"] == 1 and status(factory, late_id)["targeted"] == 0
    assert status(factory, late_id)["state"] == "finished"
    assert status(factory, ok_id)["sent"] == 2
    # rows not sent before the run's deadline are skipped as missed, not sent late
    add_residents(factory, 1, now=T0, channel="telegram", prefix="late")
    with transaction(factory) as session:
        c = lifecycle.create(session, name="z", text="z", now=when, channels=["telegram"])
        lifecycle.start(session, c, now=when, quiet=None, grace=GRACE)
    tick(factory, when)
    assert tick(factory, when + GRACE + dt.timedelta(minutes=1)).expired == 3


def test_lifecycle_allows_only_sensible_transitions_and_cancel_skips_pending(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 3, now=T0, channel="telegram", prefix="l")
    with transaction(factory) as session:
        c = lifecycle.create(session, name="n", text="t", now=T0, channels=["telegram"])
        with pytest.raises(lifecycle.CampaignError):
            lifecycle.pause(session, c, now=T0)
        with pytest.raises(lifecycle.CampaignError):
            lifecycle.resume(session, c, now=T0)
        lifecycle.start(session, c, now=T0, quiet=None, grace=GRACE)
        with pytest.raises(lifecycle.CampaignError):
            lifecycle.start(session, c, now=T0, quiet=None, grace=GRACE)
        with pytest.raises(ValueError):
            lifecycle.create(session, name="n", text="{town}", now=T0)
        with pytest.raises(lifecycle.CampaignError):
            lifecycle.create(session, name="n", text="t", now=T0, channels=["sms"])
        cid = c.id
    tick(factory, T0)
    with transaction(factory) as session:
        lifecycle.cancel(session, lifecycle.get(session, cid), now=T0)
    assert loop_for(factory, Clock(T0), FakeSender()).drain() == 0
    st = status(factory, cid)
    assert (st["state"], st["skipped"], st["skip_reasons"]) == ("cancelled", 3, {"cancelled": 3})


def test_cron_campaign_reaches_the_same_resident_once_per_firing(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 2, now=T0, channel="telegram", prefix="k")
    cid = make_campaign(factory, now=T0 - dt.timedelta(hours=1), channels=["telegram"], kind="cron", expr="0 9 * * *")
    fake = FakeSender()
    for day in range(3):
        when = T0 + dt.timedelta(days=day, minutes=1)
        tick(factory, when)
        loop_for(factory, Clock(when), fake).drain()
        tick(factory, when)
    assert Counter(e for e, _ in fake.sent) == {"k0": 3, "k1": 3}
    st = status(factory, cid)
    assert st["state"] == "scheduled" and st["runs"] == {"done": 3}


def test_relative_campaign_fires_three_days_after_joining_a_cell(factory: sessionmaker[Session]) -> None:
    ids = add_residents(factory, 2, now=T0, channel="telegram", prefix="j")
    with transaction(factory) as session:
        cells.import_rows(
            session, [{"类型": "学校", "名称": "新建路小学", "乡镇街道": "新建路街道"}], types=["学校"], now=T0
        )
        c = lifecycle.create(
            session, name="欢迎", text="t", now=T0, channels=["telegram"], kind="relative", expr="cell_join+3d"
        )
        lifecycle.start(session, c, now=T0, quiet=None, grace=GRACE)
        cell = cells.find(session, "新建路小学")
        assert cell is not None
        assert cells.join(session, cell, session.get(Resident, ids[0]), via="qr", now=T0 + dt.timedelta(hours=1))  # type: ignore[arg-type]
        assert not cells.join(session, cell, session.get(Resident, ids[0]), via="qr", now=T0 + dt.timedelta(hours=2))  # type: ignore[arg-type]
    fake = FakeSender()
    for hours in (1, 24, 70):
        tick(factory, T0 + dt.timedelta(hours=hours))
        loop_for(factory, Clock(T0 + dt.timedelta(hours=hours)), fake).drain()
    assert fake.sent == []
    when = T0 + dt.timedelta(hours=73, minutes=1)
    tick(factory, when)
    loop_for(factory, Clock(when), fake).drain()
    tick(factory, when + dt.timedelta(days=1))
    assert [e for e, _ in fake.sent] == ["j0"]


def test_segments_combine_fields_cells_and_activity(factory: sessionmaker[Session]) -> None:
    old = T0 - dt.timedelta(days=40)
    school = add_residents(factory, 2, now=T0, township="新建路街道", prefix="s")
    add_residents(factory, 3, now=old, township="新建路街道", prefix="i")
    add_residents(factory, 1, now=T0, township="城关乡", prefix="o")
    with transaction(factory) as session:
        cells.import_rows(session, [{"type": "学校", "name": "一中", "township": "新建路街道"}], types=["学校"], now=T0)
        cell = cells.find(session, "一中")
        for rid in school:
            cells.join(session, cell, session.get(Resident, rid), via="import", now=T0)  # type: ignore[arg-type]
        assert segments.count(session, {"township": "新建路街道", "cell_type": "学校"}, now=T0) == 2
        assert segments.count(session, segments.parse_rules(["inactive_days=30"]), now=T0) == 3
        assert segments.count(session, {"township": ["新建路街道", "城关乡"], "active_days": 30}, now=T0) == 3
        assert segments.count(session, {"without_event": "cell_join"}, now=T0) == 4
        with pytest.raises(segments.SegmentError):
            segments.parse_rules(["colour=red"])
        with pytest.raises(segments.SegmentError):
            segments.parse_rules(["inactive_days=many"])


def test_two_concurrent_senders_on_postgres_never_send_twice(factory: sessionmaker[Session], db_url: str) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED is the PostgreSQL path")
    add_residents(factory, 400, now=T0, channel="telegram", prefix="x")
    cid = make_campaign(factory, channels=["telegram"])
    tick(factory, T0)
    fakes = [FakeSender(), FakeSender()]
    barrier = threading.Barrier(2)

    def work(fake: FakeSender, name: str) -> None:
        loop = DeliveryLoop(factory, {"telegram": fake}, worker=name, clock=lambda: T0, batch_size=10)
        barrier.wait()
        loop.drain(budget=60)

    threads = [threading.Thread(target=work, args=(f, f"w{i}")) for i, f in enumerate(fakes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    counts = Counter(e for f in fakes for e, _ in f.sent)
    assert len(counts) == 400 and set(counts.values()) == {1}
    assert all(f.sent for f in fakes)  # both took part
    with transaction(factory) as session:
        by_worker = dict(session.execute(select(Delivery.claimed_by, func.count()).group_by(Delivery.claimed_by)).all())
        assert set(by_worker) == {"w0", "w1"}
        assert session.execute(select(func.count()).select_from(CampaignRun)).scalar_one() == 1
        assert session.get(Campaign, cid) is not None
