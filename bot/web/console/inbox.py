"""/admin/inbox: the 人工客服 inbox — open conversations, staff replies on the resident's channel, close, FAQ."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from bot import handover
from bot.admin import audit
from bot.db import transaction, utcnow
from bot.handover_models import HandoverConversation, HandoverReply
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from knowledge import curation
from knowledge.curation import CurationError

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("inbox", "人工客服", "/admin/inbox", "conversations")
ConversationsRead = Annotated[ConsoleUser, Depends(console("conversations"))]
ConversationsWrite = Annotated[ConsoleUser, Depends(console("conversations", True))]
LIST_LIMIT = 100
PREVIEW_ENTRIES = 6  # transcript lines per conversation in the list
STATUS_NAMES = {"open": "待处理", "closed": "已关闭"}


def _factory(request: Request) -> Any:
    return request.app.state.factory


def _get(session: Any, conversation_id: int) -> HandoverConversation:
    row = session.get(HandoverConversation, conversation_id)
    if row is None:
        raise HTTPException(404, f"没有编号为 {conversation_id} 的人工客服会话")
    return row


def _card(session: Any, row: HandoverConversation, *, entries: int) -> dict[str, Any]:
    now = utcnow()
    window = handover.wechat_window(session, row.external_id, now) if row.channel == "wechat" else None
    return {
        "id": row.id,
        "resident_id": row.resident_id,
        "channel": handover.CHANNEL_NAMES.get(row.channel, row.channel),
        "reason": handover.REASON_NAMES.get(row.reason, row.reason),
        "question": row.question,
        "opened_at": row.opened_at,
        "last_message_at": row.last_message_at,
        "status": row.status,
        "status_name": STATUS_NAMES.get(row.status, row.status),
        "assigned_to": row.assigned_to,
        "closed_at": row.closed_at,
        "closed_by": row.closed_by,
        "window": window,
        "can_reply": row.status == "open" and row.channel != "console" and (window is None or window.open),
        "entries": handover.transcript(session, row, limit=entries),
    }


@router.get("/inbox", response_class=HTMLResponse)
def inbox_page(request: Request, user: ConversationsRead, status: str = "open") -> Response:
    """Open (or closed) conversations, the resident's latest message first, each with its recent lines; audited."""
    status = status if status in STATUS_NAMES else "open"
    with transaction(_factory(request)) as session:
        rows = handover.conversations(session, status=status, limit=LIST_LIMIT)
        cards = [_card(session, row, entries=PREVIEW_ENTRIES) for row in rows]
        if cards:  # the list shows residents' messages: a read of personal data
            audit.record(
                session, user.actor.name, "conversation.list", status, now=utcnow(),
                conversations=[c["id"] for c in cards],
            )  # fmt: skip
    return render(
        request,
        "inbox.html",
        user,
        "inbox",
        cards=cards,
        view=status,
        status_names=STATUS_NAMES,
        can_write=user.can("conversations", True),
        **messages(request),
    )


@router.get("/inbox/{conversation_id}", response_class=HTMLResponse)
def conversation_page(conversation_id: RowId, request: Request, user: ConversationsRead) -> Response:
    """One conversation: the transcript, the reply form, close, and the FAQ draft; audited."""
    with transaction(_factory(request)) as session:
        row = _get(session, conversation_id)
        card = _card(session, row, entries=50)
        replies = list(
            session.scalars(
                select(HandoverReply).where(HandoverReply.conversation_id == row.id).order_by(HandoverReply.id)
            )
        )
        draft = handover.faq_draft(row, replies)
        audit.record(
            session, user.actor.name, "conversation.read", f"#{row.id}", now=utcnow(), resident=row.resident_id
        )
    return render(
        request,
        "conversation.html",
        user,
        "inbox",
        c=card,
        draft=draft,
        can_write=user.can("conversations", True),
        can_faq=user.can("knowledge", True),
        **messages(request),
    )


@router.post("/inbox/{conversation_id}/reply")
def reply(
    conversation_id: RowId,
    request: Request,
    user: ConversationsWrite,
    text: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Send a reply on the resident's channel (within its rules), store it with its outcome; audited."""
    page = f"/admin/inbox/{conversation_id}"
    text = text.strip()
    if not text:
        return back(page, error="请填写回复内容")
    with transaction(_factory(request)) as session:
        row = _get(session, conversation_id)
        if row.status != "open":
            return back(page, error="会话已关闭，不能再回复")
        channel, external_id = row.channel, row.external_id
    now = utcnow()
    settings = request.app.state.settings
    outcome = handover.deliver(  # outside any transaction: WeChat and Telegram are network calls
        settings, _factory(request), channel=channel, external_id=external_id, text=text, now=now
    )
    with transaction(_factory(request)) as session:
        row = _get(session, conversation_id)
        handover.record_reply(
            session, row, staff=user.actor.name, text=text, sent=outcome.sent, result=outcome.message, now=now
        )
        audit.record(
            session, user.actor.name, "conversation.reply", f"#{row.id}", now=now,
            channel=handover.CHANNEL_NAMES.get(channel, channel), sent=outcome.sent, result=outcome.message,
        )  # fmt: skip
    if outcome.sent:
        return back(page, ok=outcome.message)
    return back(page, error=outcome.message)


@router.post("/inbox/{conversation_id}/close")
def close(conversation_id: RowId, request: Request, user: ConversationsWrite) -> Response:
    """Close the conversation (the resident is not messaged); audited."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        row = _get(session, conversation_id)
        if not handover.close(session, row, staff=user.actor.name, now=now):
            return back(f"/admin/inbox/{conversation_id}", error="会话已经关闭")
        audit.record(session, user.actor.name, "conversation.close", f"#{row.id}", now=now)
    return back("/admin/inbox", ok=f"已关闭会话 #{conversation_id}")


@router.post("/inbox/{conversation_id}/faq")
def save_as_faq(
    conversation_id: RowId,
    request: Request,
    user: ConversationsWrite,
    key: Annotated[str, Form(max_length=64)] = "",
    title: Annotated[str, Form(max_length=128)] = "",
    keywords: Annotated[str, Form(max_length=2000)] = "",
    answer: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Turn the resident's question (and the staff answer) into a knowledge FAQ entry; audited."""
    if not user.can("knowledge", True):
        raise HTTPException(403, "您的角色无权修改知识库")
    page = f"/admin/inbox/{conversation_id}"
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = _get(session, conversation_id)
            faq = curation.save_faq(session, key, title, curation.parse_keywords(keywords), answer, now=now)
            audit.record(
                session, user.actor.name, "conversation.faq", f"#{row.id}", now=now, faq=faq.key, title=faq.title
            )
    except CurationError as exc:
        return back(page, error=str(exc))
    return back(page, ok=f"已保存为常见问题“{faq.title}”，小助手马上就能回答")
