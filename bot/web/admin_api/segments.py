"""/api/admin: 人群分组 (segments), saved rules and how many residents they match."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.accounts import Actor
from bot.db import transaction, utcnow
from bot.web.admin_auth import api
from campaigns import segments
from campaigns.models import Segment

router = APIRouter(prefix="/api/admin", tags=["admin: 宣传活动与无废细胞"])


def _factory(request: Request) -> Any:
    return request.app.state.factory


def segment_rows(session: Session, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Saved segments with their current counts."""
    return [
        {"id": s.id, "name": s.name, "rules": s.rules, "count": segments.count(session, s.rules, now=now)}
        for s in session.scalars(select(Segment).order_by(Segment.name))
    ]


@router.get("/segments")
def list_segments(request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> list[dict[str, Any]]:
    """Saved segments and how many residents each matches now."""
    with transaction(_factory(request)) as session:
        return segment_rows(session, now=utcnow())


@router.get("/segments/preview")
def preview_segment(
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    name: Annotated[str | None, Query(max_length=64)] = None,
    where: Annotated[list[str] | None, Query(description="字段=值，可重复，如 township=新建路街道")] = None,
) -> dict[str, Any]:
    """How many residents a saved segment (`name`) or ad-hoc rules (`where`) match, and how many can be pushed to."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        if name:
            segment = segments.get(session, name)
            if segment is None:
                raise HTTPException(404, f"没有名为“{name}”的分组")
            rules = dict(segment.rules)
        else:
            try:
                rules = segments.parse_rules(where or [])
            except segments.SegmentError as exc:
                raise HTTPException(422, str(exc)) from None
        n = segments.count(session, rules, now=now)
        mode = request.app.state.settings.campaigns.consent
        reachable = segments.count(session, {**rules, "consent": True, "status": "active"}, now=now, consent_mode=mode)
        return {"rules": rules, "count": n, "reachable": reachable}


class SegmentIn(BaseModel):
    """Segment rules: every rule must hold; a list value means any of (see `wufei segments create --help`)."""

    rules: dict[str, Any] = Field(max_length=20)


@router.put("/segments/{name}")
def save_segment(
    name: str, body: SegmentIn, request: Request, actor: Annotated[Actor, Depends(api("campaigns", True))]
) -> dict[str, Any]:
    """Create or replace a named segment."""
    name = name.strip()
    if not name or len(name) > 64:
        raise HTTPException(422, "分组名称应为 1–64 个字")
    now = utcnow()
    with transaction(_factory(request)) as session:
        try:
            segment = segments.save(session, name, body.rules, now=now)
        except segments.SegmentError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(session, actor.name, "segment.save", name, now=now, rules=segment.rules)
        count = segments.count(session, segment.rules, now=now)
        return {"id": segment.id, "name": segment.name, "rules": segment.rules, "count": count}
