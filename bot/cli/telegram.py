"""`wufei telegram poll` (a bot without a public URL) and `wufei telegram set-webhook URL`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.channels import telegram_texts as texts
from bot.config import Settings, get_settings
from bot.dialogue import Dialogue

SECRET_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")


def register(subparsers: Any) -> None:
    """Add the `telegram` command group."""
    group = subparsers.add_parser("telegram", help="Telegram 机器人：轮询运行或登记 Webhook")
    sub = group.add_subparsers(dest="telegram_command", required=True)
    p = sub.add_parser("poll", help="以轮询方式运行机器人（没有公网地址时用），Ctrl+C 结束")
    p.set_defaults(handler=cmd_poll)
    p = sub.add_parser("set-webhook", help="向 Telegram 登记 Webhook 地址（https://…/telegram/webhook）")
    p.add_argument("url")
    p.set_defaults(handler=cmd_set_webhook)


# python-telegram-bot is imported inside the handlers: every `wufei` command builds this parser, and most never
# talk to Telegram (it would add a third of a second to `wufei ask`).


def cmd_poll(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Fetch updates with getUpdates until Ctrl+C / SIGTERM; the conversation state stays in the database."""
    from telegram.error import TelegramError

    from bot.channels.telegram import ALLOWED_UPDATES, build_application

    settings = get_settings()
    if not settings.telegram.token:
        return _fail(texts.NO_TOKEN)
    application = build_application(settings, Dialogue(factory, settings), polling=True)
    print(texts.POLLING, flush=True)
    try:
        application.run_polling(allowed_updates=ALLOWED_UPDATES, close_loop=False)
    except TelegramError as exc:
        return _fail(texts.API_ERROR.format(detail=exc.message))
    return 0


def cmd_set_webhook(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Register URL (with our secret) as the bot's webhook and publish the command menu."""
    from telegram.error import TelegramError

    settings = get_settings()
    if not settings.telegram.token:
        return _fail(texts.NO_TOKEN)
    url = str(args.url).strip()
    if not url.startswith("https://") or len(url) <= len("https://"):
        return _fail(texts.NEED_HTTPS)
    secret = settings.telegram.webhook_secret or ""
    if not 1 <= len(secret) <= 256 or not set(secret) <= SECRET_CHARS:
        return _fail(texts.NEED_SECRET)
    try:
        asyncio.run(_set_webhook(settings, url, secret))
    except TelegramError as exc:
        return _fail(texts.API_ERROR.format(detail=exc.message))
    print(texts.WEBHOOK_SET.format(url=url))
    return 0


async def _set_webhook(settings: Settings, url: str, secret: str) -> None:
    from telegram import Bot

    from bot.channels.telegram import ALLOWED_UPDATES, command_menu

    async with Bot(str(settings.telegram.token), base_url=settings.telegram.base_url) as bot:
        await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        await bot.set_my_commands(command_menu())


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2
