"""Creating campaigns and moving them through draft → scheduled → running ⇄ paused → finished, or cancelled."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from campaigns import content, links, schedule
from campaigns.models import Campaign, CampaignRun, Delivery, Segment

CHANNELS = ("web", "wechat", "telegram", "console")
# action → {from state: to state}; "running or scheduled" is decided by whether a run is open
TRANSITIONS: dict[str, dict[str, str]] = {
    "start": {"draft": "scheduled"},
    "pause": {"scheduled": "paused", "running": "paused"},
    "resume": {"paused": "running"},
    "cancel": {s: "cancelled" for s in ("draft", "scheduled", "running", "paused")},
}
OPEN_RUNS = ("sending", "ongoing")


class CampaignError(ValueError):
    """A request that cannot be carried out (message in Chinese, shown to staff)."""


def create(
    session: Session,
    *,
    name: str,
    text: str,
    now: dt.datetime,
    segment: Segment | None = None,
    channels: Sequence[str] = ("web", "wechat", "telegram"),
    kind: str = "now",
    expr: str = "",
    send_time: str | None = None,
    link: str | None = None,
    variants: Mapping[str, Any] | None = None,
) -> Campaign:
    """A new draft campaign; the text, channels and schedule are checked first."""
    if not name.strip() or not text.strip():
        raise CampaignError("活动名称和内容都不能为空")
    content.check(text)
    if link and not links.is_web_url(link):
        raise CampaignError("链接应以 http:// 或 https:// 开头，且不能有空格（最多 512 个字符）")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise CampaignError(f"未知的渠道：{','.join(unknown) or '（空）'}（可用：{','.join(CHANNELS)}）")
    schedule.validate(kind, expr, send_time)
    campaign = Campaign(
        name=name.strip(),
        text=text,
        link=link,
        variants=dict(variants or {}),
        segment_id=segment.id if segment else None,
        channels=list(channels),
        schedule_kind=kind,
        schedule_expr=expr,
        send_time=send_time,
        state="draft",
        consecutive_failures=0,
        created_at=now,
        updated_at=now,
    )
    session.add(campaign)
    session.flush()
    return campaign


def _move(campaign: Campaign, action: str, *, now: dt.datetime) -> str:
    allowed = TRANSITIONS[action]
    if campaign.state not in allowed:
        raise CampaignError(f"活动当前为“{campaign.state}”，不能执行 {action}")
    campaign.updated_at = now
    return allowed[campaign.state]


def start(
    session: Session, campaign: Campaign, *, now: dt.datetime, quiet: schedule.QuietHours | None, grace: dt.timedelta
) -> None:
    """Schedule a draft: its first firing is computed now; a one-off time already past its grace is refused."""
    target = _move(campaign, "start", now=now)
    kind = campaign.schedule_kind
    if kind == "now":
        first: dt.datetime | None = now
    elif kind == "once":
        first = schedule.parse_at(campaign.schedule_expr).astimezone(dt.UTC)
        if schedule.deadline(first, quiet, grace) < now:
            raise CampaignError("发送时间已经过去，请改一个以后的时间")
    elif kind == "relative":
        session.add(CampaignRun(campaign_id=campaign.id, due_at=now, state="ongoing", created_at=now))
        campaign.state, campaign.next_run_at = "running", None
        return
    else:
        first = schedule.next_occurrence(kind, campaign.schedule_expr, campaign.send_time, after=now)
        if first is None:
            raise CampaignError("按这个时间安排，以后不会再发送")
    campaign.state, campaign.next_run_at, campaign.state_reason = target, first, None


def pause(session: Session, campaign: Campaign, *, now: dt.datetime, reason: str | None = None) -> None:
    """Stop sending and scheduling until resumed; claimed rows finish, pending rows wait."""
    campaign.state = _move(campaign, "pause", now=now)
    campaign.state_reason = reason


def resume(session: Session, campaign: Campaign, *, now: dt.datetime) -> None:
    """Continue a paused campaign (running if a run is open, otherwise scheduled)."""
    _move(campaign, "resume", now=now)
    open_run = session.execute(
        select(CampaignRun.id).where(CampaignRun.campaign_id == campaign.id, CampaignRun.state.in_(OPEN_RUNS)).limit(1)
    ).first()
    campaign.state = "running" if open_run else ("scheduled" if campaign.next_run_at else "finished")
    campaign.state_reason, campaign.consecutive_failures = None, 0


def cancel(session: Session, campaign: Campaign, *, now: dt.datetime) -> None:
    """Cancel: nothing more is sent; pending ledger rows become skipped (cancelled)."""
    campaign.state = _move(campaign, "cancel", now=now)
    campaign.next_run_at = None
    session.execute(
        update(Delivery)
        .where(Delivery.campaign_id == campaign.id, Delivery.state == "pending")
        .values(state="skipped", reason="cancelled", updated_at=now)
    )
    session.execute(
        update(CampaignRun)
        .where(CampaignRun.campaign_id == campaign.id, CampaignRun.state.in_(OPEN_RUNS))
        .values(state="cancelled", finished_at=now)
    )


def get(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or CampaignError."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise CampaignError(f"没有编号为 {campaign_id} 的活动")
    return campaign
