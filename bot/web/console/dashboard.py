"""/admin: the dashboard (overview figures and indicators)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from bot.admin import overview
from bot.db import transaction, utcnow
from bot.web.admin_auth import (
    ConsoleUser,
    console,
)
from bot.web.console.pages import messages, render

router = APIRouter(prefix="/admin", include_in_schema=False)


def _factory(request: Request) -> Any:
    return request.app.state.factory


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
