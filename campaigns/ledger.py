"""The per-recipient ledger: claiming rows to send, recording outcomes, recovering after crashes, statistics.

States: pending → sending → sent | failed | skipped (with a reason). A claim marks a small batch `sending`
with a token and a short lease and commits; the claiming process renews the lease while it sends (`renew`, its
heartbeat), so a killed process's rows are handed back within seconds (`recover_stale`, run by every sender);
each outcome is written with a check that the token is still ours.
PostgreSQL claims with FOR UPDATE SKIP LOCKED, so several processes take disjoint batches; SQLite
serialises writers, and the claim is a single UPDATE, so it is safe there too.
Senders that store the message in our own transaction (the web outbox) skip `sending`: `claim_sent` moves a batch
from pending to sent, and the caller stores the messages before the one commit (`unsend` for a refused message).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnClause,
    Connection,
    bindparam,
    case,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
    update,
)
from sqlalchemy.orm import Session

from campaigns import texts
from campaigns.models import Campaign, CampaignRun, Delivery, Resident
from campaigns.schedule import LOCAL

FINAL = ("sent", "failed", "skipped")
# states as SQL literals where a partial index's WHERE must be proven: after five executions PostgreSQL's generic plan
# cannot prove `state = 'pending'` (ix_deliveries_pending) or `state = 'sending'` (ix_deliveries_sending) for a parameter
PENDING: ColumnClause[str] = literal_column("'pending'")
SENDING: ColumnClause[str] = literal_column("'sending'")


@dataclass(slots=True)
class Claimed:
    """One claimed ledger row with what is needed to render and send it; treat as read-only (`links` is filled in
    by `campaigns.links.ensure`). Not frozen: a frozen dataclass's __init__ cost 7x as much, paid per recipient."""

    id: int
    campaign_id: int
    resident_id: int
    channel: str
    external_id: str
    attempts: int
    token: str
    text: str
    link: str | None
    variants: dict[str, Any]
    profile: dict[str, str | None]
    links: dict[str, str] = field(default_factory=dict)  # URL → tracked-link token (campaigns.links.ensure)


def claim(
    session: Session,
    *,
    worker: str,
    now: dt.datetime,
    limit: int,
    lease: dt.timedelta,
    channels: Collection[str],
) -> list[Claimed]:
    """Mark up to `limit` due rows of running campaigns as `sending` for this worker and return them."""
    token = str(uuid.uuid4())
    pick = _pick(session, now=now, limit=limit, channels=channels)
    if pick is None:
        return []
    ids = list(session.execute(pick).scalars())
    if not ids:
        return []
    session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.id.in_(ids), Delivery.state == "pending")
        .values(
            state="sending",
            claim_token=token,
            claimed_by=worker[:64],
            claimed_until=now + lease,
            attempts=Delivery.attempts + 1,
            updated_at=now,
        )
    )
    return _claimed(session.execute(_details(Delivery.__table__).where(Delivery.claim_token == token)).all(), token)


def _pick(session: Session, *, now: dt.datetime, limit: int, channels: Collection[str]) -> Any:
    """The SELECT of the next `limit` due rows' ids (locked, skipping locked ones, on PostgreSQL); None: none running."""
    # running campaigns first (a handful): with their ids as a list, PostgreSQL walks ix_deliveries_pending in
    # (campaign, id) order and stops at `limit`, where a join made it collect and sort every pending row (80 ms at 70k)
    if not channels:
        return None
    running = list(session.execute(select(Campaign.id).where(Campaign.state == "running")).scalars())
    if not running:
        return None
    pick = (
        select(Delivery.id)
        # a literal, not a parameter: after five executions PostgreSQL's generic plan cannot prove the partial index's
        # WHERE state = 'pending' for a parameter, and read every pending row of the campaign (119 ms per batch at 1M)
        .where(Delivery.state == PENDING, Delivery.next_attempt_at <= now)
        .where(Delivery.campaign_id.in_(running))
        .where(Delivery.channel.in_(list(channels)))
        .where(or_(Delivery.expires_at.is_(None), Delivery.expires_at >= now))
        .order_by(Delivery.campaign_id, Delivery.id)  # the index order: older campaigns first, then materialised order
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True)
    return pick


