"""Web outbox batches: picked, marked sent and stored in one transaction; refused rows handed back; never sent twice."""

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.base import SendResult
from bot.channels.web_outbox import WebOutboxSender
from bot.db import transaction
from campaigns import ledger, lifecycle, runs
from campaigns.delivery import DeliveryLoop, OutboxMessage
from campaigns.models import Delivery, WebOutbox
from campaigns.schedule import LOCAL
from tests.support.campaigns import Clock, add_residents

T0 = dt.datetime(2026, 6, 5, 9, 0, tzinfo=LOCAL).astimezone(dt.UTC)
GRACE = dt.timedelta(hours=2)


def start(factory: sessionmaker[Session], n: int) -> int:
    """n web residents and a running campaign to them, materialised."""
    add_residents(factory, n, now=T0, township="新建路街道")
    with transaction(factory) as session:
        campaign = lifecycle.create(session, name="环境日", text="{township}：6·5环境日", now=T0, channels=["web"])
        lifecycle.start(session, campaign, now=T0, quiet=None, grace=GRACE)
        campaign_id = campaign.id
    with transaction(factory) as session:
        runs.tick(session, now=T0, quiet=None, grace=GRACE, channels_available=["web"])
    return campaign_id


def ledger_rows(factory: sessionmaker[Session]) -> dict[str, tuple[str, int, str | None, str | None]]:
    """external id → (state, attempts, claim token, reason)."""
    with transaction(factory) as session:
        rows = session.execute(
            select(Delivery.external_id, Delivery.state, Delivery.attempts, Delivery.claim_token, Delivery.reason)
        ).all()
    return {str(r[0]): (r[1], r[2], r[3], r[4]) for r in rows}


def outbox(factory: sessionmaker[Session]) -> Counter[str]:
    with transaction(factory) as session:
        return Counter(session.execute(select(WebOutbox.external_id)).scalars())


class Refusing(WebOutboxSender):
    """Stores every message except those to `unreachable` (never) and `later` (retry in a minute)."""

    def __init__(self, factory: sessionmaker[Session], *, unreachable: str, later: str) -> None:
        super().__init__(factory)
        self.unreachable, self.later = unreachable, later

    def send_many_in(self, session: Session, messages: Sequence[OutboxMessage]) -> list[SendResult]:
        kept = [m for m in messages if m.external_id not in (self.unreachable, self.later)]
        super().send_many_in(session, kept)
        return [
            SendResult(ok=False, unreachable=True, reason="gone")
            if m.external_id == self.unreachable
            else SendResult(ok=False, retry_after=60, reason="busy")
            if m.external_id == self.later
            else SendResult(ok=True)
            for m in messages
        ]


class Exploding(WebOutboxSender):
    """Fails inside the transaction after the rows were marked sent (a crash between mark and store)."""

    def send_many_in(self, session: Session, messages: Sequence[OutboxMessage]) -> list[SendResult]:
        raise RuntimeError("outbox write failed")


def loop(factory: sessionmaker[Session], sender: WebOutboxSender, worker: str = "test", **kw: Any) -> DeliveryLoop:
    return DeliveryLoop(factory, {"web": sender}, worker=worker, clock=Clock(T0), sleep=lambda s: None, **kw)


def test_a_batch_is_one_transaction_and_one_ledger_update(factory: sessionmaker[Session]) -> None:
    start(factory, 6)
    sender_loop = loop(factory, WebOutboxSender(factory), batch_size=4)
    sender_loop.recover_at = T0 + dt.timedelta(days=1)  # no recovery pass in the measured call
    engine = factory.kw["bind"]
    commits, updates = [], []

    def on_commit(conn: Any) -> None:
        commits.append(1)

    def on_statement(conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool) -> None:
        if "UPDATE deliveries" in statement:
            updates.append(statement)

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "before_cursor_execute", on_statement)
    try:
        assert sender_loop.run_once() == 4
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "before_cursor_execute", on_statement)
    assert len(commits) == 1  # pick, sent marks and outbox rows commit together
    assert len(updates) == 1  # pending → sent directly: no `sending` step for web rows
    states = ledger_rows(factory)
    assert sorted(s for s, _, _, _ in states.values()) == ["pending"] * 2 + ["sent"] * 4
    assert all(token is None for _, _, token, _ in states.values())
    assert sum(outbox(factory).values()) == 4
    with transaction(factory) as session:
        linked = session.execute(select(func.count()).select_from(WebOutbox).join(
            Delivery, (Delivery.id == WebOutbox.delivery_id) & (Delivery.state == "sent"))).scalar_one()  # fmt: skip
    assert linked == 4  # each outbox row points at its own sent ledger row


def test_refused_rows_are_handed_back_and_recorded(factory: sessionmaker[Session]) -> None:
    start(factory, 4)
    sender = Refusing(factory, unreachable="u1", later="u2")
    assert loop(factory, sender).run_once() == 4
    states = ledger_rows(factory)
    assert states["u0"] == ("sent", 1, None, None)
    assert states["u3"] == ("sent", 1, None, None)
    assert states["u1"] == ("skipped", 1, None, "unreachable")
    assert states["u2"] == ("pending", 0, None, None)  # a retry_after gives the attempt back
    assert outbox(factory) == Counter({"u0": 1, "u3": 1})
    with transaction(factory) as session:
        sent_at = dict(session.execute(select(Delivery.external_id, Delivery.sent_at)).all())
    assert sent_at["u1"] is None and sent_at["u2"] is None and sent_at["u0"] is not None


def test_unsend_only_touches_rows_still_marked_sent(factory: sessionmaker[Session]) -> None:
    start(factory, 3)
    with transaction(factory) as session:
        claimed = ledger.claim_sent(session, worker="w", now=T0, limit=3, channels=["web"])
        assert len(claimed) == 3 and len({r.token for r in claimed}) == 1
        assert ledger.unsend(session, claimed[:1], now=T0) == 1
        assert ledger.unsend(session, claimed[:1], now=T0) == 0  # already handed back
        assert ledger.mark_skipped(session, claimed[0], now=T0, reason="unreachable")
        assert not ledger.mark_skipped(session, claimed[1], now=T0, reason="unreachable")  # sent rows stay sent
    states = ledger_rows(factory)
    assert sorted(s for s, _, _, _ in states.values()) == ["sent", "sent", "skipped"]


def test_a_failed_store_rolls_the_sent_marks_back(factory: sessionmaker[Session]) -> None:
    start(factory, 3)
    with pytest.raises(RuntimeError):
        loop(factory, Exploding(factory)).run_once()
    assert {s for s, _, _, _ in ledger_rows(factory).values()} == {"pending"}
    assert outbox(factory) == Counter()
    assert loop(factory, WebOutboxSender(factory)).drain() == 3
    assert outbox(factory) == Counter({"u0": 1, "u1": 1, "u2": 1})


def test_two_senders_never_send_a_row_twice(factory: sessionmaker[Session]) -> None:
    n = 120
    start(factory, n)
    errors: list[BaseException] = []
    sent: list[int] = []

    def worker(name: str) -> None:
        try:
            sent.append(loop(factory, WebOutboxSender(factory), worker=name, batch_size=7).drain(budget=60))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(sent) == n
    counts = outbox(factory)
    assert len(counts) == n and set(counts.values()) == {1}
    assert {s for s, _, _, _ in ledger_rows(factory).values()} == {"sent"}
    assert loop(factory, WebOutboxSender(factory)).drain() == 0  # nothing left, nothing repeated
