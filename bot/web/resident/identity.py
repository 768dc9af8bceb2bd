"""The web chat resident's identity: a random id the server issues in a signed, HttpOnly cookie.

The id is 128 random bits from `secrets`; the cookie carries it with an HMAC-SHA256 tag under a key derived from the
survey salt (the project's one server secret: `WUFEI_SURVEYS__SALT`, or `data_dir/survey.salt` shared by every process),
so a client can neither choose an id nor forge another resident's. Nothing is stored per identity: a resident row is
made on the first message, as for every channel. The cookie is the only credential for the web inbox.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from fastapi import Request, Response

from bot.config import Settings
from surveys.keys import resolve_salt

COOKIE = "wufei_chat"
PATH = "/api/chat"  # sent with the chat and the inbox requests only
MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie (Chromium caps Max-Age at 400 days)
ID_BYTES = 16
TAG_BYTES = 16
PURPOSE = b"web chat identity"


def signing_key(settings: Settings) -> bytes:
    """The cookie key: derived from the survey salt, so it is the same in every process and after a restart."""
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    return hmac.new(salt.encode(), PURPOSE, hashlib.sha256).digest()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _tag(key: bytes, web_id: str) -> str:
    return _b64(hmac.new(key, web_id.encode("ascii"), hashlib.sha256).digest()[:TAG_BYTES])


def new_id() -> str:
    """A fresh identity: 128 random bits, URL-safe (22 characters)."""
    return _b64(secrets.token_bytes(ID_BYTES))


def sign(key: bytes, web_id: str) -> str:
    """The cookie value carrying `web_id`."""
    return f"{web_id}.{_tag(key, web_id)}"


def verify(key: bytes, value: str | None) -> str | None:
    """The id in a cookie value, or None when the value is missing, malformed or not signed by us."""
    if not value or len(value) > 64:
        return None
    web_id, dot, tag = value.partition(".")
    if not dot or len(web_id) != 22 or not web_id.isascii():
        return None
    return web_id if hmac.compare_digest(tag.encode("ascii", "replace"), _tag(key, web_id).encode()) else None


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


def current(request: Request) -> str | None:
    """The identity of the browser (or API client) sending `request`, if its cookie is genuine."""
    return verify(_key(request), cookie_value(request))


def issue(request: Request) -> str:
    """The request's identity, or a new one when it has none (set it on the response with `remember`)."""
    return current(request) or new_id()


def remember(request: Request, response: Response, web_id: str) -> None:
    """Set (or renew) the identity cookie: HttpOnly, SameSite=Lax, Secure over HTTPS."""
    response.set_cookie(
        COOKIE,
        sign(_key(request), web_id),
        max_age=MAX_AGE,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
