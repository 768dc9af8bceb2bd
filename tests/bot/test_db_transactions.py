"""`bot.db.transaction` is atomic on both databases, also when its first write is inside a savepoint."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from campaigns import residents
from campaigns.models import ChannelIdentity

NOW = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)


class Boom(Exception):
    pass


def identities(factory: sessionmaker[Session], external_id: str) -> int:
    with transaction(factory) as session:
        query = select(func.count()).select_from(ChannelIdentity).filter_by(external_id=external_id)
        return int(session.execute(query).scalar_one())


def test_a_savepoint_as_the_first_write_is_rolled_back_with_its_transaction(factory: sessionmaker[Session]) -> None:
    with pytest.raises(Boom), transaction(factory) as session:
        session.execute(select(ChannelIdentity.id).limit(1)).all()  # a read first, as the chat path does
        residents.get_or_create(session, channel="web", external_id="w_rolled_back", now=NOW)  # SAVEPOINT … RELEASE
        raise Boom
    assert identities(factory, "w_rolled_back") == 0


def test_a_savepoint_as_the_first_write_is_committed_with_its_transaction(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        residents.get_or_create(session, channel="web", external_id="w_kept", now=NOW)
    assert identities(factory, "w_kept") == 1
