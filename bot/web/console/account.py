"""/admin: logging in and out, changing one's own password and binding one's chat identity for test sends."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.admin import accounts, audit, throttle
from bot.admin.accounts import AccountError
from bot.admin.models import StaffUser
from bot.db import transaction, utcnow
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
from bot.web.console.pages import back, messages, render

router = APIRouter(prefix="/admin", include_in_schema=False)
LOGIN_CSRF = "wufei_login_csrf"


def _factory(request: Request) -> Any:
    return request.app.state.factory


def _safe_next(value: str | None) -> str:
    if not value:
        return "/admin"
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/admin") or value.startswith("//"):
        return "/admin"
    return value


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
