"""Shared fixtures: temporary databases (SQLite always, PostgreSQL when WUFEI_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import dispose_engines, session_factory
from bot.runtime import ensure_ready
from knowledge.core import KnowledgeBase

PG_ENV = "WUFEI_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, dropped at the end; skipped without WUFEI_TEST_POSTGRES_URL."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests skipped: set {PG_ENV} (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)")
    name = f"wufei_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    yield url
    dispose_engines()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _fresh_pg(server_url: str) -> str:
    """A new database on the test server, for tests that need an empty one."""
    name = f"wufei_t_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """An empty database URL, on SQLite and (when configured) on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'wufei.db'}"
    return _fresh_pg(request.getfixturevalue("postgres_server_url"))


@pytest.fixture
def settings(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings pointing at the test database."""
    return Settings(database_url=db_url, data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture
def factory(settings: Settings) -> sessionmaker[Session]:
    """A migrated database with the bundled knowledge loaded."""
    return ensure_ready(settings)


@pytest.fixture(scope="session")
def ready_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """One migrated SQLite database with the bundled knowledge, shared by read-only tests."""
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('shared') / 'wufei.db'}")
    ensure_ready(settings)
    return settings


@pytest.fixture(scope="session")
def kb(ready_sqlite: Settings) -> KnowledgeBase:
    """The knowledge snapshot built from the bundled data (built once: jieba start-up is slow)."""
    from bot.db import transaction
    from knowledge.service import build_knowledge

    with transaction(session_factory(ready_sqlite.db_url)) as session:
        return build_knowledge(session)
