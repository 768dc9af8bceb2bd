"""Pushes to Telegram within its limits, shared by every process of one bot through the database.

Limits (Telegram's, plus a small margin against network jitter): N messages per second overall, one message per
chat per second, M messages per minute per group (chat ids below zero). Each send first reserves a slot in
`telegram_sends`; the reservation starts with an UPDATE of the single `telegram_rate_state` row, which takes the
write lock (SQLite) or the row lock (PostgreSQL) and so serialises reservations across processes.

Outcomes (never raised, returned as SendResult): sent; rate-limited (retry_after); RetryAfter from Telegram
(a pause every process honours); Forbidden or "chat not found" (unreachable, remembered, no further calls);
a connection that never opened and 5xx answers (retried with exponential backoff, then returned with retry_after);
a sendMessage whose request was (being) written and whose answer never came whole: timed out, connection reset or
closed before or during the answer, an answer that is not JSON (unconfirmed: Telegram may have delivered it, so
never retried, since a retry could push the message twice; Telegram has no idempotency key for sendMessage;
`bot.channels.transport` draws the line).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.channels import telegram_texts as texts
from bot.channels.base import SendResult
from bot.channels.telegram_models import TelegramChat, TelegramRateState, TelegramSend
from bot.channels.transport import maybe_sent_httpx, timed_out_httpx
from bot.config import Settings
from bot.db import transaction, utcnow

log = logging.getLogger(__name__)
STATE_ID = 1
KEEP_LOG = dt.timedelta(minutes=2)  # send-log rows older than the longest window are pruned


@dataclass(frozen=True)
class Limits:
    """The rate limits of one bot, with the margin added to every window."""

    per_second: int = 30
    per_chat_seconds: float = 1.0
    group_per_minute: int = 20
    margin_seconds: float = 0.1

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        """The limits configured in WUFEI_TELEGRAM__*."""
        tg = settings.telegram
        return cls(tg.per_second, tg.per_chat_seconds, tg.group_per_minute, tg.margin_seconds)


def is_group(chat_id: str) -> bool:
    """Group and channel chat ids are negative in Telegram; private chats are positive."""
    return chat_id.startswith("-")


def reserve_slot(session: Session, *, chat_id: str, clock: Callable[[], dt.datetime], limits: Limits) -> float:
    """Reserve the right to send to `chat_id` now: 0.0 when reserved, else the seconds to wait first.

    The time is read from `clock` only once the lock is held: a time read before waiting for the lock would
    date the reservation too early and let two sends to one chat arrive closer than the limit.
    """
    _lock_state(session, clock())
    now = clock()
    waits = [0.0]
    paused_until = session.scalar(select(TelegramRateState.paused_until).where(TelegramRateState.id == STATE_ID))
    if paused_until is not None and paused_until > now:
        waits.append((paused_until - now).total_seconds())
    second = dt.timedelta(seconds=1 + limits.margin_seconds)
    waits.append(_window_wait(session, None, now, second, limits.per_second))
    chat_gap = dt.timedelta(seconds=limits.per_chat_seconds + limits.margin_seconds)
    waits.append(_window_wait(session, chat_id, now, chat_gap, 1))
    if is_group(chat_id):
        minute = dt.timedelta(seconds=60 + limits.margin_seconds)
        waits.append(_window_wait(session, chat_id, now, minute, limits.group_per_minute))
    wait = max(waits)
    if wait > 0:
        return wait
    session.add(TelegramSend(chat_id=chat_id, sent_at=now))
    session.execute(delete(TelegramSend).where(TelegramSend.sent_at < now - KEEP_LOG))
    return 0.0


def pause_all(session: Session, *, until: dt.datetime, now: dt.datetime) -> None:
    """Telegram said 429: no process sends before `until` (an earlier pause never shortens a later one)."""
    _lock_state(session, now)
    session.execute(
        update(TelegramRateState)
        .where(TelegramRateState.id == STATE_ID)
        .where((TelegramRateState.paused_until.is_(None)) | (TelegramRateState.paused_until < until))
        .values(paused_until=until)
    )


def set_blocked(
    session: Session,
    chat_id: str,
    *,
    blocked: bool,
    reason: str | None,
    now: dt.datetime,
    chat_type: str | None = None,
) -> None:
    """Record whether the bot may write to `chat_id` (a 403, or a my_chat_member update)."""
    chat = session.get(TelegramChat, chat_id)
    if chat is None:
        chat = TelegramChat(chat_id=chat_id, blocked=blocked, reason=reason, changed_at=now, chat_type=chat_type)
        try:
            with session.begin_nested():
                session.add(chat)
            return
        except IntegrityError:  # recorded by another worker meanwhile
            chat = session.get(TelegramChat, chat_id, populate_existing=True)
            if chat is None:
                raise
    if chat.blocked != blocked:
        chat.changed_at = now
    chat.blocked = blocked
    chat.reason = reason
    chat.chat_type = chat_type or chat.chat_type


def blocked_reason(session: Session, chat_id: str) -> str | None:
    """Why the bot may not write to `chat_id`, or None when it may."""
    chat = session.get(TelegramChat, chat_id)
    if chat is None or not chat.blocked:
        return None
    return chat.reason or "blocked"


def _lock_state(session: Session, now: dt.datetime) -> None:
    """UPDATE the state row first: the lock it takes serialises every reservation until commit."""
    result = session.execute(update(TelegramRateState).where(TelegramRateState.id == STATE_ID).values(updated_at=now))
    if getattr(result, "rowcount", 0):
        return
    try:
        with session.begin_nested():
            session.add(TelegramRateState(id=STATE_ID, updated_at=now))
    except IntegrityError:  # another process created it first; take the lock on theirs
        session.execute(update(TelegramRateState).where(TelegramRateState.id == STATE_ID).values(updated_at=now))


def _window_wait(session: Session, chat_id: str | None, now: dt.datetime, window: dt.timedelta, limit: int) -> float:
    """Seconds until fewer than `limit` sends (to `chat_id`, or overall) fall in the window ending now."""
    query = select(TelegramSend.sent_at).where(TelegramSend.sent_at > now - window)
    if chat_id is not None:
        query = query.where(TelegramSend.chat_id == chat_id)
    recent = session.scalars(query.order_by(TelegramSend.sent_at.desc()).limit(limit)).all()
    if len(recent) < limit:
        return 0.0
    return max(0.0, (recent[-1] + window - now).total_seconds())


class TelegramSender:
    """A `Sender` for Telegram pushes; synchronous (it runs its own event loop), so call it off the event loop."""

    channel = "telegram"

    def __init__(
        self,
        settings: Settings,
        factory: sessionmaker[Session],
        *,
        retries: int = 3,
        backoff_seconds: float = 0.5,
        clock: Callable[[], dt.datetime] = utcnow,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        token = settings.telegram.token
        if not token:
            raise ValueError(texts.NO_TOKEN)
        self.factory = factory
        self.limits = Limits.from_settings(settings)
        self.max_wait = settings.telegram.max_wait_seconds
        self.send_timeout = settings.telegram.send_timeout_seconds
        self.retries = retries
        self.backoff = backoff_seconds
        self.clock = clock
        self.sleep = sleep
        self._bot = Bot(token, base_url=settings.telegram.base_url, request=HTTPXRequest(connection_pool_size=4))
        self._runner = asyncio.Runner()

    def close(self) -> None:
        """Release the HTTP connections and the event loop."""
        try:
            self._runner.run(self._bot.shutdown())
        finally:
            self._runner.close()

    def send(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        """Deliver `text` to the chat `external_id`, waiting up to max_wait_seconds for a free slot."""
        chat_id = external_id.strip()
        with transaction(self.factory) as session:
            reason = blocked_reason(session, chat_id)
        if reason is not None:
            return SendResult(False, reason=texts.BLOCKED.format(detail=reason), unreachable=True)
        waited = 0.0
        failures = 0
        while True:
            try:
                # getMe once: checks the token and opens the connection, so the first push is not slower
                # between its reservation and its arrival than the margin allows
                self._runner.run(self._bot.initialize())
            except NetworkError as exc:
                failures += 1
                delay = self.backoff * 2 ** (failures - 1)
                if failures > self.retries:
                    return SendResult(
                        False, reason=texts.NETWORK_ERROR.format(detail=exc.message), retry_after=delay, outage=True
                    )
                self.sleep(delay)
                continue
            except TelegramError as exc:
                return SendResult(False, reason=texts.API_ERROR.format(detail=exc.message))
            with transaction(self.factory) as session:
                wait = reserve_slot(session, chat_id=chat_id, clock=self.clock, limits=self.limits)
            if wait > 0:
                if waited + wait > self.max_wait:
                    return SendResult(False, reason=texts.RATE_LIMITED, retry_after=wait)
                self.sleep(wait)
                waited += wait
                continue
            try:
                message = self._runner.run(
                    self._bot.send_message(
                        chat_id=_chat_ref(chat_id),
                        text=text,
                        read_timeout=self.send_timeout,
                        write_timeout=self.send_timeout,
                    )
                )
                return SendResult(True, provider_id=str(message.message_id))
            except RetryAfter as exc:
                seconds = _retry_seconds(exc)
                with transaction(self.factory) as session:
                    pause_all(session, until=self.clock() + dt.timedelta(seconds=seconds), now=self.clock())
                log.warning("telegram flood control: pausing all sends for %.0f s", seconds)
                if waited + seconds > self.max_wait:
                    return SendResult(False, reason=texts.FLOOD_WAIT.format(seconds=seconds), retry_after=seconds)
                # the loop's next reservation waits out the pause recorded above
            except Forbidden as exc:
                return self._unreachable(chat_id, texts.BLOCKED.format(detail=exc.message), exc.message, now)
            except ChatMigrated as exc:
                detail = texts.GROUP_MIGRATED.format(chat_id=exc.new_chat_id)
                return self._unreachable(chat_id, detail, detail, now)
            except BadRequest as exc:  # before NetworkError: BadRequest is its subclass, and retrying cannot help
                if "chat not found" in exc.message.lower():
                    return self._unreachable(chat_id, texts.CHAT_GONE.format(detail=exc.message), exc.message, now)
                return SendResult(False, reason=texts.REFUSED.format(detail=exc.message))
            except NetworkError as exc:  # timeouts, refused or broken connections, 5xx
                cause = exc.__cause__  # None or a TelegramError (body not JSON) for a 5xx: Telegram answered
                if cause is not None and not isinstance(cause, TelegramError) and maybe_sent_httpx(cause):
                    return self._unconfirmed(chat_id, cause)  # written, no whole answer: a retry could push it twice
                failures += 1
                delay = self.backoff * 2 ** (failures - 1)
                if failures > self.retries:
                    return SendResult(
                        False, reason=texts.NETWORK_ERROR.format(detail=exc.message), retry_after=delay, outage=True
                    )
                log.info("telegram send to %s failed (%s); retry %d in %.1f s", chat_id, exc, failures, delay)
                self.sleep(delay)
            except TelegramError as exc:  # invalid token, unknown endpoint …: staff must fix the configuration
                if type(exc) is TelegramError and isinstance(exc.__cause__, ValueError):  # a 2xx that is not JSON
                    return self._unconfirmed(chat_id, exc.__cause__)
                return SendResult(False, reason=texts.API_ERROR.format(detail=exc.message))

    def _unconfirmed(self, chat_id: str, cause: BaseException) -> SendResult:
        """The request was (being) written and no whole answer came: Telegram may have delivered it."""
        detail = type(cause).__name__
        log.warning("telegram send to %s unconfirmed (%s); not retried", chat_id, detail)
        if timed_out_httpx(cause):
            reason = texts.UNCONFIRMED.format(seconds=self.send_timeout, detail=detail)
        else:
            reason = texts.DROPPED.format(detail=detail)
        return SendResult(False, reason=reason, unconfirmed=True)

    def _unreachable(self, chat_id: str, reason: str, detail: str, now: dt.datetime) -> SendResult:
        with transaction(self.factory) as session:
            set_blocked(session, chat_id, blocked=True, reason=detail[:256], now=now)
        return SendResult(False, reason=reason, unreachable=True)


def _chat_ref(chat_id: str) -> int | str:
    """Numeric chat ids as int; "@channel" names as they are."""
    return int(chat_id) if chat_id.lstrip("-").isdigit() else chat_id


def _retry_seconds(exc: RetryAfter) -> float:
    """RetryAfter.retry_after is an int or a timedelta depending on PTB_TIMEDELTA; read either without a warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        value = exc.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)
