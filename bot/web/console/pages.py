"""/admin: the staff console (server-rendered pages) for the dashboard, knowledge, the 方案, users and the audit log."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from bot.admin import accounts, audit, audit_names, overview, throttle
from bot.admin.accounts import AccountError
from bot.admin.models import StaffUser
from bot.admin.roles import ROLE_NAMES, ROLES
from bot.db import transaction, utcnow
from bot.web.admin_api import core as admin_api
from bot.web.admin_api.core import Cursor, RowId
from bot.web.admin_auth import (
    COOKIE,
    DEVICE_COOKIE,
    ConsoleUser,
    admitted,
    check_password,
    client_address,
    console,
    login_step,
)
from knowledge import curation, plans
from knowledge.answer import CATEGORIES
from knowledge.curation import SOURCE_NAMES, CurationError
from knowledge.plan_models import PlanDocument

router = APIRouter(prefix="/admin", include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))  # bot/web/templates
templates.env.filters["bjt"] = audit_names.beijing  # every time in the console is Beijing time
templates.env.globals["action_name"] = audit_names.action_name
templates.env.globals["describe"] = audit_names.describe
LOGIN_CSRF = "wufei_login_csrf"
AUDIT_PAGE = 100


@dataclass(frozen=True)
class NavLink:
    """A console section added by a feature module."""

    key: str
    label: str
    href: str
    area: str


EXTRA_NAV: list[NavLink] = []


def add_nav(key: str, label: str, href: str, area: str) -> None:
    """Show another section in the console's menu (to users who may read `area`)."""
    if all(link.key != key for link in EXTRA_NAV):
        EXTRA_NAV.append(NavLink(key, label, href, area))


def render(
    request: Request, template: str, user: ConsoleUser | None, nav: str = "", *, status: int = 200, **ctx: Any
) -> Response:
    """A console page."""
    links = [link for link in EXTRA_NAV if user is not None and user.can(link.area)]
    context = {"user": user, "nav": nav, "role_names": ROLE_NAMES, "extra_nav": links, **ctx}
    return templates.TemplateResponse(request, f"admin/{template}", context, status_code=status)


ERROR_TITLES = {403: "没有权限", 404: "找不到页面", 405: "不支持的操作", 413: "文件过大", 422: "填写有误"}


def error_page(request: Request, status: int, detail: str) -> Response:
    """A console error as a page, not JSON."""
    title = ERROR_TITLES.get(status, "请求有误" if status < 500 else "服务器出错")
    return render(request, "error.html", None, status=status, title=title, detail=detail)


def back(path: str, *, ok: str | None = None, error: str | None = None) -> RedirectResponse:
    """Redirect after a POST, carrying a short message."""
    sep = "&" if "?" in path else "?"
    if ok:
        path += f"{sep}ok={quote(ok)}"
    elif error:
        path += f"{sep}error={quote(error)}"
    return RedirectResponse(path, status_code=303)


def messages(request: Request) -> dict[str, Any]:
    """The ok/error message a redirect carried."""
    return {"ok": request.query_params.get("ok"), "error": request.query_params.get("error")}


def _factory(request: Request) -> Any:
    return request.app.state.factory


def _safe_next(value: str | None) -> str:
    if not value:
        return "/admin"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or value.startswith("//"):
        return "/admin"
    return value


