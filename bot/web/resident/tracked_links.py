"""GET /l/{token}: a tracked link of a campaign push redirects (302) to its stored URL, recording the first click.

An unknown token gets a short Chinese 404 page. The target is only ever the URL stored with the token, and only an
http(s) one (`links.is_web_url`, checked when the campaign is created and again here), so this route cannot send
anyone to an address of the requester's choosing. A link-preview fetcher (Telegram's, when it shows a push's preview)
is redirected without its request counting as a click.

Guessing tokens is made expensive on top of their 128 random bits: unknown or malformed tokens are counted per client
address (IPv6: its /64) and clock minute in the same shared table as the web chat's per-client limit (a `link:`
prefix keeps the two counts apart); past `WUFEI_CAMPAIGNS__LINK_GUESSES_PER_MINUTE` every /l/ request from that
address gets a Chinese 429 page until the minute is over, without looking the token up. Valid clicks are not counted,
so residents behind one shared address are not held back by each other's clicks.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot import ratelimit
from bot.admin.throttle import client_key
from bot.db import transaction, utcnow
from bot.web.admin_auth import client_address
from bot.web.resident.survey import _page
from campaigns import links

router = APIRouter(tags=["campaigns"])
NOT_FOUND_TITLE = "链接无效"
NOT_FOUND = "这个链接不存在或已失效。请回到聊天窗口，回复“帮助”查看小助手能做什么。"
TOO_MANY_TITLE = "请稍后再试"
TOO_MANY = "这个网络打开了太多无效链接，请一分钟后再试。推送里的链接请直接点开，不要修改。"
MAX_TOKEN = 64  # longer tokens are answered 404 before anything else (real ones are 22 characters)


def _not_found() -> Response:
    return _page(NOT_FOUND_TITLE, f"<h1>{NOT_FOUND_TITLE}</h1><p>{NOT_FOUND}</p>", 404)


@router.get(
    "/l/{token:path}",  # a path, so "/l/a/b" or an encoded slash gets this page (and counts) rather than a bare 404
    response_class=HTMLResponse,
    responses={
        302: {"description": "跳转到原链接"},
        404: {"description": "链接不存在（中文页面）"},
        429: {"description": "同一地址无效链接过多，一分钟后再试（中文页面）"},
    },
)
def follow(token: str, request: Request) -> Response:
    """Redirect to the link's target; the first click is recorded (time, channel); unknown tokens are rate-limited."""
    now = utcnow()
    per_minute = int(request.app.state.settings.campaigns.link_guesses_per_minute)
    client = "link:" + client_key(client_address(request))
    with transaction(request.app.state.factory) as session:
        if per_minute > 0 and ratelimit.peek_client(session, client=client, now=now, per_minute=per_minute):
            page = _page(TOO_MANY_TITLE, f"<h1>{TOO_MANY_TITLE}</h1><p>{TOO_MANY}</p>", 429)
            page.headers["Retry-After"] = str(ratelimit.retry_after(now))
            return page
        target = None
        if len(token) <= MAX_TOKEN:
            record = not links.is_preview(request.headers.get("user-agent"))
            target = links.click(session, token, now=now, record=record)
        if target is None:
            if per_minute > 0:
                ratelimit.check_client(session, client=client, now=now, per_minute=per_minute)
            return _not_found()
    return RedirectResponse(
        target, status_code=302, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )
