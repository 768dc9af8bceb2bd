"""The WeChat Official Account adapter: signed (and encrypted) XML in -> IncomingMessage, replies -> passive reply XML.

Parsing refuses anything WeChat never sends (DOCTYPE, entities, non-UTF-8 bytes, a root other than <xml>) with
`BadRequest`, whose `reason` is safe to show to the caller. The dedupe ledger (`record`, `stored`) keeps one
row per delivery in the database, so a retry that reaches another worker process gets the same reply.

A plaintext post's signature covers only (timestamp, nonce), not the body, so `remember_nonce` records each pair with
the delivery it carried: the same pair again is accepted only for the same delivery (WeChat's retry, which the
ledger answers once), never for another body.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

import xmltodict
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from bot import texts as core_texts
from bot.channels import wechat_texts as texts
from bot.channels.wechat_models import WechatInbound, WechatNonce
from bot.dialogue import IncomingMessage, Reply

CHANNEL = "wechat"
MEDIA_TYPES = {"image", "video", "shortvideo", "link", "file", "music"}
IGNORED_EVENTS = {"location", "view", "masssendjobfinish", "templatesendjobfinish", "view_miniprogram"}
_FORBIDDEN = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BREAKS = "\n。！？；!?;"
CLICK_REPLIES = {
    "SORT": texts.MENU_SORT
}  # menu CLICK keys with a reply of their own (others: WechatSettings.menu_texts)
DEDUPE_KEEP = dt.timedelta(days=2)


class BadRequest(ValueError):
    """A request WeChat would never send; `reason` is a short text safe to return."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def signature_ok(token: str, signature: str, *parts: str) -> bool:
    """WeChat's SHA1 over the sorted token and parts, compared in constant time."""
    data = sorted([token.encode(), *(p.encode() for p in parts)])
    expected = hashlib.sha1(b"".join(data)).hexdigest().encode()
    return hmac.compare_digest(expected, signature.encode("utf-8", "replace"))


def parse_xml(body: bytes) -> dict[str, str]:
    """The flat fields of a WeChat XML document; BadRequest for anything else."""
    if not body.strip():
        raise BadRequest("请求体为空")
    if _FORBIDDEN.search(body):
        raise BadRequest("不接受 DOCTYPE 或实体声明")
    try:
        body.decode("utf-8")
        doc = xmltodict.parse(body, encoding="utf-8", disable_entities=True)
    except UnicodeDecodeError as exc:
        raise BadRequest("请求体不是 UTF-8 编码") from exc
    except Exception as exc:  # ExpatError, ValueError("entities are disabled") …
        raise BadRequest("XML 格式不正确") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise BadRequest("XML 根元素应为 <xml>")
    return {k: v if isinstance(v, str) else "" for k, v in root.items() if v is None or isinstance(v, str)}


def make_crypto(token: str, encoding_aes_key: str, app_id: str) -> WeChatCrypto:
    """wechatpy's crypto for 兼容/安全 mode; ValueError for a key of the wrong shape."""
    try:
        return WeChatCrypto(token, encoding_aes_key, app_id)
    except Exception as exc:
        raise ValueError("WUFEI_WECHAT__ENCODING_AES_KEY 应为公众号后台给出的 43 位字符") from exc


def decrypt(
    crypto: WeChatCrypto, fields: Mapping[str, str], *, msg_signature: str, timestamp: str, nonce: str
) -> bytes:
    """The inner XML of an encrypted request after checking `msg_signature` (constant time)."""
    encrypted = fields.get("Encrypt", "")
    if not encrypted:
        raise BadRequest("加密模式的请求缺少 Encrypt")
    if not signature_ok(crypto.token, msg_signature, timestamp, nonce, encrypted):
        raise PermissionError("msg_signature")
    try:
        inner = PrpCrypto(crypto.key).decrypt(encrypted, crypto.app_id)
    except Exception as exc:
        raise BadRequest("无法解密消息") from exc
    return str(inner).encode("utf-8")


def encrypt(crypto: WeChatCrypto, xml: str, *, nonce: str, timestamp: str) -> str:
    """The encrypted envelope of a reply (safe mode answers in kind)."""
    return str(crypto.encrypt_message(xml, nonce, timestamp))


