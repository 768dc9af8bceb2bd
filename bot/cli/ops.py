"""Operations commands: `wufei backup FILE`, `wufei restore FILE` and `wufei config [--markdown]`.

SQLite is copied with the sqlite3 online backup API, so a backup is consistent while the server writes;
PostgreSQL is dumped with `pg_dump --format=custom` (restore it with `pg_restore`, see docs/operations.md).
"""

from __future__ import annotations

import argparse
import ast
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tokenize
import types
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot import config as config_module
from bot.config import Settings, get_settings
from bot.db import dispose_engines
from bot.runtime import ensure_ready

PREFIX = "WUFEI_"
# Descriptions of settings whose line in bot/config.py has no comment (a comment there wins).
FALLBACK = {
    "WUFEI_HOST": "address `wufei serve` listens on",
    "WUFEI_PORT": "port `wufei serve` listens on",
    "WUFEI_DATA_DIR": "folder of the SQLite database, the survey salt and other local files",
    "WUFEI_DATABASE_URL": "SQLAlchemy URL, e.g. postgresql+psycopg://user:pass@host/wufei; unset = SQLite in the data folder",
    "WUFEI_DEFAULT_AREA": "sorting scheme for residents who did not say: urban 四分类 or rural 二次四分法",
    "WUFEI_TIMEZONE": "time zone of schedules and of times shown to people",
    "WUFEI_LOG_LEVEL": "DEBUG, INFO, WARNING or ERROR",
    "WUFEI_MAX_MESSAGE_CHARS": "longer messages are cut to this many characters before matching",
    "WUFEI_SURVEYS__EXPIRE_HOURS": "an unfinished chat survey expires after this many hours",
    "WUFEI_TELEGRAM__TOKEN": "the bot token from @BotFather; unset = Telegram off",
    "WUFEI_TELEGRAM__BASE_URL": "the Bot API address (a local Bot API server or a test fake)",
    "WUFEI_WECHAT__APP_ID": "the AppID (开发者ID)",
    "WUFEI_WECHAT__API_BASE_URL": "the WeChat API address (a test fake in tests)",
    "WUFEI_WECHAT__PATH": "the webhook path to enter as 服务器地址(URL)",
    "WUFEI_CAMPAIGNS__TICK_SECONDS": "how often the scheduler looks for due campaign runs and sends",
    "WUFEI_CAMPAIGNS__MAX_ATTEMPTS": "sends of one ledger row before it is marked failed",
    "WUFEI_CAMPAIGNS__CELL_TYPES": "the kinds of 无废细胞 staff may register",
}


def register(subparsers: Any) -> None:
    """Add the `backup`, `restore` and `config` commands."""
    p = subparsers.add_parser("backup", help="备份数据库（SQLite 在线备份；PostgreSQL 用 pg_dump）")
    p.add_argument("file", type=Path)
    p.add_argument("--force", action="store_true", help="覆盖已存在的文件")
    p.set_defaults(handler=cmd_backup)
    p = subparsers.add_parser("restore", help="从备份恢复 SQLite 数据库（请先停止服务）")
    p.add_argument("file", type=Path)
    p.set_defaults(handler=cmd_restore, without_db=True)
    p = subparsers.add_parser("config", help="显示当前配置（--markdown：输出全部 WUFEI_* 变量的说明表）")
    p.add_argument("--markdown", action="store_true")
    p.set_defaults(handler=cmd_config, without_db=True)


# ---------------------------------------------------------------- backup and restore


