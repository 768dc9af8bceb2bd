"""Who sent a message and what their turn reads before answering, in one statement (one round trip per message).

The resident behind (channel, external_id), their last minute's chat counts (the per-resident rate limit), their
conversation state, their open 人工客服 conversation, the knowledge version (the check that keeps the in-process
knowledge snapshot current) and whether any survey response exists under the given respondent keys (computed from
the resident id this process saw last for the sender; trusted only if the row's resident is that one) all come back in
one indexed row; a sender seen for the first time gets no row.

The row is read as plain columns through the session's connection, inside the session's transaction: the ORM's
loading of three entities per row cost more than running the statement. The resident becomes an ORM object only
when a step needs one (`Turn.resident`: a hook that changes the profile); the state stays a plain `StateRow`; an
open conversation (rare) is made an object of the session at once, as if loaded, for the waiting line to update.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Dialect, Select, String, Table, and_, bindparam, exists, select
from sqlalchemy.orm import Mapper, Session, class_mapper, make_transient_to_detached
from sqlalchemy.orm.attributes import instance_state

from bot import ratelimit
from bot.db import Base
from bot.handover_models import OPEN, HandoverConversation
from bot.models import ChatClientMinute, ConversationState
from bot.prepared import run
from campaigns.models import ChannelIdentity, Resident
from knowledge.meta import VERSION_KEY
from knowledge.models import KbMeta
from surveys.models import SurveyResponse

M = TypeVar("M", bound=Base)


@dataclass(frozen=True)
class StateRow:
    """A resident's conversation state as read (what the bot waits for, and the items talked about)."""

    kind: str
    payload: dict[str, Any]
    updated_at: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True)
class ResidentRow:
    """A resident's columns as read; `Sender.resident` makes the ORM object from them when a step needs one."""

    values: tuple[Any, ...]  # in the order of RESIDENT_KEYS

    @property
    def id(self) -> int:
        """The resident's id."""
        return int(self.values[0])

    @property
    def area(self) -> str | None:
        """urban, rural or None."""
        return cast(str | None, self.values[_RESIDENT_AREA])

    @property
    def city(self) -> str | None:
        """The resident's city, if known."""
        return cast(str | None, self.values[_RESIDENT_CITY])

    @property
    def status(self) -> str:
        """active, stopped or unreachable."""
        return cast(str, self.values[_RESIDENT_STATUS])


@dataclass
class Sender:
    """A known resident and what their turn needs: the rate limit's verdict, state, open conversation, KB version."""

    row: ResidentRow
    verdict: ratelimit.Verdict | None
    state: StateRow | None
    handover: HandoverConversation | None
    knowledge_version: str
    survey_keys_absent: frozenset[str]  # respondent keys known to have no survey response (empty: unknown)
    client_counted: int = 0  # the web address's messages counted in the current minute (when `find` was given one)

    def resident(self, session: Session) -> Resident:
        """The resident as an object of `session` (made from the row read; the session's own if it has one)."""
        return persistent(session, Resident, RESIDENT_KEYS, self.row.values)


_RESIDENTS = cast(Table, Resident.__table__)
_STATES = cast(Table, ConversationState.__table__)
_HANDOVERS = cast(Table, HandoverConversation.__table__)
_IDENTITIES = cast(Table, ChannelIdentity.__table__)
_KB_VERSION = select(KbMeta.value).where(KbMeta.key == VERSION_KEY).scalar_subquery()
_CLIENT_COUNT = ratelimit.client_count(
    bindparam("client", type_=String()),
    bindparam("client_start", type_=ChatClientMinute.__table__.c.window_start.type),
)
SURVEY_KEY_SLOTS = 4  # respondent keys (one per current survey) the prepared statement takes; more use _SENDER


def _columns(table: Table, cls: type[Base]) -> tuple[list[Any], list[str]]:
    """The table's columns, its one primary key column first, and the mapped attribute each one loads into."""
    mapper = class_mapper(cls)
    (key,) = table.primary_key.columns
    columns = [key, *(column for column in table.c if column is not key)]
    return columns, [mapper.get_property_by_column(column).key for column in columns]


