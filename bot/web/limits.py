"""One request-body limit for every route, enforced while the body streams in (chunked or not).

A pure ASGI middleware: `@app.middleware("http")` sees only headers and cannot stop a chunked body, which FastAPI would
otherwise read whole before any check. A declared Content-Length over the cap (or one that is not a number) is refused
before a byte is read; otherwise the bytes are counted as they arrive and the request fails with 413 the moment the
count passes the cap, however the client framed it (chunked, or a Content-Length that lies). The staff upload routes
under /admin/ and /api/admin/ get a larger cap, but only for a caller whose bearer token or console session is live
(checked before a byte is read): anyone else keeps the small cap there too, so an outsider cannot make a process read
8 MiB per request by aiming at an upload route. The 413 is raised as an HTTPException from `receive`, so the app's own
handlers answer it (a JSON reason, or the console's error page under /admin) and the metrics middleware counts it.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable

from fastapi import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 64 * 1024
UPLOAD_MAX_BODY = 8 * 1024 * 1024  # staff uploads (方案, cell lists, survey answers)
# the six upload routes of the console and the admin API; the rest of /admin (the login form above all, which anyone
# may post to) keeps the small cap, so an outsider cannot make a process read 8 MiB per request
UPLOAD_PATHS = re.compile(r"/(api/)?admin/(plans|plans/upload|cells/import|surveys/[^/]+/import)/?")
BAD_LENGTH = "请求头 Content-Length 无效"
log = logging.getLogger(__name__)


def reason(cap: int) -> str:
    """The Chinese reason given with a 413: "请求体过大（上限 64 KiB）"."""
    size = f"{cap // (1024 * 1024)} MiB" if cap >= 1024 * 1024 and cap % (1024 * 1024) == 0 else f"{cap // 1024} KiB"
    return f"请求体过大（上限 {size}）"


class BodyTooLarge(HTTPException):
    """The request body passed its cap; raised from `receive` so the app's exception handlers answer it."""

    def __init__(self, cap: int) -> None:
        super().__init__(status_code=413, detail=reason(cap))


Refusal = Callable[[Scope, int, str], ASGIApp]
Credentials = Callable[[Scope], Awaitable[bool]]  # does this request carry a live staff token or console session?


def json_refusal(scope: Scope, status: int, detail: str) -> ASGIApp:
    """A plain JSON {"detail": …} answer, used before the app has seen the request."""
    body = json.dumps({"detail": detail}, ensure_ascii=False).encode()

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


class BodyLimit:
    """ASGI middleware: cap every request body at `default` bytes (`uploads` on paths `upload_paths` matches)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = MAX_BODY,
        uploads: int = UPLOAD_MAX_BODY,
        upload_paths: re.Pattern[str] = UPLOAD_PATHS,
        refuse: Refusal = json_refusal,
        staff: Credentials | None = None,
    ) -> None:
        self.app = app
        self.default = default
        self.uploads = uploads
        self.upload_paths = upload_paths
        self.refuse = refuse  # builds the answer to a declared length over the cap (the console wants its page)
        self.staff = staff  # None: every caller of an upload route gets the upload cap (the middleware on its own)

    def cap(self, path: str) -> int:
        """The byte cap for a request path."""
        return self.uploads if self.upload_paths.fullmatch(path) else self.default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a declared oversize body up front; count the rest as it streams in."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cap = self.cap(scope.get("path", ""))
        if cap != self.default and self.staff is not None and not await self.staff(scope):
            cap = self.default  # not logged in: the route will refuse it anyway, after reading no more than this
        declared = _content_length(scope)
        if declared is not None and declared < 0:
            await self.refuse(scope, 400, BAD_LENGTH)(scope, receive, send)
            return
        if declared is not None and declared > cap:
            await self.refuse(scope, 413, reason(cap))(scope, receive, send)
            return
        received = 0
        over = False
        started = False

        async def counted_receive() -> Message:
            nonlocal received, over
            if over:  # the app asked again after the refusal: it must not get any more of the body
                raise BodyTooLarge(cap)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    over = True
                    raise BodyTooLarge(cap)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, watched_send)
        except Exception as exc:  # nobody inside answered it (no handler on this path): answer here
            if not _only_too_large(exc):
                raise
            if started:
                log.info("request body over %d bytes for %s after the response started", cap, scope.get("path"))
                return
            await self.refuse(scope, 413, reason(cap))(scope, receive, send)


def _only_too_large(exc: BaseException) -> bool:
    """BodyTooLarge, or a group of nothing else (a task group between us and the reader wraps it)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_only_too_large(e) for e in exc.exceptions)
    return isinstance(exc, BodyTooLarge)


def _content_length(scope: Scope) -> int | None:
    """The declared Content-Length; -1 when it is there but not a plain number (several, signs, text)."""
    values = [v for k, v in scope.get("headers", ()) if k.lower() == b"content-length"]
    if not values:
        return None
    if len(set(values)) != 1 or not values[0].strip().isdigit():
        return -1
    return int(values[0])
