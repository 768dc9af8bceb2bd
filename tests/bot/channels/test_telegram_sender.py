"""The Telegram Sender against a fake Bot API: limits across processes, 429, 403, transient errors."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.telegram_models import TelegramChat, TelegramSend
from bot.channels.telegram_sender import TelegramSender
from bot.config import Settings, TelegramSettings
from bot.db import dispose_engines, transaction, utcnow
from tests.support.fake_telegram import TOKEN, Call, FakeTelegram, running_fake_telegram
from tests.support.http_faults import DROPS
from tests.support.server import free_port

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with running_fake_telegram() as f:
        yield f
    dispose_engines()  # give the per-test database's pooled connections back (PostgreSQL has a cap)


def with_telegram(settings: Settings, base_url: str, **limits: float) -> Settings:
    telegram = TelegramSettings(token=TOKEN, base_url=base_url, **limits)  # type: ignore[arg-type]
    return settings.model_copy(update={"telegram": telegram})


@pytest.fixture
def sender(settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram) -> Iterator[TelegramSender]:
    s = TelegramSender(with_telegram(settings, fake.base_url), factory, backoff_seconds=1.2)
    yield s
    s.close()


def sends(fake: FakeTelegram) -> list[Call]:
    return fake.calls_to("sendMessage")


def assert_within_limits(
    calls: Sequence[Call],
    *,
    per_second: int = 30,
    chat_gap: float = 1.0,
    reserved: Sequence[tuple[str, float]] | None = None,
    margin: float = 0.1,
) -> None:
    """At most `per_second` in any one-second window, and per chat one per `chat_gap`.

    Without `reserved`, as the fake observed the arrivals. With the reservation log (chat id, epoch seconds) the
    sender's own promise is checked exactly: reservations at most `per_second` in any window of 1 s + margin, per chat
    `chat_gap` + margin apart; and the arrivals within the windows that promise leaves once the spread of the delays
    between reservation and arrival (measured here, larger on a loaded machine) is taken off the margin.
    """
    window, gap = 1.0, chat_gap
    if reserved is not None:
        assert len(reserved) == len(calls)
        _assert_spaced(list(reserved), per_second=per_second, window=1.0 + margin, chat_gap=chat_gap + margin)
        late = _delays(calls, reserved)
        spread = max(late) - min(late)
        window, gap = 1.0 + margin - spread, chat_gap + margin - spread
        if window <= 0:
            return  # the delays alone varied more than a window: nothing the sender controls is left to check
    _assert_spaced(
        [(str(c.params["chat_id"]), c.at) for c in calls], per_second=per_second, window=window, chat_gap=gap
    )


def _assert_spaced(stamps: list[tuple[str, float]], *, per_second: int, window: float, chat_gap: float) -> None:
    """At most `per_second` stamps within any `window` seconds, and each chat's stamps `chat_gap` apart."""
    times = sorted(t for _, t in stamps)
    for i, start in enumerate(times):
        in_window = sum(1 for t in times[i:] if t < start + window)
        assert in_window <= per_second, f"{in_window} messages within {window:.3f} s from {start}"
    by_chat: dict[str, list[float]] = {}
    for chat, t in stamps:
        by_chat.setdefault(chat, []).append(t)
    for chat, ts in by_chat.items():
        ts.sort()
        gaps = [b - a for a, b in itertools.pairwise(ts)]
        assert all(g >= chat_gap - 1e-6 for g in gaps), f"chat {chat} got messages {gaps} s apart (< {chat_gap:.3f})"


def _delays(calls: Sequence[Call], reserved: Sequence[tuple[str, float]]) -> list[float]:
    """Arrival minus reservation of each send, matched per chat in time order."""
    arrivals: dict[str, list[float]] = {}
    for c in calls:
        arrivals.setdefault(str(c.params["chat_id"]), []).append(c.at)
    slots: dict[str, list[float]] = {}
    for chat, t in reserved:
        slots.setdefault(chat, []).append(t)
    assert arrivals.keys() == slots.keys()
    return [a - r for chat in arrivals for a, r in zip(sorted(arrivals[chat]), sorted(slots[chat]), strict=True)]


def reservations(factory: sessionmaker[Session]) -> list[tuple[str, float]]:
    """The sender's reservation log: (chat id, epoch seconds) of every slot taken."""
    with transaction(factory) as session:
        rows = session.execute(select(TelegramSend.chat_id, TelegramSend.sent_at)).all()
    return [(chat, at.timestamp()) for chat, at in rows]