_RESIDENT_COLUMNS, RESIDENT_KEYS = _columns(_RESIDENTS, Resident)
_RESIDENT_AREA, _RESIDENT_CITY, _RESIDENT_STATUS = (RESIDENT_KEYS.index(k) for k in ("area", "city", "status"))
_HANDOVER_COLUMNS, _HANDOVER_KEYS = _columns(_HANDOVERS, HandoverConversation)
_STATE_COLUMNS = [_STATES.c.resident_id, _STATES.c.kind, _STATES.c.payload, _STATES.c.updated_at, _STATES.c.expires_at]


def _statement(survey_keys: Any) -> Select[Any]:
    """The sender's one statement, its survey EXISTS over `survey_keys` (bound parameters); the outer joins hit a
    primary key (conversation state) and a unique partial index (one open conversation per resident, its condition
    written inline so SQLite keeps the prepared statement), so they never multiply the row."""
    return (
        select(
            *_RESIDENT_COLUMNS,
            *_STATE_COLUMNS,
            *_HANDOVER_COLUMNS,
            ratelimit.since_count(None),
            ratelimit.since_count(ratelimit.LIMITED),
            _KB_VERSION,
            exists().where(SurveyResponse.respondent_key.in_(survey_keys)),
            _CLIENT_COUNT,
        )
        .select_from(
            _RESIDENTS.join(_IDENTITIES, _IDENTITIES.c.resident_id == _RESIDENTS.c.id)
            .outerjoin(_STATES, _STATES.c.resident_id == _RESIDENTS.c.id)
            .outerjoin(_HANDOVERS, and_(_HANDOVERS.c.resident_id == _RESIDENTS.c.id, _HANDOVERS.c.status == OPEN))
        )
        .where(_IDENTITIES.c.channel == bindparam("channel"), _IDENTITIES.c.external_id == bindparam("external_id"))
    )


_SENDER = _statement(bindparam("survey_keys", expanding=True))  # any number of keys, through SQLAlchemy Core
_SLOTS = [f"survey_key_{i}" for i in range(SURVEY_KEY_SLOTS)]
_SENDER_SLOTS = _statement([bindparam(name, type_=String()) for name in _SLOTS])  # the usual case, prepared


@dataclass(frozen=True)
class _Prepared:
    """_SENDER_SLOTS compiled once for one dialect: its SQL, its parameters in order (positional drivers), the fixed
    values SQLAlchemy binds itself, and the type processing of the one datetime parameter and of every column."""

    sql: str
    order: tuple[str, ...] | None
    fixed: dict[str, Any]
    times: tuple[tuple[str, Callable[[Any], Any]], ...]  # the datetime parameters' bind processing
    columns: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def of(cls, dialect: Dialect) -> _Prepared:
        """Compile the statement for `dialect`."""
        compiled = _SENDER_SLOTS.compile(dialect=dialect)
        ours = {"since", "channel", "external_id", "client", "client_start", *_SLOTS}
        fixed = {k: v for k, v in compiled.construct_params(dict.fromkeys(ours)).items() if k not in ours}
        processors = ((name, compiled.binds[name].type.bind_processor(dialect)) for name in ("since", "client_start"))
        times = tuple((name, p) for name, p in processors if p is not None)
        columns = tuple(
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in _SENDER_SLOTS.selected_columns
        )
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(compiled.string, order, fixed, times, columns)

    def params(self, values: dict[str, Any]) -> dict[str, Any] | tuple[Any, ...]:
        """The driver's parameters for one execution."""
        for name, process in self.times:
            if values[name] is not None:
                values[name] = process(values[name])
        values.update(self.fixed)
        return tuple(values[name] for name in self.order) if self.order is not None else values

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        """The driver's row with each column's type processing applied (as SQLAlchemy's result would)."""
        return tuple(
            value if p is None or value is None else p(value) for p, value in zip(self.columns, raw, strict=True)
        )


_PREPARED: dict[tuple[str, str], _Prepared] = {}  # (dialect, driver) -> its prepared statement


