"""Exports from the command line land in the audit log like the console's downloads (issue #15 §3): who (cli:<user>),
when, which format, wave and file; reading the figures as text on the terminal is not an export."""

from __future__ import annotations

import getpass
import os
import subprocess
import sys
from pathlib import Path

from bot.admin import audit
from bot.db import session_factory, transaction


def wufei(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, env=env, timeout=180
    )


def test_cli_exports_are_audited_and_the_text_view_is_not(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {
        **os.environ,
        "WUFEI_DATA_DIR": str(tmp_path / "data"),
        "WUFEI_DATABASE_URL": url,
        "WUFEI_LOG_LEVEL": "WARNING",
    }
    paper = tmp_path / "paper.csv"
    paper.write_text(
        "publicity,participation,satisfaction,township,age_band,identity\n1,1,满意,和庄镇,30-44,居民\n"
        "3,6,一般,新密·青屏街道,60以上,其他\n",
        encoding="utf-8",
    )
    assert wufei(env, "survey", "import", "public", str(paper)).returncode == 0
    book = tmp_path / "figures.xlsx"
    assert wufei(env, "survey", "export", str(book), "--survey", "public").returncode == 0
    assert wufei(env, "indicators", "public", "--format", "json", "--by", "township").returncode == 0
    assert wufei(env, "indicators", "public").returncode == 0  # text on the terminal: not an export
    with transaction(session_factory(url)) as session:
        exports = [e for e in audit.entries(session) if e.action == "survey.export"]
    assert [e.actor for e in exports] == [f"cli:{getpass.getuser()}"] * 2
    details = sorted((e.detail["format"], e.detail.get("file")) for e in exports)
    assert details == [("json", None), ("xlsx", "figures.xlsx")]
    assert all(e.target == "public" for e in exports)