def test_a_push_is_delivered_with_the_platform_message_id(sender: TelegramSender, fake: FakeTelegram) -> None:
    result = sender.send("4242", "垃圾分类周六开始啦", now=utcnow())
    assert result.ok and result.provider_id is not None
    [call] = sends(fake)
    assert call.params["text"] == "垃圾分类周六开始啦" and call.params["chat_id"] == "4242"
    assert str(call.result["message_id"]) == result.provider_id


def test_a_blocked_user_is_unreachable_and_never_called_again(
    sender: TelegramSender, fake: FakeTelegram, factory: sessionmaker[Session]
) -> None:
    fake.block(77)
    first = sender.send("77", "通知", now=utcnow())
    assert not first.ok and first.unreachable and "blocked" in first.reason
    again = sender.send("77", "通知", now=utcnow())
    assert again.unreachable
    assert len(sends(fake)) == 1  # the second attempt never reached Telegram
    with transaction(factory) as session:
        chat = session.get(TelegramChat, "77")
        assert chat is not None and chat.blocked


def test_429_is_honoured_before_the_next_attempt(sender: TelegramSender, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)
    result = sender.send("501", "你好", now=utcnow())
    assert result.ok
    first, second = sends(fake)
    assert second.at - first.at >= 2.0


def test_a_long_flood_wait_is_returned_and_shared_with_every_sender(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram, sender: TelegramSender
) -> None:
    fake.fail_next("sendMessage", 429, "Too Many Requests: retry after 40", retry_after=40)
    result = sender.send("502", "你好", now=utcnow())
    assert not result.ok and not result.unreachable and result.retry_after == 40 and not result.outage
    other = TelegramSender(with_telegram(settings, fake.base_url), factory)  # e.g. another worker
    try:
        blocked = other.send("503", "你好", now=utcnow())
    finally:
        other.close()
    assert not blocked.ok and blocked.retry_after is not None and blocked.retry_after > 30
    assert len(sends(fake)) == 1


