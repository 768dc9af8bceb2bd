"""A fake Telegram Bot API: a real HTTP server on a free local port, recording every call with its arrival time.

It answers getMe, sendMessage, getUpdates (long polling on queued updates), answerCallbackQuery,
editMessageReplyMarkup, setMyCommands, setWebhook and deleteWebhook like Telegram does, and can be told to
answer 403 for blocked chats or any scripted error (429 with retry_after, 5xx) for the next calls of a method,
accept a call and answer it late (`slow_next`) or not at all (`drop_next`: closed, reset or cut off), and stop
listening and listen again on the same port (`listener.stop()`, `listener.start()`).
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl

from tests.support.http_faults import DROPS, Listener, drop

TOKEN = "123456:TEST-token_for-the-fake"
JSON_FIELDS = frozenset({"reply_markup", "allowed_updates", "commands"})
BOT_USER = {"id": 123456, "is_bot": True, "first_name": "无废小助手", "username": "wufei_test_bot"}


@dataclass
class Call:
    """One request the fake received: the method, its parameters (JSON values decoded) and when it arrived."""

    method: str
    params: dict[str, Any]
    at: float  # time.time() on arrival
    result: Any = None  # what the fake answered on success (e.g. the Message of a sendMessage)


@dataclass
class FakeTelegram:
    """State of the fake Bot API; use `running_fake_telegram()` to serve it."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    blocked: set[str] = field(default_factory=set)
    port: int = 0
    listener: Listener | None = None
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _scripted: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)
    _delays: dict[str, list[float]] = field(default_factory=dict)
    _drops: dict[str, list[str]] = field(default_factory=dict)
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1000))
    _update_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    @property
    def base_url(self) -> str:
        """What to give python-telegram-bot as base_url (it appends the token)."""
        return f"http://127.0.0.1:{self.port}/bot"

    def push_update(self, update: dict[str, Any]) -> dict[str, Any]:
        """Queue an update for getUpdates (an update_id is assigned) and return it."""
        with self._cond:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            self._cond.notify_all()
        return update

    def new_update_id(self) -> int:
        """A fresh update id (for updates posted to a webhook instead of queued)."""
        return next(self._update_ids)

    def fail_next(
        self, method: str, status: int, description: str, *, retry_after: int | None = None, raw: bool = False
    ) -> None:
        """Answer the next call of `method` with this error instead of success (`raw`: `description` is the whole
        body, not JSON, as a proxy's error page)."""
        body: Any = {"ok": False, "error_code": status, "description": description}
        if raw:
            body = description.encode()
        if retry_after is not None and not raw:
            body["parameters"] = {"retry_after": retry_after}
        with self._cond:
            self._scripted.setdefault(method, []).append((status, body))

    def slow_next(self, method: str, seconds: float) -> None:
        """Accept the next call of `method` as usual but answer it only after `seconds` (a loaded Bot API)."""
        with self._cond:
            self._delays.setdefault(method, []).append(seconds)

    def drop_next(self, method: str, how: str = "close") -> None:
        """Accept (record) the next call of `method`, then end the connection without a full answer (see DROPS)."""
        if how not in DROPS:
            raise ValueError(how)
        with self._cond:
            self._drops.setdefault(method, []).append(how)

    def take_drop(self, path: str) -> str | None:
        """How the answer to this request is to be dropped, if it is."""
        method = path.rsplit("/", 1)[-1]
        with self._cond:
            queued = self._drops.get(method)
            return queued.pop(0) if queued else None

    def block(self, chat_id: int | str) -> None:
        """sendMessage to this chat answers 403 from now on, as when the user blocked the bot."""
        self.blocked.add(str(chat_id))

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one method, in arrival order."""
        with self._cond:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, method: str, count: int, timeout: float = 15.0) -> list[Call]:
        """Wait until `method` was called at least `count` times; return those calls."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [c for c in self.calls if c.method == method]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{method} called {len(found)} times, expected {count}: {self.calls}")
                self._cond.wait(left)

    # --- the HTTP side -------------------------------------------------------------------------------------

    def handle(self, path: str, params: dict[str, Any]) -> tuple[int, Any]:
        """Answer one Bot API call."""
        prefix = f"/bot{self.token}/"
        if not path.startswith(prefix):
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        method = path[len(prefix) :]
        call = Call(method, params, time.time())
        with self._cond:
            scripted = self._scripted.get(method)
            error = scripted.pop(0) if scripted else None
        if error is None and method == "sendMessage" and str(params.get("chat_id")) in self.blocked:
            error = (403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"})
        if error is None and method != "getUpdates":
            call.result = self._result(method, params)
            if call.result is None:
                error = (404, {"ok": False, "error_code": 404, "description": "Not Found"})
        with self._cond:
            self.calls.append(call)
            self._cond.notify_all()
            delays = self._delays.get(method)
            delay = delays.pop(0) if delays else 0.0
        time.sleep(delay)  # accepted (recorded) already; only the answer is late
        if error is not None:
            return error
        if method == "getUpdates":
            return 200, {"ok": True, "result": self._get_updates(params)}
        return 200, {"ok": True, "result": call.result}

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return {**BOT_USER, "can_join_groups": True, "can_read_all_group_messages": False}
        if method in ("setMyCommands", "setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return True
        if method == "sendMessage":
            return self._message(params, next(self._ids))
        if method == "editMessageReplyMarkup":
            return self._message(params, int(params["message_id"]))
        return None

    @staticmethod
    def _message(params: dict[str, Any], message_id: int) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group", "title": "群"},
            "from": BOT_USER,
            "text": params.get("text", ""),
        }
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return message

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        wait = min(float(params.get("timeout") or 0), 1.0)
        deadline = time.monotonic() + wait
        with self._cond:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while not self._updates and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            return list(self._updates)


def _decode(raw: bytes, content_type: str) -> dict[str, Any]:
    """python-telegram-bot posts form fields whose non-string values are JSON; JSON bodies are accepted too."""
    text = raw.decode("utf-8")
    if "json" in content_type:
        data = json.loads(text or "{}")
        return data if isinstance(data, dict) else {}
    params: dict[str, Any] = dict(parse_qsl(text, keep_blank_values=True))
    for key in JSON_FIELDS & params.keys():
        params[key] = json.loads(params[key])
    return params


@contextmanager
def running_fake_telegram(fake: FakeTelegram | None = None) -> Iterator[FakeTelegram]:
    """Serve a FakeTelegram on a free port for the duration of the block (`fake.listener` stops and resumes it)."""
    served = fake or FakeTelegram()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would delay the body 40 ms

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            params = _decode(self.rfile.read(length), self.headers.get("Content-Type", ""))
            status, body = served.handle(self.path, params)
            how = served.take_drop(self.path)
            if how is not None:  # the call is recorded (it reached Telegram); its answer never arrives whole
                drop(self, how)
                return
            payload = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:
            pass

    listener = Listener(Handler)
    listener.start()
    served.port = listener.port
    served.listener = listener
    try:
        yield served
    finally:
        listener.stop()


# --- updates as Telegram sends them ----------------------------------------------------------------------------


def _user(chat_id: int) -> dict[str, Any]:
    return {"id": abs(chat_id), "is_bot": False, "first_name": "居民", "language_code": "zh-hans"}


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id > 0:
        return {"id": chat_id, "type": "private", "first_name": "居民"}
    return {"id": chat_id, "type": "group", "title": "小区群"}


def message_update(chat_id: int, text: str, *, message_id: int = 1) -> dict[str, Any]:
    """A new text message (a command gets its bot_command entity, as Telegram marks it)."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": int(time.time()),
        "chat": _chat(chat_id),
        "from": _user(chat_id),
        "text": text,
    }
    if text.startswith("/"):
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"message": message}


def sticker_update(chat_id: int) -> dict[str, Any]:
    """A sticker: something the bot cannot read."""
    sticker = {
        "file_id": "CAAC",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return {
        "message": {
            "message_id": 7,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "sticker": sticker,
        }
    }


def photo_update(chat_id: int) -> dict[str, Any]:
    """A photo (Telegram sends several sizes of it), without a caption."""
    sizes = [
        {"file_id": f"AgAC{w}", "file_unique_id": f"p{w}", "width": w, "height": w, "file_size": w * 40}
        for w in (90, 320, 800)
    ]
    return {
        "message": {
            "message_id": 8,
            "date": int(time.time()),
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "photo": sizes,
        }
    }


def callback_update(chat_id: int, message: dict[str, Any], data: str, *, query_id: str = "q1") -> dict[str, Any]:
    """A press on a button of `message` (the bot's message as the fake returned it)."""
    return {
        "callback_query": {
            "id": query_id,
            "from": _user(chat_id),
            "chat_instance": "ci",
            "message": message,
            "data": data,
        }
    }


def my_chat_member_update(chat_id: int, old: str, new: str) -> dict[str, Any]:
    """The bot's membership in a chat changed (private chat: "kicked" = blocked, "member" = unblocked)."""

    def member(status: str) -> dict[str, Any]:
        data: dict[str, Any] = {"status": status, "user": BOT_USER}
        if status == "kicked":
            data["until_date"] = 0
        return data

    return {
        "my_chat_member": {
            "chat": _chat(chat_id),
            "from": _user(chat_id),
            "date": int(time.time()),
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }
