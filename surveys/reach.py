"""Reach of the publicity pushes, read from the campaigns ledger: how many residents received at least one
message. A different measure from the survey-based 普及率 (who says they noticed), shown beside it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from campaigns.models import Delivery, Resident
from surveys import texts


def reach(session: Session) -> dict[str, Any]:
    """{"label", "residents_reached", "residents_total", "share", "note"}: residents with a `sent` delivery."""
    reached = int(
        session.scalar(select(func.count(distinct(Delivery.resident_id))).where(Delivery.state == "sent")) or 0
    )
    total = int(session.scalar(select(func.count()).select_from(Resident)) or 0)
    return {
        "label": texts.REACH_LABEL,
        "residents_reached": reached,
        "residents_total": total,
        "share": round(reached / total, 4) if total else None,
        "note": texts.REACH_NOTE,
    }