def _details(rows: Any) -> Any:
    """What rendering needs of ledger rows `rows` (the table or a CTE with its columns): campaign text, profile.

    The campaign's text, link and variants come only on its first row (in id order, the order of the result): the
    others carry NULL, so a batch decodes one campaign's variants JSON once instead of once per recipient."""
    first = func.row_number().over(partition_by=rows.c.campaign_id, order_by=rows.c.id) == 1
    return (
        select(
            rows.c.id,
            rows.c.campaign_id,
            rows.c.resident_id,
            rows.c.channel,
            rows.c.external_id,
            rows.c.attempts,
            case((first, Campaign.text)),
            case((first, Campaign.link)),
            type_coerce(case((first, Campaign.variants)), Campaign.variants.type),
            Resident.township,
            Resident.city,
            Resident.community,
        )
        .join(Campaign, Campaign.id == rows.c.campaign_id)
        .join(Resident, Resident.id == rows.c.resident_id)
        .order_by(rows.c.id)
    )


def _claimed(rows: Any, token: str) -> list[Claimed]:
    """`_details` rows as Claimed, unpacked by position; a campaign's text, link and variants (on its first row) are
    shared by its rows (read only)."""
    campaigns: dict[int, tuple[str, str | None, dict[str, Any]]] = {}
    out: list[Claimed] = []
    for (
        row_id,
        campaign_id,
        resident_id,
        channel,
        external_id,
        attempts,
        text,
        link,
        raw,
        township,
        city,
        community,
    ) in rows:
        campaign = campaigns.get(campaign_id)
        if campaign is None:
            campaign = campaigns[campaign_id] = (text, link, dict(raw or {}))
        profile = {"township": township, "city": city, "community": community, "delivery_id": str(row_id)}
        out.append(
            Claimed(
                row_id, campaign_id, resident_id, channel or "", external_id or "", attempts, token, campaign[0],
                campaign[1], campaign[2], profile,
            )
        )  # fmt: skip
    return out


def claim_sent(
    session: Session, *, worker: str, now: dt.datetime, limit: int, channels: Collection[str]
) -> list[Claimed]:
    """For senders that store the message in this same transaction (the web outbox): move up to `limit` due rows
    straight from pending to sent and return them; there is no `sending` state to lease, since the message and the
    mark commit together or not at all. Rows whose message is then refused go back through `unsend`."""
    token = str(uuid.uuid4())
    pick = _pick(session, now=now, limit=limit, channels=channels)
    if pick is None:
        return []
    values = {
        "state": "sent",
        "sent_at": now,
        "claimed_by": worker[:64],
        "claim_token": None,
        "attempts": Delivery.attempts + 1,
        "updated_at": now,
    }
    if session.get_bind().dialect.name == "postgresql":
        # one statement: pick (FOR UPDATE SKIP LOCKED), mark sent, and read what rendering needs
        picked = pick.cte("picked")
        done = (
            update(Delivery)
            .where(Delivery.id == picked.c.id)
            .values(**values)
            .returning(*(getattr(Delivery, c) for c in _DETAIL_COLUMNS))
            .cte("done")
        )
        return _claimed(session.execute(_details(done)).all(), token)
    # SQLite serialises writers: the UPDATE with the pick as a subquery is atomic; its rows are then read by id
    ids = list(
        session.execute(
            update(Delivery)
            .execution_options(**NO_SYNC)
            .where(Delivery.id.in_(pick.scalar_subquery()))
            .values(**values)
            .returning(Delivery.id)
        ).scalars()
    )
    if not ids:
        return []
    return _claimed(session.execute(_details(Delivery.__table__).where(Delivery.id.in_(ids))).all(), token)


_DETAIL_COLUMNS = ("id", "campaign_id", "resident_id", "channel", "external_id", "attempts")


