"""The SQLite write turn: one writing transaction at a time per process, handed on at COMMIT or ROLLBACK at once."""

from __future__ import annotations

import sqlite3
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from bot.db import dispose_engine, get_engine, session_factory, transaction, utcnow, write_turn
from campaigns import residents


@pytest.fixture
def url(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'turn.db'}"
    with get_engine(url).begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
    yield url
    dispose_engine(url)


def test_a_write_takes_the_turn_until_commit_and_a_read_does_not(url: str) -> None:
    turn = write_turn(url)
    assert turn is not None and not turn.held
    with get_engine(url).connect() as conn:
        conn.execute(text("SELECT count(*) FROM t"))
        assert not turn.held  # reading needs no turn
        conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert turn.held
        conn.commit()
        assert not turn.held


def test_the_turn_is_given_back_on_rollback_failure_and_after_an_autocommit_write(url: str) -> None:
    turn = write_turn(url)
    assert turn is not None
    with get_engine(url).connect() as conn:
        conn.execute(text("UPDATE t SET v = 'x'"))
        assert turn.held
        conn.rollback()
        assert not turn.held
    with get_engine(url).connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('b')"))
        assert not turn.held
    with pytest.raises(RuntimeError), get_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('c')"))
        raise RuntimeError("the transaction fails")
    assert not turn.held
    with pytest.raises(exc.IntegrityError), get_engine(url).begin() as conn:
        conn.execute(text("INSERT INTO t (v) VALUES ('b')"))  # the first write fails
    assert not turn.held
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT v FROM t")).scalars().all() == ["b"]


def test_a_savepoint_as_the_first_write_holds_the_turn_to_its_commit(url: str) -> None:
    turn = write_turn(url)
    assert turn is not None
    factory = session_factory(url)
    with transaction(factory) as session:
        session.execute(text("SELECT 1"))
        with session.begin_nested():
            session.execute(text("INSERT INTO t (v) VALUES ('nested')"))
        assert turn.held
    assert not turn.held


def second_writer(url: str, value: str, started: threading.Event, finished: list[float | BaseException]) -> None:
    """Write `value` in a transaction of its own; record when it committed (or what failed)."""
    started.set()
    try:
        with get_engine(url).begin() as conn:
            conn.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": value})
        finished.append(time.perf_counter())
    except BaseException as error:  # reported by the test
        finished.append(error)


def test_a_waiting_writer_goes_on_as_soon_as_the_first_commits(url: str) -> None:
    """SQLite's own busy handler would let the second writer sleep out its 100 ms back-off after the commit."""
    delays: list[float] = []
    for n in range(3):
        started = threading.Event()
        finished: list[float | BaseException] = []
        with get_engine(url).connect() as conn:
            conn.execute(text(f"INSERT INTO t (v) VALUES ('first {n}')"))
            thread = threading.Thread(target=second_writer, args=(url, f"second {n}", started, finished))
            thread.start()
            assert started.wait(5)
            time.sleep(0.34)  # SQLite's handler retries 328 ms and 428 ms after the first try
            assert not finished  # waiting behind the open write
            conn.commit()
            committed = time.perf_counter()
        thread.join(10)
        assert len(finished) == 1 and isinstance(finished[0], float), finished
        delays.append(finished[0] - committed)
    assert min(delays) < 0.04, delays
    turn = write_turn(url)
    assert turn is not None and turn.waits >= 3
    with get_engine(url).connect() as conn:
        assert len(conn.execute(text("SELECT v FROM t")).all()) == 6


def test_a_second_connection_of_the_same_thread_does_not_wait_for_the_turn(url: str) -> None:
    """It cannot get the turn while its own thread holds it: it meets SQLite's lock at once, as without the turn."""
    engine = get_engine(url)
    with engine.connect() as first, engine.connect() as second:
        first.execute(text("INSERT INTO t (v) VALUES ('first')"))
        second.exec_driver_sql("PRAGMA busy_timeout=50")
        began = time.perf_counter()
        with pytest.raises(exc.OperationalError, match="locked"):
            second.execute(text("INSERT INTO t (v) VALUES ('second')"))
        assert time.perf_counter() - began < 2  # not the turn's 5 s wait
        second.rollback()
        second.exec_driver_sql("PRAGMA busy_timeout=5000")
        first.commit()
    turn = write_turn(url)
    assert turn is not None and not turn.held


def test_ten_threads_of_chat_writes_all_commit(url: str) -> None:
    """Ten threads making residents (savepoints) and writing: every write lands, none fails on a lock."""
    from bot.migrate import upgrade

    dispose_engine(url)
    upgrade(url)
    factory = session_factory(url)
    errors: list[BaseException] = []
    took: list[float] = []

    def writer(t: int) -> None:
        for n in range(20):
            began = time.perf_counter()
            try:
                with transaction(factory) as session:
                    residents.get_or_create(session, channel="web", external_id=f"w{t}-{n}", now=utcnow())
            except (exc.OperationalError, sqlite3.OperationalError) as error:
                errors.append(error)
            took.append(time.perf_counter() - began)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert statistics.median(took) < 1
    with get_engine(url).connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM channel_identities")).scalar_one() == 200
