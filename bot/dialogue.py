"""The channel-agnostic core: handle(IncomingMessage) -> list[Reply]; channel adapters only translate."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, update
from sqlalchemy.orm import Session, sessionmaker

from bot import handover, hooks, ratelimit, sender, texts
from bot.config import Settings
from bot.db import transaction
from bot.handover_models import HandoverConversation
from bot.models import ChatLog, ConversationState
from bot.prepared import Prepared, prepared
from bot.runtime import KnowledgeCache
from campaigns import residents
from campaigns.models import Resident
from knowledge import context, service
from knowledge import texts as knowledge_texts
from knowledge.answer import Answer, Choice
from knowledge.normalize import normalize
from surveys import chat as survey_chat

log = logging.getLogger(__name__)
PENDING_TTL = dt.timedelta(minutes=30)
CONTEXT_TTL = dt.timedelta(minutes=15)  # how long "那个袋子呢" still refers to the item asked about before
EARLIER_ITEMS = 3  # items named before the last one that a follow-up may still go back to
SURVEY_LOG_TEXT = "[survey turn]"
# questions back that name no item: the item talked about before stays the context
_KEEPS_CONTEXT = frozenset({context.NOT_OFFERED_SOURCE, context.WHICH_ITEM_SOURCE})
CHOICE_INTENT = "choice"  # chat_log intent of a reply to a clarifying question: not a question of its own
PHOTO_MEDIA = frozenset({"image", "photo", "sticker"})
# `respond`'s outcomes when a web address is over its limit (counted as "dropped" and "ratelimited")
CLIENT_DROPPED, CLIENT_NOTICE = "client_dropped", "client_ratelimited"
COUNTED = "counted"  # internal: the address's message is already counted, answer it
_STATES = cast(Table, ConversationState.__table__)
_LOG = cast(Table, ChatLog.__table__)
_STATE_COLUMNS = ("kind", "payload", "updated_at", "expires_at")
# explicit VALUES (a WITH part needs them), bound under names other than the columns' (SQLAlchemy reserves those)
_STATE_INSERT = insert(_STATES).values(
    {name: bindparam(f"new_{name}", type_=_STATES.c[name].type) for name in ("resident_id", *_STATE_COLUMNS)}
)
_STATE_UPDATE = (
    update(_STATES)
    .where(_STATES.c.resident_id == bindparam("rid"))
    .values({name: bindparam(name, type_=_STATES.c[name].type) for name in _STATE_COLUMNS})
)
_STATE_DELETE = delete(_STATES).where(_STATES.c.resident_id == bindparam("rid"))
_LOG_COLUMNS = ("resident_id", "channel", "text", "intent", "confidence", "created_at", "reply")
_LOG_INSERT = insert(_LOG).values({name: bindparam(f"log_{name}", type_=_LOG.c[name].type) for name in _LOG_COLUMNS})
RESIDENT_HINTS = 100_000  # senders whose resident id a process remembers (forgotten all at once when full)


class Writes:
    """The plain writes of one message (conversation state, chat log, `last_seen_at`), sent together at the end of
    its turn: on PostgreSQL as one statement, the first ones as data-modifying WITH parts of the last (one round trip
    instead of three); on SQLite one after the other, in the order given. Each touches another table or row, so the
    one snapshot PostgreSQL gives the parts of a statement changes nothing."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, dict[str, Any]]] = []

    def add(self, statement: Any, params: dict[str, Any]) -> None:
        """Queue one INSERT/UPDATE/DELETE with its parameters."""
        self.items.append((statement, params))

    def send(self, session: Session) -> None:
        """Execute what is queued on the session's connection (inside its transaction)."""
        items, self.items = self.items, []
        if not items:
            return
        connection = session.connection()
        merged: dict[str, Any] = {}
        together = connection.dialect.name == "postgresql" and len(items) > 1
        for _statement, params in items if together else ():
            for name, value in params.items():
                if name in merged and merged[name] != value:  # one name, two values: cannot share a statement
                    together = False
                merged[name] = value
        if together:
            _together(tuple(statement for statement, _params in items), merged).execute(connection, merged)
            return
        for statement, params in items:  # compiled once per dialect, run on the driver (bot/prepared.py)
            prepared(statement, frozenset(params)).execute(connection, params)


_TOGETHER: dict[tuple[Any, ...], Prepared] = {}  # the statements queued -> them as one statement (built once per kind)


