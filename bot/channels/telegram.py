"""The Telegram channel: a python-telegram-bot Application whose handlers translate updates for the shared core.

Update -> IncomingMessage -> Dialogue.handle -> sendMessage (choices as an inline keyboard). Conversation state
lives in our database (the dialogue's ConversationState), never in python-telegram-bot's memory, so a restart
or another worker continues the conversation. The same Application serves webhook mode (built with
`.updater(None)`, fed by bot.web.webhooks.telegram) and polling mode (`wufei telegram poll`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, MessageLimit
from telegram.error import BadRequest, TelegramError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot import texts as core_texts
from bot.channels import telegram_texts as texts
from bot.channels.telegram_models import TelegramAnsweredKeyboard, TelegramChat
from bot.channels.telegram_sender import set_blocked
from bot.channels.telegram_updates import Redelivered, record_update
from bot.config import Settings
from bot.db import transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage, Reply
from campaigns import residents

CHANNEL = "telegram"
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]
SCENE = re.compile(r"^(cell|campaign)_[A-Za-z0-9_-]{1,60}$")  # deep-link payloads we understand
CALLBACK_MAX_BYTES = 64  # Telegram's limit on callback_data
GONE = frozenset({ChatMemberStatus.BANNED, ChatMemberStatus.LEFT})  # "kicked" = the user blocked the bot

log = logging.getLogger(__name__)
TelegramApp = Application[Any, Any, Any, Any, Any, Any]
Context = ContextTypes.DEFAULT_TYPE


def build_application(settings: Settings, dialogue: Dialogue, *, polling: bool = False) -> TelegramApp:
    """The Application with our handlers; webhook mode (no Updater) unless `polling`."""
    token = settings.telegram.token
    if not token:
        raise ValueError(texts.NO_TOKEN)
    builder: ApplicationBuilder[Any, Any, Any, Any, Any, Any] = (
        ApplicationBuilder().token(token).base_url(settings.telegram.base_url).post_init(register_commands)
    )
    if not polling:
        builder = builder.updater(None)
    application = builder.build()
    TelegramHandlers(dialogue).install(application)
    return application


def command_menu() -> list[BotCommand]:
    """The command menu with Chinese descriptions."""
    return [BotCommand(name, text) for name, text in texts.COMMANDS]


async def register_commands(application: TelegramApp) -> None:
    """Publish the command menu (setMyCommands); a failure is logged, not fatal."""
    try:
        await application.bot.set_my_commands(command_menu())
    except TelegramError as exc:
        log.warning("could not register the Telegram commands: %s", exc)


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """The reply's choices as one button per row; the button sends the choice key back as callback data."""
    rows = [
        [InlineKeyboardButton(choice.label, callback_data=choice.key)]
        for choice in reply.choices
        if choice.key and len(choice.key.encode()) <= CALLBACK_MAX_BYTES
    ]
    return InlineKeyboardMarkup(rows) if rows else None


