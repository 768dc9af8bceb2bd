"""The `wufei kb ingest|tasks|targets` commands: load a plan (方案) and list what was extracted from it."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from bot.archives import ArchiveRefused
from bot.db import transaction, utcnow
from bot.documents import DocxError, read_docx
from knowledge import plans
from knowledge.plan_parser import render_target


def register(subparsers: Any) -> None:
    """Add ingest, tasks and targets to the `kb` sub-command group (handlers are set as `handler`)."""
    p = subparsers.add_parser("ingest", help="导入一份方案（UTF-8 纯文本）")
    p.add_argument("file", help="方案文本文件")
    p.add_argument("--city", default=None, help="城市名称（默认从标题识别）")
    p.set_defaults(handler=cmd_ingest)
    p = subparsers.add_parser("tasks", help="列出方案中的任务和牵头/责任单位")
    p.add_argument("--city", default=None)
    p.add_argument("--unit", default=None, help="只列出该单位牵头或参与的任务")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_tasks)
    p = subparsers.add_parser("targets", help="列出方案中的数值目标")
    p.add_argument("--city", default=None)
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_targets)


def _error(message: str) -> int:
    print(f"错误：{message}", file=sys.stderr)
    return 2


def cmd_ingest(args: argparse.Namespace, session_factory: sessionmaker[Session]) -> int:
    """Ingest one plan file and print the summary and the fragments it could not parse."""
    path = Path(args.file)
    try:
        text = read_docx(path) if path.suffix.lower() == ".docx" else path.read_bytes().decode("utf-8-sig")
    except DocxError:
        return _error(f"{path} 不是有效的 .docx 文件（请用 Word 另存为 .docx 或 UTF-8 纯文本）")
    except ArchiveRefused as exc:
        return _error(f"{path}: {exc}")
    except FileNotFoundError:
        return _error(f"找不到文件 {path}")
    except IsADirectoryError:
        return _error(f"{path} 是一个文件夹，不是文本文件")
    except UnicodeDecodeError:
        return _error(f"{path} 不是 UTF-8 编码的文本，请先另存为 UTF-8 纯文本")
    except OSError as exc:
        return _error(f"无法读取 {path}：{exc.strerror or exc}")
    try:
        with transaction(session_factory) as session:
            report = plans.ingest(session, text=text, source_name=path.name, city=args.city, now=utcnow())
    except plans.PlanFormatError as exc:
        return _error(str(exc))
    print(("已替换旧版本。" if report.replaced else "") + "已导入：" + report.summary())
    if report.unparsed:
        print("未能识别的内容：")
        for frag in report.unparsed:
            print(f"  - [{frag.reason}] {frag.text}")
    return 0


def cmd_tasks(args: argparse.Namespace, session_factory: sessionmaker[Session]) -> int:
    """List tasks with their units, as text or JSON."""
    with session_factory() as session:
        rows = [plans.task_json(t) for t in plans.list_tasks(session, city=args.city, unit=args.unit)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        print(f"{r['city']} {r['label']} {r['title']}")
        print(f"    牵头：{'、'.join(r['lead']) or '—'}  责任：{'、'.join(r['responsible']) or '—'}")
    print(f"共 {len(rows)} 项任务")
    return 0


def cmd_targets(args: argparse.Namespace, session_factory: sessionmaker[Session]) -> int:
    """List numeric targets, as text or JSON."""
    with session_factory() as session:
        rows = [plans.target_json(g) for g in plans.list_targets(session, city=args.city)]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return 0
    for r in rows:
        year = f"{r['year']}年" if r["year"] else "未写年份"
        phrase = render_target(r["indicator"], r["comparator"], r["value"], r["unit"])
        print(f"{r['city']} {r['section'] or '—'} [{year}] {phrase}")
    print(f"共 {len(rows)} 个目标")
    return 0
