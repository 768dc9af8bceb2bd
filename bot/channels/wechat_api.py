"""Outbound WeChat: the API client (configurable base URL, stable_token) and the `Sender` (客服 / 模板 / 订阅通知).

The customer-service API only reaches a follower inside a window they opened: a message opens 5 sends within
48 hours, a follow, QR scan or menu click opens 3 within a minute. The window is counted in the database
(`wechat_windows`) so all worker processes share it, and every refusal carries a reason staff can read.
Tokens come from `stable_token`, which hands every process the same token instead of invalidating the others'.
wechatpy is synchronous (requests): async callers run `send` in a thread.

Never a double push: a send whose answer does not come within `send_timeout_seconds` after the request was written
(a read timeout), or whose connection broke once the request was being written (reset, closed before or during the
answer, an answer cut off or unreadable), may well have been delivered, and WeChat's 客服/模板/订阅通知 sends take no
idempotency key, so it is returned `unconfirmed` and never retried (`bot.channels.transport` draws the line). A
connection that never opened (refused, unresolved, connect timeout), or a token fetch that failed, sent nothing:
those are retryable outages.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.util import identity_key
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException

from bot.channels import wechat_texts as texts
from bot.channels.base import SendResult
from bot.channels.transport import maybe_sent_requests, timed_out_requests
from bot.channels.wechat import shorten
from bot.channels.wechat_models import WechatWindow
from bot.config import WechatSettings
from bot.db import transaction

log = logging.getLogger(__name__)
MESSAGE_WINDOW = dt.timedelta(hours=48)
MESSAGE_QUOTA = 5
EVENT_WINDOW = dt.timedelta(minutes=1)
EVENT_QUOTA = 3
TOKEN_ERRORS = {40001, 40014, 42001}
API_TIMEOUT = 5.0  # token fetches and staff calls (menu, QR): nothing is pushed, a timeout is safe to retry
FIELD_CHARS = 20
LOCAL = ZoneInfo("Asia/Shanghai")


class TokenUnavailable(requests.RequestException):
    """The access token could not be fetched: no message was sent, so trying again cannot push twice."""


class UnreadableAnswer(requests.RequestException):
    """WeChat answered a push with something that is not its JSON: the request arrived, its outcome is unknown."""


class WechatApiClient(WeChatClient):
    """wechatpy's client with the API base from settings and tokens from `stable_token` (one per app, all processes)."""

    def __init__(self, app_id: str, app_secret: str, api_base_url: str, timeout: float = API_TIMEOUT) -> None:
        super().__init__(app_id, app_secret, timeout=timeout, auto_retry=False)
        self.API_BASE_URL = api_base_url if api_base_url.endswith("/") else api_base_url + "/"
        self._token_lock = threading.Lock()

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetch the shared token through stable_token (wechatpy's own refresh would invalidate other workers')."""
        with self._token_lock:
            try:
                res = self._http.post(
                    self.API_BASE_URL + "stable_token",
                    json={"grant_type": "client_credential", "appid": self.appid, "secret": self.secret},
                    timeout=self.timeout,
                )
                res.raise_for_status()
            except requests.RequestException as exc:  # a late token is not a late push: keep it retryable
                raise TokenUnavailable(f"stable_token: {type(exc).__name__}") from exc
            result: dict[str, Any] = res.json()
            if result.get("errcode"):
                raise WeChatClientException(result["errcode"], result.get("errmsg", ""), client=self, response=res)
            expires_in = int(result.get("expires_in", 7200))
            self.session.set(self.access_token_key, result["access_token"], expires_in)
            self.expires_at = int(time.time()) + expires_in
            return result

    def call(self, fn: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """Run an API call; on an invalid or expired token, fetch the token once and retry once (never loop)."""
        try:
            return fn()
        except WeChatClientException as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            log.info("WeChat token rejected (%s); fetching it again once", exc.errcode)
            self.session.delete(self.access_token_key)
            self.fetch_access_token()
            return fn()


def open_window(session: Session, *, openid: str, kind: str, now: dt.datetime) -> None:
    """Record what the follower just did: "message" (48 h window), "event" (1 min window) or "unfollow"."""
    row = session.get(WechatWindow, openid)
    if row is None:
        try:
            with session.begin_nested():
                row = WechatWindow(openid=openid, message_sent=0, event_sent=0)
                session.add(row)
                session.flush()
        except IntegrityError:  # another worker recorded this follower first
            row = session.get(WechatWindow, openid, populate_existing=True)
            if row is None:
                raise
    if kind == "unfollow":
        row.unfollowed_at = now
        return
    row.unfollowed_at = None
    if kind == "message":
        row.message_at, row.message_sent = now, 0
    else:
        row.event_at, row.event_sent = now, 0


def open_window_upsert(session: Session, *, openid: str, kind: str, now: dt.datetime) -> None:
    """`open_window` in one statement (INSERT … ON CONFLICT DO UPDATE), for the webhook's turn: no read, no flush,
    no savepoint; the ORM way when this session already holds the follower's row (it must not go stale)."""
    if identity_key(WechatWindow, openid) in session.identity_map:
        open_window(session, openid=openid, kind=kind, now=now)
        return
    session.execute(window_upsert(session.get_bind().dialect.name, openid=openid, kind=kind, now=now))


