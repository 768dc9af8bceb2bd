"""The scheduler's side: what is due at `now` — firings become runs, audiences become ledger rows, runs finish.

Only one process calls `tick` at a time (bot.scheduler holds the lock); it is idempotent, so a crash mid-way
is repaired by the next call: a run and its rows are created in the same transaction, and the unique
(run, resident) key makes a second materialisation a no-op.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from campaigns import ledger, residents, schedule, segments
from campaigns.models import Campaign, CampaignRun, ChannelIdentity, Delivery, Resident, ResidentEvent, Segment

log = logging.getLogger(__name__)


@dataclass
class TickReport:
    """What one tick did (for logs and tests)."""

    runs: list[int] = field(default_factory=list)
    missed: list[int] = field(default_factory=list)
    materialised: int = 0
    finished: list[int] = field(default_factory=list)
    expired: int = 0
    recovered: int = 0


def tick(
    session: Session,
    *,
    now: dt.datetime,
    quiet: schedule.QuietHours | None,
    grace: dt.timedelta,
    channels_available: Collection[str] | None = None,
    consent: str = "opt_out",
    own_claims: Collection[str] = (),
) -> TickReport:
    """Do everything that is due at `now`; the caller commits. `consent` is WUFEI_CAMPAIGNS__CONSENT; `own_claims`
    are this process's claims still being sent, never handed back by it."""
    report = TickReport()
    report.recovered = ledger.recover_stale(session, now=now, keep=own_claims)
    due = session.execute(
        select(Campaign)
        .where(Campaign.state.in_(("scheduled", "running")), Campaign.next_run_at.is_not(None))
        .where(Campaign.next_run_at <= now)
        .order_by(Campaign.id)
    ).scalars()
    for campaign in list(due):
        _fire(session, campaign, now=now, quiet=quiet, grace=grace, report=report, consent=consent)
    for campaign, run in session.execute(
        select(Campaign, CampaignRun)
        .join(CampaignRun, CampaignRun.campaign_id == Campaign.id)
        .where(Campaign.state == "running", Campaign.schedule_kind == "relative", CampaignRun.state == "ongoing")
    ).all():
        report.materialised += _materialise_relative(
            session, campaign, run, now=now, quiet=quiet, grace=grace, consent=consent
        )
    if channels_available is not None:
        session.execute(
            update(Delivery)
            .where(Delivery.state == ledger.PENDING, Delivery.channel.is_not(None))
            .where(Delivery.channel.not_in(list(channels_available)))
            .values(state="skipped", reason="no_sender", updated_at=now)
        )
    report.expired = ledger.expire(session, now=now)
    report.finished = _finish_runs(session, now=now)
    return report


def _fire(
    session: Session,
    campaign: Campaign,
    *,
    now: dt.datetime,
    quiet: schedule.QuietHours | None,
    grace: dt.timedelta,
    report: TickReport,
    consent: str,
) -> None:
    due = campaign.next_run_at
    assert due is not None
    limit = schedule.deadline(due, quiet, grace)
    run = CampaignRun(campaign_id=campaign.id, due_at=due, deadline=limit, state="sending", created_at=now)
    session.add(run)
    session.flush()
    if now > limit:
        run.state, run.finished_at = "missed", now
        report.missed.append(run.id)
        log.warning("campaign %s: firing at %s missed (deadline %s)", campaign.id, due, limit)
    else:
        report.runs.append(run.id)
        report.materialised += materialise(
            session, campaign, run, now=now, send_from=schedule.effective_due(due, quiet), expires_at=limit,
            consent=consent,
        )  # fmt: skip
        campaign.state = "running"
    after = max(now, due)
    campaign.next_run_at = schedule.next_occurrence(
        campaign.schedule_kind, campaign.schedule_expr, campaign.send_time, after=after
    )
    campaign.updated_at = now
    if run.state == "missed" and campaign.next_run_at is None and not _has_open_run(session, campaign.id):
        campaign.state, campaign.state_reason = "finished", "missed"


def _rules(session: Session, campaign: Campaign) -> dict[str, Any]:
    if campaign.segment_id is None:
        return {}
    segment = session.get(Segment, campaign.segment_id)
    return dict(segment.rules) if segment else {}


def _best_identity(channels: list[str]) -> Any:
    priority = case({c: i for i, c in enumerate(channels)}, value=ChannelIdentity.channel, else_=len(channels))
    return (
        select(ChannelIdentity.id)
        .where(ChannelIdentity.resident_id == Resident.id, ChannelIdentity.channel.in_(channels))
        .order_by(priority, ChannelIdentity.id)
        .limit(1)
        .correlate(Resident)
        .scalar_subquery()
    )


