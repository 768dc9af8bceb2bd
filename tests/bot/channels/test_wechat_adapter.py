"""The WeChat adapter's pure parts: XML in, IncomingMessage out, signatures, splitting and safe reply XML."""

from __future__ import annotations

import datetime as dt

import pytest
import xmltodict
from hypothesis import given
from hypothesis import strategies as st

from bot.channels import wechat
from tests.support.fake_wechat import TOKEN, message_xml, signed_query

NOW = dt.datetime(2026, 3, 31, 2, 0, tzinfo=dt.UTC)
MENU = {"HELP": "帮助"}


def incoming(xml: str) -> wechat.IncomingMessage | None:
    return wechat.to_incoming(wechat.parse_xml(xml.encode()), now=NOW, menu_texts=MENU)


def test_signature_matches_wechats_and_rejects_others() -> None:
    q = signed_query()
    assert wechat.signature_ok(TOKEN, q["signature"], q["timestamp"], q["nonce"])
    assert not wechat.signature_ok(TOKEN, q["signature"], q["timestamp"], q["nonce"] + "1")
    assert not wechat.signature_ok(TOKEN, "签名", q["timestamp"], q["nonce"])


def test_subscribe_with_a_parametric_qr_code_carries_the_scene() -> None:
    msg = incoming(message_xml("o1", "event", Event="subscribe", EventKey="qrscene_cell_12", Ticket="T"))
    assert msg is not None
    assert (msg.kind, msg.event, msg.data) == ("event", "subscribe", {"scene": "cell_12"})


def test_plain_subscribe_and_scan() -> None:
    plain = incoming(message_xml("o1", "event", Event="subscribe", EventKey=""))
    scan = incoming(message_xml("o1", "event", Event="SCAN", EventKey="campaign_65", Ticket="T"))
    assert plain is not None and (plain.event, plain.data) == ("subscribe", {})
    assert scan is not None and (scan.event, scan.data) == ("scan", {"scene": "campaign_65"})


def test_menu_clicks_mapped_to_a_question_become_text() -> None:
    mapped = incoming(message_xml("o1", "event", Event="CLICK", EventKey="HELP"))
    other = incoming(message_xml("o1", "event", Event="CLICK", EventKey="SURVEY"))
    assert mapped is not None and (mapped.kind, mapped.text, mapped.event) == ("text", "帮助", "click")
    assert other is not None and (other.kind, other.event, other.data) == ("event", "click", {"key": "SURVEY"})


def test_voice_location_media_and_ignored_events() -> None:
    voice = incoming(message_xml("o1", "voice", Recognition="废电池", MsgId=1))
    silent = incoming(message_xml("o1", "voice", Recognition="", MsgId=2))
    place = incoming(message_xml("o1", "location", Location_X="34.4", Location_Y="113.7", Label="新郑", MsgId=3))
    image = incoming(message_xml("o1", "image", PicUrl="http://x", MsgId=4))
    assert voice is not None and (voice.kind, voice.text) == ("text", "废电池")
    assert silent is not None and (silent.event, silent.data) == ("unsupported", {"media": "voice"})
    assert place is not None and place.event == "location"
    assert place.data == {"label": "新郑", "latitude": 34.4, "longitude": 113.7}
    assert image is not None and (image.event, image.data) == ("unsupported", {"media": "image"})
    assert incoming(message_xml("o1", "event", Event="LOCATION", Latitude="1", Longitude="2")) is None
    assert incoming(message_xml("o1", "event", Event="VIEW", EventKey="http://x")) is None


def test_dedupe_keys() -> None:
    msg = wechat.parse_xml(message_xml("o1", "text", Content="x", MsgId=123).encode())
    event = wechat.parse_xml(message_xml("o1", "event", create_time=42, Event="subscribe").encode())
    assert wechat.dedupe_key(msg) == "msg:123"
    assert wechat.dedupe_key(event) == "evt:o1:42:subscribe"


@pytest.mark.parametrize(
    "body",
    [
        b'<!DOCTYPE xml [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Content>&e;</Content></xml>',
        b"<!doctype xml><xml/>",
        b"<xml><a></xml>",
        "<xml><Content>垃圾</Content></xml>".encode("gb18030"),
        b"<xml>&amp;</xml>",  # a text root, not fields
    ],
)
def test_parse_xml_refuses_what_wechat_never_sends(body: bytes) -> None:
    with pytest.raises(wechat.BadRequest):
        wechat.parse_xml(body)


@given(st.text(min_size=1, max_size=400), st.integers(min_value=8, max_value=120))
def test_split_pieces_fit_and_keep_every_character(text: str, limit: int) -> None:
    pieces = wechat.split_text(text, limit)
    assert all(len(p.encode()) <= limit for p in pieces)
    assert "".join("".join(pieces).split()) == "".join(text.split())


def test_split_prefers_sentence_ends() -> None:
    text = "第一句话说完了。" * 3 + "第二段很长的一句话没有标点一直写下去直到超出限制为止"
    pieces = wechat.split_text(text, 60)
    assert pieces[0].endswith("。")


@given(st.text(max_size=200))
def test_reply_xml_round_trips_any_text(content: str) -> None:
    xml = wechat.render_text(to_user="o1", from_user="gh_1", content=content, now=NOW)
    parsed = xmltodict.parse(xml, strip_whitespace=False)["xml"]
    expected = wechat._INVALID_XML_CHARS.sub("", content)
    assert (parsed.get("Content") or "") == expected.replace("\r\n", "\n").replace("\r", "\n")


def test_reply_xml_keeps_emoji_and_cdata_terminators() -> None:
    content = "分类好 🌱👍 ]]> <b>&amp;"
    parsed = xmltodict.parse(wechat.render_text(to_user="o1", from_user="gh_1", content=content, now=NOW))["xml"]
    assert parsed["Content"] == content
    assert parsed["MsgType"] == "text" and parsed["ToUserName"] == "o1"
