"""The `wufei` command: init, serve, ask, chat and knowledge-base tools. Errors print a message and exit non-zero."""

from __future__ import annotations

import argparse
import getpass
import importlib
import json
import sys
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import cli_plans, logs, texts
from bot.config import Settings, get_settings, settings_problem
from bot.db import transaction, utcnow
from bot.dialogue import Dialogue, IncomingMessage, record_if_unanswered
from bot.runtime import ensure_ready
from knowledge import service
from knowledge.answer import Answer

Handler = Callable[[argparse.Namespace, sessionmaker[Session]], int]
BATCH_COMMIT = 1000
# Feature command groups are imported only when their command is used (or for help and errors): their libraries
# (python-telegram-bot, openpyxl, APScheduler …) would otherwise add about a second to every `wufei ask`.
FEATURES = {
    "user": "bot.cli_admin",
    "telegram": "bot.cli_telegram",
    "wechat": "bot.cli_wechat",
    "survey": "bot.cli_surveys",
    "indicators": "bot.cli_surveys",
    "cells": "bot.cli_campaigns",
    "segments": "bot.cli_campaigns",
    "residents": "bot.cli_residents",
    "segment": "bot.cli_campaigns",
    "campaign": "bot.cli_campaigns",
    "campaigns": "bot.cli_campaigns",
    "backup": "bot.cli_ops",
    "restore": "bot.cli_ops",
    "config": "bot.cli_ops",
}
CORE = frozenset({"init", "serve", "ask", "chat", "kb"})


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The sub-commands; with `argv`, only the feature group it names is imported."""
    parser = argparse.ArgumentParser(prog="wufei", description="无废城市小助手：垃圾分类问答、无废城市方案、宣传与问卷")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="创建或升级数据库并载入默认知识库（可重复执行）")
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("serve", help="启动网页服务（默认 http://127.0.0.1:8000）")
    p.add_argument("--host", default=None)
    p.add_argument("--port", type=int, default=None)
    p.set_defaults(handler=None)

    p = sub.add_parser("ask", help="回答问题；不带 TEXT 时从标准输入逐行读取，逐行输出")
    p.add_argument("--json", action="store_true", help="每个回答输出一行 JSON")
    p.add_argument("--area", choices=["urban", "rural"], default=None, help="城区四分类或农村二次四分法")
    p.add_argument("--city", default=None, help="按哪个城市的方案回答（默认 WUFEI_DEFAULT_CITY）")
    p.add_argument("text", nargs="*")
    p.set_defaults(handler=cmd_ask)

    p = sub.add_parser("chat", help="在终端里和小助手对话")
    p.add_argument("--area", choices=["urban", "rural"], default=None)
    p.set_defaults(handler=cmd_chat)

    kb = sub.add_parser("kb", help="知识库工具").add_subparsers(dest="kb_command", required=True)
    p = kb.add_parser("unanswered", help="列出答不上来的问题（按次数）")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_unanswered)
    p = kb.add_parser("reload", help="重新载入随程序发布的物品清单、本地规则和常见问题")
    p.set_defaults(handler=cmd_reload)
    p = kb.add_parser("stats", help="知识库概况")
    p.set_defaults(handler=cmd_stats)
    cli_plans.register(kb)
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


def cmd_init(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """The database is ready once we get here (ensure_ready ran)."""
    with transaction(factory) as session:
        counts = service.count_items(session)
    print(f"数据库已就绪；物品 {sum(counts.values())} 条（本地规则 {counts.get('local', 0)} 条）。")
    return 0


def cmd_ask(args: argparse.Namespace, factory: sessionmaker[Session], stdin: TextIO | None = None) -> int:
    """Answer the TEXT, or each line of stdin, one answer per line in the same order."""
    settings = get_settings()
    area = args.area or settings.default_area
    city = args.city or settings.default_city
    with transaction(factory) as session:
        kb = service.build_knowledge(session)
    lines = [" ".join(args.text)] if args.text else (stdin or sys.stdin)
    out = sys.stdout
    pending: list[tuple[str, Answer]] = []
    for raw in lines:
        question = raw.rstrip("\r\n")
        answer = kb.answer(question, area=area, city=city)
        if args.json:
            out.write(json.dumps(answer.to_json(), ensure_ascii=False) + "\n")
        else:
            out.write(answer.text.replace("\n", " ") + "\n")
        if answer.intent == "unknown" or answer.extra.get("unknown"):
            pending.append((question, answer))
        if len(pending) >= BATCH_COMMIT:
            _record_batch(factory, pending)
    _record_batch(factory, pending)
    out.flush()
    return 0


def _record_batch(factory: sessionmaker[Session], pending: list[tuple[str, Answer]]) -> None:
    if not pending:
        return
    now = utcnow()
    with transaction(factory) as session:
        for question, answer in pending:
            record_if_unanswered(session, question, answer, now)
    pending.clear()


def cmd_chat(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """A terminal conversation that keeps clarification state like any channel."""
    settings = get_settings()
    if args.area:
        settings = settings.model_copy(update={"default_area": args.area})
    dialogue = Dialogue(factory, settings)
    user = f"console:{getpass.getuser()}"
    print(texts.CONSOLE_WELCOME)
    while True:
        try:
            line = input("> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if line.strip().lower() in texts.CONSOLE_QUIT:
            return 0
        for reply in dialogue.handle(IncomingMessage("console", user, line, utcnow())):
            print(reply.text)


def cmd_unanswered(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """List the unanswered questions with counts."""
    with transaction(factory) as session:
        rows = service.list_unanswered(session, limit=args.limit)
        data = [
            {"text": r.text, "count": r.count, "example": r.example, "last_seen": r.last_seen.isoformat()} for r in rows
        ]
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    elif not data:
        print("暂无答不上来的问题。")
    else:
        for row in data:
            print(f"{row['count']:>5}  {row['text']}")
    return 0


def cmd_reload(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Reload the shipped knowledge even if unchanged."""
    with transaction(factory) as session:
        service.load_bundled(session, now=utcnow(), force=True)
        counts = service.count_items(session)
    print(f"已重新载入：物品 {sum(counts.values())} 条。")
    return 0


