"""/api/admin: 宣传活动 (campaigns): create, schedule, transitions, status, preview and test-send.

The checks live here and are called by the console too; the per-recipient ledger is in `ledger`, segments in
`segments`, 无废细胞 in `cells`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.admin import audit
from bot.admin.accounts import Actor
from bot.admin.models import StaffUser
from bot.db import transaction, utcnow
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import api
from campaigns import content, figures, ledger, lifecycle, news, runs, schedule, segments, templates
from campaigns.lifecycle import CampaignError
from campaigns.models import Campaign, Delivery, Segment
from campaigns.texts import REASONS, STATE_NAMES

router = APIRouter(prefix="/api/admin", tags=["admin: 宣传活动与无废细胞"])
ACTIONS = {"start": "启动", "pause": "暂停", "resume": "继续", "cancel": "取消"}
CHANNEL_NAMES = {"web": "网页", "wechat": "微信", "telegram": "Telegram", "console": "控制台"}


def _factory(request: Request) -> Any:
    return request.app.state.factory


def local_time(at: dt.datetime | str | None) -> str:
    """A UTC time as Beijing time for staff ("2026-06-05 09:00"); "" for none."""
    if at is None or at == "":
        return ""
    value = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    return value.astimezone(schedule.LOCAL).strftime("%Y-%m-%d %H:%M")


def lunar_text(expr: str) -> str:
    """ "03-03" → "农历三月初三"; the expression itself when it cannot be read."""
    try:
        month, day, leap = schedule.parse_lunar(expr)
    except schedule.ScheduleError:
        return expr
    month_name = {11: "冬", 12: "腊"}.get(month) or schedule.LUNAR_MONTHS[month - 1]
    day_name = next(k for k, v in schedule.LUNAR_DAYS.items() if v == day)
    return f"农历{'闰' if leap else ''}{month_name}月{day_name}"


def schedule_text(kind: str, expr: str, send_time: str | None) -> str:
    """The schedule in words."""
    if kind == "once":
        try:
            return f"一次：{local_time(schedule.parse_at(expr))}"
        except schedule.ScheduleError:
            return f"一次：{expr}"
    if kind == "cron":
        return f"重复（cron，北京时间）：{expr}"
    if kind == "lunar":
        return f"每年{lunar_text(expr)} {send_time or '09:00'}"
    if kind == "relative":
        return f"居民事件之后：{expr}"
    return "启动后立即发送"


# -- campaigns ----------------------------------------------------------------------------------------------------


class ScheduleIn(BaseModel):
    """When to send: at most one of at / cron / lunar / relative (none = as soon as started)."""

    at: str | None = Field(default=None, max_length=64, description="一次性发送时间 ISO 8601（无时区按北京时间）")
    cron: str | None = Field(default=None, max_length=64, description="重复发送的 cron 表达式（北京时间）")
    lunar: str | None = Field(default=None, max_length=16, description="农历日期 MM-DD、L04-15 或“农历三月初三”")
    time: str | None = Field(default=None, max_length=5, description="农历日期的发送时间 HH:MM（默认 09:00）")
    relative: str | None = Field(default=None, max_length=32, description="相对居民事件，如 cell_join+3d")

    def parts(self) -> tuple[str, str, str | None]:
        """(kind, expr, send_time) for campaigns.lifecycle.create; HTTP 422 when they contradict each other."""
        options = (("once", self.at), ("cron", self.cron), ("lunar", self.lunar), ("relative", self.relative))
        given = [(kind, value.strip()) for kind, value in options if value and value.strip()]
        if len(given) > 1:
            raise HTTPException(422, "时间安排只能选一种：一次性时间、cron、农历日期或相对时间")
        kind, expr = given[0] if given else ("now", "")
        if self.time and kind != "lunar":
            raise HTTPException(422, "发送时间（time）只和农历日期一起用")
        return kind, expr, (self.time or "09:00") if kind == "lunar" else None


class CampaignIn(BaseModel):
    """A new campaign (created as a draft)."""

    name: str = Field(min_length=1, max_length=128)
    text: str = Field(min_length=1, max_length=2000, description="可用占位符 {township} {city} {community} {问卷链接}")
    link: str | None = Field(default=None, max_length=512)
    segment: str | None = Field(default=None, max_length=64, description="分组名称；不填 = 全部居民")
    channels: list[str] = Field(default=["web", "wechat", "telegram"], max_length=4, description="按优先顺序")
    schedule: ScheduleIn = ScheduleIn()
    variants: dict[str, str] = Field(default_factory=dict, description="某个渠道专用的文字：渠道 → 文字")
    wechat_template: dict[str, Any] | None = Field(default=None, description='{"template_id", "url"?, "data"}')
    news: dict[str, str] | None = Field(
        default=None, description='图文：{"title", "description"?, "picurl"?, "url"}（仅 http/https 网址）'
    )


def create_campaign(session: Session, body: CampaignIn, *, now: dt.datetime) -> Campaign:
    """Check and create a draft; HTTP 422 (or 404 for an unknown segment) with a Chinese reason."""
    kind, expr, send_time = body.schedule.parts()
    link = (body.link or "").strip() or None
    if link and not link.startswith(("http://", "https://")):
        raise HTTPException(422, "链接应以 http:// 或 https:// 开头")
    variants: dict[str, Any] = {k: v for k, v in body.variants.items() if v.strip()}
    unknown = [c for c in variants if c not in lifecycle.CHANNELS]
    if unknown:
        raise HTTPException(422, f"渠道专用文字里有未知的渠道：{'、'.join(unknown)}")
    if body.wechat_template is not None:
        if "wechat" not in body.channels:
            raise HTTPException(422, "设置了微信模板消息，但渠道里没有微信（wechat）")
        try:
            variants[templates.KEY] = templates.validate(body.wechat_template)
        except templates.TemplateError as exc:
            raise HTTPException(422, str(exc)) from None
    if body.news is not None:
        try:
            variants[news.KEY] = news.validate(body.news)
        except news.NewsError as exc:
            raise HTTPException(422, str(exc)) from None
    segment = None
    if body.segment:
        segment = segments.get(session, body.segment.strip())
        if segment is None:
            raise HTTPException(422, f"没有名为“{body.segment}”的分组")
    try:
        for text in (body.text, *[v for v in variants.values() if isinstance(v, str)]):
            content.check(text)
        return lifecycle.create(
            session,
            name=body.name,
            text=body.text,
            link=link,
            segment=segment,
            channels=[c.strip() for c in body.channels if c.strip()],
            kind=kind,
            expr=expr,
            send_time=send_time,
            variants=variants,
            now=now,
        )
    except ValueError as exc:  # CampaignError, ScheduleError and content checks all say why in Chinese
        raise HTTPException(422, str(exc)) from None


def progress(session: Session, ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Ledger counts per campaign (targeted, pending, sent, failed, skipped) in one query."""
    out: dict[int, dict[str, int]] = {
        i: {"targeted": 0, "pending": 0, "sent": 0, "failed": 0, "skipped": 0} for i in ids
    }
    if not ids:
        return out
    for campaign_id, state, n in session.execute(
        select(Delivery.campaign_id, Delivery.state, func.count())
        .where(Delivery.campaign_id.in_(list(ids)))
        .group_by(Delivery.campaign_id, Delivery.state)
    ).all():
        counts = out[campaign_id]
        counts["targeted"] += int(n)
        key = "pending" if state in ("pending", "sending") else str(state)
        counts[key] = counts.get(key, 0) + int(n)
    return out


