"""The SQL tallies agree with counting the same random answers by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from surveys import flow, tally
from surveys.definition import load_surveys
from surveys.models import STOPPED

NOW = dt.datetime(2026, 6, 5, 9, 0, tzinfo=dt.UTC)
PUBLIC = load_surveys()["public"]


def test_sql_tallies_match_a_python_count(factory: sessionmaker[Session]) -> None:
    rng = random.Random(3)
    rows = []
    for i in range(300):
        answers = {
            "publicity": [rng.choice(["trained", "aware", "none"])],
            "participation": rng.choice([["none"], ["sorting"], ["sorting", "reuse"], ["volunteer"]]),
            "satisfaction": [rng.choice(["satisfied", "fairly_satisfied", "neutral", "dissatisfied", "unsure"])],
            "township": [rng.choice(["xz_hezhuang", "xm_qingping"])],
        }
        if i % 10 == 0:
            del answers["satisfaction"]  # some did not answer it
        rows.append(answers)
    with transaction(factory) as session:
        for i, answers in enumerate(rows):
            stored = flow.submit(
                session, PUBLIC, answers, key=None, resident_id=None, channel=None, source="import", now=NOW
            )
            assert stored is not None
            if i == 0:
                stored.status = STOPPED  # partial responses do not count
        session.flush()
        counted = rows[1:]
        sat = next(i for i in PUBLIC.indicators if i.key == "satisfaction")
        cells = {c.stratum: c for c in tally.tally(session, PUBLIC, sat, wave=PUBLIC.wave, by=["township"])}
        for township in ("xz_hezhuang", "xm_qingping"):
            mine = [r for r in counted if r["township"] == [township] and "satisfaction" in r]
            cell = cells[(township,)]
            assert cell.answered == len(mine)
            assert cell.excluded == sum(r["satisfaction"] == ["unsure"] for r in mine)
            assert cell.numerator == sum(r["satisfaction"][0] in ("satisfied", "fairly_satisfied") for r in mine)
            scores = {"satisfied": 100, "fairly_satisfied": 80, "neutral": 60, "dissatisfied": 20, "unsure": 0}
            assert cell.score_sum == sum(scores[r["satisfaction"][0]] for r in mine)
        part = next(i for i in PUBLIC.indicators if i.key == "participation")
        (whole,) = tally.tally(session, PUBLIC, part, wave=PUBLIC.wave)
        assert whole.answered == len(counted) and whole.excluded == 0
        assert whole.numerator == sum(r["participation"] != ["none"] for r in counted)
        assert tally.count_responses(session, PUBLIC, PUBLIC.wave) == len(counted)
        assert tally.count_responses(session, PUBLIC, "other-wave") == 0
