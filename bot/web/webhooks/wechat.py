"""The WeChat webhook (GET URL check, POST messages) at WUFEI_WECHAT__PATH; absent (404) without a token.

Each POST: signature (and msg_signature in 兼容/安全 mode) checked in constant time, optional timestamp window,
plaintext refused in safe mode, body capped, XML parsed without entities, then one transaction in a thread: the
dialogue's turn, the delivery recorded with its reply (a retry of it, on any worker, gets the stored reply; a retry
racing the first attempt conflicts on the delivery row and is rolled back whole) and the service window. If the
answer is not ready within `reply_timeout_seconds` we answer "success" so WeChat stops waiting, and send the
answer through the customer-service API when it is.

"success" is said only once the delivery is recorded: WeChat never retries after it, so a message we could not
record within `RECORD_SECONDS` (the database locked or down, or an answer slower than that) gets a 503 instead,
and WeChat's retry is the one that is answered. The worker thread may commit only while the request still waits
for it (`Gate`), so a request that gave up leaves nothing behind that could be answered twice.

A plaintext post is signed over (timestamp, nonce) only, not its body. Each pair is recorded with the delivery it
carried; the same pair with another delivery is refused (403), the same delivery again is WeChat's own retry and
gets the same answer from the dedupe ledger. Encrypted posts need no such record: msg_signature covers the body.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key

from bot import texts as core_texts
from bot.channels import wechat
from bot.channels import wechat_texts as texts
from bot.channels.wechat_api import WechatSender, open_window_upsert, window_upsert
from bot.channels.wechat_models import WechatInbound, WechatNonce, WechatWindow
from bot.config import Settings, WechatSettings
from bot.db import transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage, Reply

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
DUPLICATE_POLL = 0.05
LATE_PIECE_DELAY = 0.3  # let the passive reply reach the resident before the rest of a long answer
RECORD_SECONDS = 4.0  # WeChat hangs up after 5 s: a delivery not recorded by then gets a 503 (WeChat retries)


class Replayed(Exception):
    """The signature's (timestamp, nonce) already signed another delivery."""


class Seen(Exception):
    """The delivery was recorded before: this attempt is rolled back and waits for the stored reply."""


class Abandoned(Exception):
    """The request stopped waiting before the delivery was recorded (it answered 503)."""


class Gate:
    """The hand-over between a request and its worker thread: the delivery may be recorded only while it waits."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._lock = threading.Lock()
        self._state = "waiting"  # waiting -> committing -> recorded | failed; waiting -> abandoned
        self._loop = loop
        self._settled = asyncio.Event()
        self._watched = False  # the request waits on `recorded` (past its reply budget): settle must wake the loop

    def enter(self) -> bool:
        """Called by the thread with its rows written, before the commit: False if the request gave up."""
        with self._lock:
            if self._state == "abandoned":
                return False
            self._state = "committing"
            return True

    def settle(self, recorded: bool) -> None:
        """Called by the thread once the commit succeeded (or anything failed)."""
        with self._lock:
            if self._state == "committing":
                self._state = "recorded" if recorded else "failed"
            elif self._state == "waiting":
                self._state = "failed"
            watched = self._watched
        if watched:  # else the request reads the state when it looks: no second wake-up of the loop per message
            self._loop.call_soon_threadsafe(self._settled.set)

    def abandon(self) -> bool:
        """Called by the request at its deadline: True when nothing is recorded and the thread will not record it."""
        with self._lock:
            if self._state == "waiting":
                self._state = "abandoned"
                return True
            return False

    async def recorded(self, timeout: float) -> bool:
        """Wait up to `timeout` for the record; then give up, unless the commit is already under way."""
        with self._lock:
            if self._state in ("recorded", "failed"):
                return self._state == "recorded"
            self._watched = True
        try:
            await asyncio.wait_for(self._settled.wait(), timeout=max(timeout, 0.0))
        except TimeoutError:
            if self.abandon():
                return False
            await self._settled.wait()  # rows written, the commit is in flight: it ends either way
        return self._state == "recorded"


@dataclass
class Outcome:
    """What handling one delivery produced: the reply text, and whether this request did the work."""

    text: str | None
    first: bool


@dataclass
class WechatChannel:
    """Per-app state of the webhook: configuration, crypto, the sender and the late deliveries in flight."""

    config: WechatSettings
    token: str
    crypto: Any
    mode: str = "plaintext"  # plaintext | compatible | safe (WechatSettings.mode with "auto" resolved)
    sender: WechatSender | None = None
    pending: set[asyncio.Task[None]] = field(default_factory=set)

    def sender_for(self, factory: sessionmaker[Session]) -> WechatSender:
        """The customer-service sender, built on first use (the session factory exists only after start-up)."""
        if self.sender is None:
            self.sender = WechatSender(self.config, factory)
        return self.sender


def build_router(settings: Settings) -> APIRouter:
    """The WeChat routes, or an empty router (and a log line) when WUFEI_WECHAT__TOKEN is not set."""
    router = APIRouter(tags=["wechat"])
    config = settings.wechat
    token = config.token.get_secret_value()
    if not token:
        log.info("WeChat channel off: WUFEI_WECHAT__TOKEN is not set")
        return router
    aes_key = config.encoding_aes_key.get_secret_value()
    crypto = wechat.make_crypto(token, aes_key, config.app_id) if aes_key else None
    mode = config.mode if config.mode != "auto" else ("safe" if crypto else "plaintext")
    if mode != "plaintext" and crypto is None:
        log.error("WUFEI_WECHAT__MODE=%s needs WUFEI_WECHAT__ENCODING_AES_KEY: messages cannot be read", mode)
    channel = WechatChannel(config, token, crypto, mode)
    log.info("WeChat channel on at %s (%s mode)", config.path, mode)

    @router.get(config.path, include_in_schema=False)
    def verify(request: Request) -> Response:
        """WeChat's URL check: echo `echostr` when the signature is right."""
        query = request.query_params
        problem = _check_signature(
            channel, query.get("signature", ""), query.get("timestamp", ""), query.get("nonce", "")
        )
        if problem:
            return PlainTextResponse(problem, status_code=403)
        return PlainTextResponse(query.get("echostr", ""))

    @router.post(config.path, include_in_schema=False)
    async def receive(request: Request) -> Response:
        """One message or event from WeChat."""
        return await _receive(channel, request)

    return router


