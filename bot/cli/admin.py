"""`wufei user create|list|token|password|unlock|disable`: staff accounts for the console and the admin API."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.admin import accounts, audit, throttle
from bot.admin.accounts import AccountError
from bot.admin.roles import ROLE_NAMES, ROLES
from bot.db import transaction, utcnow

CLI_ACTOR = "命令行"


def register(subparsers: Any) -> None:
    """Add the `user` command group."""
    group = subparsers.add_parser("user", help="管理后台的用户：新建、列出、发放令牌、重置密码")
    sub = group.add_subparsers(dest="user_command", required=True)
    p = sub.add_parser("create", help="新建用户，打印一次性初始密码（加 --token 同时打印 API 令牌）")
    p.add_argument("name")
    p.add_argument("--role", required=True, choices=ROLES, help="admin / staff / office / viewer")
    p.add_argument("--token", action="store_true", help="同时发放一个 API 令牌")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_create)
    p = sub.add_parser("list", help="列出用户")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser("token", help="为用户发放新的 API 令牌（只显示一次）")
    p.add_argument("name")
    p.set_defaults(handler=cmd_token)
    p = sub.add_parser("password", help="重置用户密码（只显示一次），并结束其登录会话")
    p.add_argument("name")
    p.set_defaults(handler=cmd_password)
    p = sub.add_parser("unlock", help="解除因多次输错密码而加的账号锁定（加 --client 同时解除某个地址的登录限制）")
    p.add_argument("name")
    p.add_argument("--client", default="", help="被限制登录的客户端 IP 地址")
    p.set_defaults(handler=cmd_unlock)
    p = sub.add_parser("disable", help="停用用户")
    p.add_argument("name")
    p.set_defaults(handler=cmd_disable)


def _fail(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def cmd_create(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Create a user; the password (and token) are printed once and stored only as hashes."""
    now = utcnow()
    try:
        with transaction(factory) as session:
            user, password = accounts.create_user(session, args.name, args.role, now=now)
            token = accounts.create_token(session, user, now=now) if args.token else None
            audit.record(session, CLI_ACTOR, "user.create", user.name, now=now, role=user.role)
    except AccountError as exc:
        return _fail(str(exc))
    if args.json:
        print(
            json.dumps(
                {"name": args.name.strip(), "role": args.role, "password": password, "token": token}, ensure_ascii=False
            )
        )
        return 0
    print(f"已新建用户 {args.name.strip()}（{ROLE_NAMES[args.role]}）")
    print(f"初始密码（只显示这一次）：{password}")
    if token:
        print(f"API 令牌（只显示这一次）：{token}")
    return 0


def cmd_list(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Print the users."""
    with transaction(factory) as session:
        rows = [
            {"name": u.name, "role": u.role, "disabled": u.disabled, "created_at": u.created_at.isoformat()}
            for u in accounts.list_users(session)
        ]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        print("还没有用户。新建：wufei user create 姓名 --role admin")
    else:
        for row in rows:
            state = "（已停用）" if row["disabled"] else ""
            print(f"{row['name']}\t{ROLE_NAMES[str(row['role'])]}{state}")
    return 0


def _with_user(factory: sessionmaker[Session], name: str, action: str, fn: Any) -> int:
    now = utcnow()
    with transaction(factory) as session:
        user = accounts.find_user(session, name)
        if user is None:
            return _fail(f"没有用户 {name}")
        out = fn(session, user, now)
        audit.record(session, CLI_ACTOR, action, user.name, now=now)
    if out:
        print(out)
    return 0


def cmd_token(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Issue an API token."""
    return _with_user(
        factory,
        args.name,
        "user.token",
        lambda s, u, now: f"API 令牌（只显示这一次）：{accounts.create_token(s, u, now=now)}",
    )


def cmd_password(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Reset a password."""
    return _with_user(
        factory,
        args.name,
        "user.password_reset",
        lambda s, u, now: f"新密码（只显示这一次）：{accounts.reset_password(s, u)}",
    )


def cmd_disable(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Disable a user (tokens and sessions stop working)."""

    def disable(session: Session, user: Any, now: Any) -> str:
        user.disabled = True
        return f"已停用 {user.name}"

    return _with_user(factory, args.name, "user.disable", disable)


def cmd_unlock(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Lift an account lock (and, with --client, a client address's login block)."""

    def unlock(session: Session, user: Any, now: Any) -> str:
        out = f"已解锁 {user.name}" if accounts.unlock(user) else f"{user.name} 未被锁定"
        if args.client:
            key = throttle.client_key(args.client)
            out += f"；地址 {key} 的登录限制{'已解除' if throttle.clear(session, key) else '本来就没有'}"
        return out

    return _with_user(factory, args.name, "user.unlock", unlock)
