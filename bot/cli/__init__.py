"""The `wufei` command: the parser and the entry point. Errors print a message and exit non-zero.

The core commands (init, serve, ask, chat, kb) live in `bot.cli.core`; each feature command group has its own module,
imported only when its command is used (or for help and errors).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError

from bot import logs
from bot.cli import core, plans
from bot.cli.core import Handler
from bot.config import get_settings, settings_problem
from bot.runtime import ensure_ready

# Feature command groups are imported only when their command is used (or for help and errors): their libraries
# (python-telegram-bot, openpyxl, APScheduler …) would otherwise add about a second to every `wufei ask`.
FEATURES = {
    "user": "bot.cli.admin",
    "telegram": "bot.cli.telegram",
    "wechat": "bot.cli.wechat",
    "survey": "bot.cli.surveys",
    "indicators": "bot.cli.surveys",
    "cells": "bot.cli.campaigns",
    "segments": "bot.cli.campaigns",
    "residents": "bot.cli.residents",
    "segment": "bot.cli.campaigns",
    "campaign": "bot.cli.campaigns",
    "campaigns": "bot.cli.campaigns",
    "backup": "bot.cli.ops",
    "restore": "bot.cli.ops",
    "config": "bot.cli.ops",
}
CORE = frozenset({"init", "serve", "ask", "chat", "kb"})


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The sub-commands; with `argv`, only the feature group it names is imported."""
    parser = argparse.ArgumentParser(prog="wufei", description="无废城市小助手：垃圾分类问答、无废城市方案、宣传与问卷")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="创建或升级数据库并载入默认知识库（可重复执行）")
    p.set_defaults(handler=core.cmd_init)

    p = sub.add_parser("serve", help="启动网页服务（默认 http://127.0.0.1:8000）")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(handler=None)

    p = sub.add_parser("ask", help="回答问题；不带 TEXT 时从标准输入逐行读取，逐行输出")
    p.add_argument("--json", action="store_true", help="每个回答输出一行 JSON")
    p.add_argument("--area", choices=["urban", "rural"], default=None, help="城区四分类或农村二次四分法")
    p.add_argument("--city", default=None, help="按哪个城市的方案回答（默认 WUFEI_DEFAULT_CITY）")
    p.add_argument("text", nargs="*")
    p.set_defaults(handler=core.cmd_ask)

    p = sub.add_parser("chat", help="在终端里和小助手对话")
    p.add_argument("--area", choices=["urban", "rural"], default=None)
    p.set_defaults(handler=core.cmd_chat)

    kb = sub.add_parser("kb", help="知识库工具").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("unanswered", help="列出答不上来的问题（按次数）")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=core.cmd_unanswered)
    p = kb.add_parser("reload", help="重新载入随程序发布的物品清单、本地规则和常见问题")
    p.set_defaults(handler=core.cmd_reload)
    p = kb.add_parser("stats", help="知识库概况")
    p.set_defaults(handler=core.cmd_stats)
    plans.register(kb)
    command = next((a for a in argv or () if not a.startswith("-")), None)
    if argv is not None and command in CORE:
        needed: list[str] = []
    elif argv is not None and command in FEATURES:
        needed = [FEATURES[command]]
    else:
        needed = list(dict.fromkeys(FEATURES.values()))
    for name in needed:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `wufei` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser(argv).parse_args(argv)
    try:
        settings = get_settings()
    except (ValidationError, OSError) as exc:
        print(f"错误：配置有误（环境变量或 .env 文件）：{settings_problem(exc)}", file=sys.stderr)
        return 2
    logs.configure(settings.log_level, settings.log_format)
    try:
        if getattr(args, "without_db", False):  # `wufei config`, `wufei restore`: must not create or migrate first
            return int(args.handler(args, None))
        factory = ensure_ready(settings)
        if args.handler is None:
            return core.serve(settings, args.host, args.port, factory)
        handler: Handler = args.handler
        return handler(args, factory)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # the driver's own words ("database is locked"), not the wrapping
        print(f"错误：数据库不可用或出错（{type(exc).__name__}: {str(cause).splitlines()[0][:200]}）", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2
