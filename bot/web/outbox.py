"""GET /api/chat/inbox: pushes waiting for a web chat user (the page polls with the last id it has shown)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from bot.channels import web_outbox
from bot.db import transaction

router = APIRouter(tags=["chat"])


class InboxMessage(BaseModel):
    """One pushed message."""

    id: int
    text: str
    created_at: str


class InboxOut(BaseModel):
    """Messages newer than `after`; pass the last id as `after` next time."""

    messages: list[InboxMessage]
    last_id: int


@router.get("/api/chat/inbox", response_model=InboxOut)
def get_inbox(
    request: Request,
    user: str = Query(min_length=1, max_length=128, description="浏览器里生成的匿名用户编号"),
    after: int = Query(0, ge=0, description="已经显示过的最后一条消息编号"),
) -> InboxOut:
    """Pushed messages for `user` newer than `after`."""
    with transaction(request.app.state.factory) as session:
        rows = web_outbox.fetch(session, user, after=after)
        messages = [InboxMessage(id=r.id, text=r.text, created_at=r.created_at.isoformat()) for r in rows]
    return InboxOut(messages=messages, last_id=messages[-1].id if messages else after)
