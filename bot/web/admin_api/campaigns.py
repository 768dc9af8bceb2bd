"""/api/admin: 宣传活动 (campaigns, segments, the ledger) and 无废细胞 (cells, imports, members, QR codes)."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import tabular
from bot.admin import audit
from bot.admin.accounts import Actor
from bot.admin.models import StaffUser
from bot.db import transaction, utcnow
from bot.documents import read_table
from bot.web.admin_api.core import Cursor, Offset, RowId
from bot.web.admin_auth import api
from campaigns import cells, content, figures, ledger, lifecycle, news, roster, runs, schedule, segments, templates
from campaigns.cells import ImportReport
from campaigns.lifecycle import CampaignError
from campaigns.models import Campaign, Cell, CellMember, ChannelIdentity, Delivery, Resident, Segment
from campaigns.texts import CELL_STATUSES, DELIVERY_STATES, LEDGER_COLUMNS, REASONS, STATE_NAMES

router = APIRouter(prefix="/api/admin", tags=["admin: 宣传活动与无废细胞"])
MAX_IMPORT_BYTES = 5 * 1024 * 1024
ACTIONS = {"start": "启动", "pause": "暂停", "resume": "继续", "cancel": "取消"}
CHANNEL_NAMES = {"web": "网页", "wechat": "微信", "telegram": "Telegram", "console": "控制台"}
VIA_NAMES = {"qr": "扫码", "link": "链接", "chat": "聊天指令", "import": "导入"}


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
    """State and counts: targeted, pending, sent, failed, skipped (with reasons), runs."""
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


def ledger_filters(status: list[str] | None, channel: list[str] | None) -> dict[str, Any]:
    """Checked ledger filters; HTTP 422 for an unknown state."""
    wanted = [s for s in status or [] if s]
    unknown = [s for s in wanted if s not in ledger.STATES]
    if unknown:
        raise HTTPException(422, f"未知的发送状态：{'、'.join(unknown)}（可用：{'、'.join(ledger.STATES)}）")
    return {"status": wanted or None, "channel": [c for c in channel or [] if c] or None}


def ledger_row(r: dict[str, Any]) -> dict[str, Any]:
    """A ledger row with Chinese names for its state, reason and channel."""
    return {
        **r,
        "state_name": DELIVERY_STATES.get(r["state"], r["state"]),
        "reason_name": REASONS.get(r["reason"], r["reason"]) if r["reason"] else "",
        "channel_name": CHANNEL_NAMES.get(r["channel"] or "", r["channel"] or ""),
    }


@router.get("/campaigns/{campaign_id}/ledger")
def ledger_page(
    campaign_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    status: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
    after_id: Cursor = None,
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """One page of the per-recipient ledger; `status` and `channel` may repeat; page on with `next_after_id`."""
    filters = ledger_filters(status, channel)
    with transaction(_factory(request)) as session:
        get_campaign(session, campaign_id)
        got = ledger.page(session, campaign_id, **filters, after_id=after_id, offset=offset, limit=limit)
    return {"total": got.total, "next_after_id": got.next_after_id, "rows": [ledger_row(r) for r in got.rows]}


def ledger_csv(factory: Any, campaign_id: int, filters: dict[str, Any]) -> Iterator[str]:
    """The ledger as CSV (UTF-8 with BOM), page by page: memory stays flat however large the campaign."""
    out = io.StringIO()
    writer = tabular.csv_writer(out, bom=True)
    writer.writerow(LEDGER_COLUMNS.values())
    after: int | None = None
    while True:
        with transaction(factory) as session:
            got = ledger.page(session, campaign_id, **filters, after_id=after, limit=1000)
        writer.writerows(ledger.csv_values(r) for r in got.rows)
        yield out.getvalue()
        out.seek(0)
        out.truncate()
        if got.next_after_id is None:
            return
        after = got.next_after_id


def ledger_download(request: Request, campaign_id: int, filters: dict[str, Any], actor: Actor) -> Response:
    """The CSV download response (the export is audited)."""
    with transaction(_factory(request)) as session:
        campaign = get_campaign(session, campaign_id)
        audit.record(
            session, actor.name, "campaign.export", f"#{campaign.id} {campaign.name}", now=utcnow(),
            **{k: v for k, v in filters.items() if v},
        )  # fmt: skip
    return StreamingResponse(
        ledger_csv(_factory(request), campaign_id, filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="campaign-{campaign_id}-ledger.csv"'},
    )


@router.get("/campaigns/{campaign_id}/ledger.csv", response_class=Response)
def ledger_export(
    campaign_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    status: Annotated[list[str] | None, Query()] = None,
    channel: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """Every matching ledger row as CSV (UTF-8 with BOM, opens in Excel)."""
    return ledger_download(request, campaign_id, ledger_filters(status, channel), actor)


# -- segments -------------------------------------------------------------------------------------------------------


def segment_rows(session: Session, *, now: dt.datetime) -> list[dict[str, Any]]:
    """Saved segments with their current counts."""
    return [
        {"id": s.id, "name": s.name, "rules": s.rules, "count": segments.count(session, s.rules, now=now)}
        for s in session.scalars(select(Segment).order_by(Segment.name))
    ]


@router.get("/segments")
def list_segments(request: Request, actor: Annotated[Actor, Depends(api("campaigns"))]) -> list[dict[str, Any]]:
    """Saved segments and how many residents each matches now."""
    with transaction(_factory(request)) as session:
        return segment_rows(session, now=utcnow())


@router.get("/segments/preview")
def preview_segment(
    request: Request,
    actor: Annotated[Actor, Depends(api("campaigns"))],
    name: Annotated[str | None, Query(max_length=64)] = None,
    where: Annotated[list[str] | None, Query(description="字段=值，可重复，如 township=新建路街道")] = None,
) -> dict[str, Any]:
    """How many residents a saved segment (`name`) or ad-hoc rules (`where`) match, and how many can be pushed to."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        if name:
            segment = segments.get(session, name)
            if segment is None:
                raise HTTPException(404, f"没有名为“{name}”的分组")
            rules = dict(segment.rules)
        else:
            try:
                rules = segments.parse_rules(where or [])
            except segments.SegmentError as exc:
                raise HTTPException(422, str(exc)) from None
        n = segments.count(session, rules, now=now)
        mode = request.app.state.settings.campaigns.consent
        reachable = segments.count(session, {**rules, "consent": True, "status": "active"}, now=now, consent_mode=mode)
        return {"rules": rules, "count": n, "reachable": reachable}


