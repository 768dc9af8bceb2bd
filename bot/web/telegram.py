"""POST /telegram/webhook, and the Telegram Application's start and stop inside the web app's lifespan."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse
from telegram import Update
from telegram.error import TelegramError

from bot.channels import telegram_texts as texts
from bot.channels.telegram import build_application, register_commands
from bot.config import Settings

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
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
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        return _refuse(texts.BAD_UPDATE, 400)
    try:
        update = Update.de_json(data, application.bot)
    except Exception:  # de_json raises KeyError, TypeError, ValueError … on shapes it cannot read
        log.warning("refused a malformed Telegram update %s", data.get("update_id"))
        return _refuse(texts.BAD_UPDATE, 400)
    await application.process_update(update)
    return JSONResponse({"ok": True})
