"""`wufei backup` / `wufei restore`: a consistent copy of a live database, restored elsewhere and read back."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.cli.ops import backup, restore
from bot.config import Settings
from bot.db import dispose_engine, get_engine, session_factory, transaction
from bot.dialogue import Dialogue, IncomingMessage
from bot.models import ChatLog
from tests.support.dialog import T0


def chat_texts(factory: sessionmaker[Session]) -> list[str]:
    with transaction(factory) as session:
        return sorted(session.scalars(select(ChatLog.text)))


def test_a_live_sqlite_database_is_backed_up_and_restored(
    settings: Settings, factory: sessionmaker[Session], tmp_path: Path, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the SQLite online backup")
    Dialogue(factory, settings).handle(IncomingMessage("web", "u1", "用过的纸巾扔哪个桶", T0))
    db = make_url(settings.db_url).database
    assert db
    writer = sqlite3.connect(db, timeout=1)  # the server, mid-transaction: an uncommitted write holds the lock
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO chat_log (channel, text, intent, confidence, created_at) VALUES ('web', '未提交', 'unknown', 0, ?)",
        (T0.isoformat(),),
    )
    try:
        print(backup(settings, tmp_path / "wufei-backup.db"))
    finally:
        writer.rollback()
        writer.close()
    with pytest.raises(ValueError, match="已存在"):
        backup(settings, tmp_path / "wufei-backup.db")

    elsewhere = tmp_path / "restored"
    target = Settings(database_url=f"sqlite:///{elsewhere / 'wufei.db'}", data_dir=elsewhere)
    print(restore(target, tmp_path / "wufei-backup.db"))
    restored = session_factory(target.db_url)
    assert chat_texts(restored) == ["用过的纸巾扔哪个桶"]  # the committed turn, not the uncommitted one
    Dialogue(restored, target).handle(IncomingMessage("web", "u1", "电池", T0))  # and the copy works as a database
    assert len(chat_texts(restored)) == 2
    dispose_engine(target.db_url)


def test_restore_refuses_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    target = Settings(database_url=f"sqlite:///{tmp_path / 'x' / 'wufei.db'}", data_dir=tmp_path / "x")
    with pytest.raises(ValueError, match="SQLite"):
        restore(target, junk)
    with pytest.raises(ValueError, match="不存在"):
        restore(target, tmp_path / "missing.db")


def test_postgres_is_dumped_with_pg_dump(
    settings: Settings, factory: sessionmaker[Session], tmp_path: Path, backend: str
) -> None:
    if backend != "postgres":
        pytest.skip("pg_dump")
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip("the PostgreSQL client tools are not installed")
    Dialogue(factory, settings).handle(IncomingMessage("web", "u1", "用过的纸巾扔哪个桶", T0))
    dump = tmp_path / "wufei.dump"
    backup(settings, dump)
    assert dump.read_bytes()[:5] == b"PGDMP"
    with pytest.raises(ValueError, match="pg_restore"):
        restore(settings, dump)

    url = make_url(settings.db_url)
    name = f"wufei_restore_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    copy = url.set(database=name)
    try:
        libpq = copy.set(drivername="postgresql").render_as_string(hide_password=False)
        done = subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq}", str(dump)], capture_output=True)
        assert done.returncode == 0, done.stderr
        copy_url = copy.render_as_string(hide_password=False)
        with get_engine(copy_url).connect() as conn:
            assert conn.scalar(select(func.count()).select_from(ChatLog)) == 1
        dispose_engine(copy_url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_backup_without_pg_dump_says_what_to_install(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    pg = Settings(database_url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(ValueError, match="pg_dump"):
        backup(pg, tmp_path / "x.dump")


def test_the_cli_backs_up_and_restores(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "WUFEI_DATA_DIR": str(tmp_path),
        "WUFEI_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "WUFEI_LOG_LEVEL": "WARNING",
    }

    def wufei(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "bot.cli", *args]
        return subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)

    assert wufei("ask", "完全没听说过的咕噜东西").returncode == 0  # something in the unanswered queue
    done = wufei("backup", str(tmp_path / "b.db"))
    assert done.returncode == 0, done.stderr
    (tmp_path / "cli.db").unlink()
    done = wufei("restore", str(tmp_path / "b.db"))
    assert done.returncode == 0, done.stderr
    assert "已从" in done.stdout
    assert "咕噜" in wufei("kb", "unanswered").stdout
    refused = wufei("restore", str(tmp_path / "nothing.db"))
    assert refused.returncode == 2 and "不存在" in refused.stderr
