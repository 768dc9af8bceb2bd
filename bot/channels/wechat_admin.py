"""Staff operations on the 公众号: the custom menu, parametric QR codes per scene and 群发 by tag with its quota.

The menu's CLICK keys must be ones the chat understands (WechatSettings.menu_texts or wechat.CLICK_REPLIES), so a
button never lands on the generic welcome. Permanent QR codes (QR_LIMIT_STR_SCENE, 100,000 per account) are created
once per scene and reused. 群发 quota is counted in `wechat_mass_sends` with one unique slot per send and period, so
two workers cannot both take the last one; a send whose outcome is unknown (network error) keeps its slot.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import requests
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from wechatpy.exceptions import WeChatClientException

from bot.channels import wechat_texts as texts
from bot.channels.wechat import CLICK_REPLIES, shorten
from bot.channels.wechat_api import WechatApiClient
from bot.channels.wechat_models import WechatMassSend, WechatQrcode
from bot.config import WechatSettings
from bot.db import transaction

LOCAL = ZoneInfo("Asia/Shanghai")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_EXPIRE_SECONDS = 30 * 24 * 3600
TOP_NAME_BYTES = 16  # WeChat: a top-level button name ≤ 16 bytes (4 汉字), a sub-button ≤ 60 bytes
SUB_NAME_BYTES = 60
KEY_BYTES = 128


class MenuError(ValueError):
    """A menu WeChat would refuse, or one with a CLICK key the chat does not understand."""


def client_for(settings: WechatSettings) -> WechatApiClient | None:
    """The API client, or None without AppID/AppSecret."""
    secret = settings.app_secret.get_secret_value()
    if not settings.app_id or not secret:
        return None
    return WechatApiClient(settings.app_id, secret, settings.api_base_url)


def check_menu(menu: Sequence[Mapping[str, Any]], known_keys: set[str]) -> int:
    """The number of buttons in a valid menu; MenuError (in Chinese) for anything WeChat or the chat would not take."""
    if not 1 <= len(menu) <= 3:
        raise MenuError("一级菜单应有 1 到 3 个按钮")
    count = 0
    for top in menu:
        subs = top.get("sub_button")
        _check_name(top, TOP_NAME_BYTES)
        if subs:
            if not 1 <= len(subs) <= 5:
                raise MenuError(f"“{top.get('name')}”的子菜单应有 1 到 5 个按钮")
            for sub in subs:
                _check_name(sub, SUB_NAME_BYTES)
                _check_action(sub, known_keys)
                count += 1
        else:
            _check_action(top, known_keys)
            count += 1
    return count


def _check_name(button: Mapping[str, Any], limit: int) -> None:
    name = str(button.get("name") or "")
    if not name:
        raise MenuError("有按钮缺少名称（name）")
    if len(name.encode("utf-8")) > limit:
        raise MenuError(f"按钮名称“{name}”过长（不超过 {limit} 字节，约 {limit // 4} 个汉字）")


def _check_action(button: Mapping[str, Any], known_keys: set[str]) -> None:
    kind, name = button.get("type"), button.get("name")
    if kind == "click":
        key = str(button.get("key") or "")
        if not key or len(key.encode("utf-8")) > KEY_BYTES:
            raise MenuError(f"按钮“{name}”缺少 key 或 key 过长")
        if key not in known_keys:
            raise MenuError(f"按钮“{name}”的 key {key} 对话不认识：请在 WUFEI_WECHAT__MENU_TEXTS 中说明它代表的文字")
    elif kind == "view":
        if not str(button.get("url") or "").startswith(("http://", "https://")):
            raise MenuError(f"按钮“{name}”是网页链接，需要 http(s):// 开头的 url")
    elif not kind:
        raise MenuError(f"按钮“{name}”缺少 type（click、view …）或子菜单")


def known_click_keys(settings: WechatSettings) -> set[str]:
    """CLICK keys the chat answers: the configured menu texts and the channel's own replies."""
    return set(settings.menu_texts) | set(CLICK_REPLIES)


def push_menu(client: WechatApiClient, menu: Sequence[Mapping[str, Any]]) -> None:
    """Publish the custom menu (menu/create); WeChatClientException or requests errors are the caller's to report."""
    client.call(lambda: client.post("menu/create", data={"button": [dict(b) for b in menu]}))


