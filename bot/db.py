"""SQLAlchemy 2.0 declarative base, engines and session factories; imports nothing else of ours."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy import exc as exc_module
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every table."""

    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timezone-aware datetime stored as UTC; SQLite gives naive values back, so we re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Refuse naive datetimes and store UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; pass an aware one")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Return an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC (for callers at the edge; domain code takes `now`)."""
    return dt.datetime.now(dt.UTC)


_engines: dict[str, Engine] = {}
SQLITE_SYNCHRONOUS = ("normal", "full")  # WUFEI_SQLITE_SYNCHRONOUS; docs/decisions.md says what each one risks
_synchronous: dict[str, str] = {}  # SQLite URL -> its synchronous mode, when not the default "normal"
PING_AFTER_IDLE = 2.0  # seconds a pooled PostgreSQL connection may rest before its checkout pings it


def set_sqlite_synchronous(url: str, mode: str) -> None:
    """Use PRAGMA synchronous=`mode` ("normal" or "full") for SQLite database `url`, from its next connection on."""
    if mode not in SQLITE_SYNCHRONOUS:
        raise ValueError(f"unknown SQLite synchronous mode: {mode} (normal or full)")
    if _synchronous.get(url, "normal") != mode:
        _synchronous[url] = mode
        dispose_engine(url)  # the pooled connections were opened with the other mode


def _sqlite_pragmas(url: str) -> Any:
    def pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={_synchronous.get(url, 'normal').upper()}")
        cur.close()

    return pragmas


def _rested(_dbapi_conn: Any, record: Any) -> None:
    record.info["checked_in"] = time.monotonic()


