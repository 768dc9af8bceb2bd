"""A fake WeChat API server (a real HTTP server on a free local port) that records calls and can answer errors,
answer late (`slow_next`) or not at all (`drop_next`: closed, reset or cut off), and stop listening and listen again
on the same port (`listener.stop()`, `listener.start()`)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.http_faults import DROPS, Listener, drop


@dataclass
class Call:
    """One request the fake received."""

    path: str  # without the /cgi-bin/ prefix, e.g. "message/custom/send"
    query: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeWechat:
    """State of the fake: issued tokens, recorded calls and errors queued per endpoint."""

    base_url: str = ""
    calls: list[Call] = field(default_factory=list)
    errors: dict[str, list[int]] = field(default_factory=dict)
    tokens_issued: int = 0
    valid_token: str | None = None
    tickets: dict[str, str] = field(default_factory=dict)  # QR ticket -> scene_str
    mass_ids: set[str] = field(default_factory=set)  # clientmsgid of accepted 群发
    send_delay: float = 0.0  # seconds a customer-service/template send takes to answer (a slow platform)
    delays: dict[str, list[float]] = field(default_factory=dict)  # per endpoint: accept, then answer this late
    drops: dict[str, list[str]] = field(default_factory=dict)  # per endpoint: accept, then no whole answer
    listener: Listener | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, path: str, *codes: int) -> None:
        """Answer the next calls of `path` with these WeChat error codes, in order."""
        with self.lock:
            self.errors.setdefault(path, []).extend(codes)

    def slow_next(self, path: str, seconds: float) -> None:
        """Accept the next call of `path` as usual but answer it only after `seconds` (a loaded API)."""
        with self.lock:
            self.delays.setdefault(path, []).append(seconds)

    def drop_next(self, path: str, how: str = "close") -> None:
        """Accept (record) the next call of `path`, then end the connection without a full answer (see DROPS)."""
        if how not in DROPS:
            raise ValueError(how)
        with self.lock:
            self.drops.setdefault(path, []).append(how)

    def take_drop(self, path: str) -> str | None:
        """How the answer to this call of `path` is to be dropped, if it is."""
        with self.lock:
            queued = self.drops.get(path)
            return queued.pop(0) if queued else None

    def expire_token(self) -> None:
        """Make the current token invalid (as if another app instance had fetched a new one with /token)."""
        with self.lock:
            self.valid_token = None

    def sent(self, path: str = "message/custom/send") -> list[Call]:
        """The accepted sends of one endpoint (customer-service messages by default)."""
        with self.lock:
            return [c for c in self.calls if c.path == path and c.body.get("_accepted")]

    def calls_to(self, path: str) -> list[Call]:
        """Every call of one endpoint."""
        with self.lock:
            return [c for c in self.calls if c.path == path]

    def handle(self, path: str, query: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        """The JSON answer of the API for one request (given late after `slow_next`)."""
        if self.send_delay and path in ("message/custom/send", "message/template/send"):
            time.sleep(self.send_delay)
        answer = self._answer(Call(path, query, body))
        with self.lock:
            queued = self.delays.get(path)
            late = queued.pop(0) if queued else 0.0
        if late:
            time.sleep(late)  # the call is already recorded and accepted: only its answer is late
        return answer

    def _answer(self, call: Call) -> dict[str, Any]:
        path, query, body = call.path, call.query, call.body
        with self.lock:
            self.calls.append(call)
            queued = self.errors.get(path)
            if queued:
                return {"errcode": queued.pop(0), "errmsg": "fake error"}
            if path == "stable_token":
                if body.get("grant_type") != "client_credential" or not body.get("appid") or not body.get("secret"):
                    return {"errcode": 40002, "errmsg": "invalid grant_type"}
                if self.valid_token is None or body.get("force_refresh"):
                    self.tokens_issued += 1
                    self.valid_token = f"TOKEN{self.tokens_issued}"
                return {"access_token": self.valid_token, "expires_in": 7200}
            if query.get("access_token") != self.valid_token or self.valid_token is None:
                return {"errcode": 40001, "errmsg": "invalid credential"}
            if path in ("message/custom/send", "message/template/send", "message/subscribe/bizsend"):
                body["_accepted"] = True
                return {"errcode": 0, "errmsg": "ok", "msgid": len(self.calls)}
            if path == "qrcode/create":
                return self._qrcode(body)
            if path == "message/mass/sendall":
                client_msg_id = str(body.get("clientmsgid", ""))
                if client_msg_id and client_msg_id in self.mass_ids:
                    return {"errcode": 45065, "errmsg": "clientmsgid exist"}
                self.mass_ids.add(client_msg_id)
                body["_accepted"] = True
                return {"errcode": 0, "errmsg": "send job submission success", "msg_id": 1000 + len(self.calls)}
            return {"errcode": 0, "errmsg": "ok"}

    def _qrcode(self, body: dict[str, Any]) -> dict[str, Any]:
        action = body.get("action_name")
        scene = body.get("action_info", {}).get("scene", {})
        if action not in ("QR_STR_SCENE", "QR_LIMIT_STR_SCENE") or not scene.get("scene_str"):
            return {"errcode": 40053, "errmsg": "invalid action info"}
        ticket = f"gQTICKET{len(self.tickets) + 1}"
        self.tickets[ticket] = str(scene["scene_str"])
        answer: dict[str, Any] = {"ticket": ticket, "url": f"http://weixin.qq.com/q/{ticket}"}
        if action == "QR_STR_SCENE":
            answer["expire_seconds"] = int(body.get("expire_seconds", 30))
        return answer

    def image(self, ticket: str) -> bytes | None:
        """The PNG showqrcode serves for a ticket (None for an unknown ticket)."""
        with self.lock:
            self.calls.append(Call("showqrcode", {"ticket": ticket}, {}))
            return png_of(self.tickets[ticket]) if ticket in self.tickets else None


def png_of(text: str) -> bytes:
    """A small valid grey PNG whose tEXt chunk carries `text` (tests read the scene back from the file)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + bytes([0x80] * 8) for _ in range(8)))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"tEXt", b"scene\x00" + text.encode("utf-8"))
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _handler(fake: FakeWechat) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            parts = urlsplit(self.path)
            path = parts.path.removeprefix("/cgi-bin/")
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            if path == "showqrcode":
                self._image(fake.image(query.get("ticket", "")))
                return
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw.decode("utf-8")) if raw else {}
            except ValueError:
                body = {"_raw": raw.decode("utf-8", "replace")}
            data = json.dumps(fake.handle(path, query, body), ensure_ascii=False).encode("utf-8")
            how = fake.take_drop(path)
            if how is not None:  # recorded and accepted: the answer never arrives whole
                drop(self, how)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _image(self, png: bytes | None) -> None:
            self.send_response(200 if png else 404)
            self.send_header("Content-Type", "image/png" if png else "text/plain")
            self.send_header("Content-Length", str(len(png or b"")))
            self.end_headers()
            self.wfile.write(png or b"")

        do_GET = _answer
        do_POST = _answer

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


