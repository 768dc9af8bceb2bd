"""A first contact's two Core inserts (campaigns.residents.first_contact_id): the rows it makes, the object a later
step gets without a read, and the identity a concurrent first contact inserted first."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue, IncomingMessage
from campaigns import residents
from campaigns.models import ChannelIdentity, Resident

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)


def test_a_first_contact_makes_the_resident_and_the_identity(factory: sessionmaker[Session]) -> None:
    """Two rows, the resident's defaults as the ORM would have given them; the object a step asks for is the row."""
    with transaction(factory) as session:
        rid, made = residents.first_contact_id(session, channel="web", external_id="fc-1", now=T0)
        resident = residents.made_resident(session, rid, now=T0)
        resident.area = "rural"  # a step changing the object: flushed with the transaction
    assert made
    with transaction(factory) as session:
        row = session.get_one(Resident, rid)
        assert (row.status, row.push_consent, row.consent_at, row.area) == ("active", False, None, "rural")
        assert row.created_at == T0 and row.last_seen_at == T0
        identity = session.scalars(select(ChannelIdentity).where(ChannelIdentity.external_id == "fc-1")).one()
        assert (identity.resident_id, identity.channel, identity.created_at) == (rid, "web", T0)


def test_an_identity_inserted_first_by_another_transaction_is_used(factory: sessionmaker[Session]) -> None:
    """The identity already there (a concurrent first contact that committed first): its resident is used and marked
    seen, and the resident this call inserted is deleted again (no orphan)."""
    with transaction(factory) as session:
        theirs, _ = residents.first_contact_id(session, channel="web", external_id="fc-2", now=T0)
    later = T0 + dt.timedelta(seconds=3)
    with transaction(factory) as session:
        before = session.scalar(select(func.count()).select_from(Resident))
        rid, made = residents.first_contact_id(session, channel="web", external_id="fc-2", now=later)
        assert (rid, made) == (theirs, False)
        assert session.scalar(select(func.count()).select_from(Resident)) == before
    with transaction(factory) as session:
        assert session.get_one(Resident, theirs).last_seen_at == later


def test_a_new_residents_first_message_is_answered_with_one_resident(
    factory: sessionmaker[Session], settings: Settings
) -> None:
    """Through the dialogue: a new resident's first message is answered and its resident row exists once."""
    dialogue = Dialogue(factory, settings)
    [reply] = dialogue.handle(IncomingMessage("web", "fc-3", "电池", T0))
    assert reply.text
    with transaction(factory) as session:
        ids = session.scalars(select(ChannelIdentity.resident_id).where(ChannelIdentity.external_id == "fc-3")).all()
        assert len(ids) == 1 and session.get_one(Resident, ids[0]).last_seen_at == T0