def describe(session: Session, c: Campaign, counts: dict[str, int] | None = None) -> dict[str, Any]:
    """A campaign as JSON for staff."""
    segment = session.get(Segment, c.segment_id) if c.segment_id else None
    variants = dict(c.variants or {})
    return {
        "id": c.id,
        "name": c.name,
        "state": c.state,
        "state_name": STATE_NAMES.get(c.state, c.state),
        "state_reason": c.state_reason,
        "text": c.text,
        "link": c.link,
        "channels": list(c.channels),
        "segment": segment.name if segment else None,
        "variants": {k: v for k, v in variants.items() if k not in (templates.KEY, news.KEY)},
        "wechat_template": variants.get(templates.KEY),
        "news": variants.get(news.KEY),
        "schedule": {
            "kind": c.schedule_kind,
            "expr": c.schedule_expr,
            "time": c.send_time,
            "text": schedule_text(c.schedule_kind, c.schedule_expr, c.send_time),
        },
        "next_run_at": c.next_run_at.isoformat() if c.next_run_at else None,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        **({"progress": counts, "warning": ledger.zero_delivered(c.state, counts)} if counts is not None else {}),
    }


def get_campaign(session: Session, campaign_id: int) -> Campaign:
    """The campaign, or HTTP 404."""
    campaign = session.get(Campaign, campaign_id)
    if campaign is None:
        raise HTTPException(404, f"没有编号为 {campaign_id} 的活动")
    return campaign