def _read(
    session: Session,
    channel: str,
    external_id: str,
    since: dt.datetime,
    keys: list[str],
    client: tuple[str, dt.datetime] | None = None,
) -> Any:
    """The sender's row, or None: with few survey keys the SQL prepared for the dialect runs on the driver through
    the session's connection (its events and transaction as usual, no per-execution compile or result set-up)."""
    connection = session.connection()
    params: dict[str, Any] = {"channel": channel, "external_id": external_id, "since": since}
    params["client"], params["client_start"] = client or (None, None)  # NULL: no address, no count
    if len(keys) > SURVEY_KEY_SLOTS:
        return connection.execute(_SENDER, {**params, "survey_keys": keys}).first()
    dialect = connection.dialect
    prepared = _PREPARED.get((dialect.name, dialect.driver))
    if prepared is None:
        prepared = _PREPARED.setdefault((dialect.name, dialect.driver), _Prepared.of(dialect))
    params.update(zip(_SLOTS, [*keys, *[None] * (SURVEY_KEY_SLOTS - len(keys))], strict=True))  # NULL never matches
    cursor = run(connection, prepared.sql, prepared.params(params))
    try:
        raw = cursor.fetchone()
    finally:
        cursor.close()
    return prepared.row(raw) if raw is not None else None


_STATE_AT = len(_RESIDENT_COLUMNS)
_HANDOVER_AT = _STATE_AT + len(_STATE_COLUMNS)
_REST_AT = _HANDOVER_AT + len(_HANDOVER_COLUMNS)
_STATE_BY_RESIDENT = select(*_STATE_COLUMNS[1:]).where(_STATES.c.resident_id == bindparam("rid"))


def persistent(session: Session, cls: type[M], keys: list[str], values: tuple[Any, ...]) -> M:
    """The session's object of class `cls` for one row's column values (`keys` their attributes, the primary key
    first), as if the ORM had loaded it: persistent, nothing to flush. An object already in the session wins."""
    mapper: Mapper[M] = class_mapper(cls)
    known = session.identity_map.get(mapper.identity_key_from_primary_key((values[0],)))
    if known is not None:
        return cast(M, known)
    obj = cast(M, mapper.class_manager.new_instance())
    instance_state(obj).dict.update(zip(keys, values, strict=True))
    make_transient_to_detached(obj)  # the values become its committed state, its key the primary key's
    session.add(obj)
    return obj


def state_of(session: Session, resident_id: int) -> StateRow | None:
    """The resident's conversation state, read on its own (a first contact: no sender row was read)."""
    row = session.connection().execute(_STATE_BY_RESIDENT, {"rid": resident_id}).first()
    return StateRow(*row) if row is not None else None


def find(
    session: Session,
    *,
    channel: str,
    external_id: str,
    now: dt.datetime,
    per_minute: int,
    survey_keys: tuple[int, list[str]] | None = None,
    client: str | None = None,
) -> Sender | None:
    """The known sender with the per-resident limit's verdict (None when `per_minute` is 0 or under it); None if new.
    With a web `client` address, `client_counted` is that address's count in the current minute (its limit's read).

    `survey_keys` is (resident id, that resident's respondent keys): when the sender turns out to be that resident and
    none of the keys has a response, `survey_keys_absent` holds them (the survey hook then needs no statement)."""
    resident_id, keys = survey_keys or (0, [])
    session.flush()  # what the ORM's execute would have flushed first (usually nothing)
    address = (client[:64], ratelimit.window_start(now)) if client is not None else None
    row = _read(session, channel, external_id, now - ratelimit.WINDOW, keys, address)
    if row is None:
        return None
    resident = ResidentRow(tuple(row[:_STATE_AT]))
    state = StateRow(*row[_STATE_AT + 1 : _HANDOVER_AT]) if row[_STATE_AT] is not None else None
    handover = (
        persistent(session, HandoverConversation, _HANDOVER_KEYS, tuple(row[_HANDOVER_AT:_REST_AT]))
        if row[_HANDOVER_AT] is not None
        else None
    )
    answered, noticed, version, any_response, client_counted = row[_REST_AT:]
    verdict = ratelimit.verdict(int(answered), int(noticed), per_minute) if per_minute > 0 else None
    absent = frozenset(keys) if keys and resident.id == resident_id and not any_response else frozenset()
    return Sender(resident, verdict, state, handover, version or "0", absent, int(client_counted or 0))
