"""The audit log: record who did what; list and export it."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import tabular
from bot.admin.models import AuditEntry


def record(
    session: Session, actor: str, action: str, target: str = "", *, now: dt.datetime, **detail: Any
) -> AuditEntry:
    """Add one audit entry in the caller's transaction (so it commits with the change it describes)."""
    entry = AuditEntry(at=now, actor=actor, action=action, target=target[:128], detail=_jsonable(detail))
    session.add(entry)
    return entry


def _jsonable(detail: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(detail, ensure_ascii=False, default=str))


def entries(
    session: Session,
    *,
    actor: str | None = None,
    action: str | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> list[AuditEntry]:
    """Newest first, optionally filtered; page with `before_id`."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(limit, 100_000)))
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    return list(session.scalars(query))


def export_csv(rows: list[AuditEntry]) -> str:
    """CSV (UTF-8 with BOM for Excel, formulas escaped: names come from the login form) of audit entries."""
    out = io.StringIO()
    tabular.write_csv(
        ([r.id, r.at.isoformat(), r.actor, r.action, r.target, json.dumps(r.detail, ensure_ascii=False)] for r in rows),
        ["id", "时间(UTC)", "操作人", "操作", "对象", "详情"],
        out,
    )
    return out.getvalue()
