"""POST /telegram/webhook, and the Telegram Application's start and stop inside the web app's lifespan.

Each update_id is recorded in the database before the update is handled (bot.channels.telegram_updates), so
Telegram's redeliveries get a 200 without a second answer or chat_log row, on any worker process.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update
from telegram.error import TelegramError

from bot.channels import telegram_texts as texts
from bot.channels.telegram import PENDING_CLAIM, UpdateClaim, build_application, register_commands
from bot.channels.telegram_updates import claim_update
from bot.config import Settings
from bot.db import transaction, utcnow

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_UPDATE_ID = 2**63 - 1  # BIGINT: a forged larger id is a bad request, not a database error
router = APIRouter(tags=["telegram"])
log = logging.getLogger(__name__)


@asynccontextmanager
async def running(app: FastAPI, settings: Settings) -> AsyncIterator[None]:
    """Start the Telegram Application for the webhook (if a token is set and the Bot API answers); stop it after."""
    app.state.telegram = None
    if not settings.telegram.token:
        log.info("Telegram channel off: WUFEI_TELEGRAM__TOKEN is not set")
        yield
        return
    if not settings.telegram.webhook_secret:
        log.warning("WUFEI_TELEGRAM__WEBHOOK_SECRET is not set: every webhook request will be refused (use polling)")
    application = build_application(settings, app.state.dialogue)
    try:
        await application.initialize()  # getMe: checks the token
        await application.start()
        started = True
    except TelegramError as exc:
        log.error("Telegram channel off: the Bot API did not accept us (%s)", exc)
        started = False
    if not started:
        yield
        return
    await register_commands(application)
    app.state.telegram = application
    log.info("Telegram channel on (webhook) as @%s", application.bot.username)
    try:
        yield
    finally:
        app.state.telegram = None
        await application.stop()
        await application.shutdown()


def _refuse(detail: str, status: int) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


@router.post("/telegram/webhook", include_in_schema=False)
async def webhook(request: Request) -> JSONResponse:
    """One update from Telegram: the secret header checked in constant time, then handled before we answer."""
    application = getattr(request.app.state, "telegram", None)
    if application is None:
        return _refuse(texts.CHANNEL_OFF, 404)
    secret: str | None = request.app.state.settings.telegram.webhook_secret
    given = request.headers.get(SECRET_HEADER, "")
    if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
        return _refuse(texts.BAD_SECRET, 403)
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: "[[[[…" nested too deep
        return _refuse(texts.BAD_UPDATE, 400)
    update_id = data.get("update_id") if isinstance(data, dict) else None
    if not isinstance(update_id, int) or isinstance(update_id, bool) or not 0 <= update_id <= MAX_UPDATE_ID:
        return _refuse(texts.BAD_UPDATE, 400)
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # de_json raises KeyError, TypeError, ValueError … on shapes it cannot read
        log.warning("refused a malformed Telegram update %s", data.get("update_id"))
        return _refuse(texts.BAD_UPDATE, 400)
    factory: sessionmaker[Session] = request.app.state.factory
    if update.message is None:  # buttons, membership changes: recorded first, in a transaction of their own
        if not await asyncio.to_thread(_first_delivery, factory, application.bot.id, update_id):
            log.info("Telegram redelivered update %s: already handled", update_id)
            return JSONResponse({"ok": True})
        await application.process_update(update)
        return JSONResponse({"ok": True})
    # a message: its handler records the update in the dialogue's transaction (one commit per message)
    claim = UpdateClaim(application.bot.id, update_id)
    token = PENDING_CLAIM.set(claim)
    try:
        await application.process_update(update)
    finally:
        PENDING_CLAIM.reset(token)
    if claim.failed is not None:
        raise claim.failed  # nothing recorded: 503 (or 500), and Telegram delivers it again
    if not claim.taken and not await asyncio.to_thread(_first_delivery, factory, application.bot.id, update_id):
        log.info("Telegram redelivered update %s: already handled", update_id)  # no handler answers this message
    return JSONResponse({"ok": True})


def _first_delivery(factory: sessionmaker[Session], bot_id: int, update_id: int) -> bool:
    """Record the update; False for a redelivery. A database error propagates (503), so Telegram delivers again."""
    with transaction(factory) as session:
        return claim_update(session, bot_id=bot_id, update_id=update_id, now=utcnow())
