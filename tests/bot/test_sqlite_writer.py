"""The SQLite writer queue: one writing transaction at a time per process, the turn given back on COMMIT and ROLLBACK."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db import dispose_engine, get_engine, sqlite_writer


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'writer.db'}"
    with get_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
    yield url
    dispose_engine(url)


def test_a_write_takes_the_turn_until_commit_and_a_read_does_not(url: str) -> None:
    writer = sqlite_writer(url)
    assert writer is not None and not writer.busy
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT count(*) FROM t"))
        assert not writer.busy  # reading needs no turn
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert writer.busy
        conn.commit()
        assert not writer.busy


def test_the_turn_is_given_back_on_rollback_and_after_an_autocommit_write(url: str) -> None:
    writer = sqlite_writer(url)
    assert writer is not None
    with get_engine(url).connect() as conn:
        conn.execute(text("UPDATE t SET v = 'x'"))
        assert writer.busy
        conn.rollback()
        assert not writer.busy
    with get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        assert not writer.busy
    with pytest.raises(RuntimeError), get_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
        raise RuntimeError("the transaction fails")
    assert not writer.busy
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["b"]


def test_a_second_writer_waits_in_the_queue_and_goes_on_when_the_first_commits(url: str) -> None:
    engine = get_engine(url)
    started, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def second() -> None:
        started.set()
        try:
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t (v) VALUES ('second')"))
        except BaseException as exc:  # reported below
            errors.append(exc)
        done.set()

    with engine.connect() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('first')"))
        thread = threading.Thread(target=second)
        thread.start()
        started.wait(5)
        time.sleep(0.3)
        assert not done.is_set()  # queued behind the open write
        conn.commit()
    assert done.wait(5) and not errors
    thread.join()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT v FROM t ORDER BY id")).scalars().all() == ["first", "second"]
