"""Runs the Alembic migrations shipped inside the `bot` package, programmatically."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from bot.db import get_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at our migrations and the given database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def is_current(url: str) -> bool:
    """True when the database is at every head revision (a cheap check before upgrading).

    Features add their tables as their own branches from a common base, so there may be several heads.
    """
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    with get_engine(url).connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads()) == heads


def upgrade(url: str) -> None:
    """Create or migrate the database to the newest revision."""
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
