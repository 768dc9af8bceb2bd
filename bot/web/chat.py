"""POST /api/chat: the web chat channel (JSON in, replies and the structured answer out)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from bot.db import utcnow
from bot.dialogue import Dialogue, IncomingMessage

router = APIRouter(tags=["chat"])


class ChatIn(BaseModel):
    """A resident's message from the web chat."""

    user: str = Field(min_length=1, max_length=128, description="浏览器里生成的匿名用户编号")
    text: str = Field(min_length=1, max_length=2000, description="居民发来的文字")


class ReplyOut(BaseModel):
    """One reply bubble."""

    text: str
    choices: list[dict[str, str]] = []


class ChatOut(BaseModel):
    """The replies to show and the structured answer behind them."""

    replies: list[ReplyOut]
    answer: dict[str, Any] | None


@router.post("/api/chat", response_model=ChatOut)
def post_chat(body: ChatIn, request: Request) -> ChatOut:
    """Answer one message in the conversation of `user`."""
    dialogue: Dialogue = request.app.state.dialogue
    replies = dialogue.handle(IncomingMessage("web", body.user, body.text, utcnow()))
    answer = next((r.answer.to_json() for r in replies if r.answer is not None), None)
    return ChatOut(
        replies=[ReplyOut(text=r.text, choices=[{"key": c.key, "label": c.label} for c in r.choices]) for r in replies],
        answer=answer,
    )
