"""Several web chat residents over one HTTP client: each name keeps the identity cookie the server gave it."""

from __future__ import annotations

from typing import Any

import httpx

from bot.web.resident.identity import COOKIE


class WebResidents:
    """Talk to /api/chat as named residents; the server issues each one its own identity on first contact."""

    def __init__(self, client: httpx.Client, base: str = "", cookies: dict[str, str] | None = None) -> None:
        self.client = client
        self.base = base
        self.cookies: dict[str, str] = {} if cookies is None else cookies  # name → cookie value

    def headers(self, name: str) -> dict[str, str]:
        """The Cookie header of `name` (none before its first message)."""
        self.client.cookies.clear()  # the client's own jar holds whoever spoke last
        return {"cookie": f"{COOKIE}={self.cookies[name]}"} if name in self.cookies else {}

    def post(self, name: str, text: str, **kw: Any) -> httpx.Response:
        """POST /api/chat as `name`."""
        response = self.client.post(self.base + "/api/chat", json={"text": text}, headers=self.headers(name), **kw)
        issued = response.cookies.get(COOKIE)
        if issued:
            self.cookies[name] = issued
        return response

    def ask(self, name: str, text: str) -> dict[str, Any]:
        """The JSON answer to `text` from `name`."""
        answer: dict[str, Any] = self.post(name, text).json()
        return answer

    def inbox(self, name: str, after: int = 0) -> httpx.Response:
        """GET /api/chat/inbox as `name`."""
        return self.client.get(self.base + "/api/chat/inbox", params={"after": after}, headers=self.headers(name))