def window_upsert(dialect: str, *, openid: str, kind: str, now: dt.datetime) -> Any:
    """The INSERT … ON CONFLICT DO UPDATE of `open_window_upsert` ("postgresql" or "sqlite")."""
    if kind == "unfollow":
        changed: dict[str, Any] = {"unfollowed_at": now}
    elif kind == "message":
        changed = {"unfollowed_at": None, "message_at": now, "message_sent": 0}
    else:
        changed = {"unfollowed_at": None, "event_at": now, "event_sent": 0}
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    values = {"message_sent": 0, "event_sent": 0, **changed, "openid": openid}
    return insert(WechatWindow).values(**values).on_conflict_do_update(index_elements=["openid"], set_=changed)


def reserve(session: Session, *, openid: str, now: dt.datetime) -> str | None:
    """Take one send from the follower's open window; the reason when there is none (atomic across workers)."""
    row = session.get(WechatWindow, openid, populate_existing=True)
    if row is None:
        return texts.REASON_NO_WINDOW
    if row.unfollowed_at is not None:
        return texts.REASON_UNFOLLOWED
    reason = texts.REASON_NO_WINDOW
    slots = (
        (WechatWindow.message_at, WechatWindow.message_sent, row.message_at, MESSAGE_WINDOW, MESSAGE_QUOTA),
        (WechatWindow.event_at, WechatWindow.event_sent, row.event_at, EVENT_WINDOW, EVENT_QUOTA),
    )
    for opened_col, sent_col, opened_at, length, quota in slots:
        if opened_at is None or now - opened_at >= length:
            continue
        taken = session.execute(
            update(WechatWindow)
            .where(WechatWindow.openid == openid, opened_col == opened_at, sent_col < quota)
            .values({sent_col: sent_col + 1})
            .execution_options(synchronize_session=False)
        )
        if getattr(taken, "rowcount", 0) == 1:
            return None
        reason = texts.REASON_QUOTA
    return reason


def _adjust(session: Session, *, openid: str, code: int | None, now: dt.datetime) -> None:
    row = session.get(WechatWindow, openid, populate_existing=True)
    if row is None:
        return
    if code == 45015:  # WeChat says the window is closed: believe it
        row.message_at = row.event_at = None
    elif code == 45047:
        row.message_sent, row.event_sent = MESSAGE_QUOTA, EVENT_QUOTA
    elif code == 43004:
        row.unfollowed_at = row.unfollowed_at or now
    elif row.message_sent > 0:  # not delivered: give the slot back
        row.message_sent -= 1