def _insert_audience(
    session: Session,
    campaign: Campaign,
    run: CampaignRun,
    condition: Any,
    *,
    now: dt.datetime,
    send_from: Any,
    expires_at: Any,
    extra_from: Any = None,
    preview: bool = False,
    consent: str = "opt_out",
) -> int:
    """INSERT … SELECT the audience into the ledger in one statement (no rows pass through Python)."""
    # residents the run already has are left out; a run with no rows yet needs no such guard, and on PostgreSQL the
    # guard against a nearly empty ledger was planned as a scan of `deliveries` per resident, re-reading the pages this
    # INSERT fills (quadratic: 20,000 residents 5.9 s, 100,000 126 s; see BENCHMARKS.md "Scaling")
    before = 0 if preview else _count_rows(session, run.id)
    already = exists().where(Delivery.run_id == run.id, Delivery.resident_id == Resident.id)
    columns: list[Any] = [
        Resident.id.label("rid"),
        Resident.status.label("status"),
        residents.effective_consent(consent).label("consent"),
        _best_identity(list(campaign.channels)).label("iid"),
    ]
    if extra_from is not None:
        columns += [send_from.label("send_from"), expires_at.label("expires_at")]
    src = select(*columns).where(condition, ~already) if before else select(*columns).where(condition)
    if extra_from is not None:
        src = src.join(extra_from, extra_from.c.resident_id == Resident.id)
    # OFFSET 0 keeps the subquery from being merged into the outer SELECT: merged, PostgreSQL copied the best-identity
    # subquery into each of its four uses (state, reason, the join) and ran it four times per resident (100,000
    # residents: 400,001 index lookups and sorts, 1.5 s of the statement's 5.5 s under EXPLAIN ANALYZE)
    sub = src.offset(0).subquery()
    state = case(
        (sub.c.status == "stopped", "skipped"),
        (sub.c.status == "unreachable", "skipped"),
        (sub.c.consent.is_(False), "skipped"),
        (sub.c.iid.is_(None), "skipped"),
        else_="pending",
    )
    reason = case(
        (sub.c.status == "stopped", "opted_out"),
        (sub.c.status == "unreachable", "unreachable"),
        (sub.c.consent.is_(False), "no_consent"),
        (sub.c.iid.is_(None), "no_channel"),
        else_=None,
    )
    rows = select(
        literal(campaign.id),
        literal(run.id),
        sub.c.rid,
        ChannelIdentity.channel,
        ChannelIdentity.external_id,
        state,
        reason,
        literal(0),
        sub.c.send_from if extra_from is not None else literal(send_from, type_=Delivery.next_attempt_at.type),
        sub.c.expires_at if extra_from is not None else literal(expires_at, type_=Delivery.expires_at.type),
        literal(now, type_=Delivery.created_at.type),
        literal(now, type_=Delivery.updated_at.type),
    ).outerjoin(ChannelIdentity, ChannelIdentity.id == sub.c.iid)
    if preview:
        counted = rows.with_only_columns(state.label("state"), reason.label("reason")).subquery()
        return dict(  # type: ignore[return-value]
            session.execute(
                select(counted.c.state + ":" + func.coalesce(counted.c.reason, ""), func.count()).group_by(
                    counted.c.state, counted.c.reason
                )
            ).all()
        )
    target = [
        Delivery.campaign_id, Delivery.run_id, Delivery.resident_id, Delivery.channel, Delivery.external_id,
        Delivery.state, Delivery.reason, Delivery.attempts, Delivery.next_attempt_at, Delivery.expires_at,
        Delivery.created_at, Delivery.updated_at,
    ]  # fmt: skip
    session.execute(insert(Delivery).from_select([c.key for c in target], rows))
    return _count_rows(session, run.id) - before  # rowcount of INSERT … SELECT is not reliable on every driver


def _count_rows(session: Session, run_id: int) -> int:
    return int(session.execute(select(func.count()).where(Delivery.run_id == run_id)).scalar_one())


