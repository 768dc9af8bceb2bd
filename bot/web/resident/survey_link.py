"""Personal survey links: GET/POST /s/{token} show and take the same questionnaire as /survey/{id} for one
resident (surveys.links); GET /report/{survey_id} now redirects to the console's printable report (login needed).

A link that is unknown answers 404, an expired one 410, a used one 409, each with a short Chinese page.
"""

from __future__ import annotations

import datetime as dt
from html import escape
from typing import Annotated
from urllib.parse import parse_qs, quote, urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from bot.db import transaction, utcnow
from bot.web.resident.survey import _form, _page
from surveys import flow, links, texts
from surveys.definition import DefinitionError, load_surveys
from surveys.keys import resolve_salt

router = APIRouter(tags=["surveys"])
STATUS = {links.INVALID: 404, links.EXPIRED: 410, links.USED: 409}
MESSAGES = {links.INVALID: texts.LINK_INVALID, links.EXPIRED: texts.LINK_EXPIRED, links.USED: texts.LINK_USED}


def _context(request: Request) -> tuple[str, dt.timedelta]:
    settings = request.app.state.settings
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    return salt, dt.timedelta(days=settings.surveys.link_days)


def _refusal(state: str) -> HTMLResponse:
    return _page(texts.LINK_TITLE, f"<h1>{texts.LINK_TITLE}</h1><p>{MESSAGES[state]}</p>", STATUS[state])


@router.get("/s/{token}", response_class=HTMLResponse)
def get_link(token: str, request: Request) -> HTMLResponse:
    """The questionnaire for the link's resident, or why it cannot be answered."""
    salt, ttl = _context(request)
    try:
        surveys = load_surveys(request.app.state.settings.surveys.extra_dir)
    except DefinitionError:
        return _page(texts.LINK_TITLE, f"<p>{texts.FORM_BROKEN}</p>", 503)
    with transaction(request.app.state.factory) as session:
        opened = links.open_link(session, token, surveys, salt=salt, now=utcnow(), ttl=ttl)
    if opened.state != links.OK or opened.survey is None:
        return _refusal(opened.state)
    return _form(opened.survey, {}, {}, action=f"/s/{token}")


@router.post("/s/{token}", response_class=HTMLResponse)
async def post_link(token: str, request: Request) -> HTMLResponse:
    """Validate and store the answers given through a personal link."""
    body = await request.body()
    try:
        fields = parse_qs(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), max_num_fields=500)
    except (UnicodeDecodeError, ValueError):
        return _page(texts.LINK_TITLE, f"<p>{texts.FORM_BAD_BODY}</p>", 400)
    return await run_in_threadpool(_store, request, token, fields)


def _store(request: Request, token: str, fields: dict[str, list[str]]) -> HTMLResponse:
    salt, ttl = _context(request)
    try:
        surveys = load_surveys(request.app.state.settings.surveys.extra_dir)
    except DefinitionError:
        return _page(texts.LINK_TITLE, f"<p>{texts.FORM_BROKEN}</p>", 503)
    now = utcnow()
    with transaction(request.app.state.factory) as session:
        opened = links.open_link(session, token, surveys, salt=salt, now=now, ttl=ttl, lock=True)
        if opened.state != links.OK or opened.survey is None:
            return _refusal(opened.state)
        survey = opened.survey
        answers, errors = flow.validate(survey, fields)
        if errors:
            shown = {k: v for k, v in fields.items() if k in {q.id for q in survey.questions}}
            return _form(survey, shown, errors, status=422, action=f"/s/{token}")
        stored = links.submit(session, opened, answers, salt=salt, now=now)
    if stored is None:
        return _refusal(links.USED)
    return _page(texts.FORM_THANKS_TITLE, f"<h1>{texts.FORM_THANKS_TITLE}</h1><p>{escape(texts.THANKS)}</p>")


@router.get("/report/{survey_id}", include_in_schema=False)
def get_report(
    survey_id: str,
    wave: Annotated[str | None, Query(max_length=32, description="批次；all = 全部；默认当前批次")] = None,
) -> RedirectResponse:
    """The printable report moved into the staff console (login and audit log); old links are sent there."""
    query = "?" + urlencode({"wave": wave}) if wave else ""
    return RedirectResponse(f"/admin/surveys/{quote(survey_id, safe='')}/report{query}", status_code=303)
