"""Real `wufei serve` subprocesses on a test database, a web campaign to send, and checks of the ledger."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction, utcnow
from campaigns import lifecycle
from campaigns.models import CampaignRun, Delivery, WebOutbox
from tests.support.campaigns import add_residents
from tests.support.server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
# how many processes hold the scheduler's advisory lock on this database (PostgreSQL)
LEADERS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@contextmanager
def serve(settings: Settings, *, rate: float, log: Path, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """Run `wufei serve` on `settings`' database with fast campaign ticks; yields the process and its base URL."""
    port = free_port()
    environment = {
        **os.environ,
        "WUFEI_DATABASE_URL": settings.db_url,
        "WUFEI_DATA_DIR": str(settings.data_dir),
        "WUFEI_PORT": str(port),
        "WUFEI_LOG_LEVEL": "WARNING",
        "WUFEI_CAMPAIGNS__TICK_SECONDS": "0.5",
        "WUFEI_CAMPAIGNS__BATCH_SIZE": "5",
        "WUFEI_CAMPAIGNS__LEASE_SECONDS": "3",
        "WUFEI_CAMPAIGNS__QUIET_HOURS": "off",
        "WUFEI_CAMPAIGNS__RATES": f'{{"web": {rate}}}',
        **env,
    }
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=environment, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    if not wait_healthy(base):
        proc.kill()
        raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
    try:
        yield proc, base
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def start_campaign(factory: sessionmaker[Session], n: int, *, prefix: str = "p") -> int:
    """n consenting web residents `<prefix>0`… and a campaign to all of them, started now; returns its id."""
    add_residents(factory, n, now=utcnow(), prefix=prefix)
    with transaction(factory) as session:
        c = lifecycle.create(session, name="环境日", text="6·5 环境日", now=utcnow(), channels=["web"])
        lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
        return c.id


def outbox_count(factory: sessionmaker[Session]) -> int:
    """Web pushes written so far."""
    with transaction(factory) as session:
        return int(session.execute(select(func.count()).select_from(WebOutbox)).scalar_one())


def delivery_count(factory: sessionmaker[Session]) -> int:
    """Ledger rows materialised so far."""
    with transaction(factory) as session:
        return int(session.execute(select(func.count()).select_from(Delivery)).scalar_one())


def wait_for(condition: Callable[[], bool], timeout: float = 90) -> None:
    """Poll `condition` until it holds; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def assert_exactly_once(factory: sessionmaker[Session], n: int) -> None:
    """One run, n deliveries all sent, and each of n web users got exactly one push."""
    with transaction(factory) as session:
        per_user = session.execute(select(WebOutbox.external_id, func.count()).group_by(WebOutbox.external_id)).all()
        states = dict(session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
        runs = session.execute(select(func.count()).select_from(CampaignRun)).scalar_one()
    assert len(per_user) == n and {c for _, c in per_user} == {1}
    assert states == {"sent": n} and runs == 1