class WechatSender:
    """The `Sender` of the WeChat channel: 客服消息 inside the window, 模板消息 or 订阅通知 outside it."""

    channel = "wechat"

    def __init__(self, settings: WechatSettings, factory: sessionmaker[Session]) -> None:
        self.settings = settings
        self.factory = factory
        self.send_timeout = settings.send_timeout_seconds
        secret = settings.app_secret.get_secret_value()
        self.client = (
            WechatApiClient(settings.app_id, secret, settings.api_base_url) if settings.app_id and secret else None
        )

    @property
    def configured(self) -> bool:
        """True when AppID and AppSecret are set."""
        return self.client is not None

    def send(
        self, external_id: str, text: str, *, now: dt.datetime, template: Mapping[str, Any] | None = None
    ) -> SendResult:
        """Send one text: 客服消息 inside the window, else 模板消息 (`template`) or 订阅通知; never raises.

        `template` is the campaign's WeChat template variant, values already rendered:
        {"template_id": "...", "url": "optional", "data": {"keyword1": "...", ...}}.
        The result's `reason` names the instrument used, or why none could be.
        """
        client = self.client
        if client is None:
            return SendResult(False, texts.REASON_NOT_CONFIGURED)
        with transaction(self.factory) as session:
            refused = reserve(session, openid=external_id, now=now)
        if refused == texts.REASON_UNFOLLOWED:
            return SendResult(False, refused, unreachable=True)
        if refused is None:
            if template and template.get("news_title") and template.get("news_url"):
                result, code = self._send_news(client, external_id, template, now=now)
            else:
                result, code = self._send_custom(client, external_id, text, now=now)
            if code not in (45015, 45047):
                return result
            refused = result.reason
        why = texts.WHY_QUOTA if refused == texts.REASON_QUOTA else texts.WHY_WINDOW
        if template and ("template_id" in template or "data" in template):  # not a 图文-only extra
            return self._send_template(client, external_id, template, why=why, now=now)
        if self.settings.subscribe_template_id:
            return self._send_subscribe(client, external_id, text, why=why, now=now)
        none = texts.REASON_QUOTA_NO_INSTRUMENT if why == texts.WHY_QUOTA else texts.REASON_NO_INSTRUMENT
        return SendResult(False, none, unreachable=True)

    def send_custom(self, external_id: str, text: str, *, now: dt.datetime) -> SendResult:
        """客服消息 only (late or long chat answers): never falls back to a template or 订阅通知."""
        client = self.client
        if client is None:
            return SendResult(False, texts.REASON_NOT_CONFIGURED)
        with transaction(self.factory) as session:
            refused = reserve(session, openid=external_id, now=now)
        if refused is not None:
            return SendResult(False, refused, unreachable=True)
        return self._send_custom(client, external_id, text, now=now)[0]

    def _send_custom(
        self, client: WechatApiClient, openid: str, text: str, *, now: dt.datetime
    ) -> tuple[SendResult, int | None]:
        body = {"touser": openid, "msgtype": "text", "text": {"content": shorten(text, self.settings.max_text_bytes)}}
        return self._custom(client, openid, body, texts.VIA_CUSTOM, now)

    def _send_news(
        self, client: WechatApiClient, openid: str, template: Mapping[str, Any], *, now: dt.datetime
    ) -> tuple[SendResult, int | None]:
        """A 图文 客服消息 (msgtype `news`, one article: title, description, url, picurl)."""
        article = {
            "title": str(template["news_title"]),
            "description": str(template.get("news_description") or ""),
            "url": str(template["news_url"]),
            "picurl": str(template.get("news_picurl") or ""),
        }
        body = {"touser": openid, "msgtype": "news", "news": {"articles": [article]}}
        return self._custom(client, openid, body, texts.VIA_NEWS, now)

    def _push(self, client: WechatApiClient, path: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """POST one message with the send timeout (the token fetch inside keeps the client's short one)."""
        result = client.call(lambda: client.post(path, data=dict(body), timeout=self.send_timeout))
        if not isinstance(result, dict):  # an answer that is not WeChat's JSON: cut off or garbled on the way
            raise UnreadableAnswer(f"{path}: {type(result).__name__}")
        return result

    def _unconfirmed(self, openid: str, exc: requests.RequestException) -> SendResult:
        detail = type(exc).__name__
        log.warning("WeChat send to %s unconfirmed (%s); not retried", openid, detail)
        if timed_out_requests(exc):
            reason = texts.REASON_UNCONFIRMED.format(seconds=self.send_timeout, detail=detail)
        else:
            reason = texts.REASON_DROPPED.format(detail=detail)
        return SendResult(False, reason, unconfirmed=True)

    def _custom(
        self, client: WechatApiClient, openid: str, body: Mapping[str, Any], via: str, now: dt.datetime
    ) -> tuple[SendResult, int | None]:
        try:
            result = self._push(client, "message/custom/send", body)
        except WeChatClientException as exc:
            code = _int(exc.errcode)
            with transaction(self.factory) as session:
                _adjust(session, openid=openid, code=code, now=now)
            return _failure(code, str(exc.errmsg or "")), code
        except requests.RequestException as exc:
            if unanswered(exc):  # it may have arrived: the window slot stays taken
                return self._unconfirmed(openid, exc), None
            with transaction(self.factory) as session:
                _adjust(session, openid=openid, code=None, now=now)
            return SendResult(
                False, texts.REASON_NETWORK.format(error=type(exc).__name__), retry_after=30, outage=True
            ), None
        return SendResult(True, via, provider_id=_msgid(result)), None

    def _send_template(
        self, client: WechatApiClient, openid: str, template: Mapping[str, Any], *, why: str, now: dt.datetime
    ) -> SendResult:
        template_id = str(template.get("template_id") or "").strip()
        data = template.get("data")
        if not template_id or not isinstance(data, Mapping) or not data:
            return SendResult(False, texts.REASON_TEMPLATE_FIELDS)
        body: dict[str, Any] = {"touser": openid, "template_id": template_id, "data": template_data(data)}
        if template.get("url"):
            body["url"] = str(template["url"])
        return self._post(client, "message/template/send", body, openid, texts.VIA_TEMPLATE.format(why=why), now)

    def _send_subscribe(
        self, client: WechatApiClient, openid: str, text: str, *, why: str, now: dt.datetime
    ) -> SendResult:
        day = now.astimezone(LOCAL)
        values = {"text": text.strip(), "date": f"{day.year}年{day.month}月{day.day}日"}
        fields = {
            key: pattern.replace("{text}", values["text"]).replace("{date}", values["date"])
            for key, pattern in self.settings.subscribe_fields.items()
        }  # plain replacement: a stray brace in the configuration must not make the send raise
        body: dict[str, Any] = {
            "touser": openid,
            "template_id": self.settings.subscribe_template_id,
            "data": template_data(fields),
        }
        if self.settings.subscribe_page:
            body["page"] = self.settings.subscribe_page
        return self._post(client, "message/subscribe/bizsend", body, openid, texts.VIA_SUBSCRIBE.format(why=why), now)

    def _post(
        self, client: WechatApiClient, path: str, body: dict[str, Any], openid: str, via: str, now: dt.datetime
    ) -> SendResult:
        try:
            result = self._push(client, path, body)
        except WeChatClientException as exc:
            code = _int(exc.errcode)
            if code == 43004:  # not following: remember it (a follow event clears it) so we stop trying
                with transaction(self.factory) as session:
                    open_window(session, openid=openid, kind="unfollow", now=now)
            return _failure(code, str(exc.errmsg or ""))
        except requests.RequestException as exc:
            if unanswered(exc):
                return self._unconfirmed(openid, exc)
            return SendResult(False, texts.REASON_NETWORK.format(error=type(exc).__name__), retry_after=30, outage=True)
        return SendResult(True, via, provider_id=_msgid(result))


def unanswered(exc: requests.RequestException) -> bool:
    """True when the request may have reached WeChat and its answer never came whole (it may have been delivered)."""
    if isinstance(exc, TokenUnavailable):  # the token fetch failed: the push itself never left
        return False
    return maybe_sent_requests(exc)


def template_data(values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """WeChat's {"field": {"value": ...}} shape; each value cut to 20 characters (WeChat's limit since 2023-05)."""
    out: dict[str, dict[str, str]] = {}
    for key, raw in values.items():
        item = dict(raw) if isinstance(raw, Mapping) else {"value": raw}
        value = " ".join(str(item.get("value", "")).split())
        item["value"] = value if len(value) <= FIELD_CHARS else value[: FIELD_CHARS - 1] + "…"
        out[str(key)] = {k: str(v) for k, v in item.items()}
    return out


def _msgid(result: Any) -> str | None:
    msgid = result.get("msgid", result.get("msg_id")) if isinstance(result, dict) else None
    return str(msgid) if msgid is not None else None


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _failure(code: int | None, message: str) -> SendResult:
    if code == 45015:
        return SendResult(False, texts.REASON_NO_WINDOW, unreachable=True)
    if code == 45047:
        return SendResult(False, texts.REASON_QUOTA, unreachable=True)
    if code == 43004:
        return SendResult(False, texts.REASON_UNFOLLOWED, unreachable=True)
    if code in TOKEN_ERRORS:
        return SendResult(False, texts.REASON_TOKEN.format(code=code), retry_after=60, outage=True)
    if code == 40164:
        return SendResult(False, texts.REASON_IP, retry_after=600, outage=True)
    if code == 45009:
        return SendResult(False, texts.REASON_API_QUOTA, retry_after=3600)
    if code == 40037:
        return SendResult(False, texts.REASON_TEMPLATE_BAD)
    if code == 43101:
        return SendResult(False, texts.REASON_SUBSCRIBE_REFUSED, unreachable=True)
    return SendResult(
        False, texts.REASON_API_ERROR.format(code=code, message=message[:100]), retry_after=60, outage=True
    )