def warm_up(dialogue: Dialogue, settings: Settings) -> None:
    """Build the knowledge snapshot at start-up when WeChat is on, so the first message is answered within 5 s."""
    if not settings.wechat.token.get_secret_value():
        return
    with transaction(dialogue.factory) as session:
        dialogue.knowledge.get(session)


def _check_signature(channel: WechatChannel, signature: str, timestamp: str, nonce: str) -> str | None:
    if not signature or not timestamp or not nonce:
        return "缺少签名参数"
    if not wechat.signature_ok(channel.token, signature, timestamp, nonce):
        return "签名无效"
    window = channel.config.timestamp_window_seconds
    if window > 0:
        try:
            skew = abs(time.time() - int(timestamp))
        except ValueError:
            return "时间戳无效"
        if skew > window:
            return "时间戳超出允许范围"
    return None


async def _read_capped(request: Request) -> bytes | None:
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(channel: WechatChannel, request: Request) -> Response:
    query = request.query_params
    timestamp, nonce = query.get("timestamp", ""), query.get("nonce", "")
    problem = _check_signature(channel, query.get("signature", ""), timestamp, nonce)
    if problem:
        return PlainTextResponse(problem, status_code=403)
    encrypted = query.get("encrypt_type", "").lower() == "aes"
    if not encrypted and channel.mode == "safe":
        return PlainTextResponse(texts.PLAINTEXT_REFUSED, status_code=403)
    body = await _read_capped(request)
    if body is None:
        return PlainTextResponse(f"请求体过大（上限 {MAX_BODY // 1024} KiB）", status_code=413)
    try:
        fields = wechat.parse_xml(body)
        if encrypted and channel.crypto is None:
            if "MsgType" not in fields:
                raise wechat.BadRequest("收到加密消息，但未配置 EncodingAESKey")
            encrypted = False  # 兼容 mode without a key: use the plaintext fields, answer in plaintext
        elif encrypted:
            inner = wechat.decrypt(
                channel.crypto, fields, msg_signature=query.get("msg_signature", ""), timestamp=timestamp, nonce=nonce
            )
            fields = wechat.parse_xml(inner)
        incoming = wechat.to_incoming(fields, now=utcnow(), menu_texts=channel.config.menu_texts)
    except PermissionError:
        return PlainTextResponse("消息签名无效", status_code=403)
    except wechat.BadRequest as exc:
        return PlainTextResponse(exc.reason, status_code=400)
    if incoming is None:
        return PlainTextResponse("success")

    factory: sessionmaker[Session] = request.app.state.factory
    dialogue: Dialogue = request.app.state.dialogue
    key = wechat.dedupe_key(fields)
    signed = None if encrypted else (timestamp, nonce)  # the body is not covered by the signature: record the pair
    budget = max(channel.config.reply_timeout_seconds, 0.0)
    started = time.monotonic()
    gate = Gate(asyncio.get_running_loop())
    task = asyncio.ensure_future(asyncio.to_thread(_process, factory, dialogue, incoming, key, budget, gate, signed))
    task.add_done_callback(_consume_error)
    try:
        outcome = await asyncio.wait_for(asyncio.shield(task), timeout=budget)
    except TimeoutError:
        if not await gate.recorded(RECORD_SECONDS - (time.monotonic() - started)):
            log.warning("WeChat delivery %s not recorded in time: 503, WeChat will retry", key)
            return _not_recorded()
        _keep(channel, asyncio.ensure_future(_deliver_late(channel, factory, incoming.user_id, task)))
        return PlainTextResponse("success")
    except Replayed:
        return PlainTextResponse(texts.NONCE_REPLAYED, status_code=403)
    except Exception as exc:  # nothing recorded (the thread answers every fault after the record itself)
        log.warning("WeChat delivery %s not recorded (%s): 503, WeChat will retry", key, type(exc).__name__)
        return _not_recorded()
    if outcome.text is None:
        return PlainTextResponse("success")

    pieces = wechat.split_text(outcome.text, channel.config.max_text_bytes) or [outcome.text]
    if len(pieces) > 1:
        sender = channel.sender_for(factory)
        if outcome.first and sender.configured:
            _keep(channel, asyncio.ensure_future(_send_pieces(sender, incoming.user_id, pieces[1:], LATE_PIECE_DELAY)))
        elif not sender.configured:
            pieces = [wechat.shorten(outcome.text, channel.config.max_text_bytes)]
    xml = wechat.render_text(
        to_user=incoming.user_id, from_user=fields.get("ToUserName", ""), content=pieces[0], now=utcnow()
    )
    if encrypted:
        xml = wechat.encrypt(channel.crypto, xml, nonce=secrets.token_hex(8), timestamp=str(int(time.time())))
    return Response(xml, media_type="application/xml; charset=utf-8")


