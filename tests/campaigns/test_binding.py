"""Binding (issue #14 §2): 绑定 gives a one-time code; sent from another channel it merges the two residents
(history, cells, survey responses, consent), wrong codes are limited per sender and globally, staff can split."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot import cli
from bot.admin.models import AuditEntry
from bot.config import Settings, get_settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.handover_models import HandoverConversation
from bot.models import ChatLog
from campaigns import binding, cells, ledger, lifecycle, runs
from campaigns import binding_texts as texts
from campaigns.models import BindFailure, CellMember, ChannelIdentity, Delivery, Resident
from surveys.keys import resolve_salt, respondent_key
from surveys.models import COMPLETED, SurveyResponse

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


def say(dialogue: Dialogue, channel: str, user: str, text: str, at: dt.datetime = T0) -> str:
    [reply] = dialogue.handle(IncomingMessage(channel, user, text, at))
    return reply.text


def code_of(reply: str) -> str:
    m = re.search(r"绑定码是 (\d{6})", reply)
    assert m, reply
    return m.group(1)


def resident_id(factory: sessionmaker[Session], channel: str, external_id: str) -> int:
    with transaction(factory) as session:
        return int(
            session.execute(
                select(ChannelIdentity.resident_id).where(
                    ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
                )
            ).scalar_one()
        )


def test_a_code_from_another_channel_merges_history_cells_and_consent(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "telegram", "42", "纸巾扔哪")
    say(dialogue, "web", "w1", "电池扔哪")
    with transaction(factory) as session:
        cells.import_rows(
            session, [{"类型": "学校", "名称": "新建路小学", "乡镇街道": "新建路街道"}], types=["学校"], now=T0
        )
    assert "欢迎加入" in say(dialogue, "web", "w1", "加入无废细胞 新建路小学")
    assert say(dialogue, "telegram", "42", "退订").startswith("已为您取消")
    code = code_of(say(dialogue, "web", "w1", "绑定"))
    assert say(dialogue, "web", "w1", code) == texts.SELF_CODE.format(code=code)  # not on the same identity
    reply = say(dialogue, "telegram", "42", f"绑定 {code}")
    assert reply.startswith("绑定成功") and "网页聊天" in reply and "Telegram" in reply
    assert texts.BOUND_STOPPED in reply  # 退订 on either side wins
    rid = resident_id(factory, "web", "w1")
    assert resident_id(factory, "telegram", "42") == rid
    with transaction(factory) as session:
        assert session.scalar(select(func.count()).select_from(Resident)) == 1
        resident = session.get(Resident, rid)
        assert resident is not None and (resident.status, resident.push_consent) == ("stopped", False)
        assert session.scalar(select(func.count()).where(ChatLog.resident_id == rid)) >= 5
        assert session.scalar(select(func.count()).where(CellMember.resident_id == rid)) == 1
    # used once: the same code again is wrong
    assert say(dialogue, "wechat", "o1", f"绑定{code}") == texts.WRONG_CODE
    assert say(dialogue, "telegram", "42", "绑定 " + code_of(say(dialogue, "web", "w1", "绑定"))) == (
        texts.ALREADY_BOUND
    )


def test_one_response_per_wave_keeps_the_earlier_and_says_so(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "web", "a", "你好")
    say(dialogue, "wechat", "b", "你好")
    a, b = resident_id(factory, "web", "a"), resident_id(factory, "wechat", "b")
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    with transaction(factory) as session:
        for rid, day in ((a, 1), (b, 3)):
            session.add(
                SurveyResponse(
                    survey_id="public", version=1, wave="2026", resident_id=rid, source="chat", status=COMPLETED,
                    respondent_key=respondent_key(salt, "public", f"resident:{rid}"),
                    started_at=T0 - dt.timedelta(days=day), updated_at=T0, completed_at=T0 - dt.timedelta(days=day),
                )
            )  # fmt: skip
    reply = say(dialogue, "web", "a", "绑定 " + code_of(say(dialogue, "wechat", "b", "绑定")))
    assert texts.BOUND_DUPLICATE.format(waves="public/2026") in reply
    with transaction(factory) as session:
        [kept] = session.scalars(select(SurveyResponse)).all()
        assert kept.completed_at == T0 - dt.timedelta(days=3)  # the earlier one (b's), now under the kept resident
        assert (kept.resident_id, kept.respondent_key) == (a, respondent_key(salt, "public", f"resident:{a}"))


def test_wrong_codes_are_limited_per_sender_and_globally(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    good = code_of(say(dialogue, "web", "victim", "绑定"))
    wrong = f"{(int(good) + 1) % 10**6:06d}"
    for _ in range(binding.FAILURES_PER_SENDER):
        assert say(dialogue, "web", "guesser", f"绑定 {wrong}") == texts.WRONG_CODE
    # the limit holds even for the right code, so guessing stops here
    assert say(dialogue, "web", "guesser", f"绑定 {good}") == texts.TOO_MANY_FAILURES
    with transaction(factory) as session:
        for i in range(binding.FAILURES_GLOBAL):
            session.add(BindFailure(who=f"resident:x{i}", at=T0))
    assert say(dialogue, "telegram", "friend", f"绑定 {good}") == texts.BUSY  # many made-up identities: global cap
    later = T0 + binding.FAILURE_WINDOW + dt.timedelta(seconds=1)
    assert say(dialogue, "telegram", "friend", f"绑定 {good}", at=later) == texts.WRONG_CODE  # expired meanwhile
    assert len(set(say(dialogue, "web", "victim", "绑定", at=later) for _ in range(4))) == 4
    assert say(dialogue, "web", "victim", "绑定", at=later) == texts.TOO_MANY_CODES  # 5 codes an hour


def test_a_merged_resident_gets_one_delivery_per_run_and_split_gives_the_identity_back(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "web", "p", "你好")
    say(dialogue, "telegram", "9", "你好")
    grace = dt.timedelta(hours=2)
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="活动", text="通知", now=T0, channels=["telegram", "web"])
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=grace)
        runs.tick(session, now=T0, quiet=None, grace=grace, channels_available=["web", "telegram"])
        cid = campaign.id
        session.execute(Delivery.__table__.update().values(state="sent", sent_at=T0))
    say(dialogue, "web", "p", "绑定 " + code_of(say(dialogue, "telegram", "9", "绑定")))
    rid = resident_id(factory, "web", "p")
    with transaction(factory) as session:
        st = ledger.reach(session, campaign_id=cid)
        assert (st["targeted"], st["sent"], st["reached"]) == (1, 1, 1)
        identity = session.execute(select(ChannelIdentity).where(ChannelIdentity.channel == "telegram")).scalar_one()
        new = binding.split(session, identity, now=T0)
        assert new.id != rid
    assert resident_id(factory, "telegram", "9") != resident_id(factory, "web", "p")


def test_staff_merge_and_split_from_the_cli_are_audited(
    factory: sessionmaker[Session],
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("WUFEI_DATABASE_URL", settings.db_url)
    monkeypatch.setenv("WUFEI_DATA_DIR", str(settings.data_dir))
    get_settings.cache_clear()
    try:
        dialogue = Dialogue(factory, settings)
        say(dialogue, "wechat", "o_a", "你好")
        say(dialogue, "telegram", "7", "你好")
        assert cli.main(["residents", "merge", "wechat:o_a", "telegram:7", "--json"]) == 0
        merged = json.loads(capsys.readouterr().out)
        assert sorted(merged["identities"]) == ["telegram:7", "wechat:o_a"]
        assert cli.main(["residents", "merge", "wechat:o_a", "telegram:7"]) == 2
        assert "同一位居民" in capsys.readouterr().err
        assert cli.main(["residents", "split", "telegram:7", "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["identities"] == ["telegram:7"]
        assert cli.main(["residents", "split", "telegram:7"]) == 2  # its only identity now
        assert "无需拆分" in capsys.readouterr().err
        assert cli.main(["residents", "show", "nobody:x"]) == 2
        with transaction(factory) as session:
            actions = session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
        assert actions[-2:] == ["resident.merge", "resident.split"]
    finally:
        get_settings.cache_clear()


def test_binding_two_residents_with_open_handover_conversations_keeps_both(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "web", "h1", "转人工")
    say(dialogue, "telegram", "h2", "转人工")
    reply = say(dialogue, "web", "h1", "绑定 " + code_of(say(dialogue, "telegram", "h2", "绑定")))
    assert reply.startswith("绑定成功")
    rid = resident_id(factory, "web", "h1")
    with transaction(factory) as session:
        rows = session.execute(select(HandoverConversation.resident_id, HandoverConversation.status)).all()
    assert sorted(rows) == [(rid, "closed"), (rid, "open")]  # moved, one left open, nothing deleted
