"""One resident across channels: one-time binding codes, merging two residents into one, splitting an identity off.

A resident says 绑定 on one channel and gets a 6-digit code (10 minutes, single use, only an HMAC stored); sent from
another channel ("绑定 123456"), the two residents become one. Wrong codes are counted per sender and globally
(`BindFailure`), so guessing someone's open code is capped however many identities the guesser makes.

Merging keeps the older resident and moves everything of the other onto it: identities, chat log, events, cells,
the ledger (one row per run: a sent row wins), survey responses (one per survey wave: the earlier completed one is
kept, the other deleted and reported), survey links and codes. Consent: 退订 on either side wins; otherwise a 订阅
on either side carries over. Splitting moves one identity to a new resident with a copy of the profile and consent;
history stays with the merged resident (it cannot be told apart afterwards).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db import Base
from campaigns import binding_texts as texts
from campaigns.models import BindCode, BindFailure, CellMember, ChannelIdentity, Delivery, Resident
from campaigns.residents import record_event
from surveys.keys import respondent_key
from surveys.models import COMPLETED, SurveyResponse

log = logging.getLogger(__name__)
CODE_DIGITS = 6
CODE_TTL = dt.timedelta(minutes=10)
CODES_PER_HOUR = 5  # codes one resident may ask for in an hour
FAILURE_WINDOW = dt.timedelta(minutes=10)
FAILURES_PER_SENDER = 5  # wrong codes one resident (or staff account) may send per window
FAILURES_GLOBAL = 30  # wrong codes from everyone per window: caps guessing across many made-up identities
# tables whose rows about a resident need more than "point resident_id at the kept one"
SPECIAL = frozenset(
    {"channel_identities", "cell_members", "deliveries", "survey_responses", "bind_codes", "conversation_states"}
)

# steps the application adds (called as hook(session, keep_id=…, drop_id=…, now=…) before anything moves), e.g.
# bot.handover closes the dropped resident's open 人工客服 conversation when both have one
BEFORE_MERGE: list[Callable[..., Any]] = []


class BindRefused(Exception):
    """A code that cannot be used now; the message is the Chinese reply."""


@dataclass
class MergeResult:
    """What a merge did: the resident kept, the one removed, and survey responses dropped as duplicates."""

    kept: int
    removed: int
    dropped_responses: list[str] = field(default_factory=list)  # "survey/wave"


def _hash(salt: str, code: str) -> str:
    return hmac.new(salt.encode(), f"bind\x1f{code}".encode(), hashlib.sha256).hexdigest()


def normalise_code(text: str) -> str:
    """A code as typed (full-width digits, spaces) in plain ASCII digits."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def issue_code(
    session: Session, resident: Resident, *, channel: str, external_id: str, salt: str, now: dt.datetime
) -> str:
    """A fresh code for this resident and identity (the previous open one is closed); BindRefused when asked too often."""
    recent = session.scalar(
        select(func.count())
        .select_from(BindCode)
        .where(BindCode.resident_id == resident.id, BindCode.created_at > now - dt.timedelta(hours=1))
    )
    if int(recent or 0) >= CODES_PER_HOUR:
        raise BindRefused(texts.TOO_MANY_CODES)
    session.execute(
        update(BindCode)
        .where(BindCode.resident_id == resident.id, BindCode.used_at.is_(None), BindCode.expires_at > now)
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )
    for _ in range(20):
        code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
        digest = _hash(salt, code)
        if _open(session, digest, now) is None:
            session.add(
                BindCode(
                    code_hash=digest, resident_id=resident.id, channel=channel, external_id=external_id[:128],
                    created_at=now, expires_at=now + CODE_TTL,
                )
            )  # fmt: skip
            session.flush()
            return code
    raise RuntimeError("no free binding code")  # a million codes open at once: not a real situation


def _open(session: Session, digest: str, now: dt.datetime) -> BindCode | None:
    return (
        session.execute(
            select(BindCode)
            .where(BindCode.code_hash == digest, BindCode.used_at.is_(None), BindCode.expires_at > now)
            .with_for_update()
        )
        .scalars()
        .first()
    )


