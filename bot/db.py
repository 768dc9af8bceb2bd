"""SQLAlchemy 2.0 declarative base, engines and session factories; imports nothing else of ours."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
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


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=5000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin_before_savepoint(conn: Any, _name: Any) -> None:
    """pysqlite begins a transaction only before INSERT/UPDATE/DELETE: a SAVEPOINT outside one would start its own,
    and its RELEASE would commit everything so far. Begin first, so a savepoint is rolled back with its transaction."""
    driver = conn.connection.driver_connection
    if not driver.in_transaction:
        driver.execute("BEGIN")


def get_engine(url: str) -> Engine:
    """One engine per URL per process; SQLite gets WAL, foreign keys and a busy timeout, and its folder is created."""
    engine = _engines.get(url)
    if engine is not None:
        return engine
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _engines[url] = engine
    return engine


def dispose_engine(url: str) -> None:
    """Close the pooled connections of one database and forget its engine."""
    engine = _engines.pop(url, None)
    if engine is not None:
        engine.dispose()


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def session_factory(url: str) -> sessionmaker[Session]:
    """A session factory bound to the engine for `url`."""
    return sessionmaker(bind=get_engine(url), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Open a session and a transaction: commit on success, roll back on error."""
    with factory() as session, session.begin():
        yield session