def change_state(request: Request, session: Session, campaign: Campaign, action: str, *, now: dt.datetime) -> None:
    """start / pause / resume / cancel; HTTP 409 with a Chinese reason when the state does not allow it."""
    if campaign.state not in lifecycle.TRANSITIONS[action]:
        allowed = "、".join(STATE_NAMES[s] for s in lifecycle.TRANSITIONS[action])
        raise HTTPException(
            409,
            f"活动当前为“{STATE_NAMES.get(campaign.state, campaign.state)}”，不能{ACTIONS[action]}"
            f"（只有{allowed}的活动可以{ACTIONS[action]}）",
        )
    cfg = request.app.state.settings.campaigns
    try:
        if action == "start":
            quiet = schedule.QuietHours.parse(cfg.quiet_hours)
            grace = dt.timedelta(minutes=cfg.misfire_grace_minutes)
            lifecycle.start(session, campaign, now=now, quiet=quiet, grace=grace)
        elif action == "pause":
            lifecycle.pause(session, campaign, now=now, reason="工作人员暂停")
        elif action == "resume":
            lifecycle.resume(session, campaign, now=now)
        else:
            lifecycle.cancel(session, campaign, now=now)
    except (CampaignError, schedule.ScheduleError) as exc:
        raise HTTPException(409, str(exc)) from None


def status_of(session: Session, campaign: Campaign) -> dict[str, Any]:
    """ledger.status plus the state's name and the next firing in Beijing time."""
    data = ledger.status(session, campaign)
    return {
        **data,
        "state_name": STATE_NAMES.get(campaign.state, campaign.state),
        "next_run_local": local_time(data["next_run_at"]),
        "skip_reason_names": {REASONS.get(k, k): v for k, v in data["skip_reasons"].items()},
        "unconfirmed_name": REASONS["unconfirmed"],  # what `unconfirmed` (part of `sent`) means, for staff
    }


@router.get("/campaigns")
def list_campaigns(
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    state: Annotated[str | None, Query(max_length=16)] = None,
) -> list[dict[str, Any]]:
    """All campaigns, newest first, with their ledger progress; `state` filters."""
    with transaction(_factory(request)) as session:
        query = select(Campaign).order_by(Campaign.id.desc())
        if state:
            query = query.where(Campaign.state == state)
        found = list(session.scalars(query))
        counts = progress(session, [c.id for c in found])
        return [describe(session, c, counts[c.id]) for c in found]


