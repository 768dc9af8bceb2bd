"""Segments over history: residents who did not take a survey, residents who have not chatted for N days."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from bot.dialogue import Dialogue
from campaigns import segments
from campaigns.models import ChannelIdentity, Resident
from surveys import flow
from surveys.definition import load_surveys
from tests.support.campaigns import add_residents
from tests.support.dialog import say

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]


def _submit(session: Session, resident_id: int | None, *, wave: str, anonymous: bool = False, key: str = "") -> None:
    survey = dataclasses.replace(PUBLIC, anonymous=anonymous)
    stored = flow.submit(
        session,
        survey,
        {},
        key=key or f"k{resident_id}-{wave}",
        resident_id=resident_id,
        channel="web",
        source="chat",
        now=T0,
        wave=wave,
    )
    assert stored is not None


def test_not_surveyed_counts_residents_without_a_completed_response(factory: sessionmaker[Session]) -> None:
    done, started, last_year, never, anonymous = add_residents(factory, 5, now=T0)
    with transaction(factory) as session:
        _submit(session, done, wave="2026")
        _submit(session, last_year, wave="2025")
        _submit(session, anonymous, wave="2026", anonymous=True)  # stored without the resident
        partial = flow.begin(
            session, PUBLIC, key="partial", resident_id=started, channel="web", source="chat", now=T0
        )  # in progress only
        assert partial.status == "in_progress"

    def who(rules: dict[str, object]) -> set[int]:
        with transaction(factory) as session:
            return set(session.execute(segments.audience(rules, now=T0)).scalars())

    # a given wave: only a completed response of that wave excludes; the anonymous respondent cannot be told apart
    assert who(segments.parse_rules(["not_surveyed=public/2026"])) == {started, last_year, never, anonymous}
    # the survey in any wave
    assert who({"not_surveyed": "public"}) == {started, never, anonymous}
    assert who({"not_surveyed": ["public/2025", "public/2026"]}) == {started, never, anonymous}
    with transaction(factory) as session:
        assert segments.count(session, {"not_surveyed": "public/2026"}, now=T0) == 4
        # staff are told how many completed responses name nobody
        assert segments.unlinked_responses(session, {"not_surveyed": "public/2026"}) == 1
        assert segments.unlinked_responses(session, {"not_surveyed": "public/2025"}) == 0
        assert segments.unlinked_responses(session, {"township": "x"}) == 0
        saved = segments.save(session, "未参加满意度调查的居民", {"not_surveyed": "public/2026"}, now=T0)
        assert segments.count(session, saved.rules, now=T0) == 4


def test_inactive_days_follows_the_last_chat_turn(factory: sessionmaker[Session], settings: Settings) -> None:
    dialogue = Dialogue(factory, settings)
    now = T0 + dt.timedelta(days=60)
    say(dialogue, "你好", user="old", at=T0)  # first and only turn 60 days ago
    say(dialogue, "你好", user="back", at=T0)
    say(dialogue, "电池扔哪里", user="back", at=now - dt.timedelta(days=2))  # came back two days ago
    say(dialogue, "你好", user="edge", at=now - dt.timedelta(days=30, minutes=1))
    with transaction(factory) as session:
        ids = {
            e.external_id: e.resident_id
            for e in session.query(ChannelIdentity).filter(ChannelIdentity.channel == "web").all()
        }
        assert segments.count(session, {"channel": "web"}, now=now) == 3
        inactive = set(session.execute(segments.audience({"inactive_days": 30}, now=now)).scalars())
        assert inactive == {ids["old"], ids["edge"]}
        active = set(session.execute(segments.audience({"active_days": 30}, now=now)).scalars())
        assert active == {ids["back"]}
        resident = session.get(Resident, ids["back"])
        assert resident is not None and resident.last_seen_at == now - dt.timedelta(days=2)


def test_not_surveyed_rule_takes_lists_and_refuses_an_empty_value() -> None:
    with pytest.raises(segments.SegmentError):
        segments.parse_rules(["not_surveyed="])
    assert segments.parse_rules(["not_surveyed=public/2026，public/2025"]) == {
        "not_surveyed": ["public/2026", "public/2025"]
    }