@contextmanager
def fake_wechat_server() -> Iterator[FakeWechat]:
    """Run the fake on a free port; `fake.base_url` is what WUFEI_WECHAT__API_BASE_URL should be."""
    fake = FakeWechat()
    listener = Listener(_handler(fake))
    listener.start()
    fake.base_url = f"http://127.0.0.1:{listener.port}/cgi-bin/"
    fake.listener = listener
    try:
        yield fake
    finally:
        listener.stop()


# --- the other direction: requests as WeChat's servers sign and encrypt them -----------------------------------

TOKEN = "wufei-test-token"
APP_ID = "wx0123456789abcdef"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"  # 43 characters, like the 公众号 console gives
OFFICIAL = "gh_0123456789ab"


def _sign(*parts: str) -> str:
    import hashlib

    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signed_query(token: str = TOKEN, *, timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The query string WeChat adds to every callback: signature over token, timestamp and a fresh random nonce."""
    import secrets
    import time

    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = str(secrets.randbelow(10**10)) if nonce is None else nonce
    return {"signature": _sign(token, ts, nonce), "timestamp": ts, "nonce": nonce}


def message_xml(openid: str, msg_type: str, *, create_time: int = 1_700_000_000, **fields: str | int) -> str:
    """A plaintext WeChat push (text, voice, event …) with the given extra fields."""
    from xml.sax.saxutils import escape

    parts = [
        f"<ToUserName><![CDATA[{OFFICIAL}]]></ToUserName>",
        f"<FromUserName><![CDATA[{openid}]]></FromUserName>",
        f"<CreateTime>{create_time}</CreateTime>",
        f"<MsgType><![CDATA[{msg_type}]]></MsgType>",
    ]
    for name, value in fields.items():
        parts.append(f"<{name}>{value}</{name}>" if isinstance(value, int) else f"<{name}>{escape(value)}</{name}>")
    return "<xml>" + "".join(parts) + "</xml>"


def encrypted_request(
    xml: str, *, compat: bool = False, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID
) -> tuple[dict[str, str], str]:
    """Query and body of a 安全 (or 兼容, with the plaintext fields kept) mode push, encrypted with wechatpy's crypto."""
    import xmltodict
    from wechatpy.crypto import WeChatCrypto

    query = signed_query(token)
    envelope = xmltodict.parse(
        WeChatCrypto(token, aes_key, app_id).encrypt_message(xml, query["nonce"], query["timestamp"])
    )["xml"]
    query.update(encrypt_type="aes", msg_signature=envelope["MsgSignature"])
    inner = (
        xml.removeprefix("<xml>").removesuffix("</xml>")
        if compat
        else f"<ToUserName><![CDATA[{OFFICIAL}]]></ToUserName>"
    )
    return query, f"<xml>{inner}<Encrypt><![CDATA[{envelope['Encrypt']}]]></Encrypt></xml>"


def decrypt_reply(body: str, *, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID) -> dict[str, str]:
    """The fields of an encrypted passive reply, after checking its signature with wechatpy."""
    import xmltodict
    from wechatpy.crypto import WeChatCrypto

    envelope = xmltodict.parse(body)["xml"]
    inner = WeChatCrypto(token, aes_key, app_id).decrypt_message(
        body, envelope["MsgSignature"], envelope["TimeStamp"], envelope["Nonce"]
    )
    return dict(xmltodict.parse(inner)["xml"])