def cmd_stats(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Counts of catalogue rows per source."""
    with transaction(factory) as session:
        counts = service.count_items(session)
    for source, n in sorted(counts.items()):
        print(f"{source}\t{n}")
    return 0


def serve(settings: Settings, host: str | None, port: int | None, factory: sessionmaker[Session] | None = None) -> int:
    """Run the web server; once it listens, print where to chat, where to log in and how to add the first admin."""
    import uvicorn

    from bot.banner import banner, has_admin
    from bot.web.app import create_app

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[Any] | None = None) -> None:
            await super().startup(sockets=sockets)
            if not self.started:
                return
            bound = [s.getsockname() for server in self.servers for s in (server.sockets or ())]
            shown_port = int(bound[0][1]) if bound else self.config.port
            admin_exists = True
            if factory is not None:
                with factory() as session:
                    admin_exists = has_admin(session)
            print(banner(self.config.host, shown_port, admin_exists=admin_exists), flush=True)

    config = uvicorn.Config(
        create_app(settings),
        host=host or settings.host,
        port=settings.port if port is None else port,
        log_level=None,  # our root level (WUFEI_LOG_LEVEL) decides for uvicorn's loggers too
        log_config=None,  # uvicorn's lines go through our root handler, in WUFEI_LOG_FORMAT
        forwarded_allow_ips=settings.trusted_proxies,  # only these may say who the client is (X-Forwarded-For)
    )
    Server(config).run()
    return 0


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
            return serve(settings, args.host, args.port, factory)
        handler: Handler = args.handler
        return handler(args, factory)
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc  # the driver's own words ("database is locked"), not the wrapping
        print(f"错误：数据库不可用或出错（{type(exc).__name__}: {str(cause).splitlines()[0][:200]}）", file=sys.stderr)
        return 2
    except (OSError, ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
