"""Hostile input on /l/<token> (issue #14 §3): unknown tokens get a Chinese 404 and are counted per client address,
past the limit every /l/ request from that address gets a Chinese 429 (valid clicks are never counted), the redirect
only goes to a stored http(s) URL (never an open redirect) and a click is recorded once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.config import Settings
from bot.db import dispose_engines, transaction
from bot.models import ChatClientMinute
from bot.web.app import create_app
from bot.web.resident import tracked_links
from campaigns import lifecycle, links, runs, templates
from campaigns.delivery import DeliveryLoop
from campaigns.lifecycle import CampaignError
from campaigns.models import TrackedLink
from tests.support.campaigns import Clock, FakeSender, add_residents

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
BASE = "https://wufei.example.cn"
# the guess counts live in a minute the app's scheduler never purges: its first tick forgets addresses older than a
# day of the real clock, so a fixed past date would race with it once that date is more than a day ago
LATER = dt.datetime(2100, 6, 5, 8, 0, 10, tzinfo=dt.UTC)
GUESSER = ("198.51.100.7", 40000)
NEIGHBOUR = ("198.51.100.8", 40000)


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    yield
    dispose_engines()


def tokens(factory: sessionmaker[Session], n: int = 2) -> list[str]:
    """Send a campaign with one link to n Telegram residents; their tracked-link tokens."""
    add_residents(factory, n, now=T0, channel="telegram")
    grace = dt.timedelta(hours=2)
    with transaction(factory) as session:
        campaign = lifecycle.create(
            session, name="集市", text="周六无废集市 https://example.org/market", channels=["telegram"], now=T0
        )
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=grace)
        runs.tick(session, now=T0, quiet=None, grace=grace, channels_available=["telegram"])
    sender = FakeSender()
    DeliveryLoop(
        factory, {"telegram": sender}, worker="t", clock=lambda: T0, sleep=lambda s: None, link_base=BASE
    ).drain()
    with transaction(factory) as session:
        found = list(session.scalars(select(TrackedLink.token).order_by(TrackedLink.id)))
    assert len(found) == n
    return found


def guess(n: int) -> str:
    return f"{n:022d}"  # the shape of a real token, but unknown


def test_unknown_tokens_are_rate_limited_per_client_and_valid_clicks_are_not_counted(
    settings: Settings, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    real, other = tokens(factory)
    clock = Clock(LATER)  # the test must not straddle a clock minute
    monkeypatch.setattr(tracked_links, "utcnow", clock)
    limit = settings.campaigns.link_guesses_per_minute
    assert limit > 0
    with TestClient(create_app(settings), client=GUESSER) as guesser:
        neighbour = TestClient(guesser.app, client=NEIGHBOUR)
        for _ in range(limit + 5):  # valid clicks, however many, are never counted
            assert neighbour.get(f"/l/{other}", follow_redirects=False).status_code == 302
        for n in range(limit):
            r = guesser.get(f"/l/{guess(n)}", follow_redirects=False)
            assert r.status_code == 404 and "链接无效" in r.text and "这个链接不存在或已失效" in r.text
        r = guesser.get(f"/l/{guess(limit)}", follow_redirects=False)
        assert r.status_code == 429 and "请稍后再试" in r.text and "一分钟后再试" in r.text
        assert r.headers["retry-after"] == "50"  # the rest of the minute
        blocked = guesser.get(f"/l/{real}", follow_redirects=False)  # while blocked, not even a real token is looked up
        assert blocked.status_code == 429
        assert guesser.get("/l/" + "x" * 500, follow_redirects=False).status_code == 429
        assert neighbour.get(f"/l/{other}", follow_redirects=False).status_code == 302  # another address is unaffected
        with transaction(factory) as session:
            assert session.scalar(select(TrackedLink.clicked_at).where(TrackedLink.token == real)) is None
        clock.advance(seconds=50)  # the next minute: the address may try again
        r = guesser.get(f"/l/{real}", follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == "https://example.org/market"


def test_malformed_and_overlong_tokens_are_404_and_count_as_guesses(
    settings: Settings, factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tracked_links, "utcnow", lambda: LATER)
    with TestClient(create_app(settings), client=GUESSER) as client:
        paths = ("/l/https:%2F%2Fevil.example", "/l/" + "A" * 65, "/l/%00", "/l/a/b", "/l/https://evil.example")
        for path in paths:
            r = client.get(path, follow_redirects=False)
            assert r.status_code == 404 and "链接无效" in r.text, path
            assert "location" not in r.headers
    with transaction(factory) as session:
        counted = session.scalar(
            select(ChatClientMinute.messages).where(ChatClientMinute.client == "link:198.51.100.7")
        )
    assert counted == len(paths)


def test_a_click_is_recorded_once_and_goes_only_to_the_stored_url(
    settings: Settings, factory: sessionmaker[Session]
) -> None:
    [token] = tokens(factory, 1)
    with TestClient(create_app(settings), client=GUESSER) as client:
        first = client.get(f"/l/{token}?next=https://evil.example", follow_redirects=False)
        assert first.status_code == 302 and first.headers["location"] == "https://example.org/market"
        assert first.headers["cache-control"] == "no-store" and first.headers["referrer-policy"] == "no-referrer"
        with transaction(factory) as session:
            clicked = session.execute(select(TrackedLink.clicked_at, TrackedLink.click_channel)).one()
        assert clicked.clicked_at is not None and clicked.click_channel == "telegram"
        assert client.get(f"/l/{token}", follow_redirects=False).status_code == 302
        with transaction(factory) as session:
            assert session.execute(select(TrackedLink.clicked_at)).scalar_one() == clicked.clicked_at  # not moved
            # a row that somehow holds something other than http(s) is never followed
            session.execute(update(TrackedLink).values(url="javascript:alert(1)"))
        r = client.get(f"/l/{token}", follow_redirects=False)
        assert r.status_code == 404 and "location" not in r.headers


def test_only_http_and_https_links_can_be_stored_at_campaign_creation(
    factory: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for bad in ("javascript:alert(1)", "//evil.example/x", "ftp://a.cn/x", "https://", "https://a.cn/x y", "data:,hi"):
        assert not links.is_web_url(bad), bad
        with transaction(factory) as session, pytest.raises(CampaignError, match="http:// 或 https://"):
            lifecycle.create(session, name="活动", text="内容", link=bad, now=T0)
        with pytest.raises(templates.TemplateError, match="http:// 或 https://"):
            templates.validate({"template_id": "T", "data": {"first": "你好"}, "url": bad})
    assert links.is_web_url("https://a.cn/报名?x=1") and links.is_web_url("http://a.cn")
    assert links.urls_in(["看 http:///nohost 和 https://a.cn/ok"]) == ["https://a.cn/ok"]  # no host: left untracked
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("WUFEI_DATA_DIR", str(settings.data_dir))
    from bot.config import get_settings

    get_settings.cache_clear()
    try:
        code = cli.main(["campaign", "create", "--name", "活动", "--text", "内容", "--link", "javascript:alert(1)"])
        assert code == 2 and "http:// 或 https://" in capsys.readouterr().err
    finally:
        get_settings.cache_clear()