def _ping_if_rested(engine: Engine) -> Any:
    def checkout(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        """Ping a connection that rested more than PING_AFTER_IDLE (a database restart, an idle timeout in between);
        one just used answers without the round trip pool_pre_ping costs on every checkout. A dead one is replaced
        (the pool retries on DisconnectionError); a restart inside the 2 s fails that one statement (503)."""
        rested = record.info.get("checked_in")
        if rested is None or time.monotonic() - rested < PING_AFTER_IDLE:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except Exception as exc:
            raise exc_module.DisconnectionError(str(exc)) from exc
        if not alive:
            raise exc_module.DisconnectionError("the ping failed")

    return checkout


def _sqlite_begin_before_savepoint(turn: SqliteWriteTurn) -> Any:
    def begin(conn: Any, _name: Any) -> None:
        """pysqlite begins a transaction only before INSERT/UPDATE/DELETE: a SAVEPOINT outside one would start its
        own, and its RELEASE would commit everything so far. Begin first (with the write turn: a savepoint is taken
        to write), so a savepoint is rolled back with its transaction."""
        driver = conn.connection.driver_connection
        if not driver.in_transaction:
            turn.take(driver)
            driver.execute("BEGIN")

    return begin


_DML = ("INSERT", "UPDATE", "DELETE", "REPLACE")  # the statements before which pysqlite begins a transaction
WRITE_TURN_WAIT = 5.0  # seconds a thread waits for the write turn (as busy_timeout) before going on without it


class SqliteWriteTurn:
    """One writing transaction at a time per SQLite database in this process.

    pysqlite begins a transaction just before its first INSERT/UPDATE/DELETE; a second writer then meets SQLite's
    write lock, whose busy handler sleeps 1, 2, 5 … 100 ms between retries whoever released the lock meanwhile. Here
    the turn is taken on a lock just before that BEGIN (or a savepoint's) and given back after COMMIT or ROLLBACK, so
    a waiting writer goes on the moment the previous one commits. Re-entrant per thread: a second connection of the
    thread that has the turn does not wait for it (it meets SQLite's lock as before; waiting here could not end).
    Other processes still meet busy_timeout, and a thread that waits WRITE_TURN_WAIT goes on without the turn, so
    a missed release costs a wait, never a hang. docs/decisions.md says why."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: Any = None  # the DBAPI (sqlite3) connection whose transaction has the turn
        self._thread: int | None = None  # the thread that took it
        self.waits = 0  # turns that had to wait (for benches and tests)
        self.waited = 0.0  # seconds spent waiting for them

    @property
    def held(self) -> bool:
        """Whether a transaction of this process has the turn now."""
        return self._holder is not None

    def take(self, driver: Any) -> None:
        """Take the turn for `driver`'s transaction about to begin (at once if its thread already has it)."""
        if self._holder is driver or self._thread == threading.get_ident():
            return
        if not self._lock.acquire(blocking=False):
            started = time.perf_counter()
            got = self._lock.acquire(timeout=WRITE_TURN_WAIT)
            self.waits += 1
            self.waited += time.perf_counter() - started
            if not got:
                return  # go on without it: SQLite's busy handler decides, as without the turn
        self._holder, self._thread = driver, threading.get_ident()

    def give_back(self, driver: Any) -> None:
        """Give the turn back if `driver`'s transaction has it and has ended."""
        if self._holder is driver and not driver.in_transaction:
            self._holder = self._thread = None
            self._lock.release()

    def before_execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        """Before a statement that makes pysqlite begin a transaction, take the turn (an autocommit connection,
        whose every statement commits at once, takes none)."""
        driver = conn.connection.driver_connection
        if (
            not driver.in_transaction
            and driver.isolation_level is not None
            and statement.lstrip()[:7].upper().startswith(_DML)
        ):
            self.take(driver)

    def hook(self, engine: Engine) -> None:
        """Take the turn before a transaction's first write and give it back after its COMMIT or ROLLBACK."""
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(dbapi_conn: Any) -> None:
            try:
                commit(dbapi_conn)
            finally:
                self.give_back(getattr(dbapi_conn, "driver_connection", dbapi_conn))

        def do_rollback(dbapi_conn: Any) -> None:
            try:
                rollback(dbapi_conn)
            finally:
                self.give_back(getattr(dbapi_conn, "driver_connection", dbapi_conn))

        # instance attributes: this engine's dialect only (each create_engine makes its own)
        setattr(dialect, "do_commit", do_commit)  # noqa: B010
        setattr(dialect, "do_rollback", do_rollback)  # noqa: B010
        event.listen(engine, "before_cursor_execute", self.before_execute)
        event.listen(engine, "handle_error", self._failed)
        event.listen(engine, "checkin", lambda dbapi_conn, _record: self._forget(dbapi_conn))
        event.listen(engine, "close", lambda dbapi_conn, _record: self._forget(dbapi_conn))
        event.listen(engine, "invalidate", lambda dbapi_conn, _record, _exc: self._forget(dbapi_conn))

    def _failed(self, context: Any) -> None:
        """A failed first write leaves no transaction: give the turn back."""
        if context.connection is not None and not context.connection.invalidated:  # else "invalidate" gives it back
            self.give_back(context.connection.connection.driver_connection)

    def _forget(self, driver: Any) -> None:
        """A connection back in the pool, closed or invalidated with the turn gives it back whatever its state."""
        if driver is not None and self._holder is driver:
            self._holder = self._thread = None
            self._lock.release()


_write_turns: dict[str, SqliteWriteTurn] = {}  # SQLite URL -> its engine's write turn


def write_turn(url: str) -> SqliteWriteTurn | None:
    """The write turn of SQLite database `url`'s engine (None before the engine is made, or for PostgreSQL)."""
    return _write_turns.get(url)


def get_engine(url: str) -> Engine:
    """One engine per URL per process; SQLite gets WAL, foreign keys, a busy timeout and its synchronous mode, and its
    folder is created; PostgreSQL connections are pinged on checkout after resting PING_AFTER_IDLE seconds."""
    engine = _engines.get(url)
    if engine is not None:
        return engine
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas(url))
        turn = _write_turns[url] = SqliteWriteTurn()
        turn.hook(engine)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint(turn))
    else:
        engine = create_engine(url)
        event.listen(engine, "checkin", _rested)
        event.listen(engine, "checkout", _ping_if_rested(engine))
    _engines[url] = engine
    return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of one database and forget its engine."""
    engine = _engines.pop(url, None)
    _write_turns.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()
    _write_turns.clear()


def session_factory(url: str) -> sessionmaker[Session]:
    """A session factory bound to the engine for `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session and a transaction: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session