def qrcode(
    session: Session, client: WechatApiClient, *, scene: str, expire_seconds: int | None, now: dt.datetime
) -> WechatQrcode:
    """The QR code of a scene: a stored permanent one, or a new one (temporary when `expire_seconds` is given)."""
    if expire_seconds is None:
        existing = session.execute(
            select(WechatQrcode)
            .where(WechatQrcode.scene == scene, WechatQrcode.permanent.is_(True))
            .order_by(WechatQrcode.id)
            .limit(1)
        ).scalar_one_or_none()
        if existing is not None:
            return existing
    body: dict[str, Any] = {"action_info": {"scene": {"scene_str": scene}}}
    if expire_seconds is None:
        body["action_name"] = "QR_LIMIT_STR_SCENE"
    else:
        body.update(action_name="QR_STR_SCENE", expire_seconds=expire_seconds)
    result = client.call(lambda: client.post("qrcode/create", data=dict(body)))
    row = WechatQrcode(
        scene=scene,
        permanent=expire_seconds is None,
        ticket=str(result["ticket"]),
        url=str(result.get("url") or ""),
        expires_at=None if expire_seconds is None else now + dt.timedelta(seconds=int(result.get("expire_seconds", 0))),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def qrcode_png(settings: WechatSettings, ticket: str) -> bytes:
    """The PNG WeChat renders for a ticket (showqrcode); ValueError when the answer is not a PNG."""
    res = requests.get(settings.qrcode_image_url, params={"ticket": ticket}, timeout=10)
    res.raise_for_status()
    if not res.content.startswith(PNG_MAGIC):
        raise ValueError("返回的不是 PNG 图片")
    return res.content


@dataclass(frozen=True)
class MassQuota:
    """The 群发 quota of the current period: its key ("2026-03-30" or "2026-03"), size and sends used."""

    period: str
    label: str  # 日 | 月 (for messages)
    quota: int
    used: int
    account: str

    @property
    def left(self) -> int:
        """Sends still allowed in this period."""
        return max(self.quota - self.used, 0)


@dataclass(frozen=True)
class MassResult:
    """The outcome of one 群发: sent (with WeChat's msg_id) or the reason it was not."""

    ok: bool
    reason: str
    quota: MassQuota
    msg_id: str | None = None


def mass_quota(session: Session, settings: WechatSettings, now: dt.datetime) -> MassQuota:
    """How many 群发 this period allows and has used (订阅号 1 per day, 服务号 4 per month, or WUFEI_WECHAT__MASS_QUOTA)."""
    local = now.astimezone(LOCAL)
    daily = settings.account_type == "subscription"
    period = local.date().isoformat() if daily else f"{local.year:04d}-{local.month:02d}"
    if settings.mass_quota > 0:
        quota, account = settings.mass_quota, texts.ACCOUNT_CUSTOM
    else:
        quota = 1 if daily else 4
        account = texts.ACCOUNT_SUBSCRIPTION if daily else texts.ACCOUNT_SERVICE
    used = session.execute(
        select(func.count())
        .select_from(WechatMassSend)
        .where(WechatMassSend.period == period, WechatMassSend.slot.is_not(None))
    ).scalar_one()
    label = texts.MASS_PERIOD_DAY if daily else texts.MASS_PERIOD_MONTH
    return MassQuota(period, label, quota, int(used), account)


def _claim_slot(
    session: Session, quota: MassQuota, *, tag_id: int, text: str, now: dt.datetime
) -> WechatMassSend | None:
    digest = hashlib.sha1(f"{now.astimezone(LOCAL).date()}|{tag_id}|{text}".encode()).hexdigest()[:32]
    for slot in range(1, quota.quota + 1):
        row = WechatMassSend(
            period=quota.period,
            slot=slot,
            tag_id=tag_id,
            text=text,
            client_msg_id=f"wufei-{digest}",
            status="sending",
            created_at=now,
        )
        try:
            with session.begin_nested():
                session.add(row)
                session.flush()
        except IntegrityError:
            continue  # taken, perhaps just now by another worker
        return row
    return None


def mass_send(
    factory: sessionmaker[Session],
    client: WechatApiClient,
    settings: WechatSettings,
    *,
    tag_id: int,
    text: str,
    now: dt.datetime,
) -> MassResult:
    """Send one text to every follower with the tag (message/mass/sendall), within the quota; never raises."""
    content = shorten(text.strip(), settings.max_text_bytes)
    with transaction(factory) as session:
        quota = mass_quota(session, settings, now)
        row = _claim_slot(session, quota, tag_id=tag_id, text=content, now=now)
        if row is None:
            reason = texts.MASS_QUOTA_USED.format(period=quota.label, quota=quota.quota, account=quota.account)
            return MassResult(False, reason, quota)
        row_id, client_msg_id = row.id, row.client_msg_id
    body = {
        "filter": {"is_to_all": False, "tag_id": tag_id},
        "text": {"content": content},
        "msgtype": "text",
        "clientmsgid": client_msg_id,
    }
    status, reason, msg_id, keep_slot = "sent", "", None, True
    try:
        result = client.call(lambda: client.post("message/mass/sendall", data=dict(body)))
        msg_id = str(result.get("msg_id")) if result.get("msg_id") is not None else None
    except WeChatClientException as exc:
        code = exc.errcode
        reason = texts.MASS_DUPLICATE if code == 45065 else texts.CLI_API_ERROR.format(detail=_detail(exc))
        status, keep_slot = ("duplicate" if code == 45065 else "failed"), False
    except requests.RequestException as exc:  # WeChat may have taken it: keep the slot; a retry is deduped (45065)
        status, reason = "unknown", texts.CLI_NETWORK.format(detail=type(exc).__name__)
    with transaction(factory) as session:
        stored = session.get(WechatMassSend, row_id)
        if stored is not None:
            stored.status, stored.reason, stored.msg_id = status, reason[:256] or None, msg_id
            if not keep_slot:
                stored.slot = None
        quota = mass_quota(session, settings, now)
    return MassResult(status == "sent", reason, quota, msg_id)


def _detail(exc: WeChatClientException) -> str:
    return f"{exc.errcode} {str(exc.errmsg or '')[:100]}".strip()