class SegmentIn(BaseModel):
    """Segment rules: every rule must hold; a list value means any of (see `wufei segments create --help`)."""

    rules: dict[str, Any] = Field(max_length=20)


@router.put("/segments/{name}")
def save_segment(
    name: str, body: SegmentIn, request: Request, actor: Annotated[Actor, Depends(api("campaigns", True))]
) -> dict[str, Any]:
    """Create or replace a named segment."""
    name = name.strip()
    if not name or len(name) > 64:
        raise HTTPException(422, "分组名称应为 1–64 个字")
    now = utcnow()
    with transaction(_factory(request)) as session:
        try:
            segment = segments.save(session, name, body.rules, now=now)
        except segments.SegmentError as exc:
            raise HTTPException(422, str(exc)) from None
        audit.record(session, actor.name, "segment.save", name, now=now, rules=segment.rules)
        count = segments.count(session, segment.rules, now=now)
        return {"id": segment.id, "name": segment.name, "rules": segment.rules, "count": count}


# -- cells ----------------------------------------------------------------------------------------------------------


def cell_json(cell: Cell, members: int | None = None) -> dict[str, Any]:
    """A cell as JSON."""
    return {
        "id": cell.id,
        "type": cell.type,
        "name": cell.name,
        "township": cell.township,
        "status": cell.status,
        "status_at": cell.status_at.isoformat(),
        "history": list(cell.history or []),
        "contact_name": cell.contact_name,
        "contact_phone": cell.contact_phone,
        "scene": f"cell_{cell.id}",
        "created_at": cell.created_at.isoformat(),
        **({"members": members} if members is not None else {}),
    }


