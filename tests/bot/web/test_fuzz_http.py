"""HTTP fuzzing: malformed and hostile JSON, XML and forms, wrong content types, oversized bodies, bad UTF-8, bad
signatures, replayed timestamps and path tricks get a 4xx with a reason (or a normal answer), never a 500.

Each request tried is counted per endpoint; run with `-s` to see the counts (they go into BENCHMARKS.md).
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from bot.config import ChatSettings, Settings, TelegramSettings, WechatSettings
from bot.db import dispose_engines
from bot.web.app import create_app
from tests.support.fake_telegram import TOKEN as TELEGRAM_TOKEN
from tests.support.fake_telegram import running_fake_telegram
from tests.support.fake_wechat import AES_KEY, APP_ID, OFFICIAL, TOKEN, encrypted_request, signed_query

SECRET = "fuzz-secret_1"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TRIED: Counter[str] = Counter()
FUZZ = settings(max_examples=120, deadline=None, suppress_health_check=list(HealthCheck))

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=50),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=20,
)
CONTENT_TYPES = st.sampled_from(
    [
        "application/json",
        "application/json; charset=gbk",
        "text/xml",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "text/plain; charset=utf-8",
        "application/octet-stream",
        "",
        "💥/💥",
    ]
)
WECHAT_FIELDS = st.sampled_from(
    [
        "ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event", "EventKey",
        "Recognition", "Location_X", "Location_Y", "Scale", "Label", "Encrypt", "Ticket", "PicUrl", "MediaId",
    ]
)  # fmt: skip
WECHAT_TYPES = st.sampled_from(["text", "voice", "image", "location", "event", "link", "video", "", "TEXT", "⚠"])
WECHAT_EVENTS = st.sampled_from(["subscribe", "unsubscribe", "SCAN", "CLICK", "VIEW", "LOCATION", "", "💥"])


def tried(endpoint: str, response: httpx.Response) -> None:
    """Count the request and check the promise: no 5xx, and a 4xx says why."""
    TRIED[endpoint] += 1
    assert response.status_code < 500, (endpoint, response.status_code, response.text[:300])
    if response.status_code >= 400:
        assert response.content.strip(), (endpoint, response.status_code)


@pytest.fixture(scope="module", autouse=True)
def _report() -> Iterator[None]:
    yield
    print("\nHTTP fuzz cases tried:", dict(sorted(TRIED.items())), "total", sum(TRIED.values()))


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The app with WeChat (encrypted mode available) and the Telegram webhook on, against a fake Bot API."""
    wechat = WechatSettings(
        token=SecretStr(TOKEN),
        app_id=APP_ID,
        encoding_aes_key=SecretStr(AES_KEY),
        mode="compatible",  # plaintext posts reach the parser too (safe mode would refuse them before it)
        api_base_url="http://127.0.0.1:9/cgi-bin/",
        reply_timeout_seconds=10.0,
    )
    with running_fake_telegram() as fake:
        telegram = TelegramSettings(token=TELEGRAM_TOKEN, base_url=fake.base_url, webhook_secret=SECRET)
        chat = ChatSettings(rate_per_minute=0, client_rate_per_minute=0)  # one client, one cookie: fuzz the answers
        app = create_app(settings.model_copy(update={"wechat": wechat, "telegram": telegram, "chat": chat}))
        with TestClient(app, raise_server_exceptions=False) as c:
            yield c
    dispose_engines()


# --- /api/chat ------------------------------------------------------------------------------------------------------


@FUZZ
@given(body=JSON)
def test_chat_any_json_value(client: TestClient, body: Any) -> None:
    tried("/api/chat", client.post("/api/chat", content=json.dumps(body), headers={"content-type": "application/json"}))


@FUZZ
@given(user=JSON | st.text(max_size=200), text=JSON | st.text(max_size=3000))
def test_chat_any_field_values(client: TestClient, user: Any, text: Any) -> None:
    body = json.dumps({"user": user, "text": text})
    tried("/api/chat", client.post("/api/chat", content=body, headers={"content-type": "application/json"}))


@FUZZ
@given(body=st.binary(max_size=2000), content_type=CONTENT_TYPES)
def test_chat_any_bytes_and_content_type(client: TestClient, body: bytes, content_type: str) -> None:
    tried("/api/chat", client.post("/api/chat", content=body, headers={"content-type": content_type.encode()}))


CHAT_HOSTILE = [
    (b'{"user": "a", "text": "\xff\xfe\xfa"}', {"content-type": "application/json"}),
    (b'{"user": "a", "text": "\\ud800"}', {"content-type": "application/json"}),
    (b'{"user": "a", "text": "x"' + b" " * 70_000 + b"}", {"content-type": "application/json"}),
    (b'{"user": "a", "text": "x"}', {"content-type": "application/json", "content-length": "-1"}),
    (b'{"user": "a", "text": "x"}', {"content-type": "application/json", "content-length": "1e9"}),
    (b"[" * 50_000 + b"]" * 50_000, {"content-type": "application/json"}),
    (b"[" * 20_000 + b"]" * 20_000, {"content-type": "application/json"}),
    (b'{"user": "a", "text": "x", "text": 5}', {"content-type": "application/json"}),
    (b'{"user": "a", "text": NaN}', {"content-type": "application/json"}),
    (b"\xef\xbb\xbf" + b'{"user": "a", "text": "x"}', {"content-type": "application/json"}),
    ('{"user": "a", "text": "纸巾"}'.encode("utf-16"), {"content-type": "application/json"}),
]