# -- login / logout ---------------------------------------------------------------------------------------------


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The login form (with a double-submit CSRF cookie)."""
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, login_csrf=token, next=_safe_next(next), **messages(request))
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/admin", secure=_https(request))
    return response


def _https(request: Request) -> bool:
    return request.url.scheme == "https" or request.headers.get("x-forwarded-proto") == "https"


@router.post("/login")
async def login(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Annotated[str, Form(max_length=64)] = "",
    next: Annotated[str, Form(max_length=512)] = "/admin",
) -> Response:
    """Check the password (the client throttle first, argon2 queued), open a session and set the cookies."""
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not secrets.compare_digest(expected.encode(), csrf_token.encode()):
        return back("/admin/login", error="登录页面已过期，请重新输入")
    factory = _factory(request)
    client = throttle.client_key(client_address(request))
    device = request.cookies.get(DEVICE_COOKIE) or None
    try:
        with admitted(known_device=device is not None):  # a flood is shed here, before it costs a database write
            opened = await _login(factory, name, password, client, device)
    except accounts.HashingBusy:
        return await login_step(_login_refused, request, next, 503, accounts.BUSY, 5)
    if isinstance(opened, _Refusal):  # the refusal pages are rendered off the event loop too
        return await login_step(_login_refused, request, next, opened.status, opened.message, opened.retry_after)
    cookie, device = opened
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        path="/admin",
        secure=_https(request),
        max_age=int(accounts.SESSION_TTL.total_seconds()),
    )
    response.set_cookie(
        DEVICE_COOKIE,
        device,
        httponly=True,
        samesite="strict",
        path="/admin/login",
        secure=_https(request),
        max_age=int(accounts.DEVICE_TTL.total_seconds()),
    )
    response.delete_cookie(LOGIN_CSRF, path="/admin")
    return response


@dataclass(frozen=True)
class _Refusal:
    status: int
    message: str = accounts.REFUSED
    retry_after: int = 0


async def _login(factory: Any, name: str, password: str, client: str, device: str | None) -> tuple[str, str] | _Refusal:
    """The login's three steps: short transactions around the slow check, so nothing is held while argon2 runs or waits."""
    attempt, decision = await login_step(_begin_login, factory, name, client, device)
    if not decision.allowed:
        return _Refusal(429, retry_after=decision.retry_after)
    try:
        password_ok = await check_password(attempt, password)
    except accounts.HashingBusy:
        await login_step(_give_back, factory, client, attempt)
        raise
    opened = await login_step(_finish_login, factory, attempt, password, password_ok, client)
    return _Refusal(401) if opened is None else opened


def _begin_login(
    factory: Any, name: str, client: str, device: str | None
) -> tuple[accounts.LoginAttempt, throttle.Decision]:
    """Read the user and reserve a failure for the client (a known device of that user skips the client throttle)."""
    now = utcnow()
    with transaction(factory) as session:
        attempt = accounts.begin_login(session, name, device=device, now=now)
        if attempt.trusted:
            return attempt, throttle.Decision(True)
        decision = throttle.reserve(session, client, now=now)
        if decision.block_started:  # one audit row per block, not one per refused request
            audit.record(
                session, attempt.name[:64] or "?", "login.throttled", client, now=now, seconds=decision.retry_after
            )
            throttle.purge(session, now=now)
    return attempt, decision


def _give_back(factory: Any, client: str, attempt: accounts.LoginAttempt) -> None:
    """The password was never checked (the queue was full): the client's reservation is returned."""
    if not attempt.trusted:
        with transaction(factory) as session:
            throttle.release(session, client, now=utcnow())


def _finish_login(
    factory: Any, attempt: accounts.LoginAttempt, password: str, password_ok: bool, client: str
) -> tuple[str, str] | None:
    """Open a session (returns the session and device cookies), or count the failure (returns None)."""
    now = utcnow()
    with transaction(factory) as session:  # a refusal commits too: the failure counters must be kept
        if accounts.admits(attempt, password_ok):
            user, device = accounts.login_succeeded(session, attempt, password, now=now)
            if not attempt.trusted:
                throttle.release(session, client, now=now)
            cookie, _ = accounts.open_session(session, user, now=now)
            audit.record(session, user.name, "login", now=now)
            return cookie, device
        reason = accounts.login_failed(session, attempt, password_ok=password_ok, now=now)
        audit.record(session, attempt.name[:64] or "?", "login.failed", client, now=now, reason=reason)
    return None


