"""The 方案 as knowledge (placeholder until the plan ingestion lands)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session


def ingest_bundled(session: Session, *, now: dt.datetime) -> None:
    """Ingest the plans shipped in knowledge/data/plans (not implemented yet)."""
    return None