def _not_recorded() -> Response:
    return PlainTextResponse(texts.NOT_RECORDED, status_code=503, headers={"Retry-After": "5"})


def _consume_error(task: asyncio.Future[Outcome]) -> None:
    if not task.cancelled() and isinstance(task.exception(), Abandoned):
        log.info("WeChat delivery given up by its request was rolled back")


def _process(
    factory: sessionmaker[Session],
    dialogue: Dialogue,
    incoming: IncomingMessage,
    key: str,
    budget: float,
    gate: Gate,
    signed: tuple[str, str] | None,
) -> Outcome:
    """Answer the delivery and record it with its reply in one transaction, committed only while its request waits;
    a delivery recorded before (WeChat's retry, maybe answered by another worker) gets that reply instead."""
    try:
        try:
            text = _answer_and_record(factory, dialogue, incoming, key, gate, signed)
        except Seen:
            with transaction(factory) as session:  # the retry's own signature pair, so it cannot sign another body
                if signed and not _nonce_ok(session, signed, key, incoming.received_at):
                    raise Replayed(key) from None
                _enter(session, gate, key)
            first = False
        else:
            first = True
    except BaseException:
        gate.settle(False)
        raise
    gate.settle(True)
    if not first:
        return Outcome(_wait_for_reply(factory, key, budget), first=False)
    return Outcome(text, first=True)


def _answer_and_record(
    factory: sessionmaker[Session],
    dialogue: Dialogue,
    incoming: IncomingMessage,
    key: str,
    gate: Gate,
    signed: tuple[str, str] | None,
) -> str | None:
    """One transaction: the dialogue's reads, then its writes, the delivery with its reply and the service window.

    The delivery row is written after the dialogue's reads (on SQLite the first write holds the database's lock
    until the commit); a retry, racing this one or after it, conflicts on it (INSERT … ON CONFLICT DO NOTHING finds
    the row) and is rolled back whole, answer included, then waits for the stored reply.
    """
    entered = False
    try:
        with transaction(factory) as session:  # no read of the delivery first: its insert below is the dedupe
            outcome, replies = dialogue.respond_in(session, incoming)
            text = wechat.reply_text(incoming, replies)
            _record(session, incoming, key, text, signed)
            entered = True
            _enter(session, gate, key)
    except (Seen, Replayed, Abandoned):
        raise
    except Exception:
        if entered:
            raise  # the commit itself failed: nothing is recorded, the request answers 503
        log.exception("dialogue failed for wechat:%s", incoming.user_id)
        outcome, text = "error", wechat.reply_text(incoming, [Reply(core_texts.INTERNAL_ERROR)])
        with transaction(factory) as session:  # the polite reply is recorded instead (or this fails too: 503)
            _record(session, incoming, key, text, signed)
            _enter(session, gate, key)
    dialogue.outcomes.add(outcome)
    return text


