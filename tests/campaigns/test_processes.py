"""Real `wufei serve` processes: kill -9 while sending and restart; three processes on one PostgreSQL."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction, utcnow
from campaigns import lifecycle
from campaigns.models import CampaignRun, Delivery, WebOutbox
from tests.support.campaigns import add_residents
from tests.support.server import free_port, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
LEADERS = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


@contextmanager
def serve(settings: Settings, *, rate: int, log: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = free_port()
    env = {
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
    }
    with log.open("ab") as out:
        proc = subprocess.Popen([sys.executable, "-m", "bot.cli", "serve"], cwd=ROOT, env=env, stdout=out, stderr=out)
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


def start_campaign(factory: sessionmaker[Session], n: int) -> int:
    add_residents(factory, n, now=utcnow(), prefix="p")
    with transaction(factory) as session:
        c = lifecycle.create(session, name="环境日", text="6·5 环境日", now=utcnow(), channels=["web"])
        lifecycle.start(session, c, now=utcnow(), quiet=None, grace=dt.timedelta(hours=2))
        return c.id


def outbox_count(factory: sessionmaker[Session]) -> int:
    with transaction(factory) as session:
        return int(session.execute(select(func.count()).select_from(WebOutbox)).scalar_one())


def wait_for(condition, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def assert_exactly_once(factory: sessionmaker[Session], n: int) -> None:
    with transaction(factory) as session:
        per_user = session.execute(select(WebOutbox.external_id, func.count()).group_by(WebOutbox.external_id)).all()
        states = dict(session.execute(select(Delivery.state, func.count()).group_by(Delivery.state)).all())
        runs = session.execute(select(func.count()).select_from(CampaignRun)).scalar_one()
    assert len(per_user) == n and {c for _, c in per_user} == {1}
    assert states == {"sent": n} and runs == 1


def test_kill_9_while_sending_then_restart_gives_everyone_exactly_one_message(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    n = 150
    start_campaign(factory, n)
    log = tmp_path / "serve.log"
    with serve(settings, rate=40, log=log) as (proc, base):
        wait_for(lambda: outbox_count(factory) >= 20)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = outbox_count(factory)
    assert 0 < killed_at < n, "the kill must land while the campaign is sending"
    with serve(settings, rate=400, log=log) as (_proc, base):
        wait_for(lambda: outbox_count(factory) >= n)
        time.sleep(1.5)  # a late duplicate would show up now
        messages = httpx.get(base + "/api/chat/inbox", params={"user": "p7"}).json()["messages"]
        assert [m["text"] for m in messages] == ["6·5 环境日"]
    assert_exactly_once(factory, n)


def test_three_processes_on_postgres_one_schedules_all_send_nobody_twice(
    factory: sessionmaker[Session], settings: Settings, db_url: str, tmp_path: Path
) -> None:
    if not db_url.startswith("postgresql"):
        pytest.skip("several processes need PostgreSQL")
    n = 600
    log = tmp_path / "serve.log"
    with (
        serve(settings, rate=40, log=log) as (p1, _),
        serve(settings, rate=40, log=log) as (p2, _),
        serve(settings, rate=40, log=log) as (p3, _),
    ):
        start_campaign(factory, n)  # all three are up before there is anything to send
        wait_for(lambda: outbox_count(factory) >= n)
        time.sleep(1.5)
        with transaction(factory) as session:
            workers = session.execute(select(func.count(func.distinct(Delivery.claimed_by)))).scalar_one()
            leaders = session.execute(LEADERS).scalar_one()
        assert workers == 3 and leaders == 1
        # the scheduler's lock moves on when its holder dies
        for proc in (p1, p2):
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        time.sleep(2)
        with transaction(factory) as session:
            leaders = session.execute(LEADERS).scalar_one()
        assert leaders == 1 and p3.poll() is None
    assert_exactly_once(factory, n)