def has_open_code(session: Session, resident_id: int, *, now: dt.datetime) -> bool:
    """True while the resident's last code is still open (a bare 6-digit message is then read as a code)."""
    found = session.scalar(
        select(func.count())
        .select_from(BindCode)
        .where(BindCode.resident_id == resident_id, BindCode.used_at.is_(None), BindCode.expires_at > now)
    )
    return bool(found)


def use_code(session: Session, code: str, *, who: str, salt: str, now: dt.datetime) -> BindCode:
    """The open code row for `code`, now used; BindRefused (and the failure counted) when wrong or over a limit."""
    window = now - FAILURE_WINDOW
    mine = session.scalar(
        select(func.count()).select_from(BindFailure).where(BindFailure.who == who, BindFailure.at > window)
    )
    if int(mine or 0) >= FAILURES_PER_SENDER:
        raise BindRefused(texts.TOO_MANY_FAILURES)
    everyone = session.scalar(select(func.count()).select_from(BindFailure).where(BindFailure.at > window))
    if int(everyone or 0) >= FAILURES_GLOBAL:
        raise BindRefused(texts.BUSY)
    digits = normalise_code(code)
    found = _open(session, _hash(salt, digits), now) if len(digits) == CODE_DIGITS else None
    if found is None:
        session.execute(delete(BindFailure).where(BindFailure.at < now - dt.timedelta(days=1)))
        session.add(BindFailure(who=who[:64], at=now))
        raise BindRefused(texts.WRONG_CODE)
    found.used_at = now
    return found


def merge(session: Session, keep: Resident, drop: Resident, *, salt: str, now: dt.datetime) -> MergeResult:
    """Make `drop` part of `keep` (see the module docstring) and delete `drop`."""
    if keep.id == drop.id:
        raise ValueError("cannot merge a resident with itself")
    result = MergeResult(kept=keep.id, removed=drop.id)
    session.flush()
    for hook in BEFORE_MERGE:
        hook(session, keep_id=keep.id, drop_id=drop.id, now=now)
    _merge_consent(keep, drop, now)
    for name in ("area", "city", "township", "community", "age_band"):
        if getattr(keep, name) is None:
            setattr(keep, name, getattr(drop, name))
    keep.created_at = min(keep.created_at, drop.created_at)
    keep.last_seen_at = max(keep.last_seen_at, drop.last_seen_at)
    _move(session, ChannelIdentity, keep.id, drop.id)
    cells = set(session.scalars(select(CellMember.cell_id).where(CellMember.resident_id == keep.id)))
    for member in session.scalars(select(CellMember).where(CellMember.resident_id == drop.id)).all():
        if member.cell_id in cells:
            session.delete(member)
        else:
            member.resident_id = keep.id
    _merge_deliveries(session, keep.id, drop.id)
    result.dropped_responses = _merge_responses(session, keep.id, drop.id, salt=salt)
    session.execute(delete(BindCode).where(BindCode.resident_id == drop.id))
    for table in Base.metadata.sorted_tables:  # everything else that points at a resident (chat log, links …)
        if table.name in SPECIAL:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "residents" for fk in column.foreign_keys):
                try:
                    with session.begin_nested():
                        session.execute(update(table).where(column == drop.id).values({column.name: keep.id}))
                except IntegrityError:
                    log.warning("merge: %s.%s rows of resident %s left to the delete", table.name, column.name, drop.id)
    record_event(session, keep, "merge", now=now, ref=str(drop.id))
    session.flush()
    session.execute(delete(Resident).where(Resident.id == drop.id))
    session.expire(keep)
    return result


def _move(session: Session, model: type[ChannelIdentity], keep: int, drop: int) -> None:
    session.execute(
        update(model)
        .where(model.resident_id == drop)
        .values(resident_id=keep)
        .execution_options(synchronize_session=False)
    )