def _record(
    session: Session, incoming: IncomingMessage, key: str, text: str | None, signed: tuple[str, str] | None
) -> None:
    now = incoming.received_at
    kind = wechat.window_kind(incoming)
    if session.get_bind().dialect.name == "postgresql" and identity_key(WechatWindow, incoming.user_id) not in (
        session.identity_map
    ):
        _record_together(session, incoming, key, text, signed, kind)
        return
    if signed and not _nonce_ok(session, signed, key, now):
        raise Replayed(key)
    if not wechat.record(
        session, key=key, openid=incoming.user_id, msg_type=incoming.event or "text", reply=text, now=now
    ):
        raise Seen(key)
    open_window_upsert(session, openid=incoming.user_id, kind=kind, now=now)


def _record_together(
    session: Session, incoming: IncomingMessage, key: str, text: str | None, signed: tuple[str, str] | None, kind: str
) -> None:
    """`_record` on PostgreSQL in one statement (one round trip instead of three): the signature's pair, the delivery
    with its reply (ON CONFLICT DO NOTHING: the dedupe) and the service window's upsert as data-modifying WITH parts,
    selecting how many pairs and deliveries were new. A replayed pair or a delivery seen before raises as `_record`
    does, and the transaction rolls back whole."""
    now = incoming.received_at
    values = {"dedupe_key": key, "openid": incoming.user_id, "msg_type": incoming.event or "text", "received_at": now}
    values.update(status="done", reply_text=text, done_at=now)
    delivery = postgresql.insert(WechatInbound).values(**values).on_conflict_do_nothing()
    parts = [delivery.returning(WechatInbound.id).cte("delivery")]
    parts.append(window_upsert("postgresql", openid=incoming.user_id, kind=kind, now=now).cte("service_window"))
    pair = wechat.nonce_pair(*signed) if signed else None
    if pair is not None:
        nonce = postgresql.insert(WechatNonce).values(pair=pair, dedupe_key=key, seen_at=now).on_conflict_do_nothing()
        parts.append(nonce.returning(WechatNonce.pair).cte("nonce"))
    counted = (parts[0], parts[2]) if pair is not None else (parts[0],)  # the window's part returns nothing
    row = session.execute(
        select(*(select(func.count()).select_from(p).scalar_subquery() for p in counted)).add_cte(*parts)
    )
    recorded, paired = tuple(row.one()) + (1,) * (2 - len(counted))
    if pair is not None and not paired and not wechat.nonce_signed(session, pair, key):
        raise Replayed(key)
    if not recorded:
        raise Seen(key)


def _nonce_ok(session: Session, signed: tuple[str, str], key: str, now: dt.datetime) -> bool:
    return wechat.remember_nonce(session, timestamp=signed[0], nonce=signed[1], key=key, now=now)


def _enter(session: Session, gate: Gate, key: str) -> None:
    """Flush the rows, then commit only if the request still waits (else roll back: it answered 503)."""
    session.flush()
    if not gate.enter():
        raise Abandoned(key)


def _wait_for_reply(factory: sessionmaker[Session], key: str, budget: float) -> str | None:
    deadline = time.monotonic() + budget
    while True:
        with transaction(factory) as session:
            row = wechat.stored(session, key)
            if row is not None and row.status == "done":
                return row.reply_text
        if time.monotonic() >= deadline:
            return None  # still being answered elsewhere; that worker sends it
        time.sleep(DUPLICATE_POLL)


def _keep(channel: WechatChannel, task: asyncio.Task[None]) -> None:
    channel.pending.add(task)
    task.add_done_callback(channel.pending.discard)


async def _deliver_late(
    channel: WechatChannel, factory: sessionmaker[Session], openid: str, task: asyncio.Future[Outcome]
) -> None:
    """Send an answer that missed the passive-reply deadline through the customer-service API."""
    try:
        outcome = await task
    except Exception:
        log.exception("WeChat message from %s failed", openid)
        return
    if not outcome.first or outcome.text is None:
        return
    sender = channel.sender_for(factory)
    if not sender.configured:
        log.warning("WeChat answer to %s was late and no AppSecret is set: it could not be sent", openid)
        return
    await _send_pieces(sender, openid, wechat.split_text(outcome.text, channel.config.max_text_bytes), 0.0)


async def _send_pieces(sender: WechatSender, openid: str, pieces: list[str], delay: float) -> None:
    if delay:
        await asyncio.sleep(delay)
    for piece in pieces:
        result = await asyncio.to_thread(sender.send_custom, openid, piece, now=utcnow())
        if not result.ok:
            log.warning("WeChat customer-service send to %s failed: %s", openid, result.reason)
            return
