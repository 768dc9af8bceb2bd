"""`wufei serve` (so `make run`) prints, once it listens, the chat and console URLs and how to create the first admin."""

from __future__ import annotations

import json
import time
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from bot.admin.accounts import create_user
from bot.banner import banner, has_admin
from bot.config import Settings
from bot.db import transaction, utcnow
from tests.support.processes import serve


def _wait_for_text(log: Path, text: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = log.read_text(encoding="utf-8", errors="replace")
        if text in content:
            return content
        time.sleep(0.1)
    raise AssertionError(f"{text!r} not printed: {log.read_text(errors='replace')[-2000:]}")


def test_serve_prints_the_urls_and_the_first_admin_command(settings: Settings, tmp_path: Path) -> None:
    log = tmp_path / "serve.log"
    env = {"WUFEI_CAMPAIGNS__SCHEDULER": "false", "WUFEI_LOG_FORMAT": "json", "WUFEI_LOG_LEVEL": "INFO"}
    with serve(settings, rate=100, log=log, **env) as (_, base):
        content = _wait_for_text(log, "按 Ctrl+C 停止服务")
    assert f"居民聊天页面：{base}/" in content
    assert f"管理后台：    {base}/admin" in content
    assert "wufei user create 姓名 --role admin" in content
    # WUFEI_LOG_FORMAT=json: our lines and uvicorn's alike are JSON objects
    records = [json.loads(line) for line in content.splitlines() if line.startswith("{")]
    assert any(r["logger"] == "uvicorn.error" and "Uvicorn running" in r["message"] for r in records)
    banner_lines = [line for line in content.splitlines() if line.startswith(("无废城市小助手已启动", "  "))]
    assert len(records) + len(banner_lines) == len(content.splitlines())  # no plain-text log line


def test_the_first_admin_hint_goes_once_an_admin_exists(factory: sessionmaker[Session]) -> None:
    with factory() as session:
        assert not has_admin(session)
    with transaction(factory) as session:
        create_user(session, "张三", "admin", now=utcnow())
    with factory() as session:
        assert has_admin(session)
    text = banner("0.0.0.0", 8000, admin_exists=True)
    assert "http://127.0.0.1:8000/admin" in text and "本机的 IP 地址" in text and "user create" not in text