def _unsubscribed(r: Resident) -> bool:
    return r.status == "stopped" or (r.consent_at is not None and not r.push_consent)


def _merge_consent(keep: Resident, drop: Resident, now: dt.datetime) -> None:
    """退订 on either side wins; otherwise 订阅 on either side carries; reachable if either side is."""
    if _unsubscribed(keep) or _unsubscribed(drop):
        stopper = keep if _unsubscribed(keep) else drop
        keep.push_consent = False
        keep.consent_at = max(t for t in (keep.consent_at, drop.consent_at, stopper.status_at, now) if t is not None)
        if keep.status != "stopped":
            keep.status, keep.status_reason, keep.status_at = "stopped", drop.status_reason or "merged", now
        return
    if drop.push_consent and not keep.push_consent:
        keep.push_consent, keep.consent_at = True, drop.consent_at
    if keep.status == "unreachable" and drop.status == "active":
        keep.status, keep.status_reason, keep.status_at = "active", "merged", now


def _merge_deliveries(session: Session, keep: int, drop: int) -> None:
    """One ledger row per run: where both have one, a sent row is kept (else the kept resident's)."""
    mine = {d.run_id: d for d in session.scalars(select(Delivery).where(Delivery.resident_id == keep))}
    for row in session.scalars(select(Delivery).where(Delivery.resident_id == drop)).all():
        other = mine.get(row.run_id)
        if other is None:
            row.resident_id = keep
        elif row.state == "sent" and other.state != "sent":
            session.delete(other)
            session.flush()
            row.resident_id = keep
        else:
            session.delete(row)
    session.flush()


def _merge_responses(session: Session, keep: int, drop: int, *, salt: str) -> list[str]:
    """One response per survey wave: move the dropped resident's responses, or drop the later of two."""
    dropped: list[str] = []
    for survey_id in session.scalars(select(SurveyResponse.survey_id).distinct()).all():
        key_keep = respondent_key(salt, survey_id, f"resident:{keep}")
        key_drop = respondent_key(salt, survey_id, f"resident:{drop}")
        theirs = session.scalars(
            select(SurveyResponse).where(
                SurveyResponse.survey_id == survey_id, SurveyResponse.respondent_key == key_drop
            )
        ).all()
        for response in theirs:
            ours = session.scalars(
                select(SurveyResponse).where(
                    SurveyResponse.survey_id == survey_id,
                    SurveyResponse.wave == response.wave,
                    SurveyResponse.respondent_key == key_keep,
                )
            ).first()
            if ours is not None:
                loser = response if _order(ours) <= _order(response) else ours
                winner = ours if loser is response else response
                session.delete(loser)
                session.flush()
                dropped.append(f"{survey_id}/{response.wave}")
                if winner is ours:
                    continue
            response.respondent_key = key_keep
            if response.resident_id is not None:
                response.resident_id = keep
    session.flush()
    return dropped


def _order(r: SurveyResponse) -> tuple[int, dt.datetime]:
    """Completed first, then earlier."""
    return (0 if r.status == COMPLETED else 1, r.completed_at or r.started_at)


def split(session: Session, identity: ChannelIdentity, *, now: dt.datetime) -> Resident:
    """Move one identity of a resident with several to a new resident (profile and consent copied)."""
    old = identity.resident
    count = session.scalar(select(func.count()).where(ChannelIdentity.resident_id == old.id))
    if int(count or 0) < 2:
        raise ValueError("这个居民只有这一个渠道账号，无需拆分")
    new = Resident(
        area=old.area, city=old.city, township=old.township, community=old.community, age_band=old.age_band,
        status=old.status, status_reason=old.status_reason, status_at=old.status_at,
        push_consent=old.push_consent, consent_at=old.consent_at, created_at=now, last_seen_at=old.last_seen_at,
    )  # fmt: skip
    session.add(new)
    session.flush()
    identity.resident_id = new.id
    record_event(session, old, "split", now=now, ref=str(new.id))
    record_event(session, new, "split", now=now, ref=str(old.id))
    session.flush()
    return new
