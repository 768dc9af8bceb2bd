"""Alembic environment: migrates the database named by the config's sqlalchemy.url (or the settings)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from bot.config import get_settings
from bot.db import get_engine
from bot.schema import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run migrations on a live connection (passed in by bot.bootstrap, or opened from the URL)."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().db_url
    with get_engine(url).connect() as conn:
        _run(conn)


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `wufei init`")
run_migrations_online()
