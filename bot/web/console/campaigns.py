"""/admin/campaigns and /admin/cells: the console pages for 宣传活动 and 无废细胞 (on top of admin_api_campaigns)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api import campaigns as core
from bot.web.admin_api.core import Offset, RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from campaigns import cells, figures, ledger, lifecycle, news, roster, runs, schedule, templates
from campaigns.models import Campaign
from campaigns.texts import CELL_STATUSES, STATE_NAMES

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("campaigns", "宣传活动", "/admin/campaigns", "campaigns")
add_nav("cells", "无废细胞", "/admin/cells", "cells")
LEDGER_PAGE = 50
MEMBERS_PAGE = 100
ROSTER_PAGE = 500
LIVE_STATES = ("scheduled", "running", "paused")
LUNAR_MONTH_NAMES = [f"{n}月" for n in "正二三四五六七八九十冬腊"]
LUNAR_DAY_NAMES = list(schedule.LUNAR_DAYS)
KIND_NAMES = {
    "now": "启动后立即发送",
    "once": "指定时间发送一次",
    "lunar": "每年农历某日",
    "cron": "按 cron 重复",
    "relative": "居民事件之后（如加入细胞 3 天后）",
}
REQUIRED = {
    "once": ("at", "请填写发送时间"),
    "cron": ("cron", "请填写 cron 表达式"),
    "relative": ("relative", "请填写相对时间，如 cell_join+3d"),
}
CampaignsRead = Annotated[ConsoleUser, Depends(console("campaigns"))]
CampaignsWrite = Annotated[ConsoleUser, Depends(console("campaigns", True))]
CellsRead = Annotated[ConsoleUser, Depends(console("cells"))]
CellsWrite = Annotated[ConsoleUser, Depends(console("cells", True))]


def _factory(request: Request) -> Any:
    return request.app.state.factory


# -- campaigns ------------------------------------------------------------------------------------------------------


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, user: CampaignsRead, state: str = "") -> Response:
    """宣传活动: every campaign with its state, schedule and progress."""
    with transaction(_factory(request)) as session:
        query = select(Campaign).order_by(Campaign.id.desc()).limit(500)
        if state:
            query = query.where(Campaign.state == state)
        found = list(session.scalars(query))
        counts = core.progress(session, [c.id for c in found])
        rows = [core.describe(session, c, counts[c.id]) for c in found]
    for row in rows:
        row["next_run_local"] = core.local_time(row["next_run_at"])
    return render(
        request,
        "campaigns.html",
        user,
        "campaigns",
        campaigns=rows,
        state=state,
        state_names=STATE_NAMES,
        can_write=user.can("campaigns", True),
        **messages(request),
    )


def _form_page(request: Request, user: ConsoleUser, form: dict[str, Any], error: str | None = None) -> Response:
    with transaction(_factory(request)) as session:
        segment_rows = core.segment_rows(session, now=utcnow())
    return render(
        request,
        "campaign_new.html",
        user,
        "campaigns",
        status=422 if error else 200,
        form=form,
        error=error,
        segments=segment_rows,
        channels=[c for c in lifecycle.CHANNELS if c != "console"],
        channel_names=core.CHANNEL_NAMES,
        kinds=KIND_NAMES,
        months=LUNAR_MONTH_NAMES,
        days=LUNAR_DAY_NAMES,
    )


EMPTY_FORM: dict[str, Any] = {
    "name": "",
    "text": "",
    "link": "",
    "segment": "",
    "channels": ["web", "wechat", "telegram"],
    "kind": "now",
    "at": "",
    "cron": "",
    "lunar_month": 1,
    "lunar_day": 1,
    "lunar_leap": False,
    "lunar_time": "09:00",
    "relative": "",
    "variant_web": "",
    "variant_wechat": "",
    "variant_telegram": "",
    "template_id": "",
    "template_url": "",
    "template_fields": "",
    "news_title": "",
    "news_description": "",
    "news_picurl": "",
    "news_url": "",
}
VARIANT_CHANNELS = ("web", "wechat", "telegram")


def extras_of(form: dict[str, Any]) -> dict[str, Any]:
    """The API's `variants`, `wechat_template` and `news` from the form; TemplateError or NewsError (the CLI's
    message) for a bad field."""
    variants = {ch: form[f"variant_{ch}"] for ch in VARIANT_CHANNELS if str(form[f"variant_{ch}"]).strip()}
    article = news.from_fields(*(str(form[f"news_{k}"]) for k in ("title", "description", "picurl", "url")))
    lines = [line for line in str(form["template_fields"]).splitlines() if line.strip()]
    if not str(form["template_id"]).strip() and not lines and not str(form["template_url"]).strip():
        return {"variants": variants, "wechat_template": None, "news": article}
    wechat = templates.from_fields(form["template_id"], lines, url=form["template_url"].strip() or None)
    return {"variants": variants, "wechat_template": wechat, "news": article}


@router.get("/campaigns/new", response_class=HTMLResponse)
def new_campaign_page(request: Request, user: CampaignsWrite) -> Response:
    """The create form: text, link, segment, channels and the schedule (incl. 农历 dates)."""
    return _form_page(request, user, dict(EMPTY_FORM))


def schedule_of(form: dict[str, Any]) -> dict[str, Any]:
    """The API's schedule object from the form's fields."""
    kind = form["kind"]
    if kind == "once":
        return {"at": form["at"]}
    if kind == "cron":
        return {"cron": form["cron"]}
    if kind == "lunar":
        prefix = "L" if form["lunar_leap"] else ""
        return {
            "lunar": f"{prefix}{int(form['lunar_month']):02d}-{int(form['lunar_day']):02d}",
            "time": form["lunar_time"],
        }
    if kind == "relative":
        return {"relative": form["relative"]}
    return {}


@router.post("/campaigns", response_class=HTMLResponse)
def create_campaign(
    request: Request,
    user: CampaignsWrite,
    name: Annotated[str, Form(max_length=128)] = "",
    text: Annotated[str, Form(max_length=2000)] = "",
    link: Annotated[str, Form(max_length=512)] = "",
    segment: Annotated[str, Form(max_length=64)] = "",
    channels: Annotated[list[str] | None, Form()] = None,
    kind: Annotated[str, Form(max_length=16)] = "now",
    at: Annotated[str, Form(max_length=64)] = "",
    cron: Annotated[str, Form(max_length=64)] = "",
    lunar_month: Annotated[int, Form(ge=1, le=12)] = 1,
    lunar_day: Annotated[int, Form(ge=1, le=30)] = 1,
    lunar_leap: Annotated[str, Form(max_length=8)] = "",
    lunar_time: Annotated[str, Form(max_length=5)] = "09:00",
    relative: Annotated[str, Form(max_length=32)] = "",
    variant_web: Annotated[str, Form(max_length=2000)] = "",
    variant_wechat: Annotated[str, Form(max_length=2000)] = "",
    variant_telegram: Annotated[str, Form(max_length=2000)] = "",
    template_id: Annotated[str, Form(max_length=128)] = "",
    template_url: Annotated[str, Form(max_length=512)] = "",
    template_fields: Annotated[str, Form(max_length=4000)] = "",
    news_title: Annotated[str, Form(max_length=200)] = "",
    news_description: Annotated[str, Form(max_length=500)] = "",
    news_picurl: Annotated[str, Form(max_length=1000)] = "",
    news_url: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Create a draft and go to its page; the form comes back with the reason when something is wrong."""
    form = {
        "name": name, "text": text, "link": link, "segment": segment, "channels": channels or [], "kind": kind,
        "at": at, "cron": cron, "lunar_month": lunar_month, "lunar_day": lunar_day, "lunar_leap": bool(lunar_leap),
        "lunar_time": lunar_time, "relative": relative, "variant_web": variant_web, "variant_wechat": variant_wechat,
        "variant_telegram": variant_telegram, "template_id": template_id, "template_url": template_url,
        "template_fields": template_fields, "news_title": news_title, "news_description": news_description,
        "news_picurl": news_picurl, "news_url": news_url,
    }  # fmt: skip
    if kind not in KIND_NAMES:
        return _form_page(request, user, form, "请选择发送时间的方式")
    if not name.strip() or not text.strip():
        return _form_page(request, user, form, "活动名称和内容都不能为空")
    if not channels:
        return _form_page(request, user, form, "请至少选择一个渠道")
    missing = REQUIRED.get(kind)
    if missing and not str(form[missing[0]]).strip():
        return _form_page(request, user, form, missing[1])
    try:
        extras = extras_of(form)
    except (templates.TemplateError, news.NewsError) as exc:
        return _form_page(request, user, form, str(exc))
    try:
        body = core.CampaignIn(
            name=name.strip(),
            text=text,
            link=link.strip() or None,
            segment=segment or None,
            channels=channels,
            schedule=core.ScheduleIn(**schedule_of(form)),
            **extras,
        )
    except ValidationError as exc:
        return _form_page(request, user, form, f"填写有误：{exc.errors()[0].get('msg', '')}")
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            campaign = core.create_campaign(session, body, now=now)
            audit.record(
                session, user.actor.name, "campaign.create", f"#{campaign.id} {campaign.name}", now=now,
                schedule=campaign.schedule_kind, expr=campaign.schedule_expr, segment=body.segment,
            )  # fmt: skip
            campaign_id = campaign.id
    except HTTPException as exc:
        return _form_page(request, user, form, str(exc.detail))
    return back(f"/admin/campaigns/{campaign_id}", ok="已创建草稿。确认人数并测试发送后，点“启动”开始排期。")


