"""Shared fixtures: temporary databases (SQLite always, PostgreSQL when WUFEI_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import dispose_engine, dispose_engines, get_engine, session_factory
from bot.runtime import ensure_ready
from knowledge.core import KnowledgeBase

PG_ENV = "WUFEI_TEST_POSTGRES_URL"


@pytest.fixture(scope="session", autouse=True)
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Knowledge snapshots written by this run (and its child processes) go to a temporary folder, not ~/.cache."""
    before = os.environ.get("WUFEI_CACHE_DIR")
    os.environ["WUFEI_CACHE_DIR"] = str(tmp_path_factory.mktemp("wufei-cache"))
    yield
    if before is None:
        os.environ.pop("WUFEI_CACHE_DIR", None)
    else:
        os.environ["WUFEI_CACHE_DIR"] = before


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


def _create_pg(server_url: str, name: str, template: str | None = None) -> str:
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    admin.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg(server_url: str, url: str) -> None:
    dispose_engine(url)  # close pooled connections: PostgreSQL allows only so many clients
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test runs on; "postgres" is skipped without WUFEI_TEST_POSTGRES_URL."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_server_url")
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An EMPTY database URL, on SQLite and (when configured) on PostgreSQL; dropped after the test."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'wufei.db'}"
        return
    server = request.getfixturevalue("postgres_server_url")
    url = _create_pg(server, f"wufei_t_{uuid.uuid4().hex[:10]}")
    yield url
    _drop_pg(server, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file with the bundled knowledge, copied for each test (migrating per test is slow)."""
    folder = tmp_path_factory.mktemp("template")
    url = f"sqlite:///{folder / 'template.db'}"
    ensure_ready(Settings(database_url=url, data_dir=folder))
    with get_engine(url).connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    dispose_engine(url)
    return folder / "template.db"


@pytest.fixture(scope="session")
def postgres_template(postgres_server_url: str) -> Iterator[str]:
    """A migrated PostgreSQL database with the bundled knowledge, used as CREATE DATABASE … TEMPLATE."""
    url = _create_pg(postgres_server_url, f"wufei_tpl_{uuid.uuid4().hex[:10]}")
    ensure_ready(Settings(database_url=url))
    dispose_engine(url)  # a template must have no open connections
    yield str(make_url(url).database)
    _drop_pg(postgres_server_url, url)


@pytest.fixture
def settings(
    backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """Settings pointing at a fresh test database that is already migrated and loaded (a copy of a template)."""
    data = tmp_path_factory.mktemp("data")
    if backend == "sqlite":
        target = data / "wufei.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        yield Settings(database_url=f"sqlite:///{target}", data_dir=data)
        dispose_engine(f"sqlite:///{target}")
        return
    server = request.getfixturevalue("postgres_server_url")
    template = request.getfixturevalue("postgres_template")
    url = _create_pg(server, f"wufei_t_{uuid.uuid4().hex[:10]}", template=template)
    yield Settings(database_url=url, data_dir=data)
    _drop_pg(server, url)


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