def _together(statements: tuple[Any, ...], params: dict[str, Any]) -> Prepared:
    """The last statement with the others as data-modifying WITH parts (PostgreSQL), compiled once."""
    found = _TOGETHER.get(statements)
    if found is None:
        *first, last = statements
        together = last.add_cte(*(s.cte(f"w{i}") for i, s in enumerate(first)))
        found = _TOGETHER[statements] = Prepared(together, frozenset(params))
    return found


@dataclass
class IncomingMessage:
    """A message from any channel, reduced to what the core needs.

    `kind` is "text" for what the resident typed (or said: voice recognition) and "event" for everything else;
    events carry their name in `event` ("subscribe", "unsubscribe", "start", "click", "scan", "location",
    "unsupported") and details in `data` (e.g. {"scene": "cell_12"} for a QR code or deep link).
    """

    channel: str  # "web" | "console" | "wechat" | "telegram"
    user_id: str  # the sender's id on that channel
    text: str
    received_at: dt.datetime  # aware
    kind: str = "text"
    event: str | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class Turn:
    """One message being handled: what hooks get to look at (the session is open; do not commit)."""

    session: Session
    resident_id: int
    message: IncomingMessage
    text: str
    settings: Settings

    _resident: Resident | None = field(default=None, repr=False)  # the ORM object, made on first use when known
    _known: sender.Sender | None = field(default=None, repr=False)  # what the sender lookup read
    _made: bool = field(default=False, repr=False)  # the resident was made by this message (nothing of theirs yet)
    _state: sender.StateRow | None = field(default=None, init=False, repr=False)
    _state_read: bool = field(default=False, init=False, repr=False)
    _handover: HandoverConversation | None = field(default=None, init=False, repr=False)
    _handover_read: bool = field(default=False, init=False, repr=False)
    # respondent keys already known (in this transaction) to have no survey response: the survey hook skips its read
    survey_keys_absent: frozenset[str] = field(default=frozenset(), init=False, repr=False)
    writes: Writes = field(default_factory=Writes, init=False, repr=False)  # sent at the end of the turn

    def __post_init__(self) -> None:
        """State and open conversation already read with the resident (bot/sender.py), or none for a resident made by
        this message: no statement of their own."""
        if self._made:  # a new id: no state row or conversation can hold it yet (both cascade with a deleted resident)
            self._state_read = self._handover_read = True
        if self._known is not None:
            self._state, self._state_read = self._known.state, True
            self._handover, self._handover_read = self._known.handover, True
            self.survey_keys_absent = self._known.survey_keys_absent

    @property
    def now(self) -> dt.datetime:
        """When the message arrived."""
        return self.message.received_at

    @property
    def resident(self) -> Resident:
        """The resident as an object of the session, for steps that read or change more than the id (made once)."""
        if self._resident is None:
            if self._known is not None:
                self._resident = self._known.resident(self.session)
            elif self._made:  # inserted by this message: the object without a read
                self._resident = residents.made_resident(self.session, self.resident_id, now=self.now)
            else:  # a concurrent first contact's resident
                self._resident = self.session.get_one(Resident, self.resident_id)
        return self._resident

    def loaded_resident(self) -> Resident | None:
        """The resident's ORM object if a step made or changed one, else None (only the row was read)."""
        return self._resident

    def state(self) -> sender.StateRow | None:
        """The resident's conversation state as the message found it (read once: hooks and the core share it)."""
        if not self._state_read:
            self._state, self._state_read = sender.state_of(self.session, self.resident_id), True
        return self._state

    def open_handover(self) -> HandoverConversation | None:
        """The resident's open 人工客服 conversation as the message found it (read once)."""
        if not self._handover_read:
            self._handover, self._handover_read = handover.open_for(self.session, self.resident_id), True
        return self._handover

    def drop_state(self) -> None:
        """Delete the resident's conversation state (a hook that gives up a question it asked)."""
        if self.state() is not None:
            _delete_state(self.session, self.resident_id)
        self._state = None


@dataclass
class Reply:
    """One message back to the resident; `choices` become buttons where the channel has them."""

    text: str
    choices: list[Choice] = field(default_factory=list)
    answer: Answer | None = None


