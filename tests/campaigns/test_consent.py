"""Consent and reach through the real dialogue (issue #14 §1): the default consent mode, cell joins, the questions
residents ask about notifications, and the 0-delivered warning in the CLI and the console."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings, get_settings
from bot.db import session_factory, transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage
from bot.web.app import create_app
from campaigns import cells, ledger, lifecycle, runs, segments, texts
from campaigns.delivery import DeliveryLoop
from campaigns.models import ChannelIdentity, Resident, WebOutbox
from tests.bot.web.admin_api.test_admin_campaigns import console_settings
from tests.support.admin import console_login, staff_per_role
from tests.support.campaigns import FakeSender

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=2)


def say(dialogue: Dialogue, channel: str, user: str, text: str, **kw: object) -> str:
    [reply] = dialogue.handle(IncomingMessage(channel, user, text, T0, **kw))  # type: ignore[arg-type]
    return reply.text


def fire(
    factory: sessionmaker[Session], *, segment_rules: dict[str, object] | None = None, consent: str = "opt_out"
) -> int:
    with transaction(factory) as session:
        seg = segments.save(session, f"s{utcnow().timestamp()}", segment_rules, now=T0) if segment_rules else None
        campaign = lifecycle.create(
            session, name="活动", text="活动通知", now=T0, channels=["web", "telegram"], segment=seg
        )
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=GRACE)
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=["web", "telegram"], consent=consent)
        return campaign.id


def test_everyone_who_came_to_the_bot_is_reached_by_default_and_stop_words_opt_out(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    welcome = say(dialogue, "telegram", "42", "", kind="event", event="start")
    assert "回复“退订”即可不再接收" in welcome
    say(dialogue, "web", "w1", "纸巾扔哪")
    say(dialogue, "web", "w2", "纸巾扔哪")
    say(dialogue, "web", "w3", "纸巾扔哪")
    assert say(dialogue, "web", "w2", "停止推送") == texts.UNSUBSCRIBED
    assert say(dialogue, "web", "w3", "“TD”") == texts.UNSUBSCRIBED
    cid = fire(factory)
    fake = FakeSender()
    senders = {"web": WebOutboxSender(factory), "telegram": fake}
    loop = DeliveryLoop(factory, senders, worker="t", clock=lambda: T0, sleep=lambda s: None)
    assert loop.drain() == 2
    with transaction(factory) as session:
        st = ledger.status(session, lifecycle.get(session, cid))
        outbox = list(session.execute(select(WebOutbox.text)).scalars())
    assert (st["sent"], st["skip_reasons"]) == (2, {"opted_out": 2})
    assert fake.sent == [("42", "活动通知" + texts.STOP_LINE)]
    assert outbox == ["活动通知" + texts.STOP_LINE]
    # the same residents under the opt-in rule: only an explicit 订阅 counts
    say(dialogue, "web", "w1", "订阅")
    with transaction(factory) as session:
        campaign = lifecycle.get(session, cid)
        preview = runs.preview(session, campaign, now=T0, consent="opt_in")
    assert preview["would_skip"] == {"no_consent": 1, "opted_out": 2} and preview["would_send"] == 1


def test_joining_a_cell_subscribes_and_that_cells_campaign_reaches_the_member(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(factory) as session:
        cells.import_rows(
            session, [{"类型": "学校", "名称": "新建路小学", "乡镇街道": "新建路街道"}], types=["学校"], now=T0
        )
        cell_id = cells.find(session, "新建路小学").id  # type: ignore[union-attr]
    dialogue = Dialogue(factory, settings)
    say(dialogue, "web", "m1", "退订")  # a resident who had said no earlier …
    assert "活动通知会发给您" in say(dialogue, "web", "m1", "加入无废细胞 新建路小学")  # … and now joins
    say(dialogue, "wechat", "o_scan", "", kind="event", event="subscribe", data={"scene": f"qrscene_cell_{cell_id}"})
    say(dialogue, "web", "outsider", "你好")
    for consent in ("opt_out", "opt_in"):
        cid = fire(factory, segment_rules={"cell_id": cell_id}, consent=consent)
        with transaction(factory) as session:
            rows = ledger.rows(session, cid)
            ids = {i.external_id: i.resident_id for i in session.execute(select(ChannelIdentity)).scalars()}
        assert sorted((r["resident_id"], r["state"]) for r in rows) == sorted(
            [(ids["m1"], "pending"), (ids["o_scan"], "skipped")]
        )  # the WeChat member has no sender in this campaign's channels (web, telegram)
        assert [r["reason"] for r in rows if r["state"] == "skipped"] == ["no_channel"]
    with transaction(factory) as session:
        assert session.get(Resident, ids["o_scan"]).push_consent  # type: ignore[union-attr]


@pytest.mark.parametrize("question", ["怎么接收通知", "怎么订阅活动通知？", "我不想收到推送了怎么办"])
def test_questions_about_notifications_are_answered(
    factory: sessionmaker[Session], settings: Settings, question: str
) -> None:
    answer = say(Dialogue(factory, settings), "web", "q1", question)
    assert "订阅" in answer and "退订" in answer


def test_help_says_how_to_subscribe_and_unsubscribe(factory: sessionmaker[Session], settings: Settings) -> None:
    answer = say(Dialogue(factory, settings), "web", "h1", "帮助")
    assert "回复“订阅”" in answer and "回复“退订”" in answer


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_a_campaign_that_reached_nobody_is_a_warning_in_the_cli_and_the_console(
    env: Settings, factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    dialogue = Dialogue(factory, env)
    say(dialogue, "web", "gone", "退订")
    cid = fire(factory)
    with transaction(factory) as session:
        runs.tick(session, now=T0 + dt.timedelta(minutes=1), quiet=None, grace=GRACE)
        assert lifecycle.get(session, cid).state == "finished"
    assert cli.main(["campaign", "status", str(cid)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == f"⚠ 警告：{texts.ZERO_DELIVERED}"
    assert "已完成" in out and "居民已退订 1" in out and "opted_out" not in out
    assert cli.main(["campaign", "status", str(cid), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["warning"] == texts.ZERO_DELIVERED
    assert (data["skip_reasons"], data["skip_reason_names"]) == ({"opted_out": 1}, {"居民已退订": 1})
    with TestClient(create_app(console_settings(env))) as client:
        staff = staff_per_role(session_factory(env.db_url))
        console_login(client, staff["staff"])
        listing = client.get("/admin/campaigns").text
        assert "未送达任何居民" in listing
        page = client.get(f"/admin/campaigns/{cid}").text
        assert texts.ZERO_DELIVERED in page and 'id="zero-warning" hidden' not in page
        assert "居民已退订" in page
        api = client.get(f"/admin/campaigns/{cid}/status.json").json()
        assert api["warning"] == texts.ZERO_DELIVERED
