"""/api/admin: who am I, users, the audit log and the dashboard figures (bearer tokens); the id and paging
parameter types every admin API module shares (RowId, Cursor, Offset)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from bot.admin import accounts, audit, overview
from bot.admin.accounts import AccountError, Actor
from bot.admin.roles import ROLES
from bot.db import transaction, utcnow
from bot.web.admin_auth import api

router = APIRouter(prefix="/api/admin", tags=["admin"])
ID_MAX = 2**31 - 1  # PostgreSQL INTEGER; larger ids, cursors and offsets were 500s (found by schemathesis)
RowId = Annotated[int, PathParam(ge=1, le=ID_MAX)]
Cursor = Annotated[int | None, Query(ge=0, le=ID_MAX)]
Offset = Annotated[int, Query(ge=0, le=ID_MAX)]


def _factory(request: Request) -> Any:
    return request.app.state.factory


# -- who am I, users, audit -------------------------------------------------------------------------------------


@router.get("/me")
def me(actor: Annotated[Actor, Depends(api("knowledge"))]) -> dict[str, Any]:
    """The caller's name and role."""
    return {"name": actor.name, "role": actor.role}


class UserIn(BaseModel):
    """A new staff user."""

    name: str = Field(min_length=1, max_length=64)
    role: str = Field(description=" / ".join(ROLES))


@router.get("/users")
def list_users(request: Request, actor: Annotated[Actor, Depends(api("users"))]) -> list[dict[str, Any]]:
    """All staff users."""
    with transaction(_factory(request)) as session:
        return [
            {
                "name": u.name,
                "role": u.role,
                "disabled": u.disabled,
                "created_at": u.created_at.isoformat(),
                "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
            }
            for u in accounts.list_users(session)
        ]


@router.post("/users", status_code=201)
def create_user(body: UserIn, request: Request, actor: Annotated[Actor, Depends(api("users", True))]) -> dict[str, Any]:
    """Create a user; the one-time password is in the reply and nowhere else."""
    now = utcnow()
    try:
        with transaction(_factory(request)) as session:
            user, password = accounts.create_user(session, body.name, body.role, now=now)
            audit.record(session, actor.name, "user.create", user.name, now=now, role=user.role)
    except AccountError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"name": body.name.strip(), "role": body.role, "password": password}


def _user(session: Any, name: str) -> Any:
    user = accounts.find_user(session, name)
    if user is None:
        raise HTTPException(404, f"没有用户 {name}")
    return user


@router.post("/users/{name}/token", status_code=201)
def create_token(name: str, request: Request, actor: Annotated[Actor, Depends(api("users", True))]) -> dict[str, str]:
    """A new API token for a user (shown once)."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        user = _user(session, name)
        token = accounts.create_token(session, user, now=now)
        audit.record(session, actor.name, "user.token", user.name, now=now)
    return {"name": name, "token": token}


@router.post("/users/{name}/password")
def reset_password(name: str, request: Request, actor: Annotated[Actor, Depends(api("users", True))]) -> dict[str, str]:
    """A new one-time password for a user; their console sessions end."""
    now = utcnow()
    with transaction(_factory(request)) as session:
        user = _user(session, name)
        password = accounts.reset_password(session, user)
        audit.record(session, actor.name, "user.password_reset", user.name, now=now)
    return {"name": name, "password": password}


class UserPatch(BaseModel):
    """Changes to a user."""

    role: str | None = None
    disabled: bool | None = None


@router.patch("/users/{name}")
def change_user(
    name: str, body: UserPatch, request: Request, actor: Annotated[Actor, Depends(api("users", True))]
) -> dict[str, Any]:
    """Change a user's role or disable them."""
    if body.role is not None and body.role not in ROLES:
        raise HTTPException(422, f"角色必须是 {' / '.join(ROLES)} 之一")
    now = utcnow()
    with transaction(_factory(request)) as session:
        user = _user(session, name)
        if user.id == actor.user_id and (body.disabled or (body.role and body.role != "admin")):
            raise HTTPException(409, "不能停用自己或取消自己的管理员角色")
        if body.role is not None:
            user.role = body.role
        if body.disabled is not None:
            user.disabled = body.disabled
        audit.record(session, actor.name, "user.change", user.name, now=now, **body.model_dump(exclude_none=True))
        return {"name": user.name, "role": user.role, "disabled": user.disabled}


@router.get("/audit", response_model=None, responses={200: {"content": {"application/json": {}, "text/csv": {}}}})
def audit_log(
    request: Request,
    actor: Annotated[Actor, Depends(api("audit"))],
    who: str | None = None,
    action: str | None = None,
    before_id: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    format: Annotated[str, Query(pattern="^(json|csv)$")] = "json",
) -> Any:
    """The audit log, newest first; `format=csv` downloads it."""
    with transaction(_factory(request)) as session:
        rows = audit.entries(session, actor=who, action=action, before_id=before_id, limit=limit)
        if format == "csv":
            audit.record(session, actor.name, "audit.export", now=utcnow(), rows=len(rows))
            return Response(
                audit.export_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
            )
        return [
            {
                "id": r.id,
                "at": r.at.isoformat(),
                "actor": r.actor,
                "action": r.action,
                "target": r.target,
                "detail": r.detail,
            }
            for r in rows
        ]


@router.get("/overview")
def dashboard(request: Request, actor: Annotated[Actor, Depends(api("knowledge"))]) -> dict[str, Any]:
    """The dashboard figures."""
    with transaction(_factory(request)) as session:
        return overview.build(session, now=utcnow(), tz=request.app.state.settings.timezone)