class Outcomes:
    """How the messages handled by this process ended (intent, "ratelimited", "dropped", "error"), for /metrics."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, outcome: str) -> None:
        """Count one message."""
        with self._lock:
            self._counts[outcome] += 1

    def snapshot(self) -> dict[str, int]:
        """The counts so far."""
        with self._lock:
            return dict(self._counts)


class Dialogue:
    """Turns resident messages into replies, keeping per-resident state in the database."""

    def __init__(self, factory: sessionmaker[Session], settings: Settings) -> None:
        self.factory = factory
        self.settings = settings
        self.knowledge = KnowledgeCache(factory)
        self.outcomes = Outcomes()
        # (channel, external_id) -> the resident id seen last: a hint for the survey keys, checked against the row read
        self._residents: dict[tuple[str, str], int] = {}

    def handle(self, message: IncomingMessage) -> list[Reply]:
        """Answer one message; never raises: a fault becomes a polite reply and a log entry."""
        return self.respond(message)[1]

    def respond(self, message: IncomingMessage, *, client: str | None = None) -> tuple[str, list[Reply]]:
        """`handle` with the outcome; a web `client` address is counted against its per-minute limit in the same
        transaction (one transaction per message): CLIENT_NOTICE and CLIENT_DROPPED are its notice and its refusal."""
        text = (message.text or "")[: self.settings.max_message_chars]
        try:
            with transaction(self.factory) as session:
                outcome, replies = self._turn(session, message, text, client=client)
        except Exception:
            log.exception("dialogue failed for %s:%s", message.channel, message.user_id)
            outcome, replies = "error", [Reply(texts.INTERNAL_ERROR)]
        self.outcomes.add({CLIENT_DROPPED: "dropped", CLIENT_NOTICE: "ratelimited"}.get(outcome, outcome))
        return outcome, replies

    def respond_in(self, session: Session, message: IncomingMessage) -> tuple[str, list[Reply]]:
        """`respond` inside the caller's transaction (a channel recording its delivery with the answer): a fault is
        raised for the caller to roll back, and the caller counts the outcome once it has committed."""
        text = (message.text or "")[: self.settings.max_message_chars]
        return self._turn(session, message, text)

    def _client_limit(
        self, session: Session, client: str, text: str, now: dt.datetime, counted: int | None
    ) -> tuple[str, list[Reply]]:
        """The per-address limit of the web chat, before a resident is made or answered; ("" or COUNTED, []) to go
        on: "" still to count with the turn's writes, COUNTED already counted. `counted` is the address's count read
        with the sender (None: a first contact, read here)."""
        per_client = self.settings.chat.client_rate_per_minute
        if counted is None:
            verdict = ratelimit.peek_client(session, client=client, now=now, per_minute=per_client)
        else:
            verdict = ratelimit.client_verdict(counted, per_client)
        if verdict is None:
            return "", []  # counted at the end of the transaction
        verdict = ratelimit.check_client(session, client=client, now=now, per_minute=per_client)  # counted now
        if verdict is None:  # the minute turned meanwhile: answer, and do not count it twice
            return COUNTED, []
        if verdict == "notice":
            session.add(
                ChatLog(channel="web", text=text[:500], intent=ratelimit.LIMITED, confidence=1.0, created_at=now)
            )
            return CLIENT_NOTICE, [Reply(texts.RATE_LIMITED)]
        return CLIENT_DROPPED, []

    def _turn(
        self, session: Session, message: IncomingMessage, text: str, *, client: str | None = None
    ) -> tuple[str, list[Reply]]:
        """The rate limits first (the per-address one for a web `client`; the per-resident one for typed text only:
        events such as unsubscribe always go through), then the answer."""
        now = message.received_at
        limit = self.settings.chat.rate_per_minute if message.kind == "text" else 0
        per_client = self.settings.chat.client_rate_per_minute if client is not None else 0
        # one statement finds a known resident, counts their last minute (and the address's) and reads their turn
        address = (message.channel, message.user_id)
        hint = self._residents.get(address)
        keys = (hint, survey_chat.respondent_keys(self.settings, hint, now)) if hint is not None else None
        known = sender.find(
            session,
            channel=message.channel,
            external_id=message.user_id,
            now=now,
            per_minute=limit,
            survey_keys=keys,
            client=client if per_client > 0 else None,
        )
        count: dict[str, Any] | None = None  # the address's message, counted with the turn's writes
        if client is not None and per_client > 0:
            counted = known.client_counted if known is not None else None
            outcome, replies = self._client_limit(session, client, text, now, counted)
            if outcome not in ("", COUNTED):
                return outcome, replies  # no resident made, nothing answered
            count = ratelimit.count_params(client, now) if outcome == "" else None
        resident: Resident | None = None  # the ORM object: only a reachable-again sender needs it here
        made = False  # a resident made by this message: no state or open conversation to read
        if known is None:  # the lookup just found no one: insert, no second read (a concurrent insert is handled)
            resident_id, made = residents.first_contact_id(
                session, channel=message.channel, external_id=message.user_id, now=now
            )
        else:
            resident_id = known.row.id
            if known.row.status == "unreachable":
                resident = known.resident(session)
                residents.seen(session, resident, now=now)  # before the hooks: they see a reachable resident
        turn = Turn(session, resident_id, message, text, self.settings, resident, known, made)
        outcome, replies = self._answer(turn)
        if len(self._residents) >= RESIDENT_HINTS:
            self._residents.clear()
        self._residents[address] = turn.resident_id
        if known is not None:
            # written last: on SQLite the first write takes the database's write lock until the commit
            loaded = turn.loaded_resident()
            if loaded is not None:
                residents.seen(session, loaded, now=now)
            else:
                turn.writes.add(residents.SEEN_ID, {"rid": turn.resident_id, "at": now})
        if count is not None:  # last: on SQLite the first write takes the write lock until the commit
            turn.writes.add(ratelimit.COUNTS[session.get_bind().dialect.name], count)
        turn.writes.send(session)
        return outcome, replies

    def _answer(self, turn: Turn) -> tuple[str, list[Reply]]:
        """The rate limit's verdict applied (typed text only), then the answer."""
        message, known = turn.message, turn._known
        verdict = known.verdict if known is not None else None
        if message.kind == "text":
            if verdict == "notice":
                ratelimit.record_notice(
                    turn.session, resident_id=turn.resident_id, channel=message.channel, text=turn.text, now=turn.now
                )
                return "ratelimited", [Reply(texts.RATE_LIMITED)]
            if verdict == "drop":
                return "dropped", []
        reply = self._handle(turn)
        return (reply.answer.intent if reply.answer is not None else "other"), [reply]

    def _handle(self, turn: Turn) -> Reply:
        session, message, text, now, known = turn.session, turn.message, turn.text, turn.now, turn._known
        kb = self.knowledge.get(session, version=known.knowledge_version if known is not None else None)
        # the row, unless the object exists; a first contact's object is made without a read
        profile = turn.loaded_resident() or (known.row if known is not None else turn.resident)
        area = profile.area or self.settings.default_area
        city = profile.city or self.settings.default_city
        rid = turn.resident_id
        for hook in hooks.before_knowledge():
            hooked = hook(turn)
            if hooked is not None:
                # survey answers live only in the survey tables (which may be anonymous), never in the chat log
                logged = SURVEY_LOG_TEXT if hooked.source == "survey" else text
                self._record(turn.writes, session, rid, message, logged, hooked, now)
                return Reply(hooked.text, hooked.choices, hooked)
        if message.kind != "text":
            if message.event == "unsupported" and message.data.get("media") in PHOTO_MEDIA:
                photo = Answer("smalltalk", knowledge_texts.PHOTO, 1.0, "event:photo")
                self._record(turn.writes, session, rid, message, text, photo, now)
                return Reply(photo.text, [], photo)
            unsupported = Answer("smalltalk", texts.UNSUPPORTED_EVENT, 1.0, f"event:{message.event}")
            self._record(turn.writes, session, rid, message, text, unsupported, now)
            return Reply(unsupported.text, [], unsupported)
        row = turn.state()  # hooks that let the message pass leave the state as it was
        expired = row is not None and row.expires_at <= now and row.kind != "context"  # a question timed out
        state = row if row is not None and row.expires_at > now else None  # an expired row is replaced or deleted
        payload = dict(state.payload) if state is not None else {}
        answer: Answer | None = None
        choice = False  # a reply to the clarifying question: logged apart from questions
        alone: dict[str, Answer] = {}  # the message answered on its own while reading it as a follow-up
        if state is not None and state.kind == "kind":
            meant = context.corrected(normalize(text))  # "不是干电池 是充电的": the kind meant, not the one denied
            answer = kb.resolve(payload, meant, area=area, reply=True) or context.reask(kb, payload, text)
            choice = answer is not None
        if answer is None and isinstance(payload.get("last"), dict):
            earlier = [str(q) for q in payload.get("earlier") or ()]
            answer = context.follow_up(kb, payload["last"], text, area=area, city=city, earlier=earlier, alone=alone)
        if answer is None:
            answer = context.answer_alone(kb, text, alone, area=area, city=city)  # not twice after a follow-up reading
            # "湿了" with no item talked about (or after the time limit): which thing, not the generic reply
            answer = context.state_without_item(text, answer) or answer
            if answer.intent == "unknown" and context.is_choice_reply(text):
                # "2" with no numbered question open: not a question for the staff queue
                answer = context.choice_not_offered(payload.get("last"), expired=expired)
                choice = True
        answer = handover.after_answer(turn, answer)  # 人工客服: "a person will reply", or open one after two unknowns
        # "谢谢" between two turns keeps the context, and so does a number sent after a plain answer
        keep = (answer.intent == "smalltalk" and not choice) or answer.source in _KEEPS_CONTEXT
        if not keep:
            self._keep_context(turn.writes, rid, answer, now, row, text)
        elif row is not None and state is None:
            turn.writes.add(_STATE_DELETE, {"rid": rid})
        if answer.extra.get("command") == "set_area":
            residents.set_area(session, turn.resident, str(answer.extra["area"]))
        logged = str(answer.extra.get("follow_up") or text)  # "那个袋子呢" is logged as the question it asked
        self._record(turn.writes, session, rid, message, logged, answer, now, intent=CHOICE_INTENT if choice else None)
        return Reply(answer.text, answer.choices, answer)

    @staticmethod
    def _keep_context(
        writes: Writes, resident_id: int, answer: Answer, now: dt.datetime, row: sender.StateRow | None, text: str
    ) -> None:
        """A pending question (30 minutes) or the item just answered (15 minutes) replaces the resident's state row
        `row` (expired or not), for the next message; plain statements, not the ORM's unit of work."""
        last = context.remember(answer, text)
        if answer.pending is not None:
            payload, kind, ttl = dict(answer.pending), str(answer.pending.get("type", "kind")), PENDING_TTL
        elif last is not None:
            payload, kind, ttl = {}, "context", CONTEXT_TTL
        else:
            if row is not None:
                writes.add(_STATE_DELETE, {"rid": resident_id})
            return
        if last is not None:
            payload["last"] = last
            payload["earlier"] = _earlier(row, last, now)
        values = {"kind": kind, "payload": payload, "updated_at": now, "expires_at": now + ttl}
        if row is not None:  # one UPDATE instead of a DELETE and an INSERT
            writes.add(_STATE_UPDATE, {"rid": resident_id, **values})
        else:
            writes.add(_STATE_INSERT, {f"new_{k}": v for k, v in {"resident_id": resident_id, **values}.items()})

    @staticmethod
    def _record(
        writes: Writes,
        session: Session,
        resident_id: int,
        message: IncomingMessage,
        text: str,
        answer: Answer,
        now: dt.datetime,
        *,
        intent: str | None = None,
    ) -> None:
        log_row = {
            "resident_id": resident_id,
            "channel": message.channel,
            "text": text[:500],
            "intent": intent or answer.intent,
            "confidence": answer.confidence,
            "created_at": now,
            "reply": None if answer.source == "survey" else answer.text[:500],  # staff read it in the 人工客服 inbox
        }
        # a plain INSERT, sent with the turn's other writes: nothing reads the row back in this transaction
        writes.add(_LOG_INSERT, {f"log_{k}": v for k, v in log_row.items()})
        if intent != CHOICE_INTENT or answer.extra.get("unknown"):
            record_if_unanswered(session, text, answer, now)  # a choice reply counts only for the item it leaves open


