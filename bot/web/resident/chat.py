"""POST /api/chat: the web chat channel (JSON in, replies and the structured answer out).

Who is talking comes from the server-issued identity cookie (`bot.web.resident.identity`), never from the body: the first
message without a valid cookie gets a new identity. Before that, the per-client limit counts the message against
the sender's address, so a flood that throws its cookie away each time is told once and then refused with a 429.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot import ratelimit, texts
from bot.admin.throttle import client_key
from bot.config import Settings
from bot.db import utcnow
from bot.dialogue import CLIENT_DROPPED, CLIENT_NOTICE, Dialogue, IncomingMessage
from bot.web.resident import identity

router = APIRouter(tags=["chat"])


class ChatIn(BaseModel):
    """A resident's message from the web chat (who sent it comes from the cookie; a `user` field is ignored)."""

    text: str = Field(min_length=1, max_length=2000, description="居民发来的文字")


class ReplyOut(BaseModel):
    """One reply bubble."""

    text: str
    choices: list[dict[str, str]] = []


class ChatOut(BaseModel):
    """The replies to show and the structured answer behind them."""

    replies: list[ReplyOut]
    answer: dict[str, Any] | None


class Refused(BaseModel):
    """Why the message was refused."""

    detail: str


def client_address(request: Request) -> str:
    """The sender's address key (behind a trusted proxy `wufei serve` has already taken it from X-Forwarded-For)."""
    return client_key(request.client.host if request.client else None)


@router.post(
    "/api/chat",
    response_model=ChatOut,
    responses={429: {"model": Refused, "description": "这个网络地址一分钟内发来的消息太多"}},
)
async def post_chat(body: ChatIn, request: Request) -> Response:
    """Answer one message in the conversation of the cookie's resident (a new resident and cookie on first contact).

    One worker-thread hop for the whole message (the transaction blocks): a plain `def` route with a response model
    takes two, its return value being validated in the thread pool again; the reply is built here as `ChatOut`'s JSON.
    """
    return await run_in_threadpool(_chat, body.text, request)


def _chat(text: str, request: Request) -> Response:
    """The message's one transaction and its JSON response (run in a worker thread)."""
    dialogue: Dialogue = request.app.state.dialogue
    settings: Settings = request.app.state.settings
    now = utcnow()
    client = client_address(request) if settings.chat.client_rate_per_minute > 0 else None
    web_id = identity.issue(request)
    # one transaction: the address's per-minute count, then the answer (the count alone when over the limit)
    outcome, replies = dialogue.respond(IncomingMessage("web", web_id, text, now), client=client)
    if outcome == CLIENT_DROPPED:
        retry = str(ratelimit.retry_after(now))
        return JSONResponse({"detail": texts.CLIENT_RATE_LIMITED}, status_code=429, headers={"Retry-After": retry})
    if outcome == CLIENT_NOTICE:  # the address, not the resident, is over the limit: no new identity is kept
        return JSONResponse({"replies": [{"text": r.text, "choices": []} for r in replies], "answer": None})
    answer = next((r.answer.to_json() for r in replies if r.answer is not None), None)
    shown = [{"text": r.text, "choices": [{"key": c.key, "label": c.label} for c in r.choices]} for r in replies]
    response = JSONResponse({"replies": shown, "answer": answer})
    identity.remember(request, response, web_id, now.timestamp())
    return response
