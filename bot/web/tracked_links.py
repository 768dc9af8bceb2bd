"""GET /l/{token}: a tracked link of a campaign push redirects (302) to its stored URL, recording the first click.

An unknown token gets a short Chinese 404 page. The target is only ever the URL stored with the token, so this
route cannot send anyone to an address of the requester's choosing. A link-preview fetcher (Telegram's, when it shows
a push's preview) is redirected without its request counting as a click.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.db import transaction, utcnow
from bot.web.survey import _page
from campaigns import links

router = APIRouter(tags=["campaigns"])
NOT_FOUND_TITLE = "链接无效"
NOT_FOUND = "这个链接不存在或已失效。请回到聊天窗口，回复“帮助”查看小助手能做什么。"


@router.get("/l/{token}", response_class=HTMLResponse, responses={302: {"description": "跳转到原链接"}})
def follow(token: str, request: Request) -> Response:
    """Redirect to the link's target; the first click is recorded (time, channel)."""
    if len(token) > 64:
        return _page(NOT_FOUND_TITLE, f"<h1>{NOT_FOUND_TITLE}</h1><p>{NOT_FOUND}</p>", 404)
    with transaction(request.app.state.factory) as session:
        target = links.click(
            session, token, now=utcnow(), record=not links.is_preview(request.headers.get("user-agent"))
        )
    if target is None:
        return _page(NOT_FOUND_TITLE, f"<h1>{NOT_FOUND_TITLE}</h1><p>{NOT_FOUND}</p>", 404)
    return RedirectResponse(
        target, status_code=302, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