def _delete_state(session: Session, resident_id: int) -> None:
    """Delete the resident's state row now (a new one may be inserted for the same resident after it)."""
    session.connection().execute(_STATE_DELETE, {"rid": resident_id})


def _earlier(row: sender.StateRow | None, last: dict[str, Any], now: dt.datetime) -> list[str]:
    """The items talked about before `last`, the latest first (a few): "那箱子呢" may go back past the last one."""
    if row is None or row.expires_at <= now or not isinstance(row.payload, dict):
        return []  # an expired conversation remembers nothing
    before = row.payload.get("last")
    named = [str(before.get("query") or "")] if isinstance(before, dict) else []
    named += [str(q) for q in row.payload.get("earlier") or ()]
    return [q for q in dict.fromkeys(named) if q and q != last.get("query")][:EARLIER_ITEMS]


def record_if_unanswered(session: Session, text: str, answer: Answer, now: dt.datetime) -> None:
    """Put a question the bot could not answer into the staff queue."""
    unknown = answer.extra.get("unknown")
    if context.is_choice_reply(text) and not unknown:
        return  # "2", "第一个", "都不是" are replies, not questions
    if answer.intent == "unknown" or unknown:
        key = "，".join(unknown) if unknown else normalize(text)
        if key:
            service.record_unanswered(session, text=key, example=text, intent=answer.intent, now=now)
