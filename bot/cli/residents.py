"""`wufei residents`: show a resident's channel identities, merge two residents, split one identity off (audited).

The console's resident page (/admin/residents) does the same through the same functions (`campaigns.directory`,
`bot.admin.residents`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.admin import residents as staff_ops
from bot.config import get_settings
from bot.db import transaction, utcnow
from campaigns import directory
from campaigns.models import ChannelIdentity, Resident
from surveys.keys import resolve_salt


def register(subparsers: Any) -> None:
    """Add the `residents` command group."""
    group = subparsers.add_parser("residents", help="居民：查看渠道账号，合并或拆分（同一个人的多个渠道）")
    sub = group.add_subparsers(dest="residents_command", required=True)
    p = sub.add_parser("show", help="居民的渠道账号和推送状态（居民编号，或 渠道:账号）")
    p.add_argument("who")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("merge", help="把第二个居民合并到第一个（聊天记录、细胞、问卷、推送设置；退订优先）")
    p.add_argument("keep")
    p.add_argument("drop")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_merge)
    p = sub.add_parser("split", help="把一个渠道账号拆成单独的居民（渠道:账号）")
    p.add_argument("identity", metavar="渠道:账号")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_split)


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def _actor() -> str:
    return f"cli:{getpass.getuser()}"


def _find(session: Session, who: str) -> Resident | None:
    """A resident by id ("12") or by one of their identities ("wechat:o_abc")."""
    return directory.find(session, who)


def _describe(session: Session, r: Resident) -> dict[str, Any]:
    ids = session.scalars(select(ChannelIdentity).where(ChannelIdentity.resident_id == r.id)).all()
    return {
        "id": r.id,
        "identities": [f"{i.channel}:{i.external_id}" for i in ids],
        "status": r.status,
        "push_consent": r.push_consent,
        "township": r.township,
    }


def _print(data: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    status = {"active": "正常", "stopped": "已退订", "unreachable": "无法送达"}.get(data["status"], data["status"])
    print(f"居民 #{data['id']}：{'、'.join(data['identities']) or '（无渠道账号）'}；状态 {status}")


def cmd_show(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Print one resident's identities and status."""
    with transaction(factory) as session:
        resident = _find(session, args.who)
        if resident is None:
            return _fail(f"没有找到居民：{args.who}")
        _print(_describe(session, resident), args.json)
    return 0


def cmd_merge(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Merge the second resident into the first."""
    settings = get_settings()
    salt = resolve_salt(settings.surveys.salt, settings.data_dir)
    with transaction(factory) as session:
        keep, drop = _find(session, args.keep), _find(session, args.drop)
        if keep is None or drop is None:
            return _fail(f"没有找到居民：{args.keep if keep is None else args.drop}")
        try:
            result = staff_ops.merge(session, keep, drop, actor=_actor(), salt=salt, now=utcnow(), via="命令行")
        except staff_ops.ResidentRefused as exc:
            return _fail(str(exc))
        data = _describe(session, keep) | {"dropped_responses": result.dropped_responses}
    _print(data, args.json)
    if result.dropped_responses and not args.json:
        print(f"两人都答过的问卷只保留较早完成的一份：{'、'.join(result.dropped_responses)}")
    return 0


def cmd_split(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Move one identity to a new resident."""
    channel, sep, external_id = args.identity.partition(":")
    if not sep or not external_id:
        return _fail("请写成 渠道:账号，例如 wechat:o_abc123")
    with transaction(factory) as session:
        identity = session.execute(
            select(ChannelIdentity).where(
                ChannelIdentity.channel == channel, ChannelIdentity.external_id == external_id
            )
        ).scalar_one_or_none()
        if identity is None:
            return _fail(f"没有找到这个渠道账号：{args.identity}")
        try:
            new = staff_ops.split(session, identity, actor=_actor(), now=utcnow(), via="命令行")
        except staff_ops.ResidentRefused as exc:
            return _fail(str(exc))
        data = _describe(session, new)
    _print(data, args.json)
    return 0
