"""Real `wufei serve` processes: kill -9 while sending and restart; three processes on one PostgreSQL."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import transaction
from campaigns.models import Delivery, WebOutbox
from campaigns.texts import STOP_LINE
from tests.support.processes import LEADERS, assert_exactly_once, outbox_count, serve, start_campaign, wait_for


def test_kill_9_while_sending_then_restart_gives_everyone_exactly_one_message(
    factory: sessionmaker[Session], settings: Settings, tmp_path: Path
) -> None:
    n = 150
    start_campaign(factory, n)
    log = tmp_path / "serve.log"
    with serve(settings, rate=40, log=log) as (proc, _base):
        wait_for(lambda: outbox_count(factory) >= 20)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    killed_at = outbox_count(factory)
    assert 0 < killed_at < n, "the kill must land while the campaign is sending"
    with serve(settings, rate=400, log=log) as (_proc, _base):
        wait_for(lambda: outbox_count(factory) >= n)
        time.sleep(1.5)  # a late duplicate would show up now
        with transaction(factory) as session:  # p7's inbox (read over HTTP with its cookie in tests/bot/web)
            texts = session.scalars(select(WebOutbox.text).where(WebOutbox.external_id == "p7")).all()
        assert list(texts) == ["6·5 环境日" + STOP_LINE]
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
