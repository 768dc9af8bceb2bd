"""Tracked links in the sender loop (issue #14 §3): which URLs are wrapped, WeChat template URLs, retries reuse tokens,
no rewriting without a public address, and survey responses that came through a campaign's pushes are counted."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.db import transaction
from campaigns import ledger, lifecycle, links, runs
from campaigns.delivery import DeliveryLoop
from campaigns.models import Delivery, TrackedLink
from surveys.models import COMPLETED, SurveyLink, SurveyResponse
from tests.support.campaigns import Clock, FakeSender, FakeTemplateSender, add_residents

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=2)
BASE = "https://wufei.example.cn/"


def fire(factory: sessionmaker[Session], channels: list[str], **kw: object) -> int:
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="活动", now=T0, channels=channels, **kw)  # type: ignore[arg-type]
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=GRACE)
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=channels)
        return campaign.id


def test_urls_are_found_with_their_punctuation_left_outside() -> None:
    text = "报名（https://a.cn/x?y=1）。详情：http://b.cn/p.html，https://a.cn/x?y=1!"
    assert links.urls_in([text, None, "ftp://c.cn", "https://"]) == ["https://a.cn/x?y=1", "http://b.cn/p.html"]
    rewritten = links.rewrite(text, {"https://a.cn/x?y=1": "T" * 22}, BASE)
    assert rewritten == (
        f"报名（https://wufei.example.cn/l/{'T' * 22}）。详情：http://b.cn/p.html，https://wufei.example.cn/l/{'T' * 22}!"
    )


def test_each_delivery_gets_its_own_tokens_and_a_retry_reuses_them(factory: sessionmaker[Session]) -> None:
    add_residents(factory, 2, now=T0, channel="telegram")
    cid = fire(factory, ["telegram"], text="看这里 https://a.cn/1", link="https://a.cn/2")
    clock = Clock(T0)
    fake = FakeSender(results={"u0": [SendResult(ok=False, reason="timeout")]})
    loop = DeliveryLoop(factory, {"telegram": fake}, worker="t", clock=clock, sleep=lambda s: None, link_base=BASE)
    loop.run_once()
    with transaction(factory) as session:
        first = dict(session.execute(select(TrackedLink.token, TrackedLink.delivery_id)).all())
    assert len(first) == 4 and len(set(first.values())) == 2  # two links for each of the two deliveries
    clock.advance(minutes=5)
    loop.drain()
    with transaction(factory) as session:
        again = dict(session.execute(select(TrackedLink.token, TrackedLink.delivery_id)).all())
        assert ledger.status(session, lifecycle.get(session, cid))["sent"] == 2
    assert again == first  # the retry sent the same tokens
    for _, text in fake.sent:
        tokens = [t for t in first if t in text]
        assert len(tokens) == 2 and "a.cn" not in text, text


def test_wechat_template_urls_are_tracked_and_nothing_is_rewritten_without_a_base_url(
    factory: sessionmaker[Session],
) -> None:
    add_residents(factory, 1, now=T0, channel="wechat", prefix="o")
    template = {"template_id": "TPL", "data": {"first": "环境日"}, "url": "https://a.cn/tpl"}
    fire(factory, ["wechat"], text="环境日", variants={"wechat_template": template})
    fake = FakeTemplateSender()
    DeliveryLoop(factory, {"wechat": fake}, worker="t", clock=lambda: T0, sleep=lambda s: None, link_base=BASE).drain()
    [(_, sent)] = fake.templates
    assert sent is not None and sent["url"].startswith("https://wufei.example.cn/l/")
    add_residents(factory, 1, now=T0, channel="telegram", prefix="p")
    fire(factory, ["telegram"], text="https://a.cn/plain")
    plain = FakeSender()
    DeliveryLoop(factory, {"telegram": plain}, worker="t", clock=lambda: T0, sleep=lambda s: None).drain()
    assert plain.sent[0][1].startswith("https://a.cn/plain")
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(TrackedLink)) == 1


def test_survey_responses_through_a_campaigns_pushes_are_counted(factory: sessionmaker[Session]) -> None:
    [rid] = add_residents(factory, 1, now=T0, channel="telegram")
    cid = fire(factory, ["telegram"], text="请填问卷 {问卷链接}")
    with transaction(factory) as session:
        delivery = session.execute(select(Delivery.id)).scalar_one()
        response = SurveyResponse(
            survey_id="public", version=1, wave="2026", resident_id=rid, source="link", status=COMPLETED,
            started_at=T0, updated_at=T0, completed_at=T0,
        )  # fmt: skip
        session.add(response)
        session.flush()
        session.add(
            SurveyLink(
                token_hash="h", survey_id="public", version=1, wave="2026", resident_id=rid, delivery_id=delivery,
                response_id=response.id, created_at=T0, expires_at=T0 + dt.timedelta(days=7), used_at=T0,
            )
        )  # fmt: skip
    with transaction(factory) as session:
        st = ledger.status(session, lifecycle.get(session, cid))
    assert (st["survey_responses"], st["clicked"]) == (1, 0)