def chunks(text: str, size: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Split a long reply into messages Telegram accepts, preferring line breaks."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > size:
        cut = rest.rfind("\n", 0, size)
        cut = cut if cut > 0 else size
        parts.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest:
        parts.append(rest)
    return parts


@dataclass
class UpdateClaim:
    """A webhook update to record in the transaction that answers it (set by bot.web.webhooks.telegram)."""

    bot_id: int
    update_id: int
    taken: bool = False  # a handler recorded it (or tried): the webhook records it itself otherwise
    failed: Exception | None = None  # the database could not record it: the webhook answers 5xx, Telegram retries


PENDING_CLAIM: ContextVar[UpdateClaim | None] = ContextVar("telegram_pending_claim", default=None)


class TelegramHandlers:
    """The handlers: each turns one kind of update into an IncomingMessage and renders the replies."""

    def __init__(self, dialogue: Dialogue) -> None:
        self.dialogue = dialogue
        self.factory: sessionmaker[Session] = dialogue.factory

    def install(self, application: TelegramApp) -> None:
        """Register the handlers on `application` (new messages only; edits and channel posts are ignored)."""
        new = filters.UpdateType.MESSAGE
        application.add_handler(CommandHandler("start", self.on_start, filters=new))
        application.add_handler(CommandHandler(list(texts.COMMAND_WORDS), self.on_command, filters=new))
        application.add_handler(MessageHandler(new & filters.TEXT, self.on_text))
        application.add_handler(MessageHandler(new & filters.LOCATION, self.on_location))
        application.add_handler(MessageHandler(new & ~filters.StatusUpdate.ALL, self.on_other))
        application.add_handler(CallbackQueryHandler(self.on_button))
        application.add_handler(ChatMemberHandler(self.on_membership, ChatMemberHandler.MY_CHAT_MEMBER))
        application.add_error_handler(self.on_error)

    async def on_start(self, update: Update, context: Context) -> None:
        """/start, with an optional deep-link payload cell_<id> or campaign_<id>."""
        payload = context.args[0] if context.args else ""
        data = {"scene": payload} if SCENE.match(payload) else {}
        await self._converse(update, context, "", kind="event", event="start", data=data)

    async def on_command(self, update: Update, context: Context) -> None:
        """/help, /subscribe, /unsubscribe, /survey become the words the other channels use."""
        text = update.effective_message.text if update.effective_message else ""
        name = (text or "/").split()[0][1:].split("@")[0].lower()
        await self._converse(update, context, texts.COMMAND_WORDS.get(name, text or ""))

    async def on_text(self, update: Update, context: Context) -> None:
        """Free text (and commands we do not know, which the core answers like any text)."""
        message = update.effective_message
        await self._converse(update, context, (message.text if message else "") or "")

    async def on_location(self, update: Update, context: Context) -> None:
        """A shared location becomes a "location" event."""
        message = update.effective_message
        data: dict[str, Any] = {}
        if message is not None and message.location is not None:
            data = {"latitude": message.location.latitude, "longitude": message.location.longitude}
        await self._converse(update, context, "", kind="event", event="location", data=data)

    async def on_other(self, update: Update, context: Context) -> None:
        """Photos, stickers, voice … : the core answers that it reads text only (and asks a photo for its name)."""
        message = update.effective_message
        media = "photo" if message is not None and message.photo else None
        media = "sticker" if message is not None and message.sticker is not None else media
        data = {"media": media} if media else {}
        await self._converse(update, context, "", kind="event", event="unsupported", data=data)

    async def on_button(self, update: Update, context: Context) -> None:
        """A pressed inline button: answered once, its keyboard removed, the choice fed to the core as text."""
        query = update.callback_query
        if query is None:
            return
        message = query.message
        if message is None or not query.data:
            await query.answer()
            return
        chat_id = str(message.chat.id)
        if not await asyncio.to_thread(self._claim_keyboard, chat_id, message.message_id):
            await query.answer(texts.ALREADY_ANSWERED)
            return
        label = _button_label(getattr(message, "reply_markup", None), query.data)
        await query.answer(texts.CHOSEN.format(label=label) if label else None)
        try:
            await query.edit_message_reply_markup(reply_markup=None)
        except BadRequest as exc:  # e.g. the message is too old to edit; the claim above still blocks a repeat
            log.info("could not remove the keyboard of %s/%s: %s", chat_id, message.message_id, exc)
        await self._converse(update, context, query.data)

    async def on_membership(self, update: Update, context: Context) -> None:
        """my_chat_member: the user blocked or unblocked the bot (or it left / joined a group)."""
        change = update.my_chat_member
        if change is None:
            return
        status = change.new_chat_member.status
        blocked = status in GONE
        reason = f"my_chat_member: {status}" if blocked else None
        await asyncio.to_thread(
            self._record_membership, str(change.chat.id), change.chat.type, blocked=blocked, reason=reason
        )
        log.info("telegram chat %s is now %s", change.chat.id, status)

    async def on_error(self, update: object, context: Context) -> None:
        """Log a failed update; the resident gets no trace (Dialogue.handle already answers its own faults)."""
        log.error("telegram update failed: %s", context.error, exc_info=context.error)

    async def _converse(
        self,
        update: Update,
        context: Context,
        text: str,
        *,
        kind: str = "text",
        event: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        incoming = IncomingMessage(CHANNEL, str(chat.id), text, utcnow(), kind=kind, event=event, data=data or {})
        claim = PENDING_CLAIM.get()
        if claim is not None and claim.taken:
            claim = None  # one claim per update (a button press converses once)
        replies = await asyncio.to_thread(self._respond, incoming, claim)
        for reply in replies:
            await self._send(context, chat.id, reply)

    def _respond(self, incoming: IncomingMessage, claim: UpdateClaim | None) -> list[Reply]:
        """One transaction: whether the chat was blocked, the dialogue's turn, then the webhook's update recorded
        (after the reads: on SQLite the first write holds the lock until the commit). A redelivery racing this one
        conflicts on the update's row and is rolled back whole, answer included."""
        if claim is not None:
            claim.taken = True
        chat_id, now = incoming.user_id, incoming.received_at
        try:
            with transaction(self.factory) as session:
                outcome, replies = self._turn(session, incoming)
                if claim is not None:
                    record_update(session, bot_id=claim.bot_id, update_id=claim.update_id, now=now)
        except Redelivered:
            log.info("Telegram redelivered update %s: already handled", claim.update_id if claim else None)
            return []
        except Exception:
            log.exception("dialogue failed for telegram:%s", chat_id)
            outcome, replies = "error", [Reply(core_texts.INTERNAL_ERROR)]
            if claim is not None:  # the update is still recorded, with the polite reply (or the webhook answers 503)
                try:
                    with transaction(self.factory) as session:
                        record_update(session, bot_id=claim.bot_id, update_id=claim.update_id, now=now)
                except Redelivered:
                    return []
                except Exception as again:
                    claim.failed = again
                    return []
        self.dialogue.outcomes.add(outcome)
        return replies

    def _turn(self, session: Session, incoming: IncomingMessage) -> tuple[str, list[Reply]]:
        """The dialogue's turn, and a chat we had marked blocked marked open again (the user is back)."""
        chat_id = incoming.user_id
        blocked = session.execute(select(TelegramChat.blocked).where(TelegramChat.chat_id == chat_id)).scalar()
        outcome, replies = self.dialogue.respond_in(session, incoming)
        if blocked:
            session.execute(
                update(TelegramChat)
                .where(TelegramChat.chat_id == chat_id, TelegramChat.blocked.is_(True))
                .values(blocked=False, reason=None, changed_at=incoming.received_at)
            )
        return outcome, replies

    @staticmethod
    async def _send(context: Context, chat_id: int, reply: Reply) -> None:
        parts = chunks(reply.text)
        for i, part in enumerate(parts):
            markup = keyboard(reply) if i == len(parts) - 1 else None
            await context.bot.send_message(chat_id=chat_id, text=part, reply_markup=markup)

    def _claim_keyboard(self, chat_id: str, message_id: int) -> bool:
        """True for the first press on this keyboard message (across workers), False afterwards."""
        try:
            with transaction(self.factory) as session:
                session.add(TelegramAnsweredKeyboard(chat_id=chat_id, message_id=message_id, answered_at=utcnow()))
        except IntegrityError:
            return False
        return True

    def _record_membership(self, chat_id: str, chat_type: str, *, blocked: bool, reason: str | None) -> None:
        with transaction(self.factory) as session:
            now = utcnow()
            set_blocked(session, chat_id, blocked=blocked, reason=reason, now=now, chat_type=chat_type)
            if not blocked:  # unblocked (back to member): campaigns may reach this resident again
                residents.reachable_by_identity(session, channel=CHANNEL, external_id=chat_id, now=now)


def _button_label(markup: object, data: str) -> str | None:
    """The text of the button that carried `data`, for the short confirmation."""
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    for row in markup.inline_keyboard:
        for button in row:
            if button.callback_data == data:
                return button.text
    return None
