"""Materialising a run's ledger: a first pass without the already-there guard, later passes only add new residents."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db import transaction
from campaigns import lifecycle, runs
from campaigns.models import CampaignRun, Delivery
from tests.support.campaigns import add_residents

T0 = dt.datetime(2026, 6, 5, 1, 0, tzinfo=dt.UTC)
GRACE = dt.timedelta(hours=2)


def _run(factory: sessionmaker[Session]) -> tuple[int, int]:
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="环境日", text="6·5环境日", now=T0, channels=["web", "telegram"])
        session.flush()
        run = CampaignRun(campaign_id=campaign.id, due_at=T0, state="sending", created_at=T0)
        session.add(run)
        session.flush()
        return campaign.id, run.id


def _materialise(factory: sessionmaker[Session], campaign_id: int, run_id: int) -> int:
    with transaction(factory) as session:
        campaign = lifecycle.get(session, campaign_id)
        run = session.get(CampaignRun, run_id)
        assert run is not None
        return runs.materialise(session, campaign, run, now=T0, send_from=T0, expires_at=T0 + GRACE)


def _ledger(factory: sessionmaker[Session], run_id: int) -> list[int]:
    with transaction(factory) as session:
        return sorted(session.execute(select(Delivery.resident_id).where(Delivery.run_id == run_id)).scalars())


def test_a_second_pass_adds_only_residents_the_run_does_not_have(factory: sessionmaker[Session]) -> None:
    first = add_residents(factory, 5, now=T0, township="新建路街道")
    campaign_id, run_id = _run(factory)
    assert _materialise(factory, campaign_id, run_id) == 5
    assert _materialise(factory, campaign_id, run_id) == 0  # the same audience again: nothing twice
    later = add_residents(factory, 3, now=T0, township="新建路街道", prefix="late")
    assert _materialise(factory, campaign_id, run_id) == 3
    assert _ledger(factory, run_id) == sorted(first + later)
    with transaction(factory) as session:
        per_resident = session.execute(
            select(func.count()).select_from(Delivery).group_by(Delivery.run_id, Delivery.resident_id)
        ).scalars()
        assert set(per_resident) == {1}


def test_the_first_pass_of_a_second_run_ignores_the_first_runs_rows(factory: sessionmaker[Session]) -> None:
    residents = add_residents(factory, 4, now=T0, township="新建路街道")
    campaign_id, run_a = _run(factory)
    assert _materialise(factory, campaign_id, run_a) == 4
    _, run_b = _run(factory)
    assert _materialise(factory, campaign_id, run_b) == 4
    assert _ledger(factory, run_a) == _ledger(factory, run_b) == sorted(residents)