def test_chat_hostile_bodies(client: TestClient) -> None:
    for body, headers in CHAT_HOSTILE:
        tried("/api/chat", client.post("/api/chat", content=body, headers=headers))


# --- /wechat --------------------------------------------------------------------------------------------------------


def wechat_xml(fields: list[tuple[str, str]]) -> str:
    return "<xml>" + "".join(f"<{name}>{escape(value)}</{name}>" for name, value in fields) + "</xml>"


@FUZZ
@given(
    openid=st.text(min_size=0, max_size=150),
    msg_type=WECHAT_TYPES,
    event=WECHAT_EVENTS,
    extra=st.lists(st.tuples(WECHAT_FIELDS, st.text(max_size=400)), max_size=6),
)
def test_wechat_signed_messages_with_any_fields(
    client: TestClient, openid: str, msg_type: str, event: str, extra: list[tuple[str, str]]
) -> None:
    fields = [("ToUserName", OFFICIAL), ("FromUserName", openid), ("CreateTime", "1700000000"), ("MsgType", msg_type)]
    fields += [("Event", event), *extra]
    tried("/wechat", client.post("/wechat", params=signed_query(), content=wechat_xml(fields).encode("utf-8")))


@FUZZ
@given(body=st.binary(max_size=3000) | st.text(max_size=3000).map(str.encode), content_type=CONTENT_TYPES)
def test_wechat_signed_garbage(client: TestClient, body: bytes, content_type: str) -> None:
    tried(
        "/wechat",
        client.post("/wechat", params=signed_query(), content=body, headers={"content-type": content_type.encode()}),
    )


@FUZZ
@given(
    query=st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "echostr", "encrypt_type"]), st.text())
)
def test_wechat_unsigned_or_badly_signed(client: TestClient, query: dict[str, str]) -> None:
    tried("/wechat", client.get("/wechat", params=query))
    tried("/wechat", client.post("/wechat", params=query, content=b"<xml></xml>"))


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><xml><ToUserName>a</ToUserName><FromUserName>o</FromUserName><MsgType>text</MsgType>"
    "<Content>&lol9;</Content></xml>"
)
HOSTILE_XML = [
    BILLION_LAUGHS,
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><Content>&xxe;</Content></xml>',
    '<!doctype xml SYSTEM "http://127.0.0.1:9/evil.dtd"><xml><MsgType>text</MsgType></xml>',
    '<?xml version="1.0" encoding="ISO-8859-1"?><xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>',
    "<xml>" + "<a>" * 9000 + "</a>" * 9000 + "</xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>" + "纸" * 20_000 + "</Content></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><MsgId>" + "9" * 500 + "</MsgId></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>subscribe</Event><EventKey>qrscene_"
    + "x" * 1000
    + "</EventKey></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>SCAN</Event><EventKey>"
    + "1" * 1000
    + "</EventKey></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>event</MsgType><Event>"
    + "e" * 1000
    + "</Event><CreateTime>"
    + "9" * 1000
    + "</CreateTime></xml>",
    "<xml><FromUserName><a>nested</a></FromUserName><MsgType>text</MsgType></xml>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>a</Content><Content>b</Content></xml>",
    '<xml xmlns:x="urn:x"><x:FromUserName>o</x:FromUserName><MsgType>text</MsgType></xml>',
    "<notxml/>",
    "<xml>",
    "<xml><![CDATA[",
    "<?xml-stylesheet href='x'?><xml/>",
    "\x00<xml/>",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>\x01\x02</Content></xml>",
]


def test_wechat_hostile_xml(client: TestClient) -> None:
    for xml in HOSTILE_XML:
        tried("/wechat", client.post("/wechat", params=signed_query(), content=xml.encode("utf-8")))
        query, body = encrypted_request(xml[:20_000])  # the same inside a valid encrypted envelope
        tried("/wechat", client.post("/wechat", params=query, content=body.encode("utf-8")))


def wechat_bad_requests() -> list[tuple[dict[str, str], str | bytes]]:
    """Signed now (a module-level list would be signed at import time, long before the test runs)."""
    return [
        (signed_query(timestamp=int(time.time()) - 3600), "<xml/>"),  # a replayed request
        (signed_query(timestamp=int(time.time()) + 3600), "<xml/>"),
        ({**signed_query(), "signature": "0" * 40}, "<xml/>"),
        ({**signed_query(), "encrypt_type": "aes", "msg_signature": "x"}, "<xml><Encrypt>AAAA</Encrypt></xml>"),
        ({**signed_query(), "encrypt_type": "aes", "msg_signature": "x"}, "<xml><Encrypt>%%%</Encrypt></xml>"),
        ({**signed_query(), "encrypt_type": "aes"}, "<xml><ToUserName>a</ToUserName></xml>"),
        (signed_query(), "<xml>" + "<A>b</A>" * 10_000 + "</xml>"),  # 80 KiB: over the cap
        (signed_query(), b"<xml>\xff\xfe</xml>"),
        (signed_query(), "\ufeff<xml/>".encode("utf-16")),
    ]


