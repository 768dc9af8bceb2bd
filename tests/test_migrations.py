"""Alembic migrations build exactly the tables the models declare, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from bot import migrate
from bot.db import get_engine
from bot.schema import Base


def test_migrations_match_the_models_and_are_idempotent(db_url: str) -> None:
    assert not migrate.is_current(db_url)
    migrate.upgrade(db_url)
    migrate.upgrade(db_url)  # a second run changes nothing
    assert migrate.is_current(db_url)
    with get_engine(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": False}), Base.metadata)
    assert diff == []


def test_the_heads_read_from_the_files_are_alembics() -> None:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert migrate.heads() == set(script.get_heads())
    assert len(migrate.heads()) >= 1 and migrate.heads() <= {r.revision for r in script.walk_revisions()}
