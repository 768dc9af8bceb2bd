"""Who is calling: bearer tokens for /api/admin, session cookies with CSRF tokens for the /admin console, and the
password checks of the console login, queued so a flood waits its turn instead of eating memory and CPU."""

from __future__ import annotations

import asyncio
import secrets
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import HTTPException, Request
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts
from bot.admin.accounts import Actor
from bot.admin.roles import AREA_NAMES, Permission
from bot.db import transaction, utcnow

COOKIE = "wufei_admin"
DEVICE_COOKIE = "wufei_device"  # set after a successful login; lets the right password through an account lock
_T = TypeVar("_T")
LOGIN_THREADS = 4  # threads the login's database steps may use at once, so a flood leaves the pool to other routes


@dataclass
class _Queues:
    hashing: anyio.CapacityLimiter  # argon2 checks in flight
    steps: anyio.CapacityLimiter  # the login's short transactions in flight
    admitted: int = 0  # logins between admission and answer (the event loop is one thread: a plain counter)


# one pair of queues per event loop, i.e. per server process (tests run several loops in one process)
_queues: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Queues] = weakref.WeakKeyDictionary()


def _for_this_loop() -> _Queues:
    loop = asyncio.get_running_loop()
    queues = _queues.get(loop)
    if queues is None:
        queues = _queues[loop] = _Queues(
            anyio.CapacityLimiter(accounts.HASH_CONCURRENCY), anyio.CapacityLimiter(LOGIN_THREADS)
        )
    return queues


def client_address(request: Request) -> str | None:
    """The client's address as the app sees it (behind nginx, uvicorn takes it from X-Forwarded-For; see the guide)."""
    return request.client.host if request.client else None


async def login_step(fn: Callable[..., _T], *args: Any) -> _T:
    """Run a login's database step in a worker thread, at most `LOGIN_THREADS` at once (floods wait without a thread)."""
    return await anyio.to_thread.run_sync(fn, *args, limiter=_for_this_loop().steps)


@contextmanager
def admitted(*, known_device: bool) -> Iterator[None]:
    """Hold one of the process's login places for a whole login; raises `HashingBusy` when they are all taken.

    Only `HASH_CONCURRENCY + HASH_QUEUE` logins are under way at once, so a flood is shed before it costs even a
    database write; a browser with a device cookie is let in regardless (its cookie is checked later)."""
    queues = _for_this_loop()
    if not known_device and queues.admitted >= accounts.HASH_CONCURRENCY + accounts.HASH_QUEUE:
        raise accounts.HashingBusy()
    queues.admitted += 1
    try:
        yield
    finally:
        queues.admitted -= 1


async def check_password(attempt: accounts.LoginAttempt, password: str) -> bool:
    """Verify a password on the argon2 workers, at most `HASH_CONCURRENCY` per process at once; waiters hold no thread.

    Raises `HashingBusy` when the turn does not come within `HASH_WAIT` seconds."""
    if (
        attempt.trusted
    ):  # a browser this user logged in from before goes ahead of a flood (a stolen cookie gets 3 tries)
        return await asyncio.wrap_future(accounts.start_check(attempt, password))
    limiter = _for_this_loop().hashing
    with anyio.move_on_after(accounts.HASH_WAIT) as waited:
        await limiter.acquire()
    if waited.cancelled_caught:
        raise accounts.HashingBusy()
    try:
        return await asyncio.wrap_future(accounts.start_check(attempt, password))
    finally:
        limiter.release()


@dataclass(frozen=True)
class ApiAccess:
    """A FastAPI dependency: a valid bearer token whose user's role passes `permission` (401 / 403 otherwise)."""

    permission: Permission

    def __call__(self, request: Request) -> Actor:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(
                401, "需要登录：请在 Authorization 头中提供 Bearer 令牌", {"WWW-Authenticate": "Bearer"}
            )
        with transaction(request.app.state.factory) as session:
            actor = accounts.actor_for_token(session, token.strip(), now=utcnow())
        if actor is None:
            raise HTTPException(401, "令牌无效或已吊销", {"WWW-Authenticate": "Bearer"})
        _check(actor, self.permission)
        request.state.actor = actor
        return actor


def has_live_credentials(factory: sessionmaker[Session], request: Request) -> bool:
    """True when the request carries a live bearer token or console session (no role check: the route does that)."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    cookie = request.cookies.get(COOKIE)
    if not (scheme.lower() == "bearer" and token.strip()) and not cookie:
        return False
    with transaction(factory) as session:
        if scheme.lower() == "bearer" and token.strip():
            return accounts.actor_for_token(session, token.strip(), now=utcnow()) is not None
        return cookie is not None and accounts.session_for_cookie(session, cookie, now=utcnow()) is not None


def api(area: str, write: bool = False) -> ApiAccess:
    """The dependency for an admin API route in `area`."""
    return ApiAccess(Permission(area, write))


def _check(actor: Actor, permission: Permission) -> None:
    if not permission.allows(actor.role):
        verb = "修改" if permission.write else "查看"
        raise HTTPException(403, f"您的角色（{actor.role}）无权{verb}{AREA_NAMES[permission.area]}")


class LoginRequired(Exception):
    """Raised by console routes when there is no live session; the app redirects to the login page."""


class PasswordChangeRequired(Exception):
    """Raised by console routes while the user must still replace a password an admin set; the app redirects."""


PASSWORD_PAGE = "/admin/password"


@dataclass(frozen=True)
class ConsoleUser:
    """The logged-in console user and the CSRF token their forms must carry."""

    actor: Actor
    csrf: str

    def can(self, area: str, write: bool = False) -> bool:
        """True if the user's role passes."""
        return Permission(area, write).allows(self.actor.role)


@dataclass(frozen=True)
class ConsoleAccess:
    """A FastAPI dependency for console pages: a live session cookie, the role check, and CSRF on POST."""

    permission: Permission

    async def __call__(self, request: Request) -> ConsoleUser:
        cookie = request.cookies.get(COOKIE)
        if not cookie:
            raise LoginRequired()
        with transaction(request.app.state.factory) as session:
            found = accounts.session_for_cookie(session, cookie, now=utcnow())
        if found is None:
            raise LoginRequired()
        actor, csrf = found
        if actor.must_change_password and request.url.path not in (PASSWORD_PAGE, "/admin/logout"):
            raise PasswordChangeRequired()
        user = ConsoleUser(actor, csrf)
        if request.method not in ("GET", "HEAD"):
            form = await request.form()
            sent = str(form.get("csrf_token") or request.headers.get("x-csrf-token") or "")
            if not secrets.compare_digest(sent.encode(), csrf.encode()):
                raise HTTPException(403, "表单已过期或来源不明（CSRF 校验失败），请刷新页面后重试")
        _check(actor, self.permission)
        request.state.actor = actor
        return user


def console(area: str, write: bool = False) -> ConsoleAccess:
    """The dependency for a console page in `area`."""
    return ConsoleAccess(Permission(area, write))
