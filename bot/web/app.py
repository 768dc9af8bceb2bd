"""create_app(): the FastAPI application with the chat API, health check and the web chat page."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from bot import scheduler
from bot.config import Settings, get_settings
from bot.db import transaction
from bot.dialogue import Dialogue
from bot.runtime import ensure_ready
from bot.web import chat, outbox
from bot.web import survey as survey_web
from bot.web import telegram as telegram_web
from bot.web import wechat as wechat_web

STATIC = Path(__file__).with_name("static")
MAX_BODY = 64 * 1024
log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the database is made ready in the lifespan, before the first request."""
    settings = settings or get_settings()

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
    )
    app.state.settings = settings

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return JSONResponse({"detail": f"请求体过大（上限 {MAX_BODY // 1024} KiB）"}, status_code=413)
        return await call_next(request)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", "")} for e in exc.errors()]
        return JSONResponse({"detail": "请求格式不正确", "errors": errors}, status_code=422)

    @app.get("/healthz", tags=["ops"])
    def healthz() -> dict[str, Any]:
        """Liveness and database check."""
        try:
            with transaction(app.state.factory) as session:
                session.execute(text("SELECT 1"))
        except Exception:
            log.exception("health check failed")
            return JSONResponse({"status": "error", "database": "unavailable"}, status_code=503)  # type: ignore[return-value]
        return {"status": "ok", "database": "ok"}

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(STATIC / "index.html", media_type="text/html; charset=utf-8")

    app.include_router(chat.router)
    app.include_router(survey_web.router)
    app.include_router(outbox.router)
    app.include_router(wechat_web.build_router(settings))
    app.include_router(telegram_web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
