"""GET /api/chat/inbox: pushes waiting for a web chat resident (the page polls with the last id it has shown).

Only the identity cookie that `POST /api/chat` issued opens an inbox (its pushes can carry personal survey links);
without a genuine cookie the answer is a 401, whatever the query string says.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot import texts
from bot.channels import web_outbox
from bot.db import transaction
from bot.web.resident import identity
from campaigns import news

router = APIRouter(tags=["chat"])


class InboxMessage(BaseModel):
    """One pushed message."""

    id: int
    text: str
    created_at: str
    card: dict[str, str] | None = Field(
        default=None, description="图文卡片（活动带图文时）：title、description?、picurl?、url（跟踪链接）"
    )


class InboxOut(BaseModel):
    """Messages newer than `after`; pass the last id as `after` next time."""

    messages: list[InboxMessage]
    last_id: int


class NoIdentity(BaseModel):
    """Why the inbox stays shut."""

    detail: str


@router.get(
    "/api/chat/inbox",
    response_model=InboxOut,
    responses={401: {"model": NoIdentity, "description": "没有（有效的）网页聊天身份 Cookie"}},
)
def get_inbox(
    request: Request,
    after: int = Query(0, ge=0, description="已经显示过的最后一条消息编号"),
) -> InboxOut | JSONResponse:
    """Pushed messages for the cookie's resident newer than `after`."""
    web_id = identity.current(request)
    if web_id is None:
        return JSONResponse({"detail": texts.WEB_IDENTITY_MISSING}, status_code=401)
    with transaction(request.app.state.factory) as session:
        rows = web_outbox.fetch(session, web_id, after=after)
        base_url = request.app.state.settings.surveys.base_url or ""
        cards = news.cards(session, [r.delivery_id for r in rows if r.delivery_id is not None], base_url)
        messages = [
            InboxMessage(
                id=r.id,
                text=r.text,
                created_at=r.created_at.isoformat(),
                card=cards.get(r.delivery_id) if r.delivery_id is not None else None,
            )
            for r in rows
        ]
    return InboxOut(messages=messages, last_id=messages[-1].id if messages else after)
