"""One statement reads a known sender and what their turn needs (bot/sender.py), and each part still takes effect."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from bot import handover, ratelimit, sender
from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatClientMinute, ChatLog, ConversationState
from campaigns.models import ChannelIdentity, Resident
from knowledge.meta import bump_version
from surveys.models import SurveyResponse
from tests.support.dialog import T0, say
from tests.support.sql import statements


@contextmanager
def selects(factory: sessionmaker[Session]) -> Iterator[list[str]]:
    """The SELECT statements sent while the block runs."""
    seen: list[str] = []
    with statements(factory) as sent:
        yield seen
    seen.extend(s for s, _ in sent if s.lstrip().upper().startswith("SELECT"))


def test_a_known_residents_message_reads_in_one_select(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")  # first contact: creates the resident and a pending question
    with selects(factory) as seen:
        reply = say(dialogue, "2", at=T0 + dt.timedelta(seconds=5))
    assert "有害垃圾" in reply.text  # the pending question came with the resident
    # the sender: resident, rate counts, state, open conversation, knowledge version, whether a survey response exists
    assert len(seen) == 1, seen
    assert all(table in seen[0] for table in ("conversation_states", "handover_conversations", "kb_meta"))
    assert "survey_responses" in seen[0]


def test_a_conversation_opened_elsewhere_is_seen_by_the_next_message(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")
    assert handover.WAITING_LINE not in say(dialogue, "废纸", at=T0 + dt.timedelta(seconds=5)).text
    with transaction(factory) as session:  # another process (staff, or the resident on another channel)
        resident_id = session.scalar(select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id == "u1"))
        assert resident_id is not None
        handover.open_conversation(
            session, resident_id=resident_id, channel="web", external_id="u1", reason="asked", question="", now=T0
        )
    assert handover.WAITING_LINE in say(dialogue, "废纸", at=T0 + dt.timedelta(seconds=10)).text


def test_a_knowledge_change_elsewhere_rebuilds_the_snapshot(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "废纸")
    first = dialogue.knowledge._kb
    say(dialogue, "废纸", at=T0 + dt.timedelta(seconds=5))
    assert dialogue.knowledge._kb is first  # same version: the snapshot is kept
    with transaction(factory) as session:
        bump_version(session)
    say(dialogue, "废纸", at=T0 + dt.timedelta(seconds=10))
    assert dialogue.knowledge._kb is not first  # the version read with the resident saw the change


def test_a_survey_started_in_another_process_takes_the_next_answer(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    here, there = Dialogue(factory, settings), Dialogue(factory, settings)
    say(here, "废纸")  # `here` now knows the sender and that they have no survey response
    with selects(factory) as seen:
        say(here, "废纸", at=T0 + dt.timedelta(seconds=5))
    assert not any("FROM survey_responses" in s.split("WHERE")[0] for s in seen)  # no survey read of its own
    started = say(there, "问卷", at=T0 + dt.timedelta(seconds=10))  # the same resident, through another process
    assert started.answer is not None and started.answer.source == "survey"
    reply = say(here, "1", at=T0 + dt.timedelta(seconds=15))
    assert reply.answer is not None and reply.answer.source == "survey"  # an answer to the survey, not a "1"
    with transaction(factory) as session:
        response = session.scalars(select(SurveyResponse)).one()
        assert response.current_question != started.answer.extra["survey_question"]  # it moved on


@contextmanager
def made_objects(session: Session) -> Iterator[list[object]]:
    """The ORM objects that become persistent in `session` while the block runs (loaded or attached)."""
    made: list[object] = []

    def listen(_session: Session, instance: object) -> None:
        made.append(instance)

    event.listen(session, "detached_to_persistent", listen)
    event.listen(session, "loaded_as_persistent", listen)
    try:
        yield made
    finally:
        event.remove(session, "detached_to_persistent", listen)
        event.remove(session, "loaded_as_persistent", listen)


def test_a_plain_question_makes_no_resident_object(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")
    with transaction(factory) as session, made_objects(session) as made:
        _, replies = dialogue.respond_in(session, IncomingMessage("web", "u1", "2", T0 + dt.timedelta(seconds=5)))
    assert "有害垃圾" in replies[0].text
    assert made == []  # the row was enough: no ORM entity loaded or attached
    with transaction(factory) as session:
        seen_at = session.scalar(
            select(Resident.last_seen_at).join(ChannelIdentity).where(ChannelIdentity.external_id == "u1")
        )
    assert seen_at == T0 + dt.timedelta(seconds=5)  # last_seen_at still written


def test_a_hook_that_changes_a_known_resident_gets_the_object_and_its_change_is_kept(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")
    with transaction(factory) as session, made_objects(session) as made:
        dialogue.respond_in(session, IncomingMessage("web", "u1", "退订", T0 + dt.timedelta(seconds=5)))
        assert [type(obj) for obj in made] == [Resident]
        assert all(obj is made[0] for obj in session.dirty)  # only the changed resident has anything to flush
    with transaction(factory) as session:
        resident = session.scalars(
            select(Resident).join(ChannelIdentity).where(ChannelIdentity.external_id == "u1")
        ).one()
        assert resident.status == "stopped" and resident.push_consent is False
        assert resident.last_seen_at == T0 + dt.timedelta(seconds=5)


def test_an_attached_row_is_persistent_clean_and_the_sessions_own_object_wins(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    say(Dialogue(factory, settings), "电池")
    with transaction(factory) as session:
        found = sender.find(session, channel="web", external_id="u1", now=T0, per_minute=0)
        assert found is not None and found.state is not None and found.state.kind == "kind"
        resident = found.resident(session)
        assert resident in session and not session.dirty and not session.new
        assert found.resident(session) is resident  # made once per session
        assert resident.created_at == T0 and resident.status == "active"
        resident.city = "新密市"
    with transaction(factory) as session:
        loaded = session.get(Resident, found.row.id)
        assert loaded is not None and loaded.city == "新密市"
        again = sender.find(session, channel="web", external_id="u1", now=T0, per_minute=0)
        assert again is not None and again.resident(session) is loaded  # the object the session already had


@pytest.mark.parametrize("keys", [[], ["k-absent"], ["k-absent", "k-present"], [f"k{i}" for i in range(6)]])
def test_the_prepared_statement_reads_what_sqlalchemy_reads(
    factory: sessionmaker[Session], settings: Settings, keys: list[str]
) -> None:
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")  # a pending question: a state row with a JSON payload and two datetimes
    with transaction(factory) as session:
        resident_id = session.scalar(select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id == "u1"))
        assert resident_id is not None
        handover.open_conversation(
            session, resident_id=resident_id, channel="web", external_id="u1", reason="asked", question="", now=T0
        )
        session.add(
            SurveyResponse(
                survey_id="s",
                version=1,
                wave="w",
                respondent_key="k-present",
                source="chat",
                started_at=T0,
                updated_at=T0,
            )
        )
        session.add(ChatClientMinute(client="203.0.113.5", window_start=ratelimit.window_start(T0), messages=7))
    since = T0 - dt.timedelta(minutes=1)
    address = ("203.0.113.5", ratelimit.window_start(T0))
    with transaction(factory) as session:
        params = {"channel": "web", "external_id": "u1", "since": since, "survey_keys": keys}
        client = {"client": address[0], "client_start": address[1]}
        expected = session.connection().execute(sender._SENDER, {**params, **client}).first()
        got = sender._read(session, "web", "u1", since, keys, address)
        assert sender._read(session, "web", "nobody", since, keys, address) is None
        no_address = sender._read(session, "web", "u1", since, keys)
        next_minute = sender._read(session, "web", "u1", since, keys, (address[0], address[1] + ratelimit.WINDOW))
    assert expected is not None and got is not None
    assert tuple(got) == tuple(expected)
    assert [type(v) for v in got] == [type(v) for v in expected]  # aware datetimes, the payload a dict, counts ints
    assert got[-2] is (keys[-1:] == ["k-present"])  # the survey EXISTS
    assert got[-1] == 7  # the address's count in its current minute
    assert no_address is not None and no_address[-1] is None  # no address given: no count
    assert next_minute is not None and next_minute[-1] is None  # a count of an older minute is not this minute's


def test_sqlite_keeps_the_lookup_prepared_across_messages(factory: sessionmaker[Session], settings: Settings) -> None:
    """SQLite prepares a statement again on every execution when a bound value decides whether a partial index
    applies (the one open conversation per resident): the open status is written into the SQL instead."""
    if factory.kw["bind"].dialect.name != "sqlite":
        pytest.skip("SQLite's own statement cache")
    dialogue = Dialogue(factory, settings)
    for i in range(3):
        say(dialogue, "电池", user=f"u{i}")  # first contacts: the open-conversation read on its own
    with transaction(factory) as session:
        driver = session.connection().connection.driver_connection
        for i in range(3):
            sender.find(session, channel="web", external_id=f"u{i}", now=T0, per_minute=5)
            handover.open_for(session, i + 1)
        reprepared = driver.execute(
            "SELECT sql, reprep FROM sqlite_stmt WHERE sql LIKE 'SELECT handover%' OR sql LIKE 'SELECT residents.id%'"
        ).fetchall()
    assert len(reprepared) >= 2 and all(count == 0 for _sql, count in reprepared), reprepared


def test_a_known_residents_writes_go_in_one_statement_on_postgresql(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """State, chat log and last_seen_at: one round trip on PostgreSQL (WITH parts), three statements on SQLite."""
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池")  # a pending question
    engine = factory.kw["bind"]
    with statements(factory) as recorded:
        reply = say(dialogue, "2", at=T0 + dt.timedelta(seconds=5))
    sent = [s for s, _ in recorded]
    assert "有害垃圾" in reply.text
    writes = [s for s in sent if not s.lstrip().upper().startswith("SELECT")]
    if engine.dialect.name == "postgresql":
        assert len(sent) == 2 and len(writes) == 1, sent
        assert all(table in writes[0] for table in ("conversation_states", "chat_log", "residents"))
    else:
        assert len(writes) == 3, writes
    with transaction(factory) as session:  # every part took effect
        resident_id = session.scalar(select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id == "u1"))
        assert resident_id is not None
        resident = session.get(Resident, resident_id)
        assert resident is not None and resident.last_seen_at == T0 + dt.timedelta(seconds=5)
        logged = session.scalars(select(ChatLog.intent).where(ChatLog.resident_id == resident_id).order_by(ChatLog.id))
        assert list(logged)[-1] == "choice"
        state = session.get(ConversationState, resident_id)
        assert state is not None and state.kind == "context" and state.updated_at == T0 + dt.timedelta(seconds=5)


def test_the_addresss_count_goes_with_the_turns_writes(factory: sessionmaker[Session], settings: Settings) -> None:
    """With the per-address limit on, a known sender's message reads the address's count with the sender (no read
    of its own) and counts it in the turn's one write statement (PostgreSQL) or as the last write (SQLite)."""
    limited = settings.model_copy(update={"chat": settings.chat.model_copy(update={"client_rate_per_minute": 50})})
    dialogue = Dialogue(factory, limited)
    message = IncomingMessage("web", "u1", "电池", T0)
    dialogue.respond(message, client="203.0.113.5")  # first contact: a pending question
    engine = factory.kw["bind"]
    with statements(factory) as recorded:
        later = IncomingMessage("web", "u1", "2", T0 + dt.timedelta(seconds=5))
        outcome, [reply] = dialogue.respond(later, client="203.0.113.5")
    sent = [s for s, _ in recorded]
    assert outcome == "sorting" and "有害垃圾" in reply.text
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1 and "chat_client_minutes" in reads[0], reads  # the address's count read with the sender
    writes = [s for s in sent if not s.lstrip().upper().startswith("SELECT")]
    if engine.dialect.name == "postgresql":
        assert len(writes) == 1, writes  # state, chat log, last_seen_at and the address's count: one round trip
        assert all(table in writes[0] for table in ("conversation_states", "chat_log", "residents"))
        assert "chat_client_minutes" in writes[0]
    else:
        assert len(writes) == 4 and "chat_client_minutes" in writes[-1], writes
    with transaction(factory) as session:
        assert session.scalar(select(ChatClientMinute.messages).where(ChatClientMinute.client == "203.0.113.5")) == 2


def test_a_first_contact_looks_the_sender_up_once_and_reads_no_state(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """The lookup that found no one is the only read of the identity; a resident made by this message has no state
    row or open conversation to read (both cascade with a deleted resident, so a reused id holds none either)."""
    dialogue = Dialogue(factory, settings)
    say(dialogue, "电池", user="warm")  # the knowledge snapshot and the pool are ready
    with selects(factory) as seen:
        reply = say(dialogue, "电池", user="new-one", at=T0 + dt.timedelta(seconds=1))
    assert "电池" in reply.text or reply.choices  # answered as any first message
    assert sum("channel_identities" in s for s in seen) == 1, seen  # the sender lookup alone
    bare = [s.split("FROM")[0] for s in seen]
    assert not any("conversation_states." in s or "handover_conversations." in s for s in bare[1:]), seen
    say(dialogue, "2", user="new-one", at=T0 + dt.timedelta(seconds=2))  # the pending question was kept
    with transaction(factory) as session:
        resident_id = session.scalar(
            select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id == "new-one")
        )
        intents = session.scalars(select(ChatLog.intent).where(ChatLog.resident_id == resident_id).order_by(ChatLog.id))
        assert list(intents)[-1] == "choice"
