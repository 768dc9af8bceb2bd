"""Claims on a short lease: disjoint between claimers, renewed by a heartbeat while sending, taken over when not."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.db import transaction, utcnow
from campaigns import ledger, lifecycle, runs
from campaigns.delivery import DeliveryLoop, Heartbeat
from campaigns.models import Delivery
from campaigns.schedule import LOCAL
from tests.support.campaigns import Clock, FakeSender, add_residents

T0 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL).astimezone(dt.UTC)
LEASE = dt.timedelta(seconds=10)


def campaign_to(factory: sessionmaker[Session], n: int, now: dt.datetime = T0) -> None:
    """A running campaign with `n` Telegram recipients, materialised."""
    add_residents(factory, n, now=now, channel="telegram", prefix="t")
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="租约", text="通知", now=now, channels=["telegram"])
        lifecycle.start(session, campaign, now=now, quiet=None, grace=dt.timedelta(hours=2))
    with transaction(factory) as session:
        runs.tick(session, now=now, quiet=None, grace=dt.timedelta(hours=2), channels_available=["telegram"])


def claim(session: Session, now: dt.datetime, limit: int, worker: str = "w") -> list[ledger.Claimed]:
    return ledger.claim(session, worker=worker, now=now, limit=limit, lease=LEASE, channels=["telegram"])


def test_two_claimers_on_postgres_never_get_the_same_row(factory: sessionmaker[Session], backend: str) -> None:
    if backend != "postgres":
        pytest.skip("concurrent claims: PostgreSQL (SQLite has one writer at a time)")
    campaign_to(factory, 30)
    with factory() as first, factory() as second:
        with first.begin():
            mine = claim(first, T0, 20, "a")  # not committed yet: its rows are locked, not yet `sending` for others
            with second.begin():
                theirs = claim(second, T0, 20, "b")  # does not wait: SKIP LOCKED
        assert len(mine) == 20 and len(theirs) == 10
        assert not {r.id for r in mine} & {r.id for r in theirs}


def test_a_claim_whose_lease_ran_out_is_taken_over_by_another_sender(factory: sessionmaker[Session]) -> None:
    campaign_to(factory, 12)
    with transaction(factory) as session:
        dead = claim(session, T0, 5, "killed")  # claimed, then the process was killed: nobody renews it
    clock, fake = Clock(T0), FakeSender()
    other = DeliveryLoop(factory, {"telegram": fake}, worker="other", clock=clock, lease=LEASE, sleep=lambda s: None)
    assert other.drain() == 7  # the killed process's rows wait while their lease holds
    clock.advance(seconds=LEASE.total_seconds() + 1)
    assert other.drain() == 5  # taken over by this sender itself, without the scheduler's tick
    assert Counter(e for e, _ in fake.sent) == Counter(f"t{i}" for i in range(12))
    with transaction(factory) as session:
        assert not ledger.mark_sent(session, dead[0], now=clock.now)  # a late outcome of the dead claim is refused
    other.close()


def test_the_heartbeat_keeps_a_live_claim_from_being_taken_over(factory: sessionmaker[Session]) -> None:
    campaign_to(factory, 4)
    clock = Clock(T0)
    with transaction(factory) as session:
        live = claim(session, T0, 4, "slow")
    beat = Heartbeat(factory, LEASE, clock)
    beat.hold(live[0].token)
    try:
        clock.advance(seconds=8)
        assert beat.beat() == 4
        clock.advance(seconds=8)  # 16 s after the claim, 8 s after the renewal
        with transaction(factory) as session:
            assert ledger.recover_stale(session, now=clock.now) == 0
        beat.drop(live[0].token)
        assert beat.beat() == 0  # settled claims are no longer renewed
        clock.advance(seconds=3)
        with transaction(factory) as session:
            assert ledger.recover_stale(session, now=clock.now) == 4
    finally:
        beat.close()


@dataclass
class SlowSender(FakeSender):
    """A platform that takes `delay` seconds per message."""

    delay: float = 0.0
    started: threading.Event = field(default_factory=threading.Event)

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        self.started.set()
        time.sleep(self.delay)
        return super().send(external_id, text, now=now)


def test_a_sender_slower_than_its_lease_keeps_its_rows_while_another_keeps_claiming(
    factory: sessionmaker[Session],
) -> None:
    campaign_to(factory, 6, now=utcnow() - dt.timedelta(seconds=1))
    lease = dt.timedelta(seconds=1)
    slow, quick = SlowSender(delay=0.4), FakeSender()
    slow_loop = DeliveryLoop(factory, {"telegram": slow}, worker="slow", clock=utcnow, lease=lease, batch_size=6)
    quick_loop = DeliveryLoop(factory, {"telegram": quick}, worker="quick", clock=utcnow, lease=lease)
    sending = threading.Thread(target=slow_loop.run_once)
    sending.start()  # 6 × 0.4 s = 2.4 s of sending on a 1 s lease, renewed every 1/3 s by the heartbeat
    assert slow.started.wait(30)  # its claim is committed
    while sending.is_alive():
        quick_loop.run_once()  # would take the rows over (and send them again) if the lease ran out
        time.sleep(0.1)
    sending.join()
    slow_loop.close()
    quick_loop.close()
    assert len(slow.sent) == 6 and quick.sent == []
    with transaction(factory) as session:
        states = session.execute(select(Delivery.state)).scalars().all()
    assert Counter(states) == {"sent": 6}


def test_a_process_never_hands_back_its_own_claims_still_being_sent(factory: sessionmaker[Session]) -> None:
    campaign_to(factory, 6)
    with transaction(factory) as session:
        mine = claim(session, T0, 3, "me")  # its heartbeat was late (SQLite busy): the lease ran out meanwhile
        theirs = claim(session, T0, 3, "killed")
    later = T0 + LEASE + dt.timedelta(seconds=1)
    with transaction(factory) as session:
        assert ledger.recover_stale(session, now=later, keep=[mine[0].token]) == 3  # only the killed process's
    with transaction(factory) as session:
        assert ledger.mark_sent(session, mine[0], now=later)  # still ours to settle
        assert not ledger.mark_sent(session, theirs[0], now=later)
