"""The chat rate limit: a flooding resident is told once to slow down, others are unaffected, all processes agree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

import bot.web.resident.chat
from bot import ratelimit, texts
from bot.config import ChatSettings, Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatClientMinute, ChatLog
from bot.scheduler import CampaignScheduler
from bot.web.app import create_app
from campaigns.models import ChannelIdentity
from knowledge.models import Unanswered
from tests.support.dialog import T0
from tests.support.server import running_server


def limited(settings: Settings, per_minute: int) -> Settings:
    return settings.model_copy(update={"chat": ChatSettings(rate_per_minute=per_minute)})


def send(dialogue: Dialogue, text: str, *, user: str = "flood", at: dt.datetime = T0) -> list[str]:
    return [r.text for r in dialogue.handle(IncomingMessage("web", user, text, at))]


def count(factory: sessionmaker[Session], model: type[ChatLog] | type[Unanswered]) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_flood_gets_one_notice_then_silence_and_others_are_answered(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 3))
    for i in range(3):
        [answer] = send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i))
        assert answer != texts.RATE_LIMITED
    assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=3)) == [texts.RATE_LIMITED]
    for i in range(4, 40):
        assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i)) == []
    [other] = send(dialogue, "用过的纸巾扔哪个桶", user="neighbour", at=T0 + dt.timedelta(seconds=40))
    assert "其他垃圾" in other
    assert dialogue.outcomes.snapshot()["ratelimited"] == 1
    assert dialogue.outcomes.snapshot()["dropped"] == 36


def test_the_resident_is_answered_again_once_the_minute_frees_up(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 2))
    send(dialogue, "电池")
    send(dialogue, "纸巾", at=T0 + dt.timedelta(seconds=30))
    assert send(dialogue, "纸巾", at=T0 + dt.timedelta(seconds=40)) == [texts.RATE_LIMITED]
    [later] = send(dialogue, "用过的纸巾扔哪个桶", at=T0 + dt.timedelta(seconds=61))
    assert "其他垃圾" in later  # the first message left the window; the notice does not count as an answer


def test_limited_messages_do_not_run_the_matcher_or_reach_the_staff_queue(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, limited(settings, 1))
    send(dialogue, "电池")
    before_log, before_queue = count(factory, ChatLog), count(factory, Unanswered)
    for i in range(1, 20):
        send(dialogue, f"完全听不懂的东西{i}号咕噜咕噜", at=T0 + dt.timedelta(seconds=i))
    assert count(factory, Unanswered) == before_queue
    assert count(factory, ChatLog) == before_log + 1  # only the one notice is logged


def test_the_limit_is_shared_by_several_processes(factory: sessionmaker[Session], settings: Settings) -> None:
    first, second = Dialogue(factory, limited(settings, 4)), Dialogue(factory, limited(settings, 4))
    for i in range(4):
        worker = first if i % 2 else second
        assert send(worker, "电池", at=T0 + dt.timedelta(seconds=i)) != [texts.RATE_LIMITED]
    assert send(first, "电池", at=T0 + dt.timedelta(seconds=5)) == [texts.RATE_LIMITED]
    assert send(second, "电池", at=T0 + dt.timedelta(seconds=6)) == []  # the other worker knows it was said


def test_events_pass_a_limited_resident(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, limited(settings, 1))
    send(dialogue, "订阅")
    send(dialogue, "电池", at=T0 + dt.timedelta(seconds=1))
    replies = dialogue.handle(
        IncomingMessage("web", "flood", "", T0 + dt.timedelta(seconds=2), kind="event", event="unsubscribe")
    )
    assert replies and replies[0].text != texts.RATE_LIMITED


def test_zero_turns_the_limit_off(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, limited(settings, 0))
    for i in range(40):
        assert send(dialogue, "电池", at=T0 + dt.timedelta(seconds=i)) != [texts.RATE_LIMITED]


def test_the_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WUFEI_CHAT__RATE_PER_MINUTE", "7")
    assert Settings().chat.rate_per_minute == 7


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(limited(settings, 2))) as c:
        yield c


def test_the_web_chat_is_rate_limited_per_user(client: TestClient) -> None:
    for _ in range(2):  # one browser: the client keeps the identity cookie
        assert client.post("/api/chat", json={"text": "电池"}).json()["replies"][0]["text"]
    notice = client.post("/api/chat", json={"text": "电池"})
    assert notice.status_code == 200
    assert notice.json() == {"replies": [{"text": texts.RATE_LIMITED, "choices": []}], "answer": None}
    silent = client.post("/api/chat", json={"text": "电池"})
    assert silent.status_code == 200
    assert silent.json() == {"replies": [], "answer": None}
    client.cookies.clear()  # another browser
    other = client.post("/api/chat", json={"text": "用过的纸巾扔哪个桶?"}).json()
    assert other["answer"]["intent"] == "sorting"


# --- per web client ---------------------------------------------------------------------------------------------------


def per_client(settings: Settings, per_minute: int) -> Settings:
    chat = ChatSettings(rate_per_minute=30, client_rate_per_minute=per_minute)
    campaigns = settings.campaigns.model_copy(update={"scheduler": False})
    return settings.model_copy(update={"chat": chat, "campaigns": campaigns})


@pytest.fixture
def one_minute(monkeypatch: pytest.MonkeyPatch) -> dt.datetime:
    """The web chat's clock stands still, so a test's messages cannot straddle two per-client windows."""
    frozen = dt.datetime.now(dt.UTC).replace(second=5, microsecond=0)
    monkeypatch.setattr(bot.web.resident.chat, "utcnow", lambda: frozen)
    return frozen


def web_residents(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return int(session.scalar(select(func.count()).select_from(ChannelIdentity)) or 0)


def test_rotating_ids_from_one_client_gets_a_notice_then_429(
    factory: sessionmaker[Session], settings: Settings, one_minute: dt.datetime
) -> None:
    with TestClient(create_app(per_client(settings, 5)), client=("203.0.113.7", 40000)) as flood:
        answered = []
        for i in range(5):
            flood.cookies.clear()  # a new identity for every message, and a made-up id in the body
            r = flood.post("/api/chat", json={"user": f"bot{i}", "text": "用过的纸巾扔哪个桶"})
            answered.append(r.json()["answer"]["intent"])
        assert answered == ["sorting"] * 5
        flood.cookies.clear()
        notice = flood.post("/api/chat", json={"user": "bot5", "text": "电池"})
        assert notice.status_code == 200
        assert notice.json() == {"replies": [{"text": texts.RATE_LIMITED, "choices": []}], "answer": None}
        residents_before = web_residents(factory)
        for i in range(6, 30):
            flood.cookies.clear()
            refused = flood.post("/api/chat", json={"user": f"bot{i}", "text": "电池"})
            assert refused.status_code == 429
            assert refused.json() == {"detail": texts.CLIENT_RATE_LIMITED}
            assert refused.headers["retry-after"] == "55"  # the frozen clock stands at second 5 of its minute
        assert web_residents(factory) == residents_before == 5  # refused messages make no residents
        counts = flood.app.state.dialogue.outcomes.snapshot()  # type: ignore[attr-defined]
        assert counts["ratelimited"] == 1 and counts["dropped"] == 24
    with TestClient(create_app(per_client(settings, 5)), client=("198.51.100.2", 40000)) as neighbour:
        assert neighbour.post("/api/chat", json={"text": "电池"}).json()["answer"]["intent"] == "clarify"
    with transaction(factory) as session:
        logged = session.execute(select(ChatLog.intent, ChatLog.resident_id).where(ChatLog.intent == "ratelimited"))
        assert logged.all() == [("ratelimited", None)]  # the one notice, not tied to any resident


def test_the_client_limit_is_shared_by_processes_and_frees_up_next_minute(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    t0 = dt.datetime(2026, 6, 5, 1, 0, 10, tzinfo=dt.UTC)
    verdicts = []
    for _ in range(6):
        with transaction(factory) as session:  # each message in its own transaction, as two processes would
            verdicts.append(ratelimit.check_client(session, client="203.0.113.7", now=t0, per_minute=3))
    assert verdicts == [None, None, None, "notice", "drop", "drop"]
    with transaction(factory) as session:
        assert ratelimit.check_client(session, client="198.51.100.2", now=t0, per_minute=3) is None
        later = t0 + dt.timedelta(seconds=50)  # the next clock minute
        assert ratelimit.check_client(session, client="203.0.113.7", now=later, per_minute=3) is None
        lagging = t0  # a process whose clock is a little behind counts in the newer minute, it does not reset it
        assert ratelimit.check_client(session, client="203.0.113.7", now=lagging, per_minute=3) is None
        assert ratelimit.check_client(session, client="203.0.113.7", now=later, per_minute=3) is None
        assert ratelimit.check_client(session, client="203.0.113.7", now=later, per_minute=3) == "notice"
        assert ratelimit.retry_after(later) == 60
        assert ratelimit.purge_clients(session, now=later + dt.timedelta(days=2)) == 2


def test_the_client_limit_holds_under_parallel_requests(factory: sessionmaker[Session], settings: Settings) -> None:
    t0 = dt.datetime(2026, 6, 5, 1, 0, 10, tzinfo=dt.UTC)

    def one(_: int) -> ratelimit.Verdict | None:
        with transaction(factory) as session:
            return ratelimit.check_client(session, client="203.0.113.9", now=t0, per_minute=10)

    with ThreadPoolExecutor(8) as pool:
        verdicts = list(pool.map(one, range(40)))
    assert verdicts.count(None) == 10 and verdicts.count("notice") == 1 and verdicts.count("drop") == 29


def test_ipv6_clients_are_counted_by_their_64(settings: Settings, one_minute: dt.datetime) -> None:
    with TestClient(create_app(per_client(settings, 2)), client=("2001:db8:1:2::a", 1)) as first:
        for _ in range(2):
            first.cookies.clear()
            assert first.post("/api/chat", json={"text": "电池"}).status_code == 200
    with TestClient(create_app(per_client(settings, 2)), client=("2001:db8:1:2:ffff::b", 1)) as same_64:
        assert same_64.post("/api/chat", json={"text": "电池"}).json()["replies"][0]["text"] == texts.RATE_LIMITED
        assert same_64.post("/api/chat", json={"text": "电池"}).status_code == 429


@pytest.mark.parametrize(("trusted", "escapes"), [("", False), ("127.0.0.1,::1", True)])
def test_x_forwarded_for_counts_only_from_a_trusted_proxy(
    settings: Settings, trusted: str, escapes: bool, one_minute: dt.datetime
) -> None:
    configured = per_client(settings, 3).model_copy(update={"trusted_proxies": trusted})
    with running_server(configured) as base:
        statuses = []
        for i in range(8):  # a fresh cookie and a made-up X-Forwarded-For every time
            r = httpx.post(
                base + "/api/chat", json={"text": "电池"}, headers={"x-forwarded-for": f"198.51.100.{i}"}, timeout=30
            )
            statuses.append(r.status_code)
    if escapes:  # behind a trusted proxy (nginx on this machine) each forwarded address is its own client
        assert statuses == [200] * 8
    else:  # nobody trusted: the header is the sender's word, and the sender is one client
        assert statuses == [200] * 4 + [429] * 4


def test_the_scheduler_forgets_clients_quiet_for_a_day(settings: Settings, factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        ratelimit.check_client(session, client="203.0.113.1", now=T0, per_minute=5)
        ratelimit.check_client(session, client="203.0.113.2", now=T0 + dt.timedelta(hours=23), per_minute=5)
    scheduler = CampaignScheduler(settings, factory, senders={}, clock=lambda: T0 + dt.timedelta(days=1, minutes=1))
    scheduler.purge_wechat()  # the tick's housekeeping
    with transaction(factory) as session:
        assert session.execute(select(ChatClientMinute.client)).scalars().all() == ["203.0.113.2"]


def test_a_known_sender_over_the_address_limit_is_told_once_then_refused(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """The address's count read with a known sender (bot/sender.py) gives the same verdicts as a first contact's."""
    quiet = ChatSettings(rate_per_minute=0, client_rate_per_minute=3)
    dialogue = Dialogue(factory, settings.model_copy(update={"chat": quiet}))
    t0 = dt.datetime(2026, 6, 5, 1, 0, 10, tzinfo=dt.UTC)
    outcomes = []
    for i in range(6):
        message = IncomingMessage("web", "kept-cookie", "电池", t0 + dt.timedelta(seconds=i))
        outcomes.append(dialogue.respond(message, client="203.0.113.8")[0])
    assert all(o not in ("client_ratelimited", "client_dropped", "error") for o in outcomes[:3]), outcomes
    assert outcomes[3:] == ["client_ratelimited", "client_dropped", "client_dropped"]
    next_minute = IncomingMessage("web", "kept-cookie", "电池", t0 + dt.timedelta(seconds=55))
    assert dialogue.respond(next_minute, client="203.0.113.8")[0] not in (
        "client_ratelimited",
        "client_dropped",
        "error",
    )
    with transaction(factory) as session:
        row = session.get(ChatClientMinute, "203.0.113.8")
        assert row is not None and row.messages == 1  # the new minute's one message, counted once
        assert session.scalar(select(func.count()).select_from(ChatLog).where(ChatLog.intent == "ratelimited")) == 1