def backup(settings: Settings, target: Path, *, force: bool = False) -> str:
    """Write a backup of the configured database to `target`; returns what was done, for the log."""
    if target.exists() and not force:
        raise ValueError(f"{target} 已存在（用 --force 覆盖）")
    url = make_url(settings.db_url)
    target.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise ValueError("内存数据库无法备份")
        _sqlite_copy(Path(url.database), target)
        return f"SQLite 在线备份：{url.database} → {target}"
    if url.get_backend_name() == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise ValueError("找不到 pg_dump：请安装 PostgreSQL 客户端（如 apt-get install postgresql-client）后重试")
        env = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
        libpq = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
        result = subprocess.run(
            [pg_dump, "--format=custom", "--no-owner", f"--file={target}", f"--dbname={libpq}"],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise ValueError(f"pg_dump 失败：{result.stderr.strip()[:500]}")
        return f"PostgreSQL 备份（pg_dump custom 格式）→ {target}"
    raise ValueError(f"不支持备份 {url.get_backend_name()} 数据库")


def restore(settings: Settings, source: Path) -> str:
    """Replace the configured SQLite database with a backup (stop the server first), then migrate it."""
    url = make_url(settings.db_url)
    if url.get_backend_name() != "sqlite":
        raise ValueError(
            "PostgreSQL 请用 pg_restore 恢复：pg_restore --clean --if-exists --no-owner -d 数据库 备份文件"
            "（见 docs/operations.md），然后运行 wufei init"
        )
    if not url.database or url.database == ":memory:":
        raise ValueError("内存数据库无法恢复")
    if not source.is_file():
        raise ValueError(f"{source} 不存在")
    with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as check:
        try:
            ok = check.execute("PRAGMA integrity_check").fetchone()
        except sqlite3.DatabaseError as exc:
            raise ValueError(f"{source} 不是有效的 SQLite 数据库（{exc}）") from exc
    if not ok or ok[0] != "ok":
        raise ValueError(f"{source} 已损坏（integrity_check：{ok[0] if ok else '无结果'}）")
    dispose_engines()
    target = Path(url.database)
    target.parent.mkdir(parents=True, exist_ok=True)
    _sqlite_copy(source, target)
    ensure_ready(settings)  # an older backup is migrated to the current schema
    return f"已从 {source} 恢复到 {target}"


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy page by page with the online backup API (readers and writers may keep working)."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst, pages=1024)
        finally:
            dst.close()
    finally:
        src.close()


def cmd_backup(args: argparse.Namespace, factory: sessionmaker[Session]) -> int:
    """Back up the database to FILE."""
    print(backup(get_settings(), args.file, force=args.force))
    return 0


def cmd_restore(args: argparse.Namespace, factory: sessionmaker[Session] | None) -> int:
    """Restore the SQLite database from FILE."""
    print(restore(get_settings(), args.file))
    return 0


# ---------------------------------------------------------------- the configuration reference


def _comments(source: str) -> dict[tuple[str, str], str]:
    """(class, field) → the comment at the end of the field's line in bot/config.py."""
    by_line = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    found: dict[tuple[str, str], str] = {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.ClassDef):
            continue
        for item in node.body:
            if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                end = item.end_lineno or item.lineno
                text = by_line.get(end) or by_line.get(item.lineno) or ""
                found[(node.name, item.target.id)] = "" if text.startswith("fmt:") else text
    return found


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(json.dumps(a, ensure_ascii=False) for a in args)
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in args)
    if origin is not None:
        return f"{getattr(origin, '__name__', str(origin))}[{', '.join(_type_name(a) for a in args)}]"
    if annotation is type(None):
        return "None"
    if annotation is SecretStr:
        return "secret"
    return getattr(annotation, "__name__", str(annotation))


def _default(value: Any) -> str:
    if isinstance(value, SecretStr):
        return '`""`' if not value.get_secret_value() else "(set)"
    if value is None:
        return "—"
    if isinstance(value, Path):
        value = value.as_posix()
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list, str)) else str(value)
    return "`" + text.replace("|", "\\|") + "`"


def _rows(model: type[BaseModel], prefix: str, comments: dict[tuple[str, str], str]) -> list[tuple[str, list[str]]]:
    groups: list[tuple[str, list[str]]] = [(prefix, [])]
    for name, info in model.model_fields.items():
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            groups.extend(_rows(annotation, f"{prefix}{name.upper()}__", comments))
            continue
        variable = f"{prefix}{name.upper()}"
        description = (comments.get((model.__name__, name)) or FALLBACK.get(variable, "")).replace("|", "\\|")
        groups[0][1].append(f"| `{variable}` | {_type_name(annotation)} | {_default(info.default)} | {description} |")
    return groups


def config_markdown() -> str:
    """Every WUFEI_* variable with its type, default and description, as Markdown tables (one per group)."""
    source = Path(config_module.__file__).read_text(encoding="utf-8")
    comments = _comments(source)
    docs = {
        f"{PREFIX}{name.upper()}__": (info.annotation.__doc__ or "").strip()
        for name, info in Settings.model_fields.items()
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel)
    }
    out: list[str] = []
    for prefix, rows in _rows(Settings, PREFIX, comments):
        title = docs.get(prefix) or "General settings"
        out += [f"#### `{prefix}*` — {title}", "", "| Variable | Type | Default | Description |", "|---|---|---|---|"]
        out += [*rows, ""]
    return "\n".join(out).rstrip() + "\n"


def _current(model: BaseModel, prefix: str) -> list[str]:
    lines: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, BaseModel):
            lines += _current(value, f"{prefix}{name.upper()}__")
        elif isinstance(value, SecretStr):
            lines.append(f"{prefix}{name.upper()}={'******' if value.get_secret_value() else ''}")
        else:
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) else value
            if name in ("token", "webhook_secret", "salt", "database_url") and value:
                shown = "******"
            lines.append(f"{prefix}{name.upper()}={'' if shown is None else shown}")
    return lines


def cmd_config(args: argparse.Namespace, factory: sessionmaker[Session] | None) -> int:
    """Print the configuration reference (--markdown) or the values in force (secrets hidden)."""
    if args.markdown:
        print(config_markdown(), end="")
    else:
        print("\n".join(_current(get_settings(), PREFIX)))
    return 0