def dedupe_key(fields: Mapping[str, str]) -> str:
    """MsgId for messages; events have none, so openid + CreateTime (+ the event, as LOCATION shares the second)."""
    msg_id = fields.get("MsgId", "").strip()
    if msg_id and msg_id != "0":
        return f"msg:{msg_id}"[:200]  # the column's length: a forged overlong MsgId must not fail the insert
    event = fields.get("Event", "").lower()
    return f"evt:{fields.get('FromUserName', '')}:{fields.get('CreateTime', '')}:{event}"[:200]


def to_incoming(
    fields: Mapping[str, str], *, now: dt.datetime, menu_texts: Mapping[str, str]
) -> IncomingMessage | None:
    """The neutral message for a WeChat message or event; None for events that need no answer (LOCATION, VIEW …)."""
    openid = fields.get("FromUserName", "").strip()
    msg_type = fields.get("MsgType", "").strip().lower()
    if not openid or not msg_type or len(openid) > 128:
        raise BadRequest("缺少 FromUserName 或 MsgType")

    def event(name: str, text: str = "", **data: Any) -> IncomingMessage:
        return IncomingMessage(CHANNEL, openid, text, now, kind="event", event=name, data=data)

    if msg_type == "text":
        return IncomingMessage(CHANNEL, openid, fields.get("Content", ""), now)
    if msg_type == "voice":
        said = fields.get("Recognition", "").strip()
        if not said:
            return event("unsupported", media="voice")
        return IncomingMessage(CHANNEL, openid, said, now, data={"media": "voice"})
    if msg_type == "location":
        label = fields.get("Label", "")
        return event("location", label, label=label, **_coordinates(fields))
    if msg_type != "event":
        return event("unsupported", media=msg_type if msg_type in MEDIA_TYPES else "other")
    name = fields.get("Event", "").strip().lower()
    key = fields.get("EventKey", "").strip()
    if name == "subscribe":
        return event("subscribe", scene=key[len("qrscene_") :]) if key.startswith("qrscene_") else event("subscribe")
    if name == "scan":
        return event("scan", scene=key)
    if name == "unsubscribe":
        return event("unsubscribe")
    if name == "click":
        stands_for = menu_texts.get(key)
        if stands_for:  # a menu button that means a question: answer it like typed text, hooks still see the click
            return IncomingMessage(CHANNEL, openid, stands_for, now, event="click", data={"key": key})
        return event("click", key=key)
    return None  # LOCATION reports, VIEW, job-finished notices and unknown events get "success"


