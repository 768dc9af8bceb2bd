"""`wufei` against a locked or full SQLite database: the driver's reason, a non-zero exit, an intact file."""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from bot.config import Settings
from bot.db import dispose_engine


@pytest.fixture
def sqlite_file(settings: Settings) -> Path:
    if not settings.db_url.startswith("sqlite"):
        pytest.skip("SQLite file locks and sizes")
    dispose_engine(settings.db_url)
    return settings.data_dir / "wufei.db"


def wufei(
    settings: Settings, *args: str, preexec: Callable[[], None] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "WUFEI_DATABASE_URL": settings.db_url,
        "WUFEI_DATA_DIR": str(settings.data_dir),
        "WUFEI_LOG_LEVEL": "WARNING",
    }
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        preexec_fn=preexec,
    )


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Another connection holds the write lock (as a long backup or script would)."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        conn.execute("ROLLBACK")
        conn.close()


def integrity(path: Path) -> str:
    with sqlite3.connect(path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_a_locked_database_names_the_lock_and_exits_non_zero(settings: Settings, sqlite_file: Path) -> None:
    with write_locked(sqlite_file):
        done = wufei(settings, "kb", "reload")
    assert done.returncode == 2
    assert "错误：数据库不可用或出错" in done.stderr and "database is locked" in done.stderr
    assert "Traceback" not in done.stderr
    assert integrity(sqlite_file) == "ok"
    assert wufei(settings, "kb", "reload").returncode == 0


def test_a_full_disk_is_a_clear_error_and_leaves_the_database_intact(settings: Settings, sqlite_file: Path) -> None:
    with sqlite3.connect(sqlite_file) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    limit = 64 * 1024  # per file: the write-ahead log, empty now, cannot grow past this

    def no_room() -> None:  # writes past `limit` fail (EFBIG) as on a full disk, instead of killing the process
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = wufei(settings, "kb", "reload", preexec=no_room)
    assert done.returncode == 2
    assert "错误：数据库不可用或出错（OperationalError: disk I/O error）" in done.stderr
    assert "Traceback" not in done.stderr
    assert integrity(sqlite_file) == "ok"
    assert wufei(settings, "kb", "reload").returncode == 0
