"""The subscription hook through the real dialogue: opt-in/opt-out words, the unsubscribe event, scene joins."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from campaigns import cells, texts
from campaigns.models import CellMember, ChannelIdentity, Resident, ResidentEvent

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


def resident(factory: sessionmaker[Session], channel: str, user: str) -> Resident:
    with transaction(factory) as session:
        return session.execute(
            select(Resident)
            .join(ChannelIdentity)
            .where(ChannelIdentity.channel == channel, ChannelIdentity.external_id == user)
        ).scalar_one()


@pytest.mark.parametrize("word", ["退订", "TD", "td", "/unsubscribe", "取消订阅"])
def test_opt_out_words_stop_pushes_and_subscribe_turns_them_back_on(
    factory: sessionmaker[Session], settings: Settings, word: str
) -> None:
    dialogue = Dialogue(factory, settings)
    [reply] = dialogue.handle(IncomingMessage("web", "u1", "订阅", T0))
    assert reply.text == texts.SUBSCRIBED
    assert resident(factory, "web", "u1").push_consent
    [reply] = dialogue.handle(IncomingMessage("web", "u1", word, T0))
    assert reply.text == texts.UNSUBSCRIBED
    r = resident(factory, "web", "u1")
    assert (r.push_consent, r.status) == (False, "stopped") and r.status_at is not None
    [reply] = dialogue.handle(IncomingMessage("web", "u1", "订阅", T0))
    assert resident(factory, "web", "u1").status == "active"


def test_wechat_unsubscribe_event_stops_the_resident(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    dialogue.handle(IncomingMessage("wechat", "oid", "订阅", T0))
    dialogue.handle(IncomingMessage("wechat", "oid", "", T0, kind="event", event="unsubscribe"))
    r = resident(factory, "wechat", "oid")
    assert r.status == "stopped" and "unsubscribe" in (r.status_reason or "")


def test_scene_join_on_subscribe_is_silent_and_a_scan_confirms(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(factory) as session:
        cells.import_rows(
            session, [{"类型": "学校", "名称": "新建路小学", "乡镇街道": "新建路街道"}], types=["学校"], now=T0
        )
        cell_id = cells.find(session, "新建路小学").id  # type: ignore[union-attr]
    dialogue = Dialogue(factory, settings)
    event = IncomingMessage(
        "wechat", "o1", "", T0, kind="event", event="subscribe", data={"scene": f"qrscene_cell_{cell_id}"}
    )
    [greeting] = dialogue.handle(event)
    assert "新建路小学" not in greeting.text  # onboarding greets; the join was silent
    [again] = dialogue.handle(
        IncomingMessage("wechat", "o1", "", T0, kind="event", event="scan", data={"scene": f"cell_{cell_id}"})
    )
    assert again.text == texts.CELL_ALREADY.format(name="新建路小学")
    [chat] = dialogue.handle(IncomingMessage("web", "w1", "加入细胞 新建路小学", T0))
    assert chat.text == texts.CELL_JOINED.format(name="新建路小学")
    [missing] = dialogue.handle(IncomingMessage("web", "w1", "加入细胞 999", T0))
    assert missing.text == texts.CELL_NOT_FOUND
    with transaction(factory) as session:
        vias = sorted(m.via for m in session.execute(select(CellMember)).scalars())
        joins = session.execute(select(ResidentEvent).where(ResidentEvent.kind == "cell_join")).scalars().all()
    assert vias == ["chat", "qr"] and len(joins) == 2


def test_campaign_deep_link_is_an_opt_in(factory: sessionmaker[Session], settings: Settings) -> None:
    from campaigns import lifecycle

    with transaction(factory) as session:
        cid = lifecycle.create(session, name="拜祖大典", text="t", now=T0).id
    dialogue = Dialogue(factory, settings)
    dialogue.handle(
        IncomingMessage("telegram", "77", "/start", T0, kind="event", event="start", data={"scene": f"campaign_{cid}"})
    )
    assert resident(factory, "telegram", "77").push_consent


def test_the_printed_chat_command_joins_by_cell_number_and_subscribes(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(factory) as session:
        cells.import_rows(session, [{"类型": "社区", "名称": "和庄社区", "乡镇街道": "和庄镇"}], types=["社区"], now=T0)
        cell_id = cells.find(session, "和庄社区").id  # type: ignore[union-attr]
    dialogue = Dialogue(factory, settings)
    [reply] = dialogue.handle(IncomingMessage("telegram", "77", f"加入无废细胞 {cell_id}", T0))  # as on the poster
    assert reply.text == texts.CELL_JOINED.format(name="和庄社区")
    r = resident(factory, "telegram", "77")
    assert r.push_consent and r.consent_at is not None  # joining is a 订阅 to the cell's pushes
    with transaction(factory) as session:
        assert session.execute(select(CellMember.cell_id, CellMember.via)).all() == [(cell_id, "chat")]