def preview(session: Session, campaign: Campaign, *, now: dt.datetime, consent: str = "opt_out") -> dict[str, Any]:
    """Who the campaign would reach if it fired now: a count, and how many would be skipped and why."""
    condition = segments.where(_rules(session, campaign), now=now)
    fake_run = CampaignRun(id=-1)
    counts: dict[str, int] = _insert_audience(  # type: ignore[assignment]
        session, campaign, fake_run, condition, now=now, send_from=now, expires_at=now, preview=True, consent=consent
    )
    skipped = {k.split(":", 1)[1]: int(v) for k, v in counts.items() if k.startswith("skipped:")}
    would_send = sum(int(v) for k, v in counts.items() if k.startswith("pending:"))
    return {"audience": would_send + sum(skipped.values()), "would_send": would_send, "would_skip": skipped}


def materialise(
    session: Session, campaign: Campaign, run: CampaignRun, *, now: dt.datetime, send_from: dt.datetime,
    expires_at: dt.datetime, consent: str = "opt_out",
) -> int:  # fmt: skip
    """Write one ledger row per resident in the campaign's audience for this run; returns rows added."""
    condition = segments.where(_rules(session, campaign), now=now)
    return _insert_audience(
        session, campaign, run, condition, now=now, send_from=send_from, expires_at=expires_at, consent=consent
    )


def _materialise_relative(
    session: Session,
    campaign: Campaign,
    run: CampaignRun,
    *,
    now: dt.datetime,
    quiet: schedule.QuietHours | None,
    grace: dt.timedelta,
    consent: str,
) -> int:
    """Add residents whose event + offset has come (events after the campaign started only)."""
    rel = schedule.parse_relative(campaign.schedule_expr)
    first = (
        select(ResidentEvent.resident_id, func.min(ResidentEvent.at).label("at"))
        .where(ResidentEvent.kind == rel.event, ResidentEvent.at >= run.due_at - rel.offset)
        .where(ResidentEvent.at <= now - rel.offset)
        .group_by(ResidentEvent.resident_id)
        .subquery()
    )
    condition = segments.where(_rules(session, campaign), now=now)
    added = _insert_audience(
        session, campaign, run, condition, now=now, send_from=literal(now, type_=Delivery.next_attempt_at.type),
        expires_at=literal(None, type_=Delivery.expires_at.type), extra_from=first, consent=consent,
    )  # fmt: skip
    if added:
        # each resident's own deadline: their firing time, pushed past quiet hours, plus the grace
        for row in session.execute(
            select(Delivery.id, first.c.at)
            .join(first, first.c.resident_id == Delivery.resident_id)
            .where(Delivery.run_id == run.id, Delivery.expires_at.is_(None))
        ).all():
            fire = row.at + rel.offset
            limit = schedule.deadline(fire, quiet, grace)
            session.execute(
                update(Delivery)
                .where(Delivery.id == row.id)
                .values(next_attempt_at=schedule.effective_due(fire, quiet), expires_at=limit)
            )
    return added


def _has_open_run(session: Session, campaign_id: int) -> bool:
    return (
        session.execute(
            select(CampaignRun.id)
            .where(CampaignRun.campaign_id == campaign_id, CampaignRun.state == "sending")
            .limit(1)
        ).first()
        is not None
    )


def _finish_runs(session: Session, *, now: dt.datetime) -> list[int]:
    """Runs with no row left to send are done; a campaign with no open run and no next firing is finished."""
    # by campaign too, so ix_deliveries_campaign_state finds the run's unsent rows without reading its sent ones
    busy = exists().where(
        Delivery.campaign_id == CampaignRun.campaign_id,
        Delivery.run_id == CampaignRun.id,
        Delivery.state.in_(("pending", "sending")),
    )
    done = list(session.execute(select(CampaignRun.id).where(CampaignRun.state == "sending", ~busy)).scalars())
    if done:
        session.execute(update(CampaignRun).where(CampaignRun.id.in_(done)).values(state="done", finished_at=now))
    open_run = exists().where(CampaignRun.campaign_id == Campaign.id, CampaignRun.state.in_(("sending", "ongoing")))
    finished = list(
        session.execute(
            select(Campaign.id).where(Campaign.state == "running", ~open_run, Campaign.next_run_at.is_(None))
        ).scalars()
    )
    if finished:
        session.execute(update(Campaign).where(Campaign.id.in_(finished)).values(state="finished", updated_at=now))
    session.execute(
        update(Campaign)
        .where(Campaign.state == "running", ~open_run, Campaign.next_run_at.is_not(None))
        .values(state="scheduled", updated_at=now)
    )
    return finished


__all__ = ["TickReport", "materialise", "tick"]
