"""The core `wufei` commands: init, serve, ask, chat and the knowledge-base tools (kb unanswered|reload|stats)."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from sqlalchemy.orm import Session, sessionmaker

from bot import texts
from bot.config import Settings, get_settings
from bot.db import transaction, utcnow
from knowledge import service
from knowledge.answer import Answer

Handler = Callable[[argparse.Namespace, sessionmaker[Session]], int]
BATCH_COMMIT = 1000


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
    from bot.dialogue import record_if_unanswered  # the dialogue's imports (handover, campaigns, surveys) cost `ask`

    now = utcnow()
    with transaction(factory) as session:
        for question, answer in pending:
            record_if_unanswered(session, question, answer, now)
    pending.clear()


def cmd_chat(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """A terminal conversation that keeps clarification state like any channel."""
    from bot.dialogue import Dialogue, IncomingMessage

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
