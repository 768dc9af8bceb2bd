"""The console's flood view: unverified web answers per Beijing day (7 days) and per hour (24 hours), counted by the
database per hour, so a large flood is not read row by row into the web process."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from surveys import flow, verification
from surveys.definition import load_surveys

NOW = dt.datetime(2026, 12, 4, 17, 0, tzinfo=dt.UTC)  # 01:00 on 5 December in Beijing
PUBLIC = load_surveys(now=NOW)["public"]
ANSWERS = {"publicity": ["aware"], "participation": ["sorting"], "satisfaction": ["satisfied"]}


def answered(session: Session, at: dt.datetime, how: str | None = "unverified", n: int = 1) -> None:
    for _ in range(n):
        flow.submit(session, PUBLIC, ANSWERS, key=None, resident_id=None, channel="web", source="web", now=at,
                    verification=how)  # fmt: skip


def test_unverified_answers_per_beijing_day_and_hour(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as session:
        answered(session, dt.datetime(2026, 12, 4, 15, 30, tzinfo=dt.UTC), n=3)  # 23:30 on 4 Dec in Beijing
        answered(session, dt.datetime(2026, 12, 4, 16, 10, tzinfo=dt.UTC), n=2)  # 00:10 on 5 Dec
        answered(session, dt.datetime(2026, 12, 4, 16, 50, tzinfo=dt.UTC))  # 00:50 on 5 Dec
        answered(session, dt.datetime(2026, 12, 3, 10, 0, tzinfo=dt.UTC))  # 18:00 on 3 Dec: a day, not the last 24 h
        answered(session, dt.datetime(2026, 11, 26, 10, 0, tzinfo=dt.UTC))  # more than 7 days ago: left out
        answered(session, dt.datetime(2026, 12, 4, 16, 20, tzinfo=dt.UTC), how="code")  # verified: not a flood
        answered(session, dt.datetime(2026, 12, 4, 16, 30, tzinfo=dt.UTC), how=None)
    with transaction(factory) as session:
        shown = verification.activity(session, PUBLIC, now=NOW)
    assert shown["unverified_by_day"] == [("2026-12-03", 1), ("2026-12-04", 3), ("2026-12-05", 3)]
    assert shown["unverified_by_hour"] == [("12-04 23:00", 3), ("12-05 00:00", 3)]
    assert shown["throttled"] == [] and shown["days"] == 7
