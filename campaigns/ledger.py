"""The per-recipient ledger: claiming rows to send, recording outcomes, recovering after crashes, statistics.

States: pending → sending → sent | failed | skipped (with a reason). A claim marks a small batch `sending`
with a token and a lease and commits; each outcome is written with a check that the token is still ours.
PostgreSQL claims with FOR UPDATE SKIP LOCKED, so several processes take disjoint batches; SQLite
serialises writers, and the claim is a single UPDATE, so it is safe there too.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from campaigns.models import Campaign, CampaignRun, Delivery, Resident

FINAL = ("sent", "failed", "skipped")


@dataclass(frozen=True)
class Claimed:
    """One claimed ledger row with what is needed to render and send it."""

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
    pick = (
        select(Delivery.id)
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .where(Delivery.state == "pending", Delivery.next_attempt_at <= now, Campaign.state == "running")
        .where(Delivery.channel.in_(list(channels)))
        .where(or_(Delivery.expires_at.is_(None), Delivery.expires_at >= now))
        .order_by(Delivery.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        pick = pick.with_for_update(skip_locked=True, of=Delivery)
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
    rows = session.execute(
        select(
            Delivery.id,
            Delivery.campaign_id,
            Delivery.resident_id,
            Delivery.channel,
            Delivery.external_id,
            Delivery.attempts,
            Campaign.text,
            Campaign.link,
            Campaign.variants,
            Resident.township,
            Resident.city,
            Resident.community,
        )
        .join(Campaign, Campaign.id == Delivery.campaign_id)
        .join(Resident, Resident.id == Delivery.resident_id)
        .where(Delivery.claim_token == token)
        .order_by(Delivery.id)
    ).all()
    return [
        Claimed(
            id=r.id,
            campaign_id=r.campaign_id,
            resident_id=r.resident_id,
            channel=r.channel or "",
            external_id=r.external_id or "",
            attempts=r.attempts,
            token=token,
            text=r.text,
            link=r.link,
            variants=dict(r.variants or {}),
            profile={"township": r.township, "city": r.city, "community": r.community},
        )
        for r in rows
    ]


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


def recover_stale(session: Session, *, now: dt.datetime) -> int:
    """Hand back rows whose claim expired (their process died): they go out again, counted as an attempt."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.state == "sending", Delivery.claimed_until < now)
        .values(state="pending", claim_token=None, last_error="recovered after a worker stopped", updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def expire(session: Session, *, now: dt.datetime) -> int:
    """Pending rows past their deadline (misfire grace) become skipped: missed."""
    result = session.execute(
        update(Delivery)
        .execution_options(**NO_SYNC)
        .where(Delivery.state == "pending", Delivery.expires_at.is_not(None), Delivery.expires_at < now)
        .values(state="skipped", reason="missed", updated_at=now)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def status(session: Session, campaign: Campaign) -> dict[str, Any]:
    """Counts for staff: state, targeted, pending, sent, failed, skipped (+ unreachable and the skip reasons)."""
    counts = dict(
        session.execute(
            select(Delivery.state, func.count()).where(Delivery.campaign_id == campaign.id).group_by(Delivery.state)
        ).all()
    )
    reasons = dict(
        session.execute(
            select(Delivery.reason, func.count())
            .where(Delivery.campaign_id == campaign.id, Delivery.state == "skipped")
            .group_by(Delivery.reason)
        ).all()
    )
    runs = dict(
        session.execute(
            select(CampaignRun.state, func.count())
            .where(CampaignRun.campaign_id == campaign.id)
            .group_by(CampaignRun.state)
        ).all()
    )
    return {
        "id": campaign.id,
        "name": campaign.name,
        "state": campaign.state,
        "state_reason": campaign.state_reason,
        "next_run_at": campaign.next_run_at.isoformat() if campaign.next_run_at else None,
        "targeted": sum(int(v) for v in counts.values()),
        "pending": int(counts.get("pending", 0)) + int(counts.get("sending", 0)),
        "sent": int(counts.get("sent", 0)),
        "failed": int(counts.get("failed", 0)),
        "skipped": int(counts.get("skipped", 0)),
        "unreachable": int(reasons.get("unreachable", 0)),
        "skip_reasons": {str(k): int(v) for k, v in reasons.items()},
        "runs": {str(k): int(v) for k, v in runs.items()},
        "missed_runs": int(runs.get("missed", 0)),
    }


def rows(session: Session, campaign_id: int) -> list[dict[str, Any]]:
    """Every ledger row of a campaign, for staff to see and export."""
    out = []
    for d in session.execute(
        select(Delivery).where(Delivery.campaign_id == campaign_id).order_by(Delivery.id)
    ).scalars():
        out.append(
            {
                "id": d.id,
                "run_id": d.run_id,
                "resident_id": d.resident_id,
                "channel": d.channel,
                "state": d.state,
                "reason": d.reason,
                "attempts": d.attempts,
                "last_error": d.last_error,
                "sent_at": d.sent_at.isoformat() if d.sent_at else None,
                "updated_at": d.updated_at.isoformat(),
            }
        )
    return out


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
