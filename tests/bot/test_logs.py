"""Logs: the scheduler's tick at DEBUG, one INFO line per meaningful event, JSON lines by WUFEI_LOG_FORMAT=json."""

from __future__ import annotations

import io
import json
import logging
import threading
from collections.abc import Iterator

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.orm import Session, sessionmaker

from bot import logs
from bot.channels.web_outbox import WebOutboxSender
from bot.config import Settings
from bot.scheduler import CampaignScheduler
from tests.support.processes import start_campaign


@pytest.fixture
def root_handlers() -> Iterator[None]:
    """Put the root logger's handlers and level back after a test that installs its own."""
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved:
        root.addHandler(handler)
    root.setLevel(level)


def test_json_format_writes_one_object_per_line_with_extra_fields(root_handlers: None) -> None:
    out = io.StringIO()
    logs.configure("INFO", "json", stream=out, force=True)
    log = logging.getLogger("wufei.test")
    log.info("推送批次：%d 条", 3, extra={"event": "campaign_batch", "deliveries": 3})
    log.debug("not shown at INFO")
    try:
        raise ValueError("坏了")
    except ValueError:
        log.exception("failed")

    lines = out.getvalue().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert first["level"] == "INFO" and first["logger"] == "wufei.test" and first["message"] == "推送批次：3 条"
    assert first["event"] == "campaign_batch" and first["deliveries"] == 3 and first["time"].endswith("+00:00")
    assert "推送批次" in lines[0]  # readable Chinese, not \\u escapes
    assert second["level"] == "ERROR" and "ValueError: 坏了" in second["exc_info"]


def test_text_format_is_the_default(root_handlers: None) -> None:
    out = io.StringIO()
    logs.configure("WARNING", stream=out, force=True)
    logging.getLogger("wufei.test").info("hidden")
    logging.getLogger("wufei.test").warning("shown")
    assert out.getvalue().endswith(" WARNING wufei.test: shown\n")


def test_configure_leaves_an_embedding_programs_handlers_alone() -> None:
    root = logging.getLogger()
    before = list(root.handlers)
    assert before  # pytest's own capture handlers
    logs.configure("DEBUG", "json")
    assert root.handlers == before


def _run_jobs(seconds: float) -> None:
    done = threading.Event()
    scheduler = BackgroundScheduler()
    scheduler.add_job(lambda: None, "interval", seconds=0.05, id="tick")
    scheduler.start()
    done.wait(seconds)
    scheduler.shutdown(wait=True)


def test_apscheduler_job_runs_are_debug_lines(caplog: pytest.LogCaptureFixture) -> None:
    logs.quiet_job_runs()
    caplog.set_level(logging.INFO)
    _run_jobs(0.3)
    assert not [r for r in caplog.records if "Running job" in r.getMessage() or "executed" in r.getMessage()]

    caplog.clear()
    caplog.set_level(logging.DEBUG)
    _run_jobs(0.3)
    runs = [r for r in caplog.records if "Running job" in r.getMessage()]
    assert runs and {r.levelname for r in runs} == {"DEBUG"}


def test_scheduler_logs_its_election_once_and_each_batch_at_info(
    settings: Settings, factory: sessionmaker[Session], caplog: pytest.LogCaptureFixture
) -> None:
    quiet_off = settings.model_copy(update={"campaigns": settings.campaigns.model_copy(update={"quiet_hours": "off"})})
    scheduler = CampaignScheduler(quiet_off, factory, senders={"web": WebOutboxSender(factory)})
    caplog.set_level(logging.INFO)
    try:
        scheduler.tick()  # elected; nothing to send yet
        start_campaign(factory, 3)
        for _ in range(3):
            scheduler.tick()
        busy = [r for r in caplog.records if r.levelno >= logging.INFO]
        caplog.clear()
        for _ in range(3):
            scheduler.tick()  # nothing left to do
    finally:
        scheduler.leadership.release()

    elections = [r for r in busy if getattr(r, "event", None) == "elected"]
    batches = [r for r in busy if getattr(r, "event", None) == "campaign_batch"]
    runs = [r for r in busy if getattr(r, "event", None) == "campaign_runs"]
    assert len(elections) == 1
    assert len(batches) == 1 and "3 deliveries (web 3)" in batches[0].getMessage()
    assert len(runs) == 2  # the run started, the run finished
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]  # idle ticks are silent
