"""The /wechat webhook end to end: real signed and encrypted requests through the app, replies parsed back."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import xmltodict
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.channels import wechat_texts
from bot.channels.wechat_models import WechatInbound, WechatWindow
from bot.config import Settings, WechatSettings
from bot.db import dispose_engines, session_factory, transaction
from bot.models import ChatLog
from bot.web.app import create_app
from campaigns.models import ChannelIdentity
from tests.support.fake_wechat import (
    AES_KEY,
    APP_ID,
    OFFICIAL,
    TOKEN,
    FakeWechat,
    decrypt_reply,
    encrypted_request,
    message_xml,
    signed_query,
)


def wechat_settings(settings: Settings, fake: FakeWechat | None = None, **overrides: object) -> Settings:
    """The test settings with the WeChat channel on (and pointed at the fake API when given)."""
    values: dict[str, object] = {
        "token": SecretStr(TOKEN),
        "app_id": APP_ID,
        "app_secret": SecretStr("test-secret" if fake else ""),
        "encoding_aes_key": SecretStr(AES_KEY),
        "mode": "compatible",  # plaintext and encrypted posts both accepted (safe mode has its own tests)
        "api_base_url": fake.base_url if fake else "http://127.0.0.1:9/cgi-bin/",
    }
    values.update(overrides)
    return settings.model_copy(update={"wechat": WechatSettings.model_validate(values)})


@pytest.fixture(autouse=True)
def _close_pools() -> Iterator[None]:
    """Each test has its own database: close its pooled connections so PostgreSQL does not run out of slots."""
    yield
    dispose_engines()


@pytest.fixture
def client(settings: Settings, fake: FakeWechat) -> Iterator[TestClient]:
    with TestClient(create_app(wechat_settings(settings, fake))) as test_client:
        yield test_client


def post(client: TestClient, xml: str, query: dict[str, str] | None = None) -> tuple[int, str]:
    """POST a push as WeChat does; the status and the body text."""
    res = client.post("/wechat", params=query or signed_query(), content=xml.encode("utf-8"))
    return res.status_code, res.text


def reply_of(client: TestClient, xml: str) -> dict[str, str]:
    """The fields of the plaintext passive reply to a push."""
    status, body = post(client, xml)
    assert status == 200, body
    return dict(xmltodict.parse(body)["xml"])


def count(settings: Settings, model: type, **where: object) -> int:
    with transaction(session_factory(settings.db_url)) as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int(session.execute(query).scalar_one())


def wait_until(check: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


# --- URL verification -------------------------------------------------------------------------------------------


def test_url_check_echoes_echostr_raw(client: TestClient) -> None:
    res = client.get("/wechat", params={**signed_query(), "echostr": "7241069512340987"})
    assert res.status_code == 200
    assert res.text == "7241069512340987"


def test_url_check_with_a_wrong_signature_is_forbidden(client: TestClient) -> None:
    query = {**signed_query(token="not-our-token"), "echostr": "123"}
    res = client.get("/wechat", params=query)
    assert res.status_code == 403
    assert "123" not in res.text


def test_a_stale_timestamp_is_refused_even_when_signed(client: TestClient) -> None:
    res = client.get("/wechat", params={**signed_query(timestamp=int(time.time()) - 3600), "echostr": "1"})
    assert res.status_code == 403


def test_without_a_token_the_channel_is_off(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("INFO"), TestClient(create_app(settings)) as off:
        assert off.get("/wechat", params={**signed_query(), "echostr": "1"}).status_code == 404
        assert off.post("/wechat", params=signed_query(), content=b"<xml/>").status_code == 404
    assert "WeChat channel off" in caplog.text


# --- messages in the three modes --------------------------------------------------------------------------------


def test_plaintext_text_message_gets_the_sorting_answer(client: TestClient, settings: Settings) -> None:
    reply = reply_of(client, message_xml("o_alice", "text", Content="用过的纸巾", MsgId=1001))
    assert reply["ToUserName"] == "o_alice"
    assert reply["FromUserName"] == OFFICIAL
    assert reply["MsgType"] == "text"
    assert "其他垃圾" in reply["Content"]
    assert count(settings, ChannelIdentity, channel="wechat", external_id="o_alice") == 1


def test_safe_mode_request_gets_an_encrypted_reply(client: TestClient) -> None:
    query, body = encrypted_request(message_xml("o_bob", "text", Content="过期药品", MsgId=2001))
    res = client.post("/wechat", params=query, content=body.encode())
    assert res.status_code == 200
    assert "<Encrypt>" in res.text and "有害垃圾" not in res.text  # nothing readable travels in clear
    reply = decrypt_reply(res.text)
    assert reply["ToUserName"] == "o_bob"
    assert "有害垃圾" in reply["Content"]


def test_compatible_mode_request_is_decrypted_and_answered_encrypted(client: TestClient) -> None:
    query, body = encrypted_request(message_xml("o_carol", "text", Content="过期药品", MsgId=2002), compat=True)
    res = client.post("/wechat", params=query, content=body.encode())
    assert res.status_code == 200
    assert "有害垃圾" in decrypt_reply(res.text)["Content"]


def test_a_wrong_msg_signature_is_forbidden(client: TestClient) -> None:
    query, body = encrypted_request(message_xml("o_dave", "text", Content="纸巾", MsgId=2003))
    query["msg_signature"] = "0" * 40
    assert client.post("/wechat", params=query, content=body.encode()).status_code == 403


def test_a_message_encrypted_for_another_account_is_refused(client: TestClient) -> None:
    query, body = encrypted_request(message_xml("o_eve", "text", Content="纸巾", MsgId=2004), app_id="wx_someone_else")
    res = client.post("/wechat", params=query, content=body.encode())
    assert res.status_code == 400
    assert "Traceback" not in res.text


def test_a_wrong_signature_on_post_is_forbidden(client: TestClient, settings: Settings) -> None:
    status, _ = post(client, message_xml("o_mallory", "text", Content="纸巾", MsgId=3001), signed_query(token="x"))
    assert status == 403
    assert count(settings, WechatInbound) == 0


# --- retries ----------------------------------------------------------------------------------------------------


def test_a_retry_gets_the_same_reply_without_doing_the_work_twice(client: TestClient, settings: Settings) -> None:
    xml = message_xml("o_frank", "text", Content="电池", MsgId=4001)
    first = reply_of(client, xml)
    again = reply_of(client, xml)
    assert again["Content"] == first["Content"]
    assert count(settings, ChatLog, channel="wechat") == 1
    assert count(settings, WechatInbound) == 1


def test_events_are_deduplicated_by_openid_and_create_time(client: TestClient, settings: Settings) -> None:
    xml = message_xml("o_grace", "event", create_time=1_700_000_100, Event="subscribe")
    assert reply_of(client, xml)["Content"] == reply_of(client, xml)["Content"]
    later = message_xml("o_grace", "event", create_time=1_700_000_200, Event="CLICK", EventKey="HELP")
    reply_of(client, later)
    assert count(settings, ChatLog, channel="wechat") == 2


# --- message types and events -----------------------------------------------------------------------------------


def test_voice_uses_the_recognised_text(client: TestClient) -> None:
    typed = reply_of(client, message_xml("o_h1", "text", Content="过期药品", MsgId=5001))
    spoken = reply_of(
        client, message_xml("o_h2", "voice", MediaId="m1", Format="amr", Recognition="过期药品", MsgId=5002)
    )
    assert spoken["Content"] == typed["Content"]


def test_voice_without_recognition_asks_to_type(client: TestClient) -> None:
    reply = reply_of(client, message_xml("o_i", "voice", MediaId="m2", Format="amr", Recognition="", MsgId=5003))
    assert reply["Content"] == wechat_texts.VOICE_EMPTY


@pytest.mark.parametrize("msg_type", ["video", "link"])  # an image: tests/bot/channels/test_photos.py
def test_media_gets_a_polite_request_for_words(client: TestClient, msg_type: str) -> None:
    reply = reply_of(client, message_xml("o_j", msg_type, MediaId="m3", PicUrl="http://x/y.jpg", MsgId=5100))
    assert reply["Content"] == wechat_texts.MEDIA_UNSUPPORTED


def test_location_is_acknowledged_with_its_label(client: TestClient) -> None:
    xml = message_xml(
        "o_k", "location", Location_X="34.39", Location_Y="113.73", Scale="15", Label="新郑市新华路", MsgId=5200
    )
    content = reply_of(client, xml)["Content"]
    assert "新郑市新华路" in content


def test_subscribe_through_a_cell_qr_code_welcomes_and_records_the_follower(
    client: TestClient, settings: Settings
) -> None:
    xml = message_xml("o_l", "event", Event="subscribe", EventKey="qrscene_cell_12", Ticket="TICKET")
    assert reply_of(client, xml)["Content"]
    assert count(settings, ChannelIdentity, channel="wechat", external_id="o_l") == 1
    assert count(settings, WechatWindow, openid="o_l") == 1


def test_scan_by_a_follower_is_answered(client: TestClient) -> None:
    xml = message_xml("o_m", "event", Event="SCAN", EventKey="cell_12", Ticket="TICKET")
    assert reply_of(client, xml)["Content"]


def test_a_menu_click_answers_the_text_it_stands_for(client: TestClient) -> None:
    typed = reply_of(client, message_xml("o_n1", "text", Content="帮助", MsgId=5300))
    clicked = reply_of(client, message_xml("o_n2", "event", Event="CLICK", EventKey="HELP"))
    assert clicked["Content"] == typed["Content"]


def test_unsubscribe_is_acknowledged_with_success_and_stops_customer_service_sends(
    client: TestClient, settings: Settings
) -> None:
    reply_of(client, message_xml("o_o", "text", Content="纸巾", MsgId=5400))
    status, body = post(client, message_xml("o_o", "event", create_time=1_700_000_300, Event="unsubscribe"))
    assert (status, body) == (200, "success")
    with transaction(session_factory(settings.db_url)) as session:
        row = session.get(WechatWindow, "o_o")
        assert row is not None and row.unfollowed_at is not None


def test_location_reports_get_success_and_no_chat(client: TestClient, settings: Settings) -> None:
    xml = message_xml("o_p", "event", Event="LOCATION", Latitude="34.39", Longitude="113.73", Precision="65")
    assert post(client, xml) == (200, "success")
    assert count(settings, ChatLog) == 0


# --- late and long answers --------------------------------------------------------------------------------------


def test_an_answer_not_ready_in_time_is_sent_through_customer_service(settings: Settings, fake: FakeWechat) -> None:
    with TestClient(create_app(wechat_settings(settings, fake, reply_timeout_seconds=0.0))) as slow:
        status, body = post(slow, message_xml("o_q", "text", Content="用过的纸巾", MsgId=6001))
        assert (status, body) == (200, "success")
        wait_until(lambda: len(fake.sent()) == 1)
    sent = fake.sent()[0].body
    assert sent["touser"] == "o_q"
    assert "其他垃圾" in sent["text"]["content"]
    assert len(fake.calls_to("stable_token")) == 1


def test_a_long_answer_is_split_and_the_rest_follows_through_customer_service(
    settings: Settings, fake: FakeWechat
) -> None:
    def squash(text: str) -> str:
        return "".join(text.split())

    with TestClient(create_app(wechat_settings(settings, fake, max_text_bytes=250))) as narrow:
        full = narrow.post("/api/chat", json={"text": "帮助"}).json()["replies"][0]["text"]
        assert len(full.encode()) > 2 * 250
        first = reply_of(narrow, message_xml("o_r", "text", Content="帮助", MsgId=6101))["Content"]
        wait_until(lambda: squash(first + "".join(c.body["text"]["content"] for c in fake.sent())) == squash(full))
    pieces = [first, *(c.body["text"]["content"] for c in fake.sent())]
    assert len(pieces) >= 3
    assert all(len(piece.encode()) <= 250 for piece in pieces)
    assert {c.body["touser"] for c in fake.sent()} == {"o_r"}


def test_a_long_answer_is_shortened_when_customer_service_is_not_configured(settings: Settings) -> None:
    with TestClient(create_app(wechat_settings(settings, None, max_text_bytes=80))) as narrow:
        content = reply_of(narrow, message_xml("o_s", "text", Content="帮助", MsgId=6201))["Content"]
    assert len(content.encode()) <= 80
    assert content.endswith(wechat_texts.TRUNCATED)


# --- abuse and faults -------------------------------------------------------------------------------------------

XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">' for i in range(1, 10))
    + "]><xml><Content>&lol9;</Content></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(XXE.encode(), id="xxe"),
        pytest.param(LAUGHS.encode(), id="billion-laughs"),
        pytest.param(b"<xml><Content>unclosed", id="malformed"),
        pytest.param(b"", id="empty"),
        pytest.param(
            "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>纸巾</Content></xml>".encode("gbk"),
            id="gbk",
        ),
        pytest.param(b"<other><MsgType>text</MsgType></other>", id="wrong-root"),
        pytest.param(b"<xml><Content>no sender</Content></xml>", id="missing-fields"),
    ],
)
def test_bad_xml_gets_400_without_a_trace(client: TestClient, settings: Settings, body: bytes) -> None:
    started = time.monotonic()
    res = client.post("/wechat", params=signed_query(), content=body)
    assert res.status_code == 400
    assert "Traceback" not in res.text and "passwd" not in res.text and "root:" not in res.text
    assert time.monotonic() - started < 10  # entity expansion would take far longer; 2 s flaked on a loaded machine
    assert count(settings, WechatInbound) == 0


def test_a_body_over_the_cap_is_refused(client: TestClient) -> None:
    big = message_xml("o_t", "text", Content="纸" * 30_000, MsgId=7001).encode()
    assert client.post("/wechat", params=signed_query(), content=big).status_code == 413


def test_a_chunked_body_over_the_cap_is_refused(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(80):
            yield b"<xml>" + b"a" * 1024

    assert client.post("/wechat", params=signed_query(), content=chunks()).status_code == 413


def test_no_reply_leaks_the_configuration(client: TestClient) -> None:
    bodies = [
        client.get("/wechat", params={"echostr": "1"}).text,
        client.post("/wechat", params=signed_query(token="x"), content=b"<xml/>").text,
        client.post("/wechat", params=signed_query(), content=b"<xml>").text,
    ]
    for body in bodies:
        assert TOKEN not in body and AES_KEY not in body and "test-secret" not in body
