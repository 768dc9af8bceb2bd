"""/admin: staff accounts (admins only) and the audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from bot.admin import accounts, audit, audit_names
from bot.admin.accounts import AccountError
from bot.admin.roles import ROLES
from bot.db import transaction, utcnow
from bot.web.admin_api.core import Cursor
from bot.web.admin_auth import (
    ConsoleUser,
    console,
)
from bot.web.console.pages import back, messages, render

router = APIRouter(prefix="/admin", include_in_schema=False)
AUDIT_PAGE = 100


def _factory(request: Request) -> Any:
    return request.app.state.factory


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