def test_transient_errors_are_retried_with_growing_backoff(sender: TelegramSender, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    fake.fail_next("sendMessage", 500, "Internal Server Error")
    result = sender.send("504", "你好", now=utcnow())
    assert result.ok
    a, b, c = sends(fake)
    assert b.at - a.at >= 1.2 and c.at - b.at >= 2.4


def test_an_unreachable_api_gives_up_with_a_retry_time(settings: Settings, factory: sessionmaker[Session]) -> None:
    down = TelegramSender(
        with_telegram(settings, f"http://127.0.0.1:{free_port()}/bot", per_chat_seconds=0.0),
        factory,
        retries=2,
        backoff_seconds=0.05,
    )
    try:
        result = down.send("505", "你好", now=utcnow())
    finally:
        down.close()
    assert not result.ok and not result.unreachable
    assert result.retry_after is not None and result.retry_after > 0
    assert "连接 Telegram 失败" in result.reason
    assert result.outage  # a run of these pauses the campaign (a rate limit is not an outage)


def test_a_group_gets_at_most_its_quota_per_minute(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram
) -> None:
    s = TelegramSender(with_telegram(settings, fake.base_url, group_per_minute=3, max_wait_seconds=3.0), factory)
    try:
        results = [s.send("-100555", f"第{i}条", now=utcnow()) for i in range(4)]
    finally:
        s.close()
    assert [r.ok for r in results] == [True, True, True, False]
    assert results[3].retry_after is not None and results[3].retry_after > 50
    assert len(sends(fake)) == 3
    assert_within_limits(sends(fake))


WORKER = textwrap.dedent(
    """
    import json, sys
    from bot.channels.telegram_sender import TelegramSender
    from bot.config import Settings, TelegramSettings
    from bot.db import session_factory, utcnow

    url, base_url, token, chats = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    settings = Settings(database_url=url, telegram=TelegramSettings(token=token, base_url=base_url, max_wait_seconds=60))
    sender = TelegramSender(settings, session_factory(url))
    print(json.dumps([sender.send(chat, "推送", now=utcnow()).ok for chat in chats]))
    sender.close()
    """
)


def test_a_burst_from_two_processes_stays_within_the_limits(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    workers = []
    for w in range(2):
        chats = [str(10_000 + w * 100 + i) for i in range(45)]
        for i in (0, 20, 40):
            chats.insert(i, "777")  # a chat both processes write to
        args = [settings.db_url, fake.base_url, TOKEN, json.dumps(chats)]
        workers.append(
            subprocess.Popen([sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, text=True, env=env)
        )
    outputs = [p.communicate(timeout=120)[0] for p in workers]
    assert all(p.returncode == 0 for p in workers)
    assert all(all(json.loads(out)) for out in outputs)
    calls = sends(fake)
    assert len(calls) == 96
    assert_within_limits(calls, reserved=reservations(factory))
    span = max(c.at for c in calls) - min(c.at for c in calls)
    assert span >= 96 / 30 - 1  # the limiter, not luck: 96 messages cannot go out faster


def test_an_answer_slower_than_the_timeout_is_unconfirmed_and_never_sent_again(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram
) -> None:
    slow = TelegramSender(
        with_telegram(settings, fake.base_url, send_timeout_seconds=0.5), factory, backoff_seconds=0.05
    )
    fake.slow_next("sendMessage", 1.5)  # accepted at once, answered after our timeout: Telegram delivered it
    try:
        result = slow.send("606", "周六集中回收大件垃圾", now=utcnow())
    finally:
        slow.close()
    assert not result.ok and result.unconfirmed and result.retry_after is None and not result.unreachable
    assert "可能已送达" in result.reason and "ReadTimeout" in result.reason
    assert len(sends(fake)) == 1  # a retry here would be a second copy on the resident's phone


def test_a_connection_that_never_opens_is_still_retried(settings: Settings, factory: sessionmaker[Session]) -> None:
    down = TelegramSender(
        with_telegram(settings, f"http://127.0.0.1:{free_port()}/bot", send_timeout_seconds=0.5),
        factory,
        retries=1,
        backoff_seconds=0.05,
    )
    try:
        result = down.send("607", "你好", now=utcnow())
    finally:
        down.close()
    assert not result.unconfirmed and result.outage  # nothing was written: retrying cannot double-push


@pytest.mark.parametrize("how", DROPS)
def test_a_connection_dropped_after_the_request_is_unconfirmed_and_never_sent_again(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram, how: str
) -> None:
    s = TelegramSender(with_telegram(settings, fake.base_url), factory, backoff_seconds=0.05)
    fake.drop_next("sendMessage", how)  # Telegram reads and accepts the push, then the connection breaks
    try:
        result = s.send("608", "周六集中回收大件垃圾", now=utcnow())
    finally:
        s.close()
    assert not result.ok and result.unconfirmed and result.retry_after is None and not result.outage
    assert "可能已送达" in result.reason and "连接中断" in result.reason
    assert len(sends(fake)) == 1  # a retry here would be a second copy on the resident's phone


def test_a_refused_connection_is_retried_and_delivered_once(
    settings: Settings, factory: sessionmaker[Session], fake: FakeTelegram
) -> None:
    restarts = 0

    def back_up(seconds: float) -> None:  # a wait (backoff, then the chat's 1 s gap): Telegram listens again meanwhile
        nonlocal restarts
        assert fake.listener is not None
        if not fake.listener.serving:
            fake.listener.start()
            restarts += 1
        time.sleep(seconds)

    s = TelegramSender(with_telegram(settings, fake.base_url), factory, backoff_seconds=0.05, sleep=back_up)
    try:
        assert s.send("609", "第一条", now=utcnow()).ok  # connected (getMe) and sent once
        assert fake.listener is not None
        fake.listener.stop()  # refused from now on; the kept-alive connection is gone too
        result = s.send("610", "第二条", now=utcnow())
    finally:
        s.close()
    assert result.ok and not result.unconfirmed and restarts == 1  # refused, waited, retried
    assert [str(c.params["chat_id"]) for c in sends(fake)] == ["609", "610"]  # each delivered exactly once


def test_a_5xx_whose_body_is_not_json_is_an_answer_and_retried(sender: TelegramSender, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, "<html>502 Bad Gateway</html>", raw=True)  # a proxy's page: Telegram answered
    result = sender.send("611", "你好", now=utcnow())
    assert result.ok and not result.unconfirmed
    assert len(sends(fake)) == 2  # refused once with an answer, then delivered