def get_cell(session: Session, cell_id: int) -> Cell:
    """The cell, or HTTP 404."""
    cell = session.get(Cell, cell_id)
    if cell is None:
        raise HTTPException(404, f"没有编号为 {cell_id} 的无废细胞")
    return cell


def member_count(session: Session, cell_id: int) -> int:
    """How many residents joined the cell."""
    return int(session.execute(select(func.count()).where(CellMember.cell_id == cell_id)).scalar_one())


@router.get("/cells")
def list_cells(request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> list[dict[str, Any]]:
    """Every cell with its status and member count, by township and name."""
    with transaction(_factory(request)) as session:
        return [cell_json(c, n) for c, n in cells.list_cells(session)]


class CellIn(BaseModel):
    """A new 无废细胞."""

    type: str = Field(min_length=1, max_length=16)
    name: str = Field(min_length=1, max_length=128)
    township: str = Field(min_length=1, max_length=64)
    status: str | None = Field(default=None, description=" → ".join(CELL_STATUSES))
    contact_name: str | None = Field(default=None, max_length=64)
    contact_phone: str | None = Field(default=None, max_length=32)


def create_cell(request: Request, session: Session, body: CellIn, *, now: dt.datetime) -> Cell:
    """Add one cell (checked like an imported row); HTTP 409 when it exists, 422 when a field is wrong."""
    name, township = body.name.strip(), body.township.strip()
    exists = session.execute(select(Cell.id).where(Cell.name == name, Cell.township == township)).first()
    if exists:
        raise HTTPException(409, f"{township}已有名为“{name}”的无废细胞（编号 {exists[0]}）")
    row = {"类型": body.type, "名称": name, "乡镇街道": township, "状态": body.status or ""}
    row |= {"联系人": body.contact_name or "", "电话": body.contact_phone or ""}
    report = cells.import_rows(session, [row], types=request.app.state.settings.campaigns.cell_types, now=now)
    if report.bad:
        raise HTTPException(422, report.bad[0][1])
    return session.execute(select(Cell).where(Cell.name == name, Cell.township == township)).scalar_one()


@router.post("/cells", status_code=201)
def create_cell_route(
    body: CellIn, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Create a cell (status 申报 unless given)."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = create_cell(request, session, body, now=now)
        audit.record(session, actor.name, "cell.create", cell.name, now=now, id=cell.id, township=cell.township)
        return cell_json(cell, 0)


def import_roster(request: Request, cell_id: int, data: bytes, filename: str, actor: Actor) -> roster.RosterReport:
    """Import a cell's resident list (bad rows reported, good rows kept); 404/413/415/422 as for cells."""
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise HTTPException(415, "只支持 .csv 和 .xlsx 文件")
    now = utcnow()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            with transaction(_factory(request)) as session:
                cell = get_cell(session, cell_id)
                report = roster.import_rows(session, read_table(path), cell=cell, now=now)
                audit.record(
                    session, actor.name, "cell.roster_import", cell.name, now=now, id=cell.id,
                    added=report.added, updated=report.updated, bad=len(report.bad),
                )  # fmt: skip
        except ValueError as exc:  # unreadable file: nothing is kept
            raise HTTPException(422, str(exc) or "无法读取文件") from None
    return report


def import_cells(request: Request, data: bytes, filename: str, actor: Actor) -> ImportReport:
    """Import an uploaded CSV/XLSX (bad rows reported, good rows kept); 413/415/422 when the file cannot be read."""
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"文件过大（上限 {MAX_IMPORT_BYTES // 1024 // 1024} MB）")
    suffix = Path(filename).suffix.lower()
    if suffix not in (".csv", ".xlsx", ".xlsm"):
        raise HTTPException(415, "只支持 .csv 和 .xlsx 文件")
    now = utcnow()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        try:
            with transaction(_factory(request)) as session:
                report = cells.import_rows(
                    session, read_table(path), types=request.app.state.settings.campaigns.cell_types, now=now
                )
                audit.record(
                    session, actor.name, "cell.import", filename[:128], now=now,
                    added=report.added, updated=report.updated, bad=len(report.bad),
                )  # fmt: skip
        except ValueError as exc:  # unreadable file: nothing is kept
            raise HTTPException(422, str(exc) or "无法读取文件") from None
    return report


def import_summary(report: ImportReport) -> str:
    """ "新增 3 个，更新 1 个，有问题的行 1 个：第 4 行：缺少名称"."""
    text = f"新增 {report.added} 个，更新 {report.updated} 个，有问题的行 {len(report.bad)} 个"
    if report.bad:
        text += "：" + "；".join(f"第 {n} 行：{r}" for n, r in report.bad[:20])
        text += "……" if len(report.bad) > 20 else ""
    return text


@router.post("/cells/import")
async def import_route(
    request: Request, file: UploadFile, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Import cells from CSV/XLSX (列：类型、名称、乡镇街道、状态、日期、联系人、电话); upsert by name + township."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    report = import_cells(request, data, file.filename or "upload.csv", actor)
    return {
        "added": report.added,
        "updated": report.updated,
        "bad": [{"line": n, "reason": r} for n, r in report.bad],
        "summary": import_summary(report),
    }


@router.get("/cells/{cell_id}")
def show_cell(cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> dict[str, Any]:
    """One cell with its status history and member count."""
    with transaction(_factory(request)) as session:
        cell = get_cell(session, cell_id)
        return cell_json(cell, member_count(session, cell.id))


class CellStatusIn(BaseModel):
    """A cell's new status."""

    status: str = Field(description=" → ".join(CELL_STATUSES))


def change_cell_status(session: Session, cell: Cell, status: str, *, now: dt.datetime) -> None:
    """Move a cell to a status; HTTP 422 for an unknown one."""
    if status not in CELL_STATUSES:
        raise HTTPException(422, f"未知的状态：{status}（可选：{' → '.join(CELL_STATUSES)}）")
    cells.set_status(cell, status, at=now)


@router.post("/cells/{cell_id}/status")
def cell_status(
    cell_id: RowId, body: CellStatusIn, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Change a cell's status (申报 → 创建中 → 已命名 → 复核); the dated history keeps every change."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = get_cell(session, cell_id)
        before = cell.status
        change_cell_status(session, cell, body.status.strip(), now=now)
        audit.record(
            session, actor.name, "cell.status", cell.name, now=now, id=cell.id, before=before, after=cell.status
        )
        return cell_json(cell, member_count(session, cell.id))


def members(session: Session, cell_id: int, *, offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of a cell's members, newest first, with their channels (names only) and push consent."""
    found = session.execute(
        select(CellMember, Resident)
        .join(Resident, Resident.id == CellMember.resident_id)
        .where(CellMember.cell_id == cell_id)
        .order_by(CellMember.joined_at.desc(), CellMember.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    ids = [r.id for _, r in found]
    channels: dict[int, list[str]] = {}
    if ids:
        for rid, channel in session.execute(
            select(ChannelIdentity.resident_id, ChannelIdentity.channel)
            .where(ChannelIdentity.resident_id.in_(ids))
            .order_by(ChannelIdentity.id)
        ).all():
            channels.setdefault(rid, []).append(channel)
    return [
        {
            "resident_id": r.id,
            "township": r.township,
            "community": r.community,
            "via": m.via,
            "via_name": VIA_NAMES.get(m.via, m.via),
            "joined_at": m.joined_at.isoformat(),
            "joined_local": local_time(m.joined_at),
            "channels": channels.get(r.id, []),
            "push_consent": r.push_consent,
            "status": r.status,
        }
        for m, r in found
    ]


@router.get("/cells/{cell_id}/members")
def cell_members(
    cell_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("cells"))],
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The cell's members, newest first."""
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
        return {
            "total": member_count(session, cell_id),
            "rows": members(session, cell_id, offset=offset, limit=limit),
        }


@router.get("/cells/{cell_id}/roster")
def cell_roster(
    cell_id: RowId,
    request: Request,
    actor: Annotated[Actor, Depends(api("cells"))],
    state: Annotated[str, Query(pattern="^(|joined|not_joined|unknown)$")] = "",
    offset: Offset = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    """The cell's resident list (names masked): counts, and a page of rows with joined / not_joined / unknown."""
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
        counts = roster.summary(session, cell_id)
        return {**counts, "rows": roster.entries(session, cell_id, state=state, offset=max(0, offset), limit=limit)}


@router.post("/cells/{cell_id}/roster")
async def cell_roster_import(
    cell_id: RowId, request: Request, file: UploadFile, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Import the cell's resident list from CSV/XLSX (列：姓名、细胞编号、渠道、渠道账号); bad rows by line."""
    data = await file.read(MAX_IMPORT_BYTES + 1)
    report = import_roster(request, cell_id, data, file.filename or "upload.csv", actor)
    return {"added": report.added, "updated": report.updated, "bad": [{"line": n, "reason": r} for n, r in report.bad]}


def join_info(request: Request, session: Session, cell: Cell) -> dict[str, Any]:
    """How residents join the cell: the scene, the chat command, Telegram's /start payload, a stored WeChat code."""
    from bot.channels.wechat_models import WechatQrcode

    settings = request.app.state.settings
    scene = f"cell_{cell.id}"
    code = session.execute(
        select(WechatQrcode)
        .where(WechatQrcode.scene == scene, WechatQrcode.permanent.is_(True))
        .order_by(WechatQrcode.id)
        .limit(1)
    ).scalar_one_or_none()
    wechat = None
    if code is not None:
        image = settings.wechat.qrcode_image_url
        wechat = {"ticket": code.ticket, "url": code.url, "image_url": f"{image}?ticket={_quote(code.ticket)}"}
    return {
        "cell": cell_json(cell),
        "scene": scene,
        "chat_command": f"加入无废细胞 {cell.id}",
        "telegram_start": f"/start {scene}",
        "wechat_configured": bool(settings.wechat.app_id and settings.wechat.app_secret.get_secret_value()),
        "wechat": wechat,
    }


def _quote(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


@router.get("/cells/{cell_id}/qrcode")
def cell_qrcode(cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells"))]) -> dict[str, Any]:
    """How to join the cell, with its permanent WeChat QR code once one was created (POST the same path)."""
    with transaction(_factory(request)) as session:
        return join_info(request, session, get_cell(session, cell_id))


def create_qrcode(request: Request, cell_id: int, actor: Actor) -> dict[str, Any]:
    """Create (or reuse) the cell's permanent WeChat QR code; 409 without WeChat credentials, 502 when WeChat fails."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    from bot.channels import wechat_admin

    settings = request.app.state.settings
    with transaction(_factory(request)) as session:
        get_cell(session, cell_id)
    client = wechat_admin.client_for(settings.wechat)
    if client is None:
        raise HTTPException(409, "未配置微信公众号（WUFEI_WECHAT__APP_ID 与 APP_SECRET），无法生成微信二维码")
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            cell = get_cell(session, cell_id)
            wechat_admin.qrcode(session, client, scene=f"cell_{cell.id}", expire_seconds=None, now=now)
            audit.record(session, actor.name, "cell.qrcode", cell.name, now=now, id=cell.id)
    except WeChatClientException as exc:
        raise HTTPException(502, f"微信接口返回错误：{exc.errcode} {str(exc.errmsg or '')[:100]}") from None
    except requests.RequestException as exc:
        raise HTTPException(502, f"连接微信接口失败：{type(exc).__name__}") from None
    with transaction(_factory(request)) as session:
        return join_info(request, session, get_cell(session, cell_id))


@router.post("/cells/{cell_id}/qrcode")
def cell_qrcode_create(
    cell_id: RowId, request: Request, actor: Annotated[Actor, Depends(api("cells", True))]
) -> dict[str, Any]:
    """Create the cell's permanent WeChat QR code (reused when it exists)."""
    return create_qrcode(request, cell_id, actor)
