"""create_app(): the FastAPI application with the chat API, health check and the web chat page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Scope

from bot import scheduler, texts
from bot.config import Settings, get_settings
from bot.db import transaction
from bot.dialogue import Dialogue
from bot.runtime import ensure_ready
from bot.web import access_log, admin_auth, api_docs, exposure, limits, metrics
from bot.web.admin_api import campaigns as admin_api_campaigns
from bot.web.admin_api import cells as admin_api_cells
from bot.web.admin_api import core as admin_api
from bot.web.admin_api import knowledge as admin_api_knowledge
from bot.web.admin_api import ledger as admin_api_ledger
from bot.web.admin_api import segments as admin_api_segments
from bot.web.admin_api import surveys as admin_api_surveys
from bot.web.admin_auth import PASSWORD_PAGE, LoginRequired, PasswordChangeRequired
from bot.web.console import account as console_account
from bot.web.console import campaigns as console_campaigns
from bot.web.console import cells as console_cells
from bot.web.console import dashboard as console_dashboard
from bot.web.console import inbox as console_inbox
from bot.web.console import knowledge as console_knowledge
from bot.web.console import pages as console
from bot.web.console import residents as console_residents
from bot.web.console import segments as console_segments
from bot.web.console import surveys as console_surveys
from bot.web.console import users as console_users
from bot.web.resident import chat, outbox, tracked_links
from bot.web.resident import survey as survey_web
from bot.web.resident import survey_link as survey_link_web
from bot.web.webhooks import telegram as telegram_web
from bot.web.webhooks import wechat as wechat_web

STATIC = Path(__file__).with_name("static")
log = logging.getLogger(__name__)
UNSTORABLE = "请求中含有无法保存的内容（如不可见的控制字符或超出范围的数字），请检查后重试。"
VALIDATION_ERROR_SCHEMA: dict[str, Any] = {
    "title": "HTTPValidationError",
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {"title": "Detail", "type": "string"},
        "errors": {
            "title": "Errors",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["loc", "msg"],
                "properties": {
                    "loc": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
                    "msg": {"type": "string"},
                },
            },
        },
    },
}


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is made ready in the lifespan, before the first request."""
    settings = settings or get_settings()
    access_log.install()  # no signature, nonce, timestamp, echostr or openid values in uvicorn's access log

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        factory = ensure_ready(settings)
        app.state.factory = factory
        app.state.dialogue = Dialogue(factory, settings)
        wechat_web.warm_up(
            app.state.dialogue, settings
        )  # WeChat allows 5 s: build the knowledge before the first message
        campaigns_scheduler = scheduler.start(settings, factory)
        try:
            async with telegram_web.running(app, settings):
                yield
        finally:
            if campaigns_scheduler is not None:
                campaigns_scheduler.stop()

    app = FastAPI(
        title="无废城市小助手 API",
        description="垃圾分类问答、无废城市方案问答（新郑市/新密市）。",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # FastAPI's pages load their scripts from a CDN; api_docs serves packaged copies instead
        redoc_url=None,
    )
    app.state.settings = settings
    api_docs.install(app)

    def refuse(scope: Scope, status: int, detail: str) -> ASGIApp:
        # a body refused before the app saw it: the console's error page under /admin, JSON elsewhere
        if str(scope.get("path", "")).startswith("/admin"):
            return console.error_page(Request(scope), status, detail)
        return limits.json_refusal(scope, status, detail)

    async def staff(scope: Scope) -> bool:
        # a live bearer token or console session; checked before an upload route reads more than the small cap
        return await anyio.to_thread.run_sync(admin_auth.has_live_credentials, app.state.factory, Request(scope))

    app.add_middleware(limits.BodyLimit, refuse=refuse, staff=staff)  # every body capped while it streams in
    app.add_middleware(exposure.Exposure, settings=settings)  # /metrics, docs, /api/indicators public by setting
    metrics.install(app)  # after both, so their 413s and 403s are counted too

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        if request.url.path.startswith("/admin"):
            fields = "、".join(str(e["loc"][-1]) for e in errors if e["loc"])
            return console.error_page(request, 422, f"请求格式不正确（{fields}），请返回上一页检查后重试。")
        return JSONResponse({"detail": "请求格式不正确", "errors": errors}, status_code=422)

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        # every 422 is {"detail": "<reason>", "errors": [...]} (the handler above, or an HTTPException), not FastAPI's
        schema = default_openapi()
        schema.get("components", {}).get("schemas", {})["HTTPValidationError"] = VALIDATION_ERROR_SCHEMA
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/admin"):
            return console.error_page(request, exc.status_code, str(exc.detail))
        return await http_exception_handler(request, exc)

    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    @app.exception_handler(sa_exc.TimeoutError)
    async def database_unavailable(request: Request, exc: Exception) -> Response:
        # the database is down, restarting, locked or full: a 503 with a reason, not a bare 500
        log.error("database unavailable for %s %s: %s", request.method, request.url.path, str(exc).splitlines()[0])
        if request.url.path.startswith("/admin"):
            response = console.error_page(request, 503, texts.DATABASE_UNAVAILABLE)
        else:
            response = JSONResponse({"detail": texts.DATABASE_UNAVAILABLE}, status_code=503)
        response.headers["Retry-After"] = "5"
        return response

    @app.exception_handler(sa_exc.DataError)
    async def unstorable(request: Request, exc: sa_exc.DataError) -> Response:
        # input the database refuses (a NUL character, a number out of range) is the caller's error, not a 500
        log.warning(
            "database refused the data for %s %s: %s", request.method, request.url.path, type(exc.orig).__name__
        )
        if request.url.path.startswith("/admin"):
            return console.error_page(request, 422, UNSTORABLE)
        return JSONResponse({"detail": UNSTORABLE}, status_code=422)

    @app.exception_handler(PasswordChangeRequired)
    async def password_change_required(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse(PASSWORD_PAGE, status_code=303)

    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/admin/login?next=" + quote(target, safe=""), status_code=303)

    @app.get("/healthz", tags=["ops"])
    def healthz(request: Request) -> dict[str, Any]:
        """Liveness and database check."""
        try:
            with transaction(request.app.state.factory) as session:
                session.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check failed")
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)  # type: ignore[return-value]
        return {"status": "ok", "database": "ok"}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.include_router(chat.router)
    app.include_router(admin_api.router)
    app.include_router(admin_api_knowledge.router)
    app.include_router(admin_api_campaigns.router)
    app.include_router(admin_api_ledger.router)
    app.include_router(admin_api_segments.router)
    app.include_router(admin_api_cells.router)
    app.include_router(console_campaigns.router)
    app.include_router(console_cells.router)
    app.include_router(console_inbox.router)
    app.include_router(console_residents.router)
    app.include_router(console_segments.router)
    app.include_router(admin_api_surveys.router)
    app.include_router(console_surveys.router)
    app.include_router(console_account.router)
    app.include_router(console_dashboard.router)
    app.include_router(console_knowledge.router)
    app.include_router(console_users.router)
    app.include_router(survey_web.router)
    app.include_router(survey_link_web.router)
    app.include_router(outbox.router)
    app.include_router(tracked_links.router)
    app.include_router(wechat_web.build_router(settings))
    app.include_router(telegram_web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
