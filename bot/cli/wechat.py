"""`wufei wechat menu`, `wufei wechat qrcode --cell ID` and `wufei wechat mass --tag ID --text T` (公众号 operations)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.channels import wechat_texts as texts
from bot.config import get_settings
from bot.db import transaction, utcnow


def register(subparsers: Any) -> None:
    """Add the `wechat` command group."""
    group = subparsers.add_parser("wechat", help="微信公众号：发布菜单、生成无废细胞二维码、按标签群发")
    sub = group.add_subparsers(dest="wechat_command", required=True)
    p = sub.add_parser("menu", help="发布配置里的自定义菜单（WUFEI_WECHAT__MENU）")
    p.add_argument("--dry-run", action="store_true", help="只检查并显示菜单，不发布")
    p.set_defaults(handler=cmd_menu)
    p = sub.add_parser("qrcode", help="生成无废细胞（或活动）的带参数二维码并保存 PNG")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--cell", help="无废细胞编号或名称")
    target.add_argument("--campaign", type=int, help="活动编号")
    p.add_argument("-o", "--output", type=Path, default=None, help="PNG 文件（默认 wechat_qr_<场景>.png）")
    p.add_argument("--expire-seconds", type=int, default=None, help="生成临时二维码（60–2592000 秒）；默认永久")
    p.set_defaults(handler=cmd_qrcode)
    p = sub.add_parser("mass", help="按标签群发一条文字（受群发次数限制）")
    p.add_argument("--tag", type=int, required=True, help="公众号用户标签 ID")
    p.add_argument("--text", required=True)
    p.add_argument("--dry-run", action="store_true", help="只显示将要发送的内容和剩余次数，不发送")
    p.set_defaults(handler=cmd_mass)


# wechatpy and requests are imported inside the handlers: every `wufei` command builds this parser.


def cmd_menu(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Check the configured menu against WeChat's rules and the chat's CLICK keys, then publish it."""
    from bot.channels import wechat_admin as admin

    settings = get_settings().wechat
    try:
        count = admin.check_menu(settings.menu, admin.known_click_keys(settings))
    except admin.MenuError as exc:
        return _fail(texts.CLI_MENU_BAD.format(detail=exc))
    if args.dry_run:
        print(json.dumps({"button": settings.menu}, ensure_ascii=False, indent=2))
        return 0
    client = admin.client_for(settings)
    if client is None:
        return _fail(texts.CLI_NO_CREDENTIALS)
    problem = _call(lambda: admin.push_menu(client, settings.menu))
    if problem:
        return _fail(problem)
    print(texts.CLI_MENU_DONE.format(count=count))
    return 0


def cmd_qrcode(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Create (or reuse) the scene's QR code, remember its ticket and save WeChat's PNG of it."""
    from bot.channels import wechat_admin as admin
    from campaigns import cells
    from campaigns.models import Campaign

    settings = get_settings().wechat
    expire = args.expire_seconds
    if expire is not None and not 60 <= expire <= admin.MAX_EXPIRE_SECONDS:
        return _fail(texts.CLI_QR_EXPIRE)
    with transaction(factory) as session:
        if args.cell is not None:
            cell = cells.find(session, str(args.cell).strip())
            if cell is None:
                return _fail(texts.CLI_UNKNOWN_CELL.format(cell=args.cell))
            scene = f"cell_{cell.id}"
        else:
            if session.get(Campaign, args.campaign) is None:
                return _fail(texts.CLI_UNKNOWN_CAMPAIGN.format(campaign=args.campaign))
            scene = f"campaign_{args.campaign}"
    client = admin.client_for(settings)
    if client is None:
        return _fail(texts.CLI_NO_CREDENTIALS)
    found: list[tuple[str, str]] = []

    def create() -> None:
        with transaction(factory) as session:
            row = admin.qrcode(session, client, scene=scene, expire_seconds=expire, now=utcnow())
            found.append((row.ticket, row.url))

    problem = _call(create)
    if problem:
        return _fail(problem)
    ticket, url = found[0]
    path: Path = args.output or Path(f"wechat_qr_{scene}.png")
    try:
        png = admin.qrcode_png(settings, ticket)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(png)
    except Exception as exc:  # the code exists either way: say where it points
        return _fail(texts.CLI_QR_IMAGE.format(detail=f"{type(exc).__name__}: {str(exc)[:120]}", url=url))
    kind = texts.CLI_QR_PERMANENT if expire is None else texts.CLI_QR_TEMPORARY.format(days=expire / 86400)
    print(texts.CLI_QR_DONE.format(kind=kind, scene=scene, path=path, url=url))
    return 0


def cmd_mass(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Send one text to a tag, or (--dry-run) show what would go and how much quota is left."""
    from bot.channels import wechat_admin as admin

    settings = get_settings().wechat
    text = str(args.text).strip()
    if not text:
        return _fail(texts.CLI_MASS_EMPTY)
    now = utcnow()
    if args.dry_run:
        with transaction(factory) as session:
            quota = admin.mass_quota(session, settings, now)
        print(
            texts.CLI_MASS_DRY.format(
                tag=args.tag, chars=len(text), period=quota.label, used=quota.used, quota=quota.quota
            )
        )
        print(text)
        return 0
    client = admin.client_for(settings)
    if client is None:
        return _fail(texts.CLI_NO_CREDENTIALS)
    result = admin.mass_send(factory, client, settings, tag_id=args.tag, text=text, now=now)
    if not result.ok:
        return _fail(result.reason)
    q = result.quota
    print(texts.CLI_MASS_DONE.format(tag=args.tag, msg_id=result.msg_id, period=q.label, used=q.used, quota=q.quota))
    return 0


def _call(fn: Any) -> str | None:
    """Run a WeChat API call; a Chinese description of what went wrong, or None."""
    import requests
    from wechatpy.exceptions import WeChatClientException

    try:
        fn()
    except WeChatClientException as exc:
        return texts.CLI_API_ERROR.format(detail=f"{exc.errcode} {str(exc.errmsg or '')[:100]}".strip())
    except requests.RequestException as exc:
        return texts.CLI_NETWORK.format(detail=type(exc).__name__)
    return None


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2
