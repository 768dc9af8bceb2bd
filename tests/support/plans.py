"""A knowledge snapshot over the bundled data plus plan texts ingested for a test module."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from bot.config import Settings
from bot.db import session_factory, transaction
from bot.runtime import ensure_ready
from knowledge import plans
from knowledge.core import KnowledgeBase
from knowledge.service import build_knowledge


def kb_with_plans(
    tmp_path_factory: pytest.TempPathFactory, texts: Mapping[str, str], *, now: dt.datetime
) -> KnowledgeBase:
    """The answer core over the bundled plans and `texts` (source name → plan text), on a fresh SQLite database."""
    folder = tmp_path_factory.mktemp("plans")
    settings = Settings(database_url=f"sqlite:///{folder / 'w.db'}", data_dir=folder)
    ensure_ready(settings)
    with transaction(session_factory(settings.db_url)) as session:
        for name, text in texts.items():
            plans.ingest(session, text=text, source_name=name, now=now)
    with transaction(session_factory(settings.db_url)) as session:
        return build_knowledge(session)