def _login_refused(request: Request, next: str, status: int, message: str, retry_after: int) -> Response:
    """The login form again with one message, whatever the reason (no hint which user names exist)."""
    token = secrets.token_urlsafe(24)
    response = render(
        request, "login.html", None, status=status, login_csrf=token, next=_safe_next(next), error=message
    )
    response.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", path="/admin", secure=_https(request))
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@router.post("/logout")
def logout(request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))]) -> Response:
    """End the session."""
    with transaction(_factory(request)) as session:
        accounts.close_session(session, request.cookies.get(COOKIE, ""))
        audit.record(session, user.actor.name, "logout", now=utcnow())
    response = RedirectResponse("/admin/login?ok=" + quote("已退出登录"), status_code=303)
    response.delete_cookie(COOKIE, path="/admin")
    return response


@router.get("/password", response_class=HTMLResponse)
def password_page(request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))]) -> Response:
    """Change your own password (required first after an admin reset it)."""
    with transaction(_factory(request)) as session:
        me = session.get(StaffUser, user.actor.user_id)
        bound = me.chat_identity if me is not None else None
    return render(
        request, "password.html", user, "password", forced=user.actor.must_change_password, chat_identity=bound,
        **messages(request),
    )  # fmt: skip


@router.post("/chat-identity", response_class=HTMLResponse)
def bind_chat_identity(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge"))],
    code: Annotated[str, Form(max_length=32)] = "",
    clear: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    """Bind (or unbind) your chat identity with a code the bot gave you ("绑定工作人员"); test sends go there. Audited."""
    from campaigns import binding
    from surveys.keys import resolve_salt

    settings = request.app.state.settings
    path = "/admin/password"
    now = utcnow()
    with transaction(_factory(request)) as session:
        me = session.get(StaffUser, user.actor.user_id)
        if me is None:
            return back(path, error="找不到您的账号")
        if clear:
            me.chat_identity = None
            audit.record(session, user.actor.name, "user.chat_identity", user.actor.name, now=now, identity=None)
            return back(path, ok="已解除绑定")
        salt = resolve_salt(settings.surveys.salt, settings.data_dir)
        try:
            found = binding.use_code(session, code, who=f"staff:{me.id}", salt=salt, now=now)
        except binding.BindRefused as exc:
            return back(path, error=str(exc))
        me.chat_identity = f"{found.channel}:{found.external_id}"
        audit.record(
            session, user.actor.name, "user.chat_identity", user.actor.name, now=now, identity=me.chat_identity
        )
    return back(path, ok=f"已绑定聊天账号 {me.chat_identity}，测试消息会发到这里")


@router.post("/password", response_class=HTMLResponse)
def change_own_password(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge"))],
    current: Annotated[str, Form(max_length=256)] = "",
    new: Annotated[str, Form(max_length=256)] = "",
    confirm: Annotated[str, Form(max_length=256)] = "",
) -> Response:
    """Check the current password and store the new one; audited."""
    with transaction(_factory(request)) as session:
        me = session.get(StaffUser, user.actor.user_id)
        if me is None:
            return back("/admin/password", error="找不到您的账号")
        try:
            accounts.change_password(session, me, current=current, new=new, confirm=confirm)
        except AccountError as exc:
            return back("/admin/password", error=str(exc))
        audit.record(session, user.actor.name, "user.password_change", user.actor.name, now=utcnow())
    return back("/admin", ok="密码已修改")


# -- dashboard --------------------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def dashboard(request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))]) -> Response:
    """概览."""
    with transaction(_factory(request)) as session:
        figures = overview.build(session, now=utcnow(), tz=request.app.state.settings.timezone)
        indicators, note, townships = _indicators(request, session)
    return render(
        request,
        "overview.html",
        user,
        "overview",
        o=figures,
        indicators=indicators,
        indicator_note=note,
        townships=townships,
        **messages(request),
    )


def _indicators(request: Request, session: Any) -> tuple[list[dict[str, Any]], str, dict[str, Any]]:
    """The public survey's three indicators over all waves and by township (empty when no answers yet)."""
    from surveys.definition import load_surveys

    survey = load_surveys(request.app.state.settings.surveys.extra_dir).get("public")
    if survey is None:
        return [], "", {}
    data = overview.indicators_by_township(session, survey)  # cached until the answers change
    if not data["n"]:
        return [], "", {}
    note = f"问卷“{survey.title}”全部轮次，共 {data['n']} 份答卷；详见“问卷与指标”。"
    return data["indicators"], note, data["breakdown"].get("township", {})


# -- knowledge ----------------------------------------------------------------------------------------------------


@router.get("/knowledge", response_class=HTMLResponse)
def knowledge_page(
    request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))], q: str = ""
) -> Response:
    """Search the catalogue and work the unanswered queue."""
    q = q[:32]
    with transaction(_factory(request)) as session:
        items = curation.search_items(session, q) if q else []
        queue = curation.unanswered(session, limit=100)
        rows = [{"id": r.id, "text": r.text, "example": r.example, "count": r.count} for r in queue]
    return render(
        request,
        "knowledge.html",
        user,
        "knowledge",
        q=q,
        items=items,
        queue=rows,
        suggestions={r["id"]: curation.suggest_word(str(r["text"])) for r in rows},
        categories=CATEGORIES,
        source_names=SOURCE_NAMES,
        can_write=user.can("knowledge", True),
        common_items=[],
        **messages(request),
    )