def test_wechat_bad_signatures_replays_and_envelopes(client: TestClient) -> None:
    for query, body in wechat_bad_requests():
        content = body.encode("utf-8") if isinstance(body, str) else body
        tried("/wechat", client.post("/wechat", params=query, content=content))


# --- /survey --------------------------------------------------------------------------------------------------------


@FUZZ
@given(
    fields=st.dictionaries(
        st.sampled_from(
            ["publicity", "participation", "satisfaction", "township", "age_band", "identity", "comment", ""]
        )
        | st.text(max_size=20),
        st.lists(st.text(max_size=300), max_size=3),
        max_size=8,
    )
)
def test_survey_form_any_fields(client: TestClient, fields: dict[str, list[str]]) -> None:
    tried("/survey", client.post("/survey/public", data=fields))


@FUZZ
@given(body=st.binary(max_size=3000), content_type=CONTENT_TYPES, survey=st.text(max_size=40))
def test_survey_form_any_bytes(client: TestClient, body: bytes, content_type: str, survey: str) -> None:
    tried("/survey", client.post("/survey/public", content=body, headers={"content-type": content_type.encode()}))
    tried("/survey", client.get("/survey/" + quote(survey, safe="")))


# --- /telegram/webhook ----------------------------------------------------------------------------------------------


@FUZZ
@given(body=JSON)
def test_telegram_any_json(client: TestClient, body: Any) -> None:
    response = client.post("/telegram/webhook", content=json.dumps(body), headers={SECRET_HEADER: SECRET})
    tried("/telegram/webhook", response)


@FUZZ
@given(
    message=st.dictionaries(
        st.sampled_from(["message_id", "date", "chat", "from", "text", "caption", "entities", "sticker"]), JSON
    ),
    kind=st.sampled_from(["message", "edited_message", "callback_query", "my_chat_member", "poll"]),
)
def test_telegram_updates_of_any_shape(client: TestClient, message: dict[str, Any], kind: str) -> None:
    body = {"update_id": 1, kind: message}
    response = client.post("/telegram/webhook", content=json.dumps(body), headers={SECRET_HEADER: SECRET})
    tried("/telegram/webhook", response)


TELEGRAM_HOSTILE = [
    ({}, b'{"update_id": 1}'),
    ({SECRET_HEADER: "wrong"}, b'{"update_id": 1}'),
    ({SECRET_HEADER: SECRET}, b"\xff\xfe"),
    ({SECRET_HEADER: SECRET}, b"[" * 30_000 + b"]" * 30_000),
    ({SECRET_HEADER: SECRET}, b'{"update_id": 1, "message": {"chat": {"id": 1, "type": "private"}}}'),
    (
        {SECRET_HEADER: SECRET},
        json.dumps(
            {
                "update_id": 2,
                "message": {
                    "message_id": 1,
                    "date": 0,
                    "chat": {"id": 5, "type": "private"},
                    "from": {"id": 5, "is_bot": False, "first_name": "x"},
                    "text": "纸" * 5000,
                },
            }
        ).encode(),
    ),
    ({SECRET_HEADER: SECRET, "content-type": "application/xml"}, b"<xml/>"),
]


def test_telegram_hostile_requests(client: TestClient) -> None:
    for headers, body in TELEGRAM_HOSTILE:
        tried("/telegram/webhook", client.post("/telegram/webhook", content=body, headers=headers))


# --- paths ----------------------------------------------------------------------------------------------------------

PATHS = [
    "/static/../bot/config.py",
    "/static/%2e%2e/%2e%2e/pyproject.toml",
    "/static/..%2f..%2fpyproject.toml",
    "/static/%00",
    "/static/" + "a" * 5000,
    "/survey/%00",
    "/survey/..%2f..%2fetc%2fpasswd",
    "/survey/" + "题" * 2000,
    "/survey/public%0d%0aSet-Cookie:x=1",
    "/api/chat/../healthz",
    "//api//chat",
    "/api/indicators?survey=" + "x" * 100,
    "/api/indicators?by=township&by=%00&wave=all",
    "/api/indicators?survey=%ff",
    "/api/chat/inbox?user=" + "u" * 5000,
    "/api/chat/inbox?user=%ff%fe",
    "/wechat?echostr=%ff&signature=%ff&timestamp=%ff&nonce=%ff",
    "/telegram/webhook",
    "/metrics?" + "a=b&" * 2000,
]


def test_path_tricks(client: TestClient) -> None:
    for path in PATHS:
        for method in ("GET", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"):
            response = client.request(method, path)
            tried("paths", response)
            assert "wufei_test" not in response.text and "[build-system]" not in response.text, path