def _ledger_query(status: str, channel: str, **more: Any) -> str:
    params = {k: v for k, v in {"status": status, "channel": channel, **more}.items() if v not in ("", None)}
    return urlencode(params)


@router.get("/campaigns/{campaign_id}", response_class=HTMLResponse)
def campaign_page(
    campaign_id: RowId,
    request: Request,
    user: CampaignsRead,
    status: str = "",
    channel: str = "",
    after_id: int | None = None,
    preview: bool = False,
) -> Response:
    """One campaign: its content and schedule, actions, live progress and the ledger (filtered, paged)."""
    filters = core.ledger_filters([status] if status else None, [channel] if channel else None)
    with transaction(_factory(request)) as session:
        campaign = core.get_campaign(session, campaign_id)
        info = core.describe(session, campaign)
        progress = core.status_of(session, campaign)
        days = figures.daily(session, campaign.id, now=utcnow())
        consent = request.app.state.settings.campaigns.consent
        audience = runs.preview(session, campaign, now=utcnow(), consent=consent) if preview else None
        got = ledger.page(session, campaign_id, **filters, after_id=after_id, limit=LEDGER_PAGE)
        staff = core.test_recipients(session, request.app.state.settings.campaigns.staff, user.actor)
    rows = [core.ledger_row(r) | {"sent_local": core.local_time(r["sent_at"])} for r in got.rows]
    return render(
        request,
        "campaign.html",
        user,
        "campaigns",
        c=info,
        p=progress,
        days=days,
        audience=audience,
        reasons=core.REASONS,
        rows=rows,
        total=got.total,
        state_filter=status,
        channel=channel,
        after_id=after_id,
        next_query=_ledger_query(status, channel, after_id=got.next_after_id) if got.next_after_id else None,
        filter_query=_ledger_query(status, channel),
        states=core.DELIVERY_STATES,
        channel_names=core.CHANNEL_NAMES,
        actions=[a for a in core.ACTIONS if campaign.state in lifecycle.TRANSITIONS[a]],
        action_names=core.ACTIONS,
        live=info["state"] in LIVE_STATES,
        staff=staff,
        can_write=user.can("campaigns", True),
        **messages(request),
    )