@router.post("/campaigns", status_code=201)
def create(body: CampaignIn, request: Request, actor: Annotated[Actor, Depends(api("campaigns", True))]) -> Any:
    """Create a draft campaign; start it with POST …/start."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        campaign = create_campaign(session, body, now=now)
        audit.record(
            session, actor.name, "campaign.create", f"#{campaign.id} {campaign.name}", now=now,
            schedule=campaign.schedule_kind, expr=campaign.schedule_expr, segment=body.segment,
        )  # fmt: skip
        return describe(session, campaign)


@router.get("/campaigns/{campaign_id}")
def show(campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> dict[str, Any]:
    """One campaign with its progress."""
    with transaction(_factory(request)) as session:
        campaign = get_campaign(session, campaign_id)
        return describe(session, campaign, progress(session, [campaign.id])[campaign.id])


@router.get("/campaigns/{campaign_id}/status")
def status(campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> dict[str, Any]:
    """State and counts: targeted, pending, sent (of which unconfirmed), failed, skipped (with reasons), runs."""
    with transaction(_factory(request)) as session:
        return status_of(session, get_campaign(session, campaign_id))


@router.get("/campaigns/{campaign_id}/daily")
def daily(campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> dict[str, Any]:
    """Figures per Beijing day: targeted, skipped (Chinese reasons), sent, clicked, survey responses."""
    with transaction(_factory(request)) as session:
        campaign = get_campaign(session, campaign_id)
        return {"days": figures.daily(session, campaign.id, now=utcnow())}


@router.get("/campaigns/{campaign_id}/preview")
def preview(campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> dict[str, Any]:
    """Who the campaign would reach if it fired now: audience, would_send, would_skip by reason."""
    with transaction(_factory(request)) as session:
        consent = request.app.state.settings.campaigns.consent
        data = runs.preview(session, get_campaign(session, campaign_id), now=utcnow(), consent=consent)
    return {**data, "would_skip_names": {REASONS.get(k, k): v for k, v in data["would_skip"].items()}}


def test_recipients(session: Session, configured: Sequence[str], actor: Actor) -> list[str]:
    """Where a test send goes: the staff member's own bound chat identity, then the configured identities."""
    me = session.get(StaffUser, actor.user_id)
    own = [me.chat_identity] if me is not None and me.chat_identity else []
    return list(dict.fromkeys([*own, *configured]))


def send_test_messages(request: Request, campaign_id: int, actor: Actor) -> list[dict[str, Any]]:
    """Send the campaign (marked 【测试】) to the actor's bound chat identity and the configured ones; no ledger rows."""
    from bot.scheduler import build_senders
    from campaigns.delivery import send_test

    settings = request.app.state.settings
    now = utcnow()
    with transaction(_factory(request)) as session:
        campaign = get_campaign(session, campaign_id)
        staff = test_recipients(session, settings.campaigns.staff, actor)
        if not staff:
            raise HTTPException(
                409,
                "还没有接收测试消息的账号：请在聊天里发送“绑定工作人员”，把收到的绑定码填到后台“修改密码”页面的“绑定我的聊天账号”"
                '（或配置 WUFEI_CAMPAIGNS__STAFF，例如 ["web:staff1"]）',
            )
        session.expunge(campaign)
    results = send_test(campaign, staff, build_senders(settings, _factory(request)), now=now)
    out = [{"identity": i, "ok": ok, "reason": reason} for i, ok, reason in results]
    with transaction(_factory(request)) as session:
        audit.record(
            session, actor.name, "campaign.test", f"#{campaign_id} {campaign.name}", now=now,
            sent=sum(1 for r in out if r["ok"]), failed=sum(1 for r in out if not r["ok"]),
        )  # fmt: skip
    return out


@router.post("/campaigns/{campaign_id}/test")
def send_test_route(
    campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns", True))]
) -> list[dict[str, Any]]:
    """Test-send to your bound chat identity and WUFEI_CAMPAIGNS__STAFF; each identity with ok and reason."""
    return send_test_messages(request, campaign_id, actor)


def _transition(action: str) -> Any:
    def route(
        campaign_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("campaigns", True))]
    ) -> dict[str, Any]:
        now = utcnow()
        with transaction(_factory(request)) as session:
            campaign = get_campaign(session, campaign_id)
            before = campaign.state
            change_state(request, session, campaign, action, now=now)
            audit.record(
                session, actor.name, f"campaign.{action}", f"#{campaign.id} {campaign.name}", now=now,
                before=before, after=campaign.state,
            )  # fmt: skip
            session.flush()
            return status_of(session, campaign)

    route.__name__ = f"{action}_campaign"
    route.__doc__ = f"{ACTIONS[action]}活动；当前状态不允许时 409。"
    return route


for _action in ACTIONS:
    router.add_api_route(f"/campaigns/{{campaign_id}}/{_action}", _transition(_action), methods=["POST"])
