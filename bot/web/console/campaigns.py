"""/admin/campaigns: the console pages for 宣传活动 (on top of bot.web.admin_api.campaigns and .ledger)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from bot.admin import audit
from bot.db import transaction, utcnow
from bot.web.admin_api import campaigns as core
from bot.web.admin_api import ledger as ledger_api
from bot.web.admin_api import segments as segments_api
from bot.web.admin_api.core import RowId
from bot.web.admin_auth import ConsoleUser, console
from bot.web.console.pages import add_nav, back, messages, render
from campaigns import figures, ledger, lifecycle, news, runs, schedule, templates
from campaigns.models import Campaign
from campaigns.texts import DELIVERY_STATES, REASONS, STATE_NAMES

router = APIRouter(prefix="/admin", include_in_schema=False)
add_nav("campaigns", "宣传活动", "/admin/campaigns", "campaigns")
LEDGER_PAGE = 50
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
        segment_rows = segments_api.segment_rows(session, now=utcnow())
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
    filters = ledger_api.ledger_filters([status] if status else None, [channel] if channel else None)
    with transaction(_factory(request)) as session:
        campaign = core.get_campaign(session, campaign_id)
        info = core.describe(session, campaign)
        progress = core.status_of(session, campaign)
        days = figures.daily(session, campaign.id, now=utcnow())
        consent = request.app.state.settings.campaigns.consent
        audience = runs.preview(session, campaign, now=utcnow(), consent=consent) if preview else None
        got = ledger.page(session, campaign_id, **filters, after_id=after_id, limit=LEDGER_PAGE)
        staff = core.test_recipients(session, request.app.state.settings.campaigns.staff, user.actor)
    rows = [ledger_api.ledger_row(r) | {"sent_local": core.local_time(r["sent_at"])} for r in got.rows]
    return render(
        request,
        "campaign.html",
        user,
        "campaigns",
        c=info,
        p=progress,
        days=days,
        audience=audience,
        reasons=REASONS,
        rows=rows,
        total=got.total,
        state_filter=status,
        channel=channel,
        after_id=after_id,
        next_query=_ledger_query(status, channel, after_id=got.next_after_id) if got.next_after_id else None,
        filter_query=_ledger_query(status, channel),
        states=DELIVERY_STATES,
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
    filters = ledger_api.ledger_filters([status] if status else None, [channel] if channel else None)
    return ledger_api.ledger_download(request, campaign_id, filters, user.actor)