@router.get("/campaigns/{campaign_id}/status.json")
def campaign_status(campaign_id: RowId, request: Request, user: CampaignsRead) -> JSONResponse:
    """The live figures the detail page polls every few seconds."""
    with transaction(_factory(request)) as session:
        data = core.status_of(session, core.get_campaign(session, campaign_id))
    return JSONResponse(data, headers={"Cache-Control": "no-store"})


@router.post("/campaigns/{campaign_id}/test")
def test_campaign(campaign_id: RowId, request: Request, user: CampaignsWrite) -> Response:
    """Test-send to your bound chat identity and the configured staff identities."""
    path = f"/admin/campaigns/{campaign_id}"
    try:
        results = core.send_test_messages(request, campaign_id, user.actor)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    ok = [r["identity"] for r in results if r["ok"]]
    failed = [f"{r['identity']}（{r['reason']}）" for r in results if not r["ok"]]
    text = f"测试消息已发给 {len(ok)} 个账号：{'、'.join(ok) or '无'}"
    if failed:
        return back(path, error=text + f"；失败：{'、'.join(failed)}")
    return back(path, ok=text)


@router.post("/campaigns/{campaign_id}/{action}")
def campaign_action(campaign_id: RowId, action: str, request: Request, user: CampaignsWrite) -> Response:
    """启动 / 暂停 / 继续 / 取消."""
    if action not in core.ACTIONS:
        raise HTTPException(404, "没有这个操作")
    path = f"/admin/campaigns/{campaign_id}"
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            campaign = core.get_campaign(session, campaign_id)
            before = campaign.state
            core.change_state(request, session, campaign, action, now=now)
            audit.record(
                session, user.actor.name, f"campaign.{action}", f"#{campaign.id} {campaign.name}", now=now,
                before=before, after=campaign.state,
            )  # fmt: skip
            state = campaign.state
            next_run = campaign.next_run_at
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    text = f"已{core.ACTIONS[action]}，当前状态：{STATE_NAMES.get(state, state)}"
    if action == "start" and next_run is not None:
        text += f"，将于 {core.local_time(next_run)}（北京时间）发送"
    return back(path, ok=text)


