"""Runs the Alembic migrations shipped inside the `bot` package, programmatically.

Alembic (with mako and its script loader) is imported only to migrate: the check made by every process start reads
the revisions from the migration files and the version table with a plain query.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from bot.db import get_engine

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "alembic_version"  # alembic's default; env.py does not change it
_REVISION = re.compile(r"^(revision|down_revision)\s*(?::[^=]*)?=\s*([^#\n]+)", re.MULTILINE)


def alembic_config(url: str) -> Config:
    """An Alembic Config pointing at our migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


@cache
def heads() -> frozenset[str]:
    """The head revisions of the shipped migrations: every revision that no other revision follows.

    Features add their tables as their own branches from a common base, so there may be several heads.
    """
    revisions: set[str] = set()
    followed: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found = {name: ast.literal_eval(value.strip()) for name, value in _REVISION.findall(path.read_text("utf-8"))}
        revisions.add(found["revision"])
        down = found.get("down_revision")
        followed.update((down,) if isinstance(down, str) else (down or ()))
    return frozenset(revisions - followed)


def is_current(url: str) -> bool:
    """True when the database is at every head revision (a cheap check before upgrading)."""
    with get_engine(url).connect() as conn:
        if not inspect(conn).has_table(VERSION_TABLE):
            return False
        current = {row[0] for row in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))}
    return current == heads()


def upgrade(url: str) -> None:
    """Create or migrate the database to the newest revision."""
    from alembic import command

    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "heads")