def unsend(session: Session, rows: Collection[Claimed], *, now: dt.datetime) -> int:
    """Rows of `claim_sent` whose message was refused: back to `sending` under their claim token (same transaction),
    so `mark_retry`, `mark_skipped` or `mark_failed` record the outcome as for any claimed row."""
    if not rows:
        return 0
    first = next(iter(rows))
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.id.in_([r.id for r in rows]), Delivery.state == "sent")
        .values(state="sending", sent_at=None, claim_token=first.token, claimed_until=now, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


NO_SYNC = {"synchronize_session": False}


def _mine(row: Claimed) -> Any:
    return (Delivery.id == row.id) & (Delivery.claim_token == row.token) & (Delivery.state == "sending")


def mark_sent(session: Session, row: Claimed, *, now: dt.datetime, provider_id: str | None = None) -> bool:
    """The platform accepted the message; False when the claim was lost (another worker took the row over)."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(_mine(row))
        .values(state="sent", sent_at=now, provider_id=provider_id, claim_token=None, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def _sent_statements() -> tuple[Any, Any, Any]:
    """Built once with bound parameters: constructing SQLAlchemy statements per message cost more than running them."""
    mark = (
        update(Delivery)
        .where(Delivery.id == bindparam("d_id"), Delivery.claim_token == bindparam("d_token"))
        .where(Delivery.state == "sending")
        .values(
            state="sent", sent_at=bindparam("d_now"), provider_id=bindparam("d_provider"), claim_token=None,
            updated_at=bindparam("d_now"),
        )
    )  # fmt: skip
    reset = (
        update(Campaign)
        .where(Campaign.id == bindparam("c_id"), Campaign.consecutive_failures != 0)
        .values(consecutive_failures=0)
    )
    marked = mark.returning(Delivery.campaign_id).cte("marked")
    cleared = (
        update(Campaign)
        .where(Campaign.id.in_(select(marked.c.campaign_id)), Campaign.consecutive_failures != 0)
        .values(consecutive_failures=0)
        .returning(Campaign.id)
        .cte("cleared")
    )
    return mark, reset, select(func.count()).select_from(marked).add_cte(cleared)


_MARK_SENT, _RESET_FAILURES, _MARK_SENT_AND_RESET = _sent_statements()


def mark_sent_now(conn: Connection, row: Claimed, *, now: dt.datetime, provider_id: str | None = None) -> bool:
    """Sent, on an AUTOCOMMIT connection (durable on return), clearing the campaign's failure run; one statement on
    PostgreSQL. False when the claim was lost."""
    params = {"d_id": row.id, "d_token": row.token, "d_now": now, "d_provider": provider_id, "c_id": row.campaign_id}
    if conn.dialect.name == "postgresql":
        return bool(conn.execute(_MARK_SENT_AND_RESET, params).scalar_one())
    # SQLite: no UPDATE inside WITH, and no network round trip to save
    ours = bool(conn.execute(_MARK_SENT, params).rowcount)
    if ours:
        conn.execute(_RESET_FAILURES, params)
    return ours


def mark_sent_many(session: Session, batch: list[Claimed], *, now: dt.datetime) -> int:
    """Mark many rows of one claim sent in one statement; returns how many were still ours."""
    if not batch:
        return 0
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.id.in_([r.id for r in batch]), Delivery.claim_token == batch[0].token)
        .where(Delivery.state == "sending")
        .values(state="sent", sent_at=now, claim_token=None, updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def mark_unconfirmed(session: Session, row: Claimed, *, now: dt.datetime, error: str) -> bool:
    """The platform got the request but its answer never came: counted `sent` (reason "unconfirmed"), never retried,
    as a retry could push the message twice; False when the claim was lost."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(_mine(row))
        .values(
            state="sent", reason="unconfirmed", sent_at=now, last_error=error[:256] or None, claim_token=None,
            updated_at=now,
        )
    )  # fmt: skip
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_skipped(session: Session, row: Claimed, *, now: dt.datetime, reason: str, error: str = "") -> bool:
    """Will not be sent (unreachable, no sender …)."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(_mine(row))
        .values(state="skipped", reason=reason, last_error=error[:256] or None, claim_token=None, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_retry(session: Session, row: Claimed, *, now: dt.datetime, at: dt.datetime, error: str, count: bool) -> bool:
    """Back to pending until `at`; `count=False` gives the attempt back (rate limits are not failures)."""
    values: dict[str, Any] = {
        "state": "pending",
        "next_attempt_at": at,
        "last_error": error[:256] or None,
        "claim_token": None,
        "updated_at": now,
    }
    if not count:
        values["attempts"] = Delivery.attempts - 1
    result = session.execute(update(Delivery).where(_mine(row)).values(**values))
    return bool(result.rowcount)  # type: ignore[attr-defined]


def mark_failed(session: Session, row: Claimed, *, now: dt.datetime, error: str) -> bool:
    """Gave up after the last attempt."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(_mine(row))
        .values(state="failed", reason="retries", last_error=error[:256] or None, claim_token=None, updated_at=now)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def renew(session: Session, *, tokens: Collection[str], now: dt.datetime, lease: dt.timedelta) -> int:
    """The heartbeat: extend the lease of claims still being sent by this process; returns how many rows."""
    if not tokens:
        return 0
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.claim_token.in_(list(tokens)), Delivery.state == "sending")
        .values(claimed_until=now + lease)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def recover_stale(session: Session, *, now: dt.datetime, keep: Collection[str] = ()) -> int:
    """Hand back rows whose claim expired (their process died): they go out again, counted as an attempt. Claims in
    `keep` (the calling process's own, still being sent) are never handed back, even if their renewal was late."""
    stale = [Delivery.state == SENDING, Delivery.claimed_until < now]
    if keep:
        stale.append(Delivery.claim_token.not_in(list(keep)))
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(*stale)
        .values(state="pending", claim_token=None, last_error="recovered after a worker stopped", updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire(session: Session, *, now: dt.datetime) -> int:
    """Pending rows past their deadline (misfire grace) become skipped: missed."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.state == PENDING, Delivery.expires_at.is_not(None), Delivery.expires_at < now)
        .values(state="skipped", reason="missed", updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def reach(session: Session, *, campaign_id: int | None = None, segment_id: int | None = None) -> dict[str, Any]:
    """Reach of one campaign, of a segment's campaigns, or of all; `reached` = distinct residents sent anything."""
    scope: list[Any] = []
    if campaign_id is not None:
        scope.append(Delivery.campaign_id == campaign_id)
    if segment_id is not None:
        scope.append(Delivery.campaign_id.in_(select(Campaign.id).where(Campaign.segment_id == segment_id)))
    counts: dict[str, int] = {}
    reasons: dict[str, int] = {}
    unconfirmed = 0
    for state, reason, n in session.execute(
        select(Delivery.state, Delivery.reason, func.count()).where(*scope).group_by(Delivery.state, Delivery.reason)
    ).all():
        counts[state] = counts.get(state, 0) + int(n)
        if state == "skipped":
            reasons[str(reason)] = reasons.get(str(reason), 0) + int(n)
        elif state == "sent" and reason == "unconfirmed":
            unconfirmed += int(n)
    reached = session.execute(
        select(func.count(func.distinct(Delivery.resident_id))).where(*scope, Delivery.state == "sent")
    ).scalar_one()
    return {
        "targeted": sum(counts.values()),
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "sent": counts.get("sent", 0),
        "unconfirmed": unconfirmed,  # of `sent`: the platform's answer never came (may not have arrived; not resent)
        "failed": counts.get("failed", 0),
        "skipped": counts.get("skipped", 0),
        "unreachable": reasons.get("unreachable", 0),
        "skip_reasons": dict(sorted(reasons.items())),
        "reached": int(reached or 0),
    }


def status(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Counts for staff: state, targeted, pending, sent, failed, skipped (+ unreachable and the skip reasons), links
    opened (`clicked`) and survey responses through its pushes."""
    runs = dict(
        session.execute(
            select(CampaignRun.state, func.count())
            .where(CampaignRun.campaign_id == campaign.id)
            .group_by(CampaignRun.state)
        ).all()
    )
    counts = reach(session, campaign_id=campaign.id)
    from campaigns.links import counts as link_counts  # links imports this module's Claimed for type checking

    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "state_reason": campaign.state_reason,
        "next_run_at": campaign.next_run_at.isoformat() if campaign.next_run_at else None,
        **counts,
        **link_counts(session, campaign.id),
        "runs": {str(k): int(v) for k, v in runs.items()},
        "missed_runs": int(runs.get("missed", 0)),
        "skip_reason_names": {texts.reason_name(k): v for k, v in counts["skip_reasons"].items()},
        "warning": zero_delivered(campaign.state, counts),
    }


def zero_delivered(state: str, counts: dict[str, Any]) -> str | None:
    """The warning for a campaign that ended (or is sending nothing more) without one delivery; None otherwise."""
    if counts.get("sent") or counts.get("pending"):
        return None
    if state == "finished" or (state in ("running", "cancelled") and counts.get("targeted")):
        return texts.ZERO_DELIVERED
    return None


@dataclass(frozen=True)
class Page:
    """One page of ledger rows and the cursor of the next (None at the end)."""

    rows: list[dict[str, Any]]
    next_after_id: int | None
    total: int


STATES = ("pending", "sending", *FINAL)


def page(
    session: Session,
    campaign_id: int,
    *,
    status: str | Collection[str] | None = None,
    channel: str | Collection[str] | None = None,
    after_id: int | None = None,
    offset: int = 0,
    limit: int = 100,
) -> Page:
    """A campaign's ledger rows in id order, filtered; page by `after_id` (stable while rows change) or `offset`."""
    filters: list[Any] = [Delivery.campaign_id == campaign_id]
    for column, value in ((Delivery.state, status), (Delivery.channel, channel)):
        if value:
            filters.append(column == value if isinstance(value, str) else column.in_(list(value)))
    total = int(session.execute(select(func.count()).select_from(Delivery).where(*filters)).scalar_one())
    query = (
        select(Delivery, Resident.township, Resident.community)
        .join(Resident, Resident.id == Delivery.resident_id)
        .where(*filters)
        .order_by(Delivery.id)
        .limit(limit + 1)
    )
    if after_id is not None:
        query = query.where(Delivery.id > after_id)
    elif offset:
        query = query.offset(offset)
    found = session.execute(query).all()
    more = len(found) > limit
    out = [_row(d, township, community) for d, township, community in found[:limit]]
    return Page(rows=out, next_after_id=out[-1]["id"] if more and out else None, total=total)


def _row(d: Delivery, township: str | None, community: str | None) -> dict[str, Any]:
    return {
        "id": d.id,
        "run_id": d.run_id,
        "resident_id": d.resident_id,
        "township": township,
        "community": community,
        "channel": d.channel,
        "state": d.state,
        "reason": d.reason,
        "attempts": d.attempts,
        "last_error": d.last_error,
        "sent_at": d.sent_at.isoformat() if d.sent_at else None,
        "updated_at": d.updated_at.isoformat(),
    }


def rows(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Every ledger row of a campaign (small campaigns and tests; staff pages use `page`)."""
    out: list[dict[str, Any]] = []
    after: int | None = None
    while True:
        got = page(session, campaign_id, after_id=after, limit=1000)
        out += got.rows
        if got.next_after_id is None:
            return out
        after = got.next_after_id


def reach_by_segment(session: Session) -> list[dict[str, Any]]:
    """Reach per segment over all campaigns: targeted, sent, failed, unreachable (feeds the publicity indicator)."""
    from campaigns.models import Segment

    data: dict[str | None, dict[str, int]] = {}
    for name, state, reason, n in session.execute(
        select(Segment.name, Delivery.state, Delivery.reason, func.count())
        .select_from(Delivery)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .outerjoin(Segment, Segment.id == Campaign.segment_id)
        .group_by(Segment.name, Delivery.state, Delivery.reason)
    ).all():
        entry = data.setdefault(name, {"targeted": 0, "sent": 0, "failed": 0, "unreachable": 0})
        entry["targeted"] += int(n)
        if state in ("sent", "failed"):
            entry[state] += int(n)
        if reason == "unreachable":
            entry["unreachable"] += int(n)
    return [{"segment": k or "全部居民", **v} for k, v in sorted(data.items(), key=lambda kv: kv[0] or "")]


def _local(at: str | None) -> str:
    return dt.datetime.fromisoformat(at).astimezone(LOCAL).strftime("%Y-%m-%d %H:%M:%S") if at else ""


def csv_values(row: dict[str, Any]) -> list[Any]:
    """One exported ledger line (a `page` row), in `texts.LEDGER_COLUMNS` order: Chinese names, Beijing time."""
    values = {
        **row,
        "state": texts.DELIVERY_STATES.get(row["state"], row["state"]),
        "reason": texts.REASONS.get(row["reason"], row["reason"]) if row["reason"] else "",
        "sent_at": _local(row["sent_at"]),
        "updated_at": _local(row["updated_at"]),
    }
    return ["" if values.get(k) is None else values[k] for k in texts.LEDGER_COLUMNS]
