"""The chat path's writes compiled once and run on the driver (bot/prepared.py) send what Core would, through the
engine's events, and write the same rows."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import dialogue
from bot.db import transaction
from bot.models import ChatLog, ConversationState
from bot.prepared import Prepared, prepared
from campaigns import residents
from campaigns.models import Resident
from tests.support.sql import statements

AT = dt.datetime(2026, 12, 7, 3, 0, 0, 123456, tzinfo=dt.UTC)


def _resident(factory: sessionmaker[Session], external_id: str) -> int:
    with transaction(factory) as session:
        return residents.get_or_create(session, channel="web", external_id=external_id, now=AT).id


def _writes(rid: int) -> list[tuple[Any, dict[str, Any]]]:
    state = {"kind": "context", "payload": {"last": {"query": "电池"}}, "updated_at": AT, "expires_at": AT}
    log = {"resident_id": rid, "channel": "web", "text": "电池", "intent": "sorting", "confidence": 0.9}
    return [
        (dialogue._STATE_INSERT, {f"new_{k}": v for k, v in {"resident_id": rid, **state}.items()}),
        (dialogue._LOG_INSERT, {f"log_{k}": v for k, v in {**log, "created_at": AT, "reply": "有害垃圾"}.items()}),
        (residents.SEEN_ID, {"rid": rid, "at": AT}),
    ]


def _rows(factory: sessionmaker[Session], rid: int) -> tuple[Any, ...]:
    with transaction(factory) as session:
        state = session.execute(
            select(ConversationState.kind, ConversationState.payload, ConversationState.expires_at).where(
                ConversationState.resident_id == rid
            )
        ).one()
        log = session.execute(
            select(ChatLog.text, ChatLog.intent, ChatLog.confidence, ChatLog.created_at, ChatLog.reply).where(
                ChatLog.resident_id == rid
            )
        ).one()
        seen = session.scalar(select(Resident.last_seen_at).where(Resident.id == rid))
    return tuple(state), tuple(log), seen


def test_prepared_writes_send_the_sql_and_values_core_sends_and_write_the_same_rows(
    factory: sessionmaker[Session],
) -> None:
    core, ours = _resident(factory, "core"), _resident(factory, "ours")
    with statements(factory) as by_core, transaction(factory) as session:
        for statement, params in _writes(core):
            session.connection().execute(statement, params)
    with statements(factory) as by_us, transaction(factory) as session:
        for statement, params in _writes(ours):
            prepared(statement, frozenset(params)).execute(session.connection(), params)

    def value(v: Any, rid: int) -> Any:
        """One parameter, comparable: the resident id made the same, a driver's JSON wrapper by its content."""
        return "rid" if v == rid else (type(v).__name__, v.obj) if hasattr(v, "obj") else v

    def normal(seen: list[tuple[str, Any]], rid: int) -> list[tuple[str, Any]]:
        """The writes only (no BEGIN), with their parameters (by name for a named driver, in order otherwise)."""
        out: list[tuple[str, Any]] = []
        for sql, params in seen:
            if sql.lstrip().upper().startswith(("INSERT", "UPDATE")):
                if isinstance(params, dict):
                    out.append((sql, sorted((k, value(v, rid)) for k, v in params.items())))
                else:
                    out.append((sql, [value(v, rid) for v in params]))
        return out

    assert len(normal(by_us, ours)) == 3  # each write went through the engine's events (the SQLite write turn's too)
    assert normal(by_us, ours) == normal(by_core, core)
    assert _rows(factory, ours) == _rows(factory, core)
    state, log, seen = _rows(factory, ours)
    assert state == ("context", {"last": {"query": "电池"}}, AT) and log[3] == AT and seen == AT


def test_a_failing_prepared_write_raises_sqlalchemys_error_and_rolls_the_transaction_back(
    factory: sessionmaker[Session],
) -> None:
    rid = _resident(factory, "twice")
    statement, params = _writes(rid)[0]
    with transaction(factory) as session:
        Prepared(statement, frozenset(params)).execute(session.connection(), params)
    with pytest.raises(IntegrityError), transaction(factory) as session:  # the state row exists: primary key taken
        residents_seen, seen_params = _writes(rid)[2]
        prepared(residents_seen, frozenset(seen_params)).execute(
            session.connection(), {**seen_params, "at": AT + dt.timedelta(days=1)}
        )
        Prepared(statement, frozenset(params)).execute(session.connection(), params)
    with transaction(factory) as session:
        assert session.scalar(select(Resident.last_seen_at).where(Resident.id == rid)) == AT  # rolled back
        assert session.scalar(select(ConversationState.kind).where(ConversationState.resident_id == rid)) == "context"