@router.get("/campaigns/{campaign_id}/ledger.csv")
def campaign_ledger_csv(
    campaign_id: RowId, request: Request, user: CampaignsRead, status: str = "", channel: str = ""
) -> Response:
    """The ledger (with the page's filters) as CSV."""
    filters = core.ledger_filters([status] if status else None, [channel] if channel else None)
    return core.ledger_download(request, campaign_id, filters, user.actor)


# -- cells ----------------------------------------------------------------------------------------------------------


@router.get("/cells", response_class=HTMLResponse)
def cells_page(request: Request, user: CellsRead, township: str = "", status: str = "", type: str = "") -> Response:
    """无废细胞: the list (filtered by township, status, type), create and import."""
    with transaction(_factory(request)) as session:
        every = [core.cell_json(c, n) for c, n in cells.list_cells(session)]
    rows = [
        c
        for c in every
        if (not township or c["township"] == township)
        and (not status or c["status"] == status)
        and (not type or c["type"] == type)
    ]
    for row in rows:
        row["status_local"] = core.local_time(row["status_at"])[:10]
    counts = {s: sum(1 for c in every if c["status"] == s) for s in CELL_STATUSES}
    return render(
        request,
        "cells.html",
        user,
        "cells",
        cells=rows,
        total=len(every),
        counts=counts,
        townships=sorted({c["township"] for c in every}),
        township=township,
        status_filter=status,
        type=type,
        statuses=CELL_STATUSES,
        types=request.app.state.settings.campaigns.cell_types,
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells")
def create_cell(
    request: Request,
    user: CellsWrite,
    type: Annotated[str, Form(max_length=16)] = "",
    name: Annotated[str, Form(max_length=128)] = "",
    township: Annotated[str, Form(max_length=64)] = "",
    status: Annotated[str, Form(max_length=16)] = "",
    contact_name: Annotated[str, Form(max_length=64)] = "",
    contact_phone: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Add one cell."""
    now = utcnow()
    try:
        body = core.CellIn(
            type=type,
            name=name,
            township=township,
            status=status or None,
            contact_name=contact_name or None,
            contact_phone=contact_phone or None,
        )
    except ValidationError:
        return back("/admin/cells", error="请填写细胞的类型、名称和乡镇（街道）")
    try:
        with transaction(_factory(request)) as session:
            cell = core.create_cell(request, session, body, now=now)
            audit.record(
                session, user.actor.name, "cell.create", cell.name, now=now, id=cell.id, township=cell.township
            )
            cell_id, cell_name = cell.id, cell.name
    except HTTPException as exc:
        return back("/admin/cells", error=str(exc.detail))
    return back(f"/admin/cells/{cell_id}", ok=f"已添加无废细胞“{cell_name}”")


@router.post("/cells/import")
async def import_cells(request: Request, user: CellsWrite, file: UploadFile) -> Response:
    """Import cells from an uploaded CSV/XLSX; the message lists the bad rows by line."""
    data = await file.read(core.MAX_IMPORT_BYTES + 1)
    try:
        report = core.import_cells(request, data, file.filename or "upload.csv", user.actor)
    except HTTPException as exc:
        return back("/admin/cells", error=str(exc.detail))
    summary = "导入完成：" + core.import_summary(report)
    return back("/admin/cells", error=summary) if report.bad else back("/admin/cells", ok=summary)


@router.get("/cells/{cell_id}", response_class=HTMLResponse)
def cell_page(
    cell_id: RowId, request: Request, user: CellsRead, offset: Offset = 0, roster_state: str = ""
) -> Response:
    """One cell: details, status history, status change, members (paged), the resident list (joined or not)."""
    offset = max(0, offset)
    roster_state = roster_state if roster_state in roster.STATE_NAMES else ""
    with transaction(_factory(request)) as session:
        cell = core.get_cell(session, cell_id)
        total = core.member_count(session, cell.id)
        info = core.cell_json(cell, total)
        member_rows = core.members(session, cell.id, offset=offset, limit=MEMBERS_PAGE)
        roster_counts = roster.summary(session, cell.id)
        roster_rows = roster.entries(session, cell.id, state=roster_state, limit=ROSTER_PAGE)
    history = [{"status": h.get("status"), "at": core.local_time(h.get("at"))} for h in info["history"]]
    position = CELL_STATUSES.index(info["status"]) if info["status"] in CELL_STATUSES else -1
    next_status = CELL_STATUSES[position + 1] if 0 <= position < len(CELL_STATUSES) - 1 else None
    return render(
        request,
        "cell.html",
        user,
        "cells",
        cell=info,
        history=history,
        members=member_rows,
        offset=offset,
        page=MEMBERS_PAGE,
        channel_names=core.CHANNEL_NAMES,
        statuses=CELL_STATUSES,
        next_status=next_status,
        roster=roster_counts,
        roster_rows=roster_rows,
        roster_state=roster_state,
        roster_states=roster.STATE_NAMES,
        roster_page=ROSTER_PAGE,
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells/{cell_id}/roster/clear")
def clear_roster(cell_id: RowId, request: Request, user: CellsWrite) -> Response:
    """Delete the cell's resident list (audited)."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        cell = core.get_cell(session, cell_id)
        n = roster.clear(session, cell.id)
        audit.record(session, user.actor.name, "cell.roster_clear", cell.name, now=now, id=cell.id, removed=n)
    return back(f"/admin/cells/{cell_id}", ok=f"已删除居民名单（{n} 人）")


@router.post("/cells/{cell_id}/roster")
async def import_roster(cell_id: RowId, request: Request, user: CellsWrite, file: UploadFile) -> Response:
    """Import the cell's resident list from an uploaded CSV/XLSX; the message lists the bad rows by line."""
    path = f"/admin/cells/{cell_id}"
    data = await file.read(core.MAX_IMPORT_BYTES + 1)
    try:
        report = core.import_roster(request, cell_id, data, file.filename or "upload.csv", user.actor)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    summary = f"名单导入完成：新增 {report.added} 人，已在名单上 {report.updated} 人"
    if report.bad:
        shown = "；".join(f"第 {n} 行：{r}" for n, r in report.bad[:10])
        more = f"（另有 {len(report.bad) - 10} 行）" if len(report.bad) > 10 else ""
        return back(path, error=f"{summary}，有问题的行 {len(report.bad)} 个：{shown}{more}")
    return back(path, ok=summary)


@router.post("/cells/{cell_id}/status")
def cell_status(
    cell_id: RowId, request: Request, user: CellsWrite, status: Annotated[str, Form(max_length=16)] = ""
) -> Response:
    """Move a cell to a status."""
    path = f"/admin/cells/{cell_id}"
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            cell = core.get_cell(session, cell_id)
            before = cell.status
            core.change_cell_status(session, cell, status.strip(), now=now)
            audit.record(
                session, user.actor.name, "cell.status", cell.name, now=now, id=cell.id, before=before,
                after=cell.status,
            )  # fmt: skip
            name = cell.name
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    return back(path, ok=f"“{name}”的状态已改为：{status.strip()}")


@router.get("/cells/{cell_id}/print", response_class=HTMLResponse)
def cell_print(cell_id: RowId, request: Request, user: CellsRead) -> Response:
    """A printable sheet: the WeChat QR code (when created) and the other ways to join the cell."""
    with transaction(_factory(request)) as session:
        info = core.join_info(request, session, core.get_cell(session, cell_id))
    return render(
        request,
        "cell_print.html",
        user,
        "cells",
        j=info,
        cell=info["cell"],
        can_write=user.can("cells", True),
        **messages(request),
    )


@router.post("/cells/{cell_id}/qrcode")
def cell_qrcode(cell_id: RowId, request: Request, user: CellsWrite) -> Response:
    """Create the cell's permanent WeChat QR code and come back to the print view."""
    path = f"/admin/cells/{cell_id}/print"
    try:
        core.create_qrcode(request, cell_id, user.actor)
    except HTTPException as exc:
        if exc.status_code == 404:
            raise
        return back(path, error=str(exc.detail))
    return back(path, ok="已生成微信二维码（永久有效，扫码即加入本细胞）")
