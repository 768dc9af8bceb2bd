"""Fixtures for the knowledge tests: a migrated temporary SQLite database, with or without the bundled plans."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.migrate import upgrade
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.policy import PolicyIndex
from knowledge.service import build_knowledge

NOW = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)
FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    """A session factory over a freshly migrated SQLite database."""
    url = "sqlite:///" + str(tmp_path / "t.db")
    upgrade(url)
    return session_factory(url)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> sessionmaker[Session]:
    """A database holding both bundled plans (shared by a module's tests; do not write to it)."""
    url = "sqlite:///" + str(tmp_path_factory.mktemp("plans") / "t.db")
    upgrade(url)
    factory = session_factory(url)
    with transaction(factory) as session:
        plans.ingest_bundled(session, now=NOW)
    return factory


@pytest.fixture(scope="module")
def index(seeded: sessionmaker[Session]) -> PolicyIndex:
    """The policy index over both bundled plans."""
    with seeded() as session:
        return PolicyIndex.load(session)


@pytest.fixture(scope="module")
def bundled_kb(tmp_path_factory: pytest.TempPathFactory) -> KnowledgeBase:
    """The answer core over the bundled catalogue, rules and plans (SQLite; shared by a module's tests)."""
    folder = tmp_path_factory.mktemp("kb")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)
