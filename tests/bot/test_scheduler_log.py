"""The campaigns scheduler keeps APScheduler's by-design overlap warning out of the log, and nothing else."""

from __future__ import annotations

import logging

from bot.scheduler import _skip_overlap_warning


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("apscheduler.scheduler", logging.WARNING, __file__, 1, message, (), None)


def test_only_the_overlap_warning_is_dropped() -> None:
    assert not _skip_overlap_warning(
        _record('Execution of job "tick" skipped: maximum number of running instances reached (1)')
    )
    assert _skip_overlap_warning(_record('Run time of job "tick" was missed by 0:00:12'))