def _coordinates(fields: Mapping[str, str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, key in (("latitude", "Location_X"), ("longitude", "Location_Y"), ("scale", "Scale")):
        try:
            out[name] = float(fields.get(key, ""))
        except ValueError:
            continue
    return out


def window_kind(message: IncomingMessage) -> str:
    """Which customer-service window this message opens: "message" (48 h), "event" (1 min) or "unfollow"."""
    if message.event == "unsubscribe":
        return "unfollow"
    if message.kind == "text" or message.event in ("location", "unsupported"):
        return "message"
    return "event"


def reply_text(message: IncomingMessage, replies: list[Reply]) -> str | None:
    """What the resident should read, with WeChat's own wording where the core only had its generic event reply."""
    if message.event == "unsubscribe":
        return None  # nobody can read it
    parts = [_channel_wording(message) if _is_generic(r) else r.text for r in replies]
    joined = "\n\n".join(p.strip() for p in parts if p and p.strip())
    return joined or None


def _is_generic(reply: Reply) -> bool:
    return reply.text == core_texts.UNSUPPORTED_EVENT and (
        reply.answer is None or reply.answer.source.startswith("event:")
    )


def _channel_wording(message: IncomingMessage) -> str:
    if message.event == "location":
        label = message.data.get("label") or ""
        return texts.LOCATION_ACK.format(label=f"（{label}）" if label else "")
    if message.event == "unsupported":
        return texts.VOICE_EMPTY if message.data.get("media") == "voice" else texts.MEDIA_UNSUPPORTED
    if message.event == "click" and str(message.data.get("key")) in CLICK_REPLIES:
        return CLICK_REPLIES[str(message.data.get("key"))]
    return texts.WELCOME  # subscribe, scan, an unmapped menu click


def _cdata(text: str) -> str:
    return "<![CDATA[" + _INVALID_XML_CHARS.sub("", text).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_text(*, to_user: str, from_user: str, content: str, now: dt.datetime) -> str:
    """A passive text reply (emoji and Chinese are fine; `]]>` and control characters are made safe)."""
    return (
        f"<xml><ToUserName>{_cdata(to_user)}</ToUserName><FromUserName>{_cdata(from_user)}</FromUserName>"
        f"<CreateTime>{int(now.timestamp())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content>{_cdata(content)}</Content></xml>"
    )


def _size(text: str) -> int:
    return len(text.encode("utf-8"))


def split_text(text: str, max_bytes: int) -> list[str]:
    """Pieces of at most `max_bytes` UTF-8 bytes, cut after a line or sentence end where one is near."""
    chunks: list[str] = []
    rest = text.strip()
    while rest:
        if _size(rest) <= max_bytes:
            chunks.append(rest)
            break
        fit, used = 0, 0
        for ch in rest:
            used += _size(ch)
            if used > max_bytes:
                break
            fit += 1
        fit = max(fit, 1)
        window = rest[:fit]
        best = max(window.rfind(b) for b in _BREAKS)
        cut = best + 1 if best >= fit // 2 else fit
        piece, rest = rest[:cut].strip(), rest[cut:].strip()
        if piece:
            chunks.append(piece)
    return chunks


def shorten(text: str, max_bytes: int) -> str:
    """The text cut to `max_bytes`, with a note that it was shortened."""
    if _size(text) <= max_bytes:
        return text
    head = split_text(text, max(max_bytes - _size(texts.TRUNCATED), 1))
    return (head[0] if head else "") + texts.TRUNCATED


def record(session: Session, *, key: str, openid: str, msg_type: str, reply: str | None, now: dt.datetime) -> bool:
    """Record a handled delivery with its reply in one statement; False when it was recorded before (roll back)."""
    values = {"dedupe_key": key, "openid": openid, "msg_type": msg_type, "received_at": now}
    return _insert_new(session, WechatInbound, **values, status="done", reply_text=reply, done_at=now)


def _insert_new(session: Session, model: type[Any], **values: Any) -> bool:
    """INSERT … ON CONFLICT DO NOTHING RETURNING (one round trip, no savepoint); False when the row existed."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    table = model.__table__
    key = next(iter(table.primary_key.columns))
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(key)
    return session.execute(statement).first() is not None


def stored(session: Session, key: str) -> WechatInbound | None:
    """The recorded delivery with this key, if any."""
    return session.execute(select(WechatInbound).where(WechatInbound.dedupe_key == key)).scalar_one_or_none()


def nonce_pair(timestamp: str, nonce: str) -> str:
    """The key of a signature's (timestamp, nonce) pair in `wechat_nonces`."""
    return f"{timestamp}:{nonce}"[:200]


def remember_nonce(session: Session, *, timestamp: str, nonce: str, key: str, now: dt.datetime) -> bool:
    """Record the signature's (timestamp, nonce) for delivery `key`; False when the pair already signed another one."""
    pair = nonce_pair(timestamp, nonce)
    if _insert_new(session, WechatNonce, pair=pair, dedupe_key=key, seen_at=now):
        return True
    return nonce_signed(session, pair, key)


def nonce_signed(session: Session, pair: str, key: str) -> bool:
    """Whether the recorded pair signed delivery `key` (the pair was there already: a retry of `key`, or a replay)."""
    seen = session.execute(select(WechatNonce.dedupe_key).where(WechatNonce.pair == pair)).scalar_one_or_none()
    return seen == key


def purge(session: Session, *, before: dt.datetime) -> int:
    """Forget deliveries and signature nonces seen before `before` (WeChat retries within seconds)."""
    result = session.execute(delete(WechatInbound).where(WechatInbound.received_at < before))
    nonces = session.execute(delete(WechatNonce).where(WechatNonce.seen_at < before))
    return int(getattr(result, "rowcount", 0) or 0) + int(getattr(nonces, "rowcount", 0) or 0)


def purge_dedupe(session: Session, now: dt.datetime) -> int:
    """Forget deliveries and nonces older than two days (run from the scheduler tick); the number of rows removed."""
    return purge(session, before=now - DEDUPE_KEEP)
