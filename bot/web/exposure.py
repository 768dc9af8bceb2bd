"""Which operational routes answer everyone: /metrics, the API docs and /api/indicators, each public or not by setting.

Private (the default) means: only a request made directly from this machine (a loopback client address and no
proxy header such as X-Forwarded-For, which nginx adds) gets an answer; /metrics also answers a scraper that sends
`Authorization: Bearer <WUFEI_METRICS_TOKEN>`. Everyone else gets 403 with the setting that would open the route.
"""

from __future__ import annotations

import hmac
import ipaddress

from starlette.types import ASGIApp, Receive, Scope, Send

from bot.config import Settings
from bot.web.limits import json_refusal

DOCS_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
PROXY_HEADERS = (b"x-forwarded-for", b"forwarded", b"x-real-ip")


def is_direct_local(scope: Scope) -> bool:
    """True when the client is this machine (loopback) and no proxy forwarded the request on someone's behalf."""
    client = scope.get("client")
    if not client:
        return False
    try:
        loopback = ipaddress.ip_address(str(client[0])).is_loopback
    except ValueError:  # "testclient", a unix socket …
        return False
    return loopback and not any(k.lower() in PROXY_HEADERS for k, _ in scope.get("headers", ()))


class Exposure:
    """ASGI middleware: refuse private operational routes to anyone but this machine (and the metrics token)."""

    def __init__(self, app: ASGIApp, *, settings: Settings) -> None:
        self.app = app
        self.private: dict[str, str] = {}  # path → the setting that makes it public
        if not settings.public_metrics:
            self.private["/metrics"] = "WUFEI_PUBLIC_METRICS"
        if not settings.public_docs:
            self.private.update(dict.fromkeys(DOCS_PATHS, "WUFEI_PUBLIC_DOCS"))
        if not settings.public_indicators:
            self.private["/api/indicators"] = "WUFEI_PUBLIC_INDICATORS"
        token = settings.metrics_token.get_secret_value()
        self.metrics_auth = f"Bearer {token}".encode() if token else None

    def allowed(self, scope: Scope, path: str) -> bool:
        """Whether this request may see the private route `path`."""
        if is_direct_local(scope):
            return True
        if path == "/metrics" and self.metrics_auth is not None:
            sent = next((v for k, v in scope.get("headers", ()) if k.lower() == b"authorization"), b"")
            return hmac.compare_digest(sent, self.metrics_auth)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on, or answer 403 with the reason."""
        path = scope.get("path", "") if scope["type"] == "http" else ""
        setting = self.private.get(path.rstrip("/") or path)
        if setting is None or self.allowed(scope, path):
            await self.app(scope, receive, send)
            return
        detail = f"{path} 未公开：只接受本机直接访问（如需公开，设置 {setting}=true；见运维手册“公开与受限的地址”）"
        await json_refusal(scope, 403, detail)(scope, receive, send)