@router.post("/knowledge/unanswered/{question_id}")
def resolve_question(
    question_id: RowId,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    action: Annotated[str, Form()] = "map",
    item: Annotated[str, Form(max_length=32)] = "",
    alias: Annotated[str, Form(max_length=32)] = "",
    category: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    """Map a queued question to an item (adding the resident's word as an alias), or dismiss it."""
    now = utcnow()
    if action == "map" and not item.strip():
        return back("/admin/knowledge#queue", error="请填写要归入的物品名")
    try:
        with transaction(_factory(request)) as session:
            q = curation.resolve_unanswered(
                session,
                question_id,
                now=now,
                item_name=item.strip() if action == "map" else None,
                alias=alias.strip() or None,
                category=category or None,
            )
            audit.record(session, user.actor.name, "knowledge.resolve", q.text, now=now, item=item, alias=alias)
    except CurationError as exc:
        return back("/admin/knowledge#queue", error=str(exc))
    done = f"已把“{alias or q.text}”归入“{item}”，小助手马上就能回答" if action == "map" else "已忽略"
    return back("/admin/knowledge", ok=done)


@router.get("/knowledge/items/{name}", response_class=HTMLResponse)
def item_page(
    name: str, request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge", True))]
) -> Response:
    """Edit (or create) one item."""
    with transaction(_factory(request)) as session:
        row = curation.get_item(session, name)
        item = curation.view(row) if row is not None else None
    return render(
        request,
        "item.html",
        user,
        "knowledge",
        name=name[:32],
        item=item,
        categories=CATEGORIES,
        source_names=SOURCE_NAMES,
        **messages(request),
    )


@router.post("/knowledge/items/{name}")
def save_item(
    name: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    category: Annotated[str, Form(max_length=16)],
    aliases: Annotated[str, Form(max_length=2000)] = "",
    tip: Annotated[str, Form(max_length=200)] = "",
    rule: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Save an item."""
    now = utcnow()
    words = [w.strip() for w in aliases.replace("、", "\n").replace(",", "\n").splitlines() if w.strip()]
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_item(session, name, category, now=now, aliases=words, tip=tip, rule_yaml=rule)
            audit.record(
                session, user.actor.name, "knowledge.item", row.name, now=now, category=category, aliases=words
            )
    except CurationError as exc:
        return back(f"/admin/knowledge/items/{quote(name)}", error=str(exc))
    return back(f"/admin/knowledge?q={quote(row.name)}", ok=f"已保存“{row.name}”")


@router.get("/knowledge/faq", response_class=HTMLResponse)
def faq_page(
    request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge"))], edit: str | None = None
) -> Response:
    """FAQ entries, with an edit form."""
    with transaction(_factory(request)) as session:
        rows = [
            {"key": f.key, "title": f.title, "keywords": f.keywords, "answer": f.answer} for f in curation.faqs(session)
        ]
    current = next((r for r in rows if r["key"] == edit), None)
    return render(
        request,
        "faq.html",
        user,
        "knowledge",
        faqs=rows,
        edit=current,
        can_write=user.can("knowledge", True),
        **messages(request),
    )


@router.post("/knowledge/faq")
def save_faq(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    key: Annotated[str, Form(max_length=64)],
    title: Annotated[str, Form(max_length=128)],
    keywords: Annotated[str, Form(max_length=2000)],
    answer: Annotated[str, Form(max_length=2000)],
) -> Response:
    """Save an FAQ entry."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            row = curation.save_faq(session, key, title, curation.parse_keywords(keywords), answer, now=now)
            audit.record(session, user.actor.name, "knowledge.faq", row.key, now=now, title=row.title)
    except CurationError as exc:
        return back("/admin/knowledge/faq", error=str(exc))
    return back("/admin/knowledge/faq", ok=f"已保存常见问题“{title}”")


@router.post("/knowledge/faq/{key}/delete")
def delete_faq(
    key: str, request: Request, user: Annotated[ConsoleUser, Depends(console("knowledge", True))]
) -> Response:
    """Delete an FAQ entry."""
    with transaction(_factory(request)) as session:
        found = curation.delete_faq(session, key)
        if found:
            audit.record(session, user.actor.name, "knowledge.faq_delete", key, now=utcnow())
    return back("/admin/knowledge/faq", ok="已删除" if found else None, error=None if found else "没有这条常见问题")


# -- the 方案 ---------------------------------------------------------------------------------------------------------


@router.get("/plans", response_class=HTMLResponse)
def plans_page(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge"))],
    city: str = "",
    unit: str = "",
) -> Response:
    """The ingested plans: documents, targets and tasks, filtered by city and unit."""
    with transaction(_factory(request)) as session:
        documents = list(session.scalars(select(PlanDocument).order_by(PlanDocument.id)))
        cities = sorted({d.city for d in documents if d.city})
        targets = [plans.target_json(t) for t in plans.list_targets(session, city=city or None, unit=unit or None)]
        tasks = [plans.task_json(t) for t in plans.list_tasks(session, city=city or None, unit=unit or None)]
        docs = [
            {
                "city": d.city,
                "title": d.title,
                "doc_no": d.doc_no,
                "source_name": d.source_name,
                "ingested_at": d.ingested_at,
            }
            for d in documents
        ]
    return render(
        request,
        "plans.html",
        user,
        "plans",
        documents=docs,
        cities=cities,
        city=city,
        unit=unit,
        targets=targets,
        tasks=tasks,
        can_write=user.can("knowledge", True),
        **messages(request),
    )


@router.post("/plans/upload")
async def upload_plan(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("knowledge", True))],
    file: UploadFile,
    city: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    """Ingest an uploaded plan."""
    data = await file.read(admin_api.MAX_PLAN_BYTES + 1)
    try:
        report = admin_api.ingest_upload(request, data, file.filename or "upload.txt", city or None, user.actor)
    except HTTPException as exc:
        return back("/admin/plans", error=str(exc.detail))
    return back("/admin/plans", ok=report.summary())


# -- users and audit (admins) ----------------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Annotated[ConsoleUser, Depends(console("users"))]) -> Response:
    """Users and their roles."""
    with transaction(_factory(request)) as session:
        rows = _user_rows(session)
    return render(request, "users.html", user, "users", users=rows, roles=ROLES, secret=None, **messages(request))


@router.post("/users", response_class=HTMLResponse)
def create_user(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("users", True))],
    name: Annotated[str, Form(max_length=64)],
    role: Annotated[str, Form(max_length=16)],
) -> Response:
    """Create a user and show the one-time password once."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            created, password = accounts.create_user(session, name, role, now=now)
            audit.record(session, user.actor.name, "user.create", created.name, now=now, role=role)
    except AccountError as exc:
        return back("/admin/users", error=str(exc))
    return _users_with_secret(request, user, {"kind": "初始密码", "name": name.strip(), "value": password})


def _user_rows(session: Any) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "name": u.name,
            "role": u.role,
            "disabled": u.disabled,
            "last_login_at": u.last_login_at,
            "locked": accounts.is_locked(u, now=now),
        }
        for u in accounts.list_users(session)
    ]


def _users_with_secret(request: Request, user: ConsoleUser, secret: dict[str, str]) -> Response:
    with transaction(_factory(request)) as session:
        rows = _user_rows(session)
    response = render(request, "users.html", user, "users", users=rows, roles=ROLES, secret=secret)
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/users/{name}", response_class=HTMLResponse)
def change_user(
    name: str,
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("users", True))],
    action: Annotated[str, Form(max_length=16)],
) -> Response:
    """Reset a password, issue an API token, unlock, or disable/enable a user."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        target = accounts.find_user(session, name)
        if target is None:
            return back("/admin/users", error=f"没有用户 {name}")
        if action == "password":
            secret = {"kind": "新密码", "name": name, "value": accounts.reset_password(session, target)}
        elif action == "token":
            secret = {"kind": "API 令牌", "name": name, "value": accounts.create_token(session, target, now=now)}
        elif action == "unlock":  # an admin vouches for the user: the lock and the failure count go
            accounts.unlock(target)
            audit.record(session, user.actor.name, "user.unlock", name, now=now)
            return back("/admin/users", ok=f"已解锁 {name}")
        elif action in ("disable", "enable"):
            if target.id == user.actor.user_id:
                return back("/admin/users", error="不能停用自己")
            target.disabled = action == "disable"
            audit.record(session, user.actor.name, f"user.{action}", name, now=now)
            return back("/admin/users", ok=f"已{'停用' if action == 'disable' else '启用'} {name}")
        else:
            return back("/admin/users", error="未知操作")
        audit.record(session, user.actor.name, f"user.{action}", name, now=now)
    return _users_with_secret(request, user, secret)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Annotated[ConsoleUser, Depends(console("audit"))],
    who: str = "",
    action: str = "",
    before_id: Cursor = None,
) -> Response:
    """The audit log, newest first."""
    with transaction(_factory(request)) as session:
        rows = audit.entries(session, actor=who or None, action=action or None, before_id=before_id, limit=AUDIT_PAGE)
        entries = [
            {"id": e.id, "at": e.at, "actor": e.actor, "action": e.action, "target": e.target, "detail": e.detail}
            for e in rows
        ]
    return render(
        request,
        "audit.html",
        user,
        "audit",
        entries=entries,
        who=who,
        action=action,
        limit=AUDIT_PAGE,
        action_names=audit_names.ACTION_NAMES,
    )


@router.get("/audit.csv")
def audit_csv(
    request: Request, user: Annotated[ConsoleUser, Depends(console("audit"))], who: str = "", action: str = ""
) -> Response:
    """The audit log as CSV."""
    with transaction(_factory(request)) as session:
        rows = audit.entries(session, actor=who or None, action=action or None, limit=100_000)
        audit.record(session, user.actor.name, "audit.export", now=utcnow(), rows=len(rows))
        body = audit.export_csv(rows)
    return Response(
        body, media_type="text/csv; charset=utf-8", headers={"Content-Disposition": 'attachment; filename="audit.csv"'}
    )
