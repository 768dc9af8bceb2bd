"""The web chat resident's identity: a random id the server issues in a signed, HttpOnly cookie.

The id is 128 random bits from `secrets`; the cookie carries it with an HMAC-SHA256 tag under a key derived from the
survey salt (the project's one server secret: `WUFEI_SURVEYS__SALT`, or `data_dir/survey.salt` shared by every process),
so a client can neither choose an id nor forge another resident's. Nothing is stored per identity: a resident row is
made on the first message, as for every channel. The cookie is the only credential for the web inbox.

The tag also carries when the cookie was issued (4 bytes of Unix time under the MAC), so the chat renews the cookie
only once it is older than RENEW_AFTER instead of on every message; a cookie from before that (a bare 16-byte MAC)
is still honoured and renewed on its next message.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

from fastapi import Request, Response

from bot.config import Settings
from surveys.keys import resolve_salt

COOKIE = "wufei_chat"
PATH = "/api/chat"  # sent with the chat and the inbox requests only
MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps Max-Age at 400 days)
RENEW_AFTER = (
    MAX_AGE // 8
)  # a cookie older than this (50 days) is renewed: it then lasts 350 days after the last message
ID_BYTES = 16
TAG_BYTES = 16
STAMP_BYTES = 4  # the issue time in the tag: Unix seconds, big-endian (good until 2106)
PURPOSE = b"web chat identity"


def signing_key(settings: Settings) -> bytes:
    """The cookie key: derived from the survey salt, so it is the same in every process and after a restart."""
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    return hmac.new(salt.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _mac(key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, hashlib.sha256).digest()[:TAG_BYTES]


def _tag(key: bytes, web_id: str, issued: int) -> str:
    stamp = issued.to_bytes(STAMP_BYTES, "big")
    return _b64(stamp + _mac(key, web_id.encode("ascii") + b"." + stamp))


def new_id() -> str:
    """A fresh identity: 128 random bits, URL-safe (22 characters)."""
    return _b64(secrets.token_bytes(ID_BYTES))


def sign(key: bytes, web_id: str, issued: int | None = None) -> str:
    """The cookie value carrying `web_id`, issued at Unix time `issued` (now when None)."""
    return f"{web_id}.{_tag(key, web_id, int(time.time()) if issued is None else issued)}"


def read(key: bytes, value: str | None) -> tuple[str, int] | None:
    """(id, Unix time issued) of a cookie value (issued 0 for a cookie without its time), or None when the value is
    missing, malformed or not signed by us."""
    if not value or len(value) > 64:
        return None
    web_id, dot, tag = value.partition(".")
    if not dot or len(web_id) != 22 or not web_id.isascii() or not tag.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(tag + "=" * (-len(tag) % 4))
    except ValueError:
        return None
    if len(raw) == TAG_BYTES:  # issued before the tag carried its time
        expected, issued = _mac(key, web_id.encode("ascii")), 0
    elif len(raw) == STAMP_BYTES + TAG_BYTES:
        stamp = raw[:STAMP_BYTES]
        expected, issued = _mac(key, web_id.encode("ascii") + b"." + stamp), int.from_bytes(stamp, "big")
    else:
        return None
    if not hmac.compare_digest(raw[-TAG_BYTES:], expected) or _b64(raw) != tag:
        return None
    return web_id, issued


def verify(key: bytes, value: str | None) -> str | None:
    """The id in a cookie value, or None when the value is missing, malformed or not signed by us."""
    found = read(key, value)
    return found[0] if found is not None else None


def _key(request: Request) -> bytes:
    key: bytes | None = getattr(request.app.state, "web_identity_key", None)
    if key is None:  # read the salt once per app, not on every message
        key = signing_key(request.app.state.settings)
        request.app.state.web_identity_key = key
    return key


def cookie_value(request: Request) -> str | None:
    """The identity cookie's value, read from the Cookie header alone (Starlette would parse every cookie into a
    dict on each message); the last `wufei_chat=` wins, as in Starlette's parser."""
    found: str | None = None
    for name, raw in request.scope["headers"]:
        if name != b"cookie" or COOKIE.encode() not in raw:
            continue
        for part in raw.decode("latin-1").split(";"):
            key, eq, value = part.partition("=")
            if eq and key.strip() == COOKIE:
                found = value.strip()
    return found


SCOPE_KEY = "wufei.web_identity"  # the request's (id, issued) or None, read once per request


def _read_request(request: Request) -> tuple[str, int] | None:
    """The request's cookie read and checked once (the chat asks twice: who is it, and is the cookie to renew)."""
    if SCOPE_KEY not in request.scope:
        request.scope[SCOPE_KEY] = read(_key(request), cookie_value(request))
    found: tuple[str, int] | None = request.scope[SCOPE_KEY]
    return found


def current(request: Request) -> str | None:
    """The identity of the browser (or API client) sending `request`, if its cookie is genuine."""
    found = _read_request(request)
    return found[0] if found is not None else None


def issue(request: Request) -> str:
    """The request's identity, or a new one when it has none (set it on the response with `remember`)."""
    return current(request) or new_id()


def remember(request: Request, response: Response, web_id: str, now: float | None = None) -> None:
    """Set the identity cookie (HttpOnly, SameSite=Lax, Secure over HTTPS) unless the request carries it for `web_id`
    issued less than RENEW_AFTER before `now` (Unix time; the clock when None): a new or ageing cookie is (re)issued."""
    moment = int(time.time() if now is None else now)
    found = _read_request(request)
    if found is not None and found[0] == web_id and 0 <= moment - found[1] < RENEW_AFTER:
        return
    response.set_cookie(
        COOKIE,
        sign(_key(request), web_id, moment),
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
